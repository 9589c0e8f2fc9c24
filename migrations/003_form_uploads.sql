-- Who uploaded each scanned form, and when (FORMATS.md §10.3): the per-device
-- quotas count these rows, and a form no logged result references expires
-- some time after its upload. Blobs without a row here (the election
-- definition, forms loaded from a bundle) are never counted or expired.
CREATE TABLE form_uploads (
  sha256      text PRIMARY KEY REFERENCES blobs (sha256) ON DELETE CASCADE,
  device      text NOT NULL,
  station     text NOT NULL,
  size        bigint NOT NULL CHECK (size > 0),
  uploaded_at timestamptz NOT NULL,
  -- Set once a sweep found a logged result (or correction) citing the form: kept for good.
  referenced  boolean NOT NULL DEFAULT false
);
CREATE INDEX form_uploads_by_device ON form_uploads (device);
CREATE INDEX form_uploads_expiring ON form_uploads (uploaded_at) WHERE NOT referenced;

// Uploaded forms and who uploaded them (migrations/003_form_uploads.sql): the
// rows that per-device quotas count and that expire when no logged result
// cites them. Plain SQL, the same on PostgreSQL and PGlite.
import { createHash } from 'node:crypto';
import type { Db } from './db.js';

export interface FormUpload {
  /** Lower-case hex SHA-256 of `data`. */
  sha256: string;
  contentType: string;
  data: Uint8Array;
  /** The device that signed the upload, and the station it is enrolled at. */
  device: string;
  station: string;
  uploadedAt: Date;
}

/** An upload without its bytes. */
export interface FormUploadInfo {
  sha256: string;
  device: string;
  station: string;
  size: number;
}

export interface DeviceFormUsage {
  device: string;
  forms: number;
  bytes: number;
}

export interface FormStore {
  /**
   * Stores the forms and their upload rows in ONE transaction, durably. A hash
   * already stored (as a form or any other blob) is left as it is. Returns the
   * hashes that were new.
   */
  putForms(uploads: readonly FormUpload[]): Promise<Set<string>>;
  /** Whether a blob (a form or any other) with this hash is stored. */
  has(sha256: string): Promise<boolean>;
  /** Stored uploads per device. */
  usage(): Promise<DeviceFormUsage[]>;
  /** Uploads before `before` that no sweep has yet found cited, oldest first, at most `limit`. */
  listUncited(before: Date, limit: number): Promise<FormUploadInfo[]>;
  /** Marks uploads as cited by the log: they never expire. */
  markCited(sha256s: readonly string[]): Promise<void>;
  /**
   * Deletes these uploads, rows and bytes, where they are still uncited and
   * uploaded before `before`. Returns what was deleted.
   */
  deleteUncited(sha256s: readonly string[], before: Date): Promise<FormUploadInfo[]>;
}

type InfoRow = { sha256: string; device: string; station: string; size: string | number };
const info = (r: InfoRow): FormUploadInfo => ({
  sha256: r.sha256,
  device: r.device,
  station: r.station,
  size: Number(r.size),
});

export class SqlFormStore implements FormStore {
  constructor(
    private readonly db: Db,
    /** Checks the store is writable before, and makes the commit durable after, each write. */
    private readonly write: { before(): void; after(): Promise<void> },
  ) {}

  async putForms(uploads: readonly FormUpload[]): Promise<Set<string>> {
    this.write.before();
    const byHash = new Map<string, FormUpload>();
    for (const u of uploads) {
      const actual = createHash('sha256').update(u.data).digest('hex');
      if (u.sha256 !== actual)
        throw new Error(`form key ${u.sha256} is not the SHA-256 of its data (${actual})`);
      if (!byHash.has(u.sha256)) byHash.set(u.sha256, u);
    }
    const batch = [...byHash.values()];
    if (batch.length === 0) return new Set();
    // Two statements for the whole batch, whatever its size: one commit, one fsync.
    const fresh = await this.db.withTransaction(async (tx) => {
      const inserted = await tx.query<{ sha256: string }>(
        `INSERT INTO blobs (sha256, content_type, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
         ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
        [batch.map((u) => u.sha256), batch.map((u) => u.contentType), batch.map((u) => u.data)],
      );
      const stored = new Set(inserted.map((r) => r.sha256));
      const rows = batch.filter((u) => stored.has(u.sha256));
      if (rows.length > 0)
        await tx.query(
          `INSERT INTO form_uploads (sha256, device, station, size, uploaded_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])`,
          [
            rows.map((u) => u.sha256),
            rows.map((u) => u.device),
            rows.map((u) => u.station),
            rows.map((u) => u.data.length),
            rows.map((u) => u.uploadedAt),
          ],
        );
      return stored;
    });
    if (fresh.size > 0) await this.write.after();
    return fresh;
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM blobs WHERE sha256 = $1', [sha256])).length > 0;
  }

  async usage(): Promise<DeviceFormUsage[]> {
    const rows = await this.db.query<{ device: string; forms: string; bytes: string }>(
      'SELECT device, count(*) AS forms, sum(size) AS bytes FROM form_uploads GROUP BY device',
    );
    return rows.map((r) => ({ device: r.device, forms: Number(r.forms), bytes: Number(r.bytes) }));
  }

  async listUncited(before: Date, limit: number): Promise<FormUploadInfo[]> {
    const rows = await this.db.query<InfoRow>(
      `SELECT sha256, device, station, size FROM form_uploads
       WHERE NOT referenced AND uploaded_at < $1 ORDER BY uploaded_at, sha256 LIMIT $2`,
      [before, limit],
    );
    return rows.map(info);
  }

  async markCited(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return;
    this.write.before();
    await this.db.query('UPDATE form_uploads SET referenced = true WHERE sha256 = ANY($1)', [
      sha256s,
    ]);
    await this.write.after();
  }

  async deleteUncited(sha256s: readonly string[], before: Date): Promise<FormUploadInfo[]> {
    if (sha256s.length === 0) return [];
    this.write.before();
    const deleted = await this.db.withTransaction(async (tx) => {
      const rows = await tx.query<InfoRow>(
        `DELETE FROM form_uploads
         WHERE sha256 = ANY($1) AND NOT referenced AND uploaded_at < $2
         RETURNING sha256, device, station, size`,
        [sha256s, before],
      );
      if (rows.length > 0)
        await tx.query('DELETE FROM blobs WHERE sha256 = ANY($1)', [rows.map((r) => r.sha256)]);
      return rows.map(info);
    });
    if (deleted.length > 0) await this.write.after();
    return deleted;
  }
}

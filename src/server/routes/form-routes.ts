// PUT/GET /api/v1/forms/<sha256>: the scanned signed forms, stored by hash.
// The log holds only the hash; the image is checked against it on upload and
// by anyone who downloads it. Only a device enrolled at a station may upload,
// signing the form's hash, within its quota and the server's budget; uploads
// no logged result cites expire (FORMATS.md §10.3, src/server/form-uploads.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { FormListAnswer, FormStored } from '../../api/contract.js';
import {
  FORM_DEVICE_HEADER,
  FORM_SIGNATURE_HEADER,
  FORM_TYPES,
  formUploadMessage,
  sniffFormType,
} from '../../election/form-upload.js';
import type { DeviceLookup } from '../../election/rules.js';
import { fromBase64, toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import type { Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { FormUploads } from '../form-uploads.js';
import type { SignatureCheck } from '../signature-check.js';
import { type PageQuery, pageLimit } from './paging.js';
import { FORM_LIST_RESPONSE } from './response-schemas.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The writer's form uploads (quotas, sweep); absent on a read-only server. */
    formUploads?: FormUploads;
  }
}

export interface FormDownloadDeps {
  blobs: Pick<Store, 'getBlob' | 'listBlobKeys'>;
}

/** Forms per request of GET /api/v1/forms: default and most. */
export const FORM_LIST_LIMIT = { fallback: 1000, max: 10_000 } as const;

export interface FormUploadDeps {
  electionId: string;
  uploads: FormUploads;
  /** The devices as the log now stands (enrolments and revocations included). */
  devices: DeviceLookup;
  verify: SignatureCheck;
}

const isFormType = (type: string) => FORM_TYPES.includes(type as (typeof FORM_TYPES)[number]);

export const MAX_FORM_BYTES = 10 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

/** PUT /api/v1/forms/<sha256> (a writer only). */
export const formUploadRoutes: FastifyPluginAsync<FormUploadDeps> = async (app, deps) => {
  const { uploads } = deps;
  uploads.startSweeping((e) => app.log.error(e, 'form sweep failed'));
  app.addHook('onClose', async () => uploads.stop());
  const maxBytes = uploads.limits.maxFormBytes;

  /**
   * Who is uploading: a device enrolled at a station and not revoked, signing
   * the form's hash. Checked from the headers alone, before the body is read.
   */
  const authorise = async (req: FastifyRequest<{ Params: { sha256: string } }>) => {
    const want = req.params.sha256;
    if (!HEX64.test(want))
      throw new ApiError(
        'INVALID_FIELD',
        'the URL must end in the form’s lower-case hex SHA-256 (64 characters)',
        'sha256',
      );
    const device = req.headers[FORM_DEVICE_HEADER];
    const sig = req.headers[FORM_SIGNATURE_HEADER];
    if (typeof device !== 'string' || device === '')
      throw new ApiError('FORM_NOT_SIGNED', undefined, FORM_DEVICE_HEADER);
    if (typeof sig !== 'string' || sig === '')
      throw new ApiError('FORM_NOT_SIGNED', undefined, FORM_SIGNATURE_HEADER);
    const enrolled = deps.devices(device);
    if (!enrolled)
      throw new ApiError(
        'UNKNOWN_DEVICE',
        'no device with that id is enrolled',
        FORM_DEVICE_HEADER,
      );
    if (enrolled.revokedAt !== undefined && enrolled.revokedAt !== null)
      throw new ApiError(
        'DEVICE_REVOKED',
        `the device was revoked by entry ${enrolled.revokedAt}`,
        FORM_DEVICE_HEADER,
      );
    const publicKey = fromBase64(enrolled.publicKey);
    const signature = fromBase64(sig);
    const message = formUploadMessage(deps.electionId, enrolled.station, want);
    const valid =
      publicKey !== undefined &&
      signature !== undefined &&
      (await deps.verify(publicKey, message, signature));
    if (!valid)
      throw new ApiError(
        'BAD_SIGNATURE',
        `the signature is not the device's over "kura form v1\\n<election>\\n${enrolled.station}\\n<sha256>\\n"`,
        FORM_SIGNATURE_HEADER,
      );
    return { device, station: enrolled.station };
  };
  const authorised = new WeakMap<FastifyRequest, { device: string; station: string }>();

  app.register(async (scope) => {
    scope.addContentTypeParser(
      [...FORM_TYPES],
      { parseAs: 'buffer', bodyLimit: maxBytes },
      (_req, body, done) => done(null, body),
    );

    scope.put<{ Params: { sha256: string } }>(
      '/api/v1/forms/:sha256',
      {
        bodyLimit: maxBytes,
        onRequest: async (req) => {
          authorised.set(req, await authorise(req));
        },
      },
      async (req, reply) => {
        const who = authorised.get(req);
        if (!who) throw new ApiError('INTERNAL');
        const want = req.params.sha256;
        const declared = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
        const body = req.body;
        if (!(body instanceof Buffer) || body.length === 0)
          throw new ApiError('INVALID_FIELD', 'the body must be the form file', 'body');
        const data = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        const sniffed = sniffFormType(data);
        if (!sniffed)
          throw new ApiError(
            'FORM_NOT_RECOGNISED',
            'the file is not a JPEG, PNG or PDF (its first bytes say so)',
            'body',
          );
        if (sniffed !== declared)
          throw new ApiError(
            'UNSUPPORTED_MEDIA_TYPE',
            `Content-Type says ${declared} but the file is ${sniffed}`,
            'content-type',
          );
        const got = toHex(sha256(data));
        if (got !== want)
          throw new ApiError(
            'FORM_HASH_MISMATCH',
            `the file's SHA-256 is ${got}, not ${want}`,
            'sha256',
          );
        // Storing a form already stored costs nothing and changes nothing.
        let fresh: boolean;
        try {
          fresh = await uploads.store({ sha256: want, contentType: sniffed, data, ...who });
        } catch (e) {
          if (e instanceof ApiError) throw e;
          throw new ApiError(
            'SEQUENCER_UNAVAILABLE',
            'the form could not be stored; nothing was kept; retry later',
          );
        }
        const stored: FormStored = {
          sha256: want,
          contentType: sniffed,
          size: data.length,
          stored: fresh ? 'new' : 'already',
        };
        return reply.code(fresh ? 201 : 200).send(stored);
      },
    );
  });
};

/**
 * GET /api/v1/forms/<sha256>: any stored form, on a writer or a reader; and
 * GET /api/v1/forms?after=&limit=: the hashes of the forms stored, so an
 * auditor downloads only those and knows the rest are missing without
 * asking for each.
 */
export const formDownloadRoutes: FastifyPluginAsync<FormDownloadDeps> = async (app, deps) => {
  app.get<{ Querystring: PageQuery; Reply: FormListAnswer }>(
    '/api/v1/forms',
    { schema: { response: { 200: FORM_LIST_RESPONSE } } },
    async (req) => {
      const { after } = req.query;
      if (after !== undefined && !HEX64.test(after))
        throw new ApiError(
          'BAD_CURSOR',
          'after must be a lower-case hex SHA-256 (the "next" of an earlier page)',
          'after',
        );
      const limit = pageLimit(req.query.limit, FORM_LIST_LIMIT.fallback, FORM_LIST_LIMIT.max);
      const blobs = await deps.blobs.listBlobKeys(after ?? '', limit);
      // Other blobs (the definition) are not forms: skipped, as their download is refused.
      const forms = blobs.filter((b) => isFormType(b.contentType));
      return {
        forms: forms.map((b) => ({ sha256: b.sha256, contentType: b.contentType })),
        next: blobs.length === limit ? (blobs[blobs.length - 1]?.sha256 ?? null) : null,
      };
    },
  );

  app.get<{ Params: { sha256: string } }>('/api/v1/forms/:sha256', async (req, reply) => {
    const want = req.params.sha256;
    if (!HEX64.test(want))
      throw new ApiError('INVALID_FIELD', 'the URL must end in a lower-case hex SHA-256', 'sha256');
    const blob = await deps.blobs.getBlob(want);
    if (!blob || !isFormType(blob.contentType))
      throw new ApiError('NOT_FOUND', `no form with SHA-256 ${want} has been uploaded`);
    return reply
      .header('content-type', blob.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', `"${want}"`)
      .send(Buffer.from(blob.data));
  });
};

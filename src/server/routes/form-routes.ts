// PUT/GET /api/v1/forms/<sha256>: the scanned signed forms, stored by hash.
// The log holds only the hash; the image is checked against it on upload and
// by anyone who downloads it.
import type { FastifyInstance } from 'fastify';
import { toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import type { ServerContext } from '../app.js';
import { ApiError } from '../errors.js';

export const MAX_FORM_BYTES = 10 * 1024 * 1024;
const FORM_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
const HEX64 = /^[0-9a-f]{64}$/;

/** The media type a file's first bytes show, if it is one we keep. */
export function sniffFormType(data: Uint8Array): (typeof FORM_TYPES)[number] | null {
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (
    data[0] === 0x89 &&
    data[1] === 0x50 &&
    data[2] === 0x4e &&
    data[3] === 0x47 &&
    data[4] === 0x0d &&
    data[5] === 0x0a
  )
    return 'image/png';
  if (
    data[0] === 0x25 &&
    data[1] === 0x50 &&
    data[2] === 0x44 &&
    data[3] === 0x46 &&
    data[4] === 0x2d
  )
    return 'application/pdf';
  return null;
}

export function registerFormRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(
      [...FORM_TYPES],
      { parseAs: 'buffer', bodyLimit: MAX_FORM_BYTES },
      (_req, body, done) => done(null, body),
    );

    scope.put<{ Params: { sha256: string } }>(
      '/api/v1/forms/:sha256',
      { bodyLimit: MAX_FORM_BYTES },
      async (req, reply) => {
        if (!ctx.sequencer) throw new ApiError('READ_ONLY');
        const want = req.params.sha256;
        if (!HEX64.test(want))
          throw new ApiError(
            'INVALID_FIELD',
            'the URL must end in the form’s lower-case hex SHA-256 (64 characters)',
            'sha256',
          );
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
        const existed = await ctx.store.hasBlob(want);
        if (!existed) await ctx.store.putBlob({ sha256: want, contentType: sniffed, data });
        return reply.code(existed ? 200 : 201).send({
          sha256: want,
          contentType: sniffed,
          size: data.length,
          stored: !existed ? 'new' : 'already',
        });
      },
    );
  });

  app.get<{ Params: { sha256: string } }>('/api/v1/forms/:sha256', async (req, reply) => {
    const want = req.params.sha256;
    if (!HEX64.test(want))
      throw new ApiError('INVALID_FIELD', 'the URL must end in a lower-case hex SHA-256', 'sha256');
    const blob = await ctx.store.getBlob(want);
    if (!blob || !FORM_TYPES.includes(blob.contentType as (typeof FORM_TYPES)[number]))
      throw new ApiError('NOT_FOUND', `no form with SHA-256 ${want} has been uploaded`);
    return reply
      .header('content-type', blob.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', `"${want}"`)
      .send(Buffer.from(blob.data));
  });
}

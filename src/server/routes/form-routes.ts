// PUT/GET /api/v1/forms/<sha256>: the scanned signed forms, stored by hash.
// The log holds only the hash; the image is checked against it on upload and
// by anyone who downloads it. Only a device enrolled at a station may upload,
// signing the form's hash, within its quota and the server's budget, or a
// party agent on its party's roster, the photo of its own copy for a dissent;
// uploads nothing logged cites expire (FORMATS.md §10.3, src/server/form-uploads.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { FormListAnswer, FormStored } from '../../api/contract.js';
import type { AgentBook } from '../../election/agents.js';
import {
  FORM_AGENT_HEADER,
  FORM_DEVICE_HEADER,
  FORM_PARTY_HEADER,
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
import type { FormUploads, QuotaHolder } from '../form-uploads.js';
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
  /** The parties and their agents as the log now stands (rosters included). */
  agents: () => Pick<AgentBook, 'party' | 'agent'>;
  verify: SignatureCheck;
}

/** Who may upload: the id its quota is counted under, its station, and how a quota refusal names it. */
interface Uploader {
  device: string;
  station: string;
  holder: QuotaHolder;
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
   * the form's hash (or, with no kura-device header and a kura-agent one, a
   * party agent). Checked from the headers alone, before the body is read.
   */
  const authorise = async (
    req: FastifyRequest<{ Params: { sha256: string } }>,
  ): Promise<Uploader> => {
    const want = req.params.sha256;
    if (!HEX64.test(want))
      throw new ApiError(
        'INVALID_FIELD',
        'the URL must end in the form’s lower-case hex SHA-256 (64 characters)',
        'sha256',
      );
    const sig = req.headers[FORM_SIGNATURE_HEADER];
    if (
      req.headers[FORM_DEVICE_HEADER] === undefined &&
      req.headers[FORM_AGENT_HEADER] !== undefined
    )
      return authoriseAgent(req, want, sig);
    const device = req.headers[FORM_DEVICE_HEADER];
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
    await checkSignature(enrolled.publicKey, sig, enrolled.station, want, "device's");
    const holder: QuotaHolder = { name: `device ${device}`, field: FORM_DEVICE_HEADER };
    return { device, station: enrolled.station, holder };
  };

  /**
   * A party agent on its party's roster and not revoked, signing with its agent
   * key for the station it is enrolled at: the photo of its copy of the form.
   * Its quota is its own, counted under "agent:<party>:<agent>".
   */
  const authoriseAgent = async (
    req: FastifyRequest,
    want: string,
    sig: string | string[] | undefined,
  ): Promise<Uploader> => {
    const party = req.headers[FORM_PARTY_HEADER];
    const agent = req.headers[FORM_AGENT_HEADER];
    if (typeof party !== 'string' || party === '')
      throw new ApiError('FORM_NOT_SIGNED', undefined, FORM_PARTY_HEADER);
    if (typeof agent !== 'string' || agent === '')
      throw new ApiError('FORM_NOT_SIGNED', undefined, FORM_AGENT_HEADER);
    if (typeof sig !== 'string' || sig === '')
      throw new ApiError('FORM_NOT_SIGNED', undefined, FORM_SIGNATURE_HEADER);
    const book = deps.agents();
    if (!book.party(party))
      throw new ApiError('UNKNOWN_PARTY', `no party ${party} is enrolled`, FORM_PARTY_HEADER);
    const enrolled = book.agent(party, agent);
    if (!enrolled)
      throw new ApiError(
        'UNKNOWN_AGENT',
        `party ${party} has no agent ${agent} on its roster`,
        FORM_AGENT_HEADER,
      );
    if (enrolled.revokedAt !== null)
      throw new ApiError(
        'AGENT_REVOKED',
        `the agent was revoked by entry ${enrolled.revokedAt}`,
        FORM_AGENT_HEADER,
      );
    await checkSignature(enrolled.publicKey, sig, enrolled.station, want, "agent's");
    const holder: QuotaHolder = {
      name: `agent ${agent} of party ${party}`,
      field: FORM_AGENT_HEADER,
    };
    return { device: `agent:${party}:${agent}`, station: enrolled.station, holder };
  };

  const checkSignature = async (
    key: string,
    sig: string,
    station: string,
    want: string,
    whose: string,
  ): Promise<void> => {
    const publicKey = fromBase64(key);
    const signature = fromBase64(sig);
    const message = formUploadMessage(deps.electionId, station, want);
    const valid =
      publicKey !== undefined &&
      signature !== undefined &&
      (await deps.verify(publicKey, message, signature));
    if (!valid)
      throw new ApiError(
        'BAD_SIGNATURE',
        `the signature is not the ${whose} over "kura form v1\\n<election>\\n${station}\\n<sha256>\\n"`,
        FORM_SIGNATURE_HEADER,
      );
  };
  const authorised = new WeakMap<FastifyRequest, Uploader>();

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
          fresh = await uploads.store(
            { sha256: want, contentType: sniffed, data, device: who.device, station: who.station },
            who.holder,
          );
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

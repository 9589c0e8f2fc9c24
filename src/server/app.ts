// The HTTP face of a kura log: result submission, form uploads, tallies and
// station pages derived from the log, proofs, and the C2SP tlog-tiles
// endpoints that let anyone mirror and check the whole log.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ElectionIndex } from '../election/election-index.js';
import type { Store, StoredCheckpoint } from '../store/store.js';
import { ApiError } from './errors.js';
import type { OfficialsService } from './officials-service.js';
import { registerDirectoryRoutes } from './routes/directory-routes.js';
import { registerFormRoutes } from './routes/form-routes.js';
import { registerLogRoutes } from './routes/log-routes.js';
import { registerOfficialRoutes } from './routes/official-routes.js';
import { registerOpenDataRoutes } from './routes/open-data-routes.js';
import { registerPortalRoutes } from './routes/portal-routes.js';
import { registerReadRoutes } from './routes/read-routes.js';
import { registerResultRoutes } from './routes/result-routes.js';
import type { Sequencer } from './sequencer.js';
import type { SignaturePool } from './signature-pool.js';

export interface ServerContext {
  store: Store;
  index: ElectionIndex;
  /** Canonical bytes of the definition document (entry 0 commits to their hash). */
  definitionBytes: Uint8Array;
  /** The log's signed-note verifier key. */
  logVerifierKey: string;
  /** The writer; null for a stateless reader or a read-only mirror. */
  sequencer: Sequencer | null;
  /** Verifies device signatures off the main thread; without it, inline. */
  signatures?: SignaturePool;
  /** Without a sequencer: the latest checkpoint this reader serves. */
  readerCheckpoint?: () => StoredCheckpoint | null;
  /** With witnesses configured: the checkpoint as served, with the cosignatures collected. */
  witnessed?: (cp: StoredCheckpoint) => StoredCheckpoint;
  /** Logins and officials' acts; absent when the server has no commission key. */
  officials?: OfficialsService;
  /** The cosignature/v1 verifier keys of the witnesses this server pushes to (GET /log/witnesses). */
  witnessKeys?: readonly string[];
}

export interface ServerOptions {
  logger?: boolean;
}

export async function buildServer(
  ctx: ServerContext,
  opts: ServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 64 * 1024,
    // Identifiers may be 128 characters; leave room so long ones get our 4xx, not Fastify's 414.
    routerOptions: { maxParamLength: 512 },
    // The log's own idempotency makes retries safe; keep sockets cheap for many devices.
    keepAliveTimeout: 30_000,
  });

  // Results are JSON only; a text body is refused with 415 rather than parsed.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error: FastifyError | ApiError, _req, reply) => {
    if (error instanceof ApiError) {
      if (error.status === 503) reply.header('retry-after', '1');
      return reply.code(error.status).send(error.toJSON());
    }
    const mapped = mapFastifyError(error as FastifyError);
    if (mapped.status >= 500) app.log.error(error);
    return reply.code(mapped.status).send(mapped.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(e.status).send(e.toJSON());
  });

  registerResultRoutes(app, ctx);
  registerFormRoutes(app, ctx);
  registerReadRoutes(app, ctx);
  registerLogRoutes(app, ctx);
  registerDirectoryRoutes(app, ctx);
  registerOpenDataRoutes(app, ctx);
  registerOfficialRoutes(app, ctx);
  registerPortalRoutes(app);
  return app;
}

function mapFastifyError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('BODY_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('MALFORMED_BODY', error.message);
    default:
      if (error instanceof SyntaxError || error.statusCode === 400)
        return new ApiError('MALFORMED_BODY', error.message);
      if (error.statusCode === 413) return new ApiError('BODY_TOO_LARGE', error.message);
      if (error.statusCode === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE', error.message);
      return new ApiError('INTERNAL');
  }
}

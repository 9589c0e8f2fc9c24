// The HTTP face of a kura log: result submission, form uploads, tallies and
// station pages derived from the log, proofs, and the C2SP tlog-tiles
// endpoints that let anyone mirror and check the whole log.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { StoredCheckpoint } from '../store/store.js';
import { CheckpointWatch, WATCH_PERIOD_MS } from './checkpoint-watch.js';
import type { ReaderRole, ServerContext } from './context.js';
import { ApiError } from './errors.js';
import { followedFold, type ServedFold } from './fold-follower.js';
import { FormUploads } from './form-uploads.js';
import { type LogView, storeLogView, writerLogView } from './log-view.js';
import { type RateLimits, registerRateLimits } from './rate-limits.js';
import { READS_PER_TURN, ReadTurns } from './read-turns.js';
import { checkParameters, decodeJsonBody } from './request-decoding.js';
import { clientErrorHandler, type LogOptions, loggerOptions, logRefusal } from './request-log.js';
import { agentRoutes } from './routes/agent-routes.js';
import { auditRecordRoutes } from './routes/audit-record-routes.js';
import { auditActRoutes } from './routes/audit-routes.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { DEFAULT_LIVE_EVENTS, eventRoutes, type LiveEventOptions } from './routes/event-routes.js';
import { formDownloadRoutes, formUploadRoutes } from './routes/form-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { officialRecordRoutes } from './routes/official-record-routes.js';
import { officialActRoutes } from './routes/official-routes.js';
import { openDataRoutes } from './routes/open-data-routes.js';
import { partyRoutes } from './routes/party-routes.js';
import {
  type PortalMiss,
  portalPreloads,
  portalTrustRoot,
  registerPortalRoutes,
} from './routes/portal-routes.js';
import { proofRoutes } from './routes/proof-routes.js';
import { readOnlyRoutes } from './routes/read-only-routes.js';
import { resultRoutes } from './routes/result-routes.js';
import { stationRoutes } from './routes/station-routes.js';
import { tallyRoutes } from './routes/tally-routes.js';
import { registerSecurityHeaders } from './security-headers.js';
import { SequencerError } from './sequencer-error.js';
import { signatureCheck } from './signature-check.js';
import { publishedTallies, storedTallies, type TallyReader } from './tally-reader.js';

export interface ServerOptions {
  /** Structured JSON-line logs of refused and failed requests; off when absent or false. */
  logger?: boolean | LogOptions;
  /** How long a client may take to send a request (defaults: DEFAULT_TIMEOUTS). */
  timeouts?: Partial<Timeouts>;
  /**
   * How a writer's public reads (GET and HEAD) take turns with its ingest
   * (read-turns.ts; default READS_PER_TURN a pass). Readers have no ingest
   * and do not take turns.
   */
  readTurns?: ReadTurns;
  /** Per-address limits on logins and form uploads (defaults: DEFAULT_RATE_LIMITS); false: none. */
  rateLimits?: Partial<RateLimits> | false;
  /**
   * Proxies (addresses or CIDR ranges, e.g. the nginx front) whose
   * X-Forwarded-For names the client: the per-address limits and the login
   * audit then see the client, not the proxy.
   */
  trustProxy?: readonly string[];
  /** The live-update streams (/log/events): their cap, heartbeat, and how often the checkpoint is watched. */
  liveEvents?: Partial<LiveEventOptions> & { watchMs?: number };
}

export interface Timeouts {
  /** The whole request, headers and body, must arrive within this (then 408 and the connection closes). */
  requestMs: number;
  /** The headers must arrive within this (at most requestMs). */
  headersMs: number;
  /** A connection with no traffic at all for this long is closed. */
  idleMs: number;
}

/** Long enough for a 10 MiB scan over a slow mobile link, short enough that a trickle cannot hold a socket. */
export const DEFAULT_TIMEOUTS: Timeouts = { requestMs: 120_000, headersMs: 20_000, idleMs: 60_000 };

export async function buildServer(
  ctx: ServerContext,
  opts: ServerOptions = {},
): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const headersMs = Math.min(timeouts.headersMs, timeouts.requestMs);
  const app: FastifyInstance = Fastify({
    logger: loggerOptions(opts.logger),
    // Refusals are logged with their error code (request-log.ts); successes are not.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: timeouts.requestMs,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersMs / 4))),
    },
    clientErrorHandler: clientErrorHandler(() => app.log),
    // A malformed path gets kura's error body, not the framework's.
    frameworkErrors: (error, req, reply) => {
      const e =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ApiError('PATH_TOO_LONG', error.message, 'path')
          : new ApiError('BAD_URL', error.message, 'path');
      logRefusal(req, e);
      return (reply as FastifyReply).code(e.status).send(e.toJSON());
    },
    bodyLimit: 64 * 1024,
    // Identifiers may be 128 characters; leave room so long ones get our 4xx, not Fastify's 414.
    routerOptions: { maxParamLength: 512 },
    // The log's own idempotency makes retries safe; keep sockets cheap for many devices.
    keepAliveTimeout: 30_000,
    ...(opts.trustProxy?.length ? { trustProxy: [...opts.trustProxy] } : {}),
  });

  // First of all hooks, so a read's whole handling waits for its turn.
  const turns =
    ctx.role.kind === 'writer' ? (opts.readTurns ?? new ReadTurns(READS_PER_TURN)) : null;
  if (turns)
    app.addHook('onRequest', (req, _reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD') turns.admit(done);
      else done();
    });
  // Results are JSON only; a text body is refused with 415 rather than parsed.
  app.removeContentTypeParser('text/plain');
  // Every JSON body is decoded strictly, once, for every route (request-decoding.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, decodeJsonBody(text as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      checkParameters(req.params, req.query);
    } catch (e) {
      return done(e as Error);
    }
    done();
  });
  // A client can quote the id of a refused request; the log line carries it.
  // (Callback hooks, not async ones: no promise per request on the hottest reads.)
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  app.setErrorHandler((error: FastifyError | ApiError | SequencerError, req, reply) => {
    const e =
      error instanceof ApiError
        ? error
        : error instanceof SequencerError
          ? ApiError.fromSequencer(error)
          : mapFastifyError(error as FastifyError);
    logRefusal(req, e, error);
    if (e.status === 503) reply.header('retry-after', '1');
    return reply.code(e.status).send(e.toJSON());
  });
  // Set once the portal is registered (below): a browser's miss gets the portal's Not found page.
  let portalMiss: PortalMiss | null = null;
  app.setNotFoundHandler((req, reply) => {
    const page = portalMiss?.(req, reply);
    if (page) return page;
    const e = new ApiError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    logRefusal(req, e);
    return reply.code(e.status).send(e.toJSON());
  });
  await registerSecurityHeaders(app);
  await registerRateLimits(app, opts.rateLimits);

  const { store, index, role } = ctx;
  // What a writer serves from its own state, a reader serves from the store:
  // the same answers, chosen here once for every route.
  const writer = role.kind === 'writer' ? role : null;
  const log: LogView = writer
    ? writerLogView(writer.sequencer)
    : storeLogView(store, (role as ReaderRole).checkpoint);
  const tallies: TallyReader = writer
    ? publishedTallies(writer.sequencer)
    : storedTallies(store, index);
  const fold: ServedFold = writer
    ? async () => writer.sequencer.fold
    : followedFold(store, index, (role as ReaderRole).checkpoint);

  await app.register(tallyRoutes, { index, tallies, definitionBytes: ctx.definitionBytes });
  await app.register(stationRoutes, { index, results: store, fold });
  await app.register(partyRoutes, { index, fold });
  await app.register(proofRoutes, { log, entries: store });
  await app.register(logRoutes, {
    log,
    store,
    logVerifierKey: ctx.logVerifierKey,
    witnessKeys: ctx.witnessKeys ?? [],
    witnessed: writer?.witnessed,
  });
  // The checkpoint as /log/checkpoint serves it, watched once for every live stream.
  const served = (): StoredCheckpoint | null => {
    try {
      const cp = log.checkpoint();
      return writer?.witnessed ? writer.witnessed(cp) : cp;
    } catch {
      return null;
    }
  };
  const watch = new CheckpointWatch(served, opts.liveEvents?.watchMs ?? WATCH_PERIOD_MS);
  app.addHook('onClose', (_app, done) => {
    watch.close();
    done();
  });
  await app.register(eventRoutes, {
    watch,
    options: { ...DEFAULT_LIVE_EVENTS, ...opts.liveEvents },
  });
  await app.register(directoryRoutes, { index, tallies, results: store });
  await app.register(openDataRoutes, { index, tallies, store, log });
  await app.register(officialRecordRoutes, {
    fold,
    status: !writer
      ? { logins: false, refusal: 'READ_ONLY' }
      : writer.officials
        ? { logins: true, refusal: null }
        : { logins: false, refusal: 'OFFICIALS_DISABLED' },
  });
  await app.register(auditRecordRoutes, { index, fold });
  await app.register(formDownloadRoutes, { blobs: store });
  if (writer) {
    const { sequencer } = writer;
    const verify = signatureCheck(writer.signatures);
    await app.register(resultRoutes, { index, sequencer, verify });
    await app.register(agentRoutes, { sequencer });
    const uploads = new FormUploads(store.forms, () => sequencer.fold, writer.formUploads);
    app.decorate('formUploads', uploads);
    await app.register(formUploadRoutes, {
      electionId: index.definition.electionId,
      uploads,
      devices: (id) => sequencer.fold.devices(id),
      agents: () => sequencer.fold.agents,
      verify,
    });
    await app.register(officialActRoutes, {
      officials: writer.officials ?? null,
      fold: sequencer.fold,
    });
    await app.register(auditActRoutes, {
      officials: writer.officials ?? null,
      fold: sequencer.fold,
      checkpointSize: () => log.checkpoint().size,
      uploads,
    });
  } else await app.register(readOnlyRoutes);
  portalMiss = registerPortalRoutes(app, {
    trustRoot: portalTrustRoot(ctx),
    preloads: portalPreloads(index),
  });
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

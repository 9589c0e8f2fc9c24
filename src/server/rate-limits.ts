// Per-address request limits at the HTTP layer (@fastify/rate-limit), on the
// endpoints anyone can call and that cost the server: logins (each one a
// password hash and often a log entry) and form uploads (up to 10 MiB each).
// They are coarse flood limits in front of the officials' own per-account
// lockout and per-address throttle, counted before the body is read.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export interface RateLimits {
  /** Login attempts per address per window. */
  loginMax: number;
  /** Form uploads per address per window. */
  formUploadMax: number;
  windowMs: number;
  /** Addresses never limited (e.g. a local replay of the election night). */
  exempt: readonly string[];
}

/** Generous: far above one official's logins or one station's uploads, far below a flood. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  loginMax: 60,
  formUploadMax: 1200,
  windowMs: 60_000,
  exempt: [],
};

/** Which routes are limited, and by which of the limits. */
const LIMITED_ROUTES: Record<string, 'loginMax' | 'formUploadMax'> = {
  'POST /api/v1/login': 'loginMax',
  'PUT /api/v1/forms/:sha256': 'formUploadMax',
};

/** A root onRequest hook, so the limit is counted before any route's own hooks (a form's signature check) and before the body is read. */
export async function registerRateLimits(
  app: FastifyInstance,
  options: Partial<RateLimits> | false | undefined,
): Promise<void> {
  if (options === false) return;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options };
  await app.register(rateLimit, {
    global: false,
    allowList: (req: FastifyRequest) => limits.exempt.includes(req.ip),
  });
  // Each limiter keeps its own counts per address.
  const limiters = {
    loginMax: app.createRateLimit({ max: limits.loginMax, timeWindow: limits.windowMs }),
    formUploadMax: app.createRateLimit({
      max: limits.formUploadMax,
      timeWindow: limits.windowMs,
    }),
  };
  app.addHook('onRequest', async (req, reply) => {
    const which = LIMITED_ROUTES[`${req.method} ${req.routeOptions.url}`];
    if (!which) return;
    const r = await limiters[which](req);
    if (r.isAllowed || !r.isExceeded) return;
    reply.header('retry-after', String(r.ttlInSeconds));
    throw new ApiError(
      'RATE_LIMITED',
      `too many requests to ${req.routeOptions.url} from this address (at most ${r.max} per ${Math.round(limits.windowMs / 1000)} s); retry in ${r.ttlInSeconds} s`,
    );
  });
}

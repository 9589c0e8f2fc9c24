// Per-address request limits at the HTTP layer (@fastify/rate-limit), on the
// endpoints anyone can call and that cost the server: logins (each one a
// password hash and often a log entry) and form uploads (up to 10 MiB each).
// They are coarse flood limits in front of the officials' own per-account
// lockout and per-address throttle, counted before the body is read.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
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

/** Must run before the routes are registered (it marks them as they are added). */
export async function registerRateLimits(
  app: FastifyInstance,
  options: Partial<RateLimits> | false | undefined,
): Promise<void> {
  if (options === false) return;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options };
  // Added before the plugin's own onRoute hook, so the plugin sees the configuration.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const which = LIMITED_ROUTES[`${method} ${route.url}`];
      if (!which) continue;
      route.config = {
        ...(route.config as object),
        rateLimit: { max: limits[which], timeWindow: limits.windowMs, groupId: which },
      } as typeof route.config;
    }
  });
  await app.register(rateLimit, {
    global: false,
    allowList: (req: FastifyRequest) => limits.exempt.includes(req.ip),
    errorResponseBuilder: (req, context) =>
      new ApiError(
        'RATE_LIMITED',
        `too many requests to ${req.routeOptions.url} from this address (at most ${context.max} per ${Math.round(limits.windowMs / 1000)} s); retry after ${context.after}`,
      ),
  });
}

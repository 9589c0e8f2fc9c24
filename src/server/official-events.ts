// Officials' acts and form uploads as enumerated events (events.ts), logged
// where the outcome is known: one line per request to their routes, accepted
// or refused, with the request id that the refusal's own log line carries.
// Nothing from the body is logged (no names tried, no passwords, no codes).
import type { FastifyInstance } from 'fastify';
import { type EventId, logEvent } from './events.js';

/** Route (method and pattern) → its event. */
const ROUTE_EVENTS: Readonly<Record<string, EventId>> = {
  'POST /api/v1/login': 'official-login',
  'POST /api/v1/logout': 'official-logout',
  'POST /api/v1/accounts': 'account-created',
  'POST /api/v1/accounts/:id/approve': 'account-approved',
  'POST /api/v1/accounts/:id/activate': 'account-activated',
  'POST /api/v1/accounts/:id/disable': 'account-disabled',
  'POST /api/v1/devices': 'device-enrolled',
  'POST /api/v1/devices/:id/revoke': 'device-revoked',
  'POST /api/v1/corrections': 'correction-proposed',
  'POST /api/v1/corrections/:index/approve': 'correction-approved',
  'POST /api/v1/declarations': 'declaration-made',
  'PUT /api/v1/forms/:sha256': 'form-uploaded',
};

/** Adds the hook that logs these events (before the server is ready). */
export function logOfficialEvents(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const id = ROUTE_EVENTS[`${req.method} ${req.routeOptions.url}`];
    if (!id) return;
    const accepted = reply.statusCode < 400;
    logEvent(
      req.log,
      id,
      {
        outcome: accepted ? 'accepted' : 'refused',
        statusCode: reply.statusCode,
        ...(req.params && Object.keys(req.params).length ? { params: req.params } : {}),
      },
      // A refused upload is worth a line even though accepted ones are not.
      !accepted && id === 'form-uploaded' ? 'info' : undefined,
    );
  });
}

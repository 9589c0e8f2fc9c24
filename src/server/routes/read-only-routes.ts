// On a server without a sequencer (a stateless reader, a read-only mirror)
// the writer's routes are not registered; every write, and the session check
// that only a writer can answer, gets 405 READ_ONLY instead of a 404, before
// any body is read.
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors.js';

const refuse = async (): Promise<never> => {
  throw new ApiError('READ_ONLY');
};

export const readOnlyRoutes: FastifyPluginAsync = async (app) => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const)
    app.route({ method, url: '/api/v1/*', onRequest: refuse, handler: refuse });
  app.get('/api/v1/session', { onRequest: refuse }, refuse);
};

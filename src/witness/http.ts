// The witness's HTTP face (c2sp.org/tlog-witness): POST /add-checkpoint, with
// the witness's own status codes and bodies, and GET / saying who it is.
// The submission prefix and the monitoring prefix are both the root.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { MAX_REQUEST_BYTES } from '../log/add-checkpoint.js';
import type { Witness } from './witness.js';

export interface WitnessServerOptions {
  /** The witness's cosignature/v1 verifier key, shown at GET /. */
  verifierKey: string;
  logger?: boolean;
}

const TEXT = 'text/plain; charset=utf-8';

export async function buildWitnessServer(
  witness: Witness,
  opts: WitnessServerOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: MAX_REQUEST_BYTES });
  // The body is the protocol's own text format, whatever the client calls it: take the bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) app.log.error(error);
    return reply
      .code(status)
      .type(TEXT)
      .send(`${status >= 500 ? 'internal error' : error.message}\n`);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type(TEXT)
      .send(`no route ${req.method} ${req.url.split('?')[0]}\n`),
  );

  app.post('/add-checkpoint', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const res = await witness.addCheckpoint(
      new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    );
    return reply.code(res.status).header('content-type', res.contentType).send(res.body);
  });

  app.get('/', async (_req, reply) =>
    reply
      .type(TEXT)
      .send(
        [
          `kura witness ${witness.name} (c2sp.org/tlog-witness)`,
          `verifier key: ${opts.verifierKey}`,
          'logs:',
          ...witness.origins().map((o) => `  ${o}`),
          '',
        ].join('\n'),
      ),
  );
  return app;
}

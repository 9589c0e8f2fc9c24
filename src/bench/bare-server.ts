// The bare HTTP limit: a minimal Fastify server, configured as kura's is, in a
// child process (node dist/bench/bare-server.js PORT). GET /bare answers a
// small JSON; GET /sized?bytes=N a pre-serialised JSON of N bytes, to tell the
// cost of moving a tally's bytes from the cost of making them.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false, keepAliveTimeout: 30_000 });
app.get('/bare', async () => ({
  contest: 'president',
  unit: '',
  treeSize: 1,
  tally: { alpha: 1, beta: 2, gamma: 3 },
}));
const sized = new Map<number, Buffer>();
app.get<{ Querystring: { bytes?: string } }>('/sized', async (req, reply) => {
  const bytes = Math.max(16, Math.min(16 * 1024 * 1024, Number(req.query.bytes) || 1024));
  let body = sized.get(bytes);
  if (!body) {
    body = Buffer.from(`{"pad":"${'x'.repeat(bytes - 10)}"}`);
    sized.set(bytes, body);
  }
  return reply.header('content-type', 'application/json; charset=utf-8').send(body);
});
const address = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`bare: listening on ${address}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

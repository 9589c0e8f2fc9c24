// The bare HTTP limit: a minimal Fastify server, configured as kura's is,
// answering a small JSON. Run as a child process (node dist/bench/bare-server.js PORT).
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false, keepAliveTimeout: 30_000 });
app.get('/bare', async () => ({
  contest: 'president',
  unit: '',
  treeSize: 1,
  tally: { alpha: 1, beta: 2, gamma: 3 },
}));
const address = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`bare: listening on ${address}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

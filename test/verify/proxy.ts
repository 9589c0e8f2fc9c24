// A server address whose answers the test controls: it forwards every
// request to `upstream` (which the test may switch, as when an older copy of
// the database is put behind the same URL), unless `override` answers it;
// `rewrite` may change a forwarded answer's body (a server that lies in one
// view only). Every request's path is kept in `paths`.
import { createServer, type IncomingMessage } from 'node:http';

export interface ProxyAnswer {
  status: number;
  body: string | Uint8Array;
  contentType?: string;
}

export interface TestProxy {
  url: string;
  upstream: string;
  /** Answers a request path (with its query) itself, or undefined to forward it. */
  override: ((path: string) => ProxyAnswer | undefined) | undefined;
  /** The body to send instead of upstream's for this path, or undefined to send upstream's. */
  rewrite: ((path: string, body: Buffer) => Buffer | string | undefined) | undefined;
  /** The path (with its query) of every request, in arrival order. */
  paths: string[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startProxy(upstream: string): Promise<TestProxy> {
  const proxy: TestProxy = {
    url: '',
    upstream,
    override: undefined,
    rewrite: undefined,
    paths: [],
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    proxy.paths.push(path);
    const own = proxy.override?.(path);
    if (own) {
      res.writeHead(own.status, { 'content-type': own.contentType ?? 'text/plain; charset=utf-8' });
      res.end(own.body);
      return;
    }
    void (async () => {
      const body = await readBody(req);
      const r = await fetch(new URL(path, proxy.upstream), {
        method: req.method,
        body: body.length ? new Uint8Array(body) : undefined,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
      });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? '' });
      const upstreamBody = Buffer.from(await r.arrayBuffer());
      res.end(proxy.rewrite?.(path, upstreamBody) ?? upstreamBody);
    })().catch((e) => {
      res.writeHead(502);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return proxy;
}

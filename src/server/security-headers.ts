// Security headers on every answer (helmet's set): a strict Content
// Security Policy (scripts, styles, images and connections from this server
// only; no inline script or style, no plugins, no framing), X-Frame-Options
// DENY and no Referer sent to other sites. The portal's trust root is an inline
// <script type="application/json"> data block, which a CSP does not execute,
// so it needs no hash. helmet computes the headers once, at start: they are
// the same for every answer, and @fastify/helmet rebuilt them (re-parsing the
// policy) on every request, a cost paid on the hottest reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * For a scanned form (a PDF or an image opened on its own): nothing runs and
 * nothing loads, but the browser's own viewer may draw it (Chromium's PDF
 * viewer is an embedded object of the same origin; its image view uses an
 * inline style).
 */
export const FILE_CONTENT_SECURITY_POLICY =
  "default-src 'none';img-src 'self';object-src 'self';style-src 'unsafe-inline';frame-ancestors 'none'";

/** The headers helmet sets with kura's options, computed once. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const collect = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader() {},
  };
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(
        Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]]),
      ),
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // The results, the log and the forms are public: other sites may embed and link them.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // Served over plain HTTP on a local network too (TLS is the operator's proxy's job).
    strictTransportSecurity: false,
  })({} as IncomingMessage, collect as unknown as ServerResponse, (e?: unknown) => {
    if (e) throw e;
  });
  return headers;
}

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  const headers = securityHeaders();
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (/^(application\/pdf|image\/)/.test(type))
      reply.header('content-security-policy', FILE_CONTENT_SECURITY_POLICY);
    return payload;
  });
}

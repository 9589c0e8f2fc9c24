// Content negotiation for the routes that compress their bodies.
import type { FastifyRequest } from 'fastify';

/**
 * True when the client takes gzip (any browser, CDN or curl --compressed):
 * `gzip` or `*` in Accept-Encoding, unless it says q=0.
 */
export function acceptsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

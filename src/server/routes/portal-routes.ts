// The public results portal (web/, built by Vite into dist/web), served at /.
// Everything it needs comes from this server: no outside host. Hashed assets
// under /assets/ never change and are cached for a year; index.html is
// revalidated on every visit so a new build takes effect at once. Client
// routes (/c/…, /station/…, /search, /data, /record, /admin, /audit[/…], /agent, /party/…) get index.html (SPA fallback).
// Any other path a browser asks for as a page gets index.html too, with status
// 404, so the portal shows its own Not found page; misses under /api/, /log/
// and /assets/ stay precise JSON 404s (portalMiss).
// Files are read once at start-up and kept in memory with their gzip form.
// index.html carries the portal's trust root (FORMATS §3.5.1): the election's
// keys and origin from the definition this server was started with, which the
// browser's Verify trusts instead of anything /api or /log says.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ElectionIndex } from '../../election/election-index.js';
import type { TrustRoot } from '../../election/trust-root.js';
import { toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import { ApiError } from '../errors.js';

/**
 * dist/web at the package root (the same path from src/server/routes under tsx
 * and from dist/server/routes), or KURA_PORTAL_DIR: a portal built for one
 * election (KURA_ELECTION=DIR npx vite build --config web/vite.config.ts
 * --outDir OUT), say.
 */
export const DEFAULT_PORTAL_DIR =
  process.env.KURA_PORTAL_DIR ?? fileURLToPath(new URL('../../../dist/web', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface PortalFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

function loadFiles(dir: string): Map<string, PortalFile> {
  const files = new Map<string, PortalFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const body = readFileSync(full);
        const ext = extname(name);
        files.set(`/${relative(dir, full).split(sep).join('/')}`, {
          body,
          gzip: COMPRESSIBLE.has(ext)
            ? gzipSync(body, { level: constants.Z_BEST_COMPRESSION })
            : null,
          type: TYPES[ext] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
        });
      }
    }
  };
  walk(dir);
  return files;
}

function takesGzip(req: FastifyRequest): boolean {
  const h = req.headers['accept-encoding'];
  return typeof h === 'string' && /\bgzip\b/i.test(h) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(h);
}

/** What the browser's Verify trusts (FORMATS §3.5.1); never taken from /api or /log answers. */
export type PortalTrustRoot = TrustRoot;

/** The element index.html holds the trust root in (`null` until the build or the server fills it). */
export const TRUST_ROOT_ELEMENT = '<script type="application/json" id="kura-trust-root">';
const EMPTY_TRUST_ROOT = `${TRUST_ROOT_ELEMENT}null</script>`;

/** The trust root of the election a server was started for. */
export function portalTrustRoot(ctx: {
  index: ElectionIndex;
  definitionBytes: Uint8Array;
  witnessKeys?: readonly string[];
}): PortalTrustRoot {
  const d = ctx.index.definition;
  return {
    electionId: d.electionId,
    logOrigin: d.logOrigin,
    logKey: d.logKey,
    commissionKey: d.commissionKey,
    definitionSha256: toHex(sha256(ctx.definitionBytes)),
    witnessKeys: [...(ctx.witnessKeys ?? [])],
  };
}

/** The trust root as an inline JSON element ("<" escaped so no value can close the element). */
export function trustRootElement(root: PortalTrustRoot): string {
  return `${TRUST_ROOT_ELEMENT}${JSON.stringify(root).replace(/</g, '\\u003c')}</script>`;
}

/** What the portal fetches first: on every page, and more on the home page. */
export interface PortalPreloads {
  everywhere: string[];
  home: string[];
}

/**
 * The JSON the portal asks for before it can paint a figure: the contests on
 * every page, and on the home page the first contest's national tally, the
 * units and (one race nation- or county-wide) its candidates, as
 * web/src/pages/UnitPage.tsx asks for them. Named in index.html, the browser
 * fetches them alongside the scripts instead of one after another once the
 * scripts have run.
 */
export function portalPreloads(index: ElectionIndex): PortalPreloads {
  const first = index.definition.contests[0];
  if (!first) return { everywhere: ['/api/v1/contests'], home: [] };
  const id = encodeURIComponent(first.id);
  return {
    everywhere: ['/api/v1/contests'],
    home: [
      `/api/v1/tally/${id}`,
      '/api/v1/units',
      ...(first.scope === 'nation' || first.scope === 'county' ? [`/api/v1/candidates/${id}`] : []),
    ],
  };
}

/** Preload links for fetch() (crossorigin: the mode and credentials fetch() uses), before </head>. */
function withPreloads(file: PortalFile, urls: readonly string[]): PortalFile {
  if (urls.length === 0) return file;
  const links = urls
    .map((u) => `<link rel="preload" href="${u}" as="fetch" crossorigin="anonymous" />\n`)
    .join('');
  const body = Buffer.from(file.body.toString('utf8').replace('</head>', `${links}</head>`));
  return {
    body,
    gzip: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }),
    type: file.type,
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
  };
}

export interface PortalOptions {
  /** The built portal (default: dist/web of this package). */
  dir?: string;
  /**
   * Filled into index.html unless the build already carries one (a portal
   * built for one election with KURA_ELECTION keeps its own).
   */
  trustRoot?: PortalTrustRoot;
  /** JSON to name in index.html for the browser to fetch early. */
  preloads?: PortalPreloads;
}

function withTrustRoot(file: PortalFile, root: PortalTrustRoot): PortalFile {
  const html = file.body.toString('utf8');
  if (!html.includes(EMPTY_TRUST_ROOT)) return file;
  const body = Buffer.from(html.replace(EMPTY_TRUST_ROOT, trustRootElement(root)));
  return {
    body,
    gzip: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }),
    type: file.type,
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
  };
}

/** Paths whose misses are answered in JSON, whatever the client accepts: they are not pages. */
const NOT_PAGES = /^\/(api|log|assets)(\/|$)/;

/** A browser asking for a page (GET or HEAD, accepting HTML) at a path that is not the API's. */
export function asksForPage(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (NOT_PAGES.test(req.url.split('?')[0] ?? '')) return false;
  const accept = req.headers.accept;
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

/** Answers a miss with the portal's page and 404 (its router shows Not found); null when it is no page. */
export type PortalMiss = (req: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

export function registerPortalRoutes(app: FastifyInstance, opts: PortalOptions = {}): PortalMiss {
  const dir = opts.dir ?? DEFAULT_PORTAL_DIR;
  const files = loadFiles(dir);
  let index = files.get('/index.html');
  if (index && opts.trustRoot) index = withTrustRoot(index, opts.trustRoot);
  // The home page and the other client routes differ only in what they preload.
  const everywhere = opts.preloads?.everywhere ?? [];
  const home = index && withPreloads(index, [...everywhere, ...(opts.preloads?.home ?? [])]);
  if (index) files.set('/index.html', withPreloads(index, everywhere));

  function send(
    req: FastifyRequest,
    reply: FastifyReply,
    file: PortalFile,
    cache: string,
    status = 200,
  ) {
    reply
      .code(status)
      .header('content-type', file.type)
      .header('cache-control', cache)
      .header('etag', file.etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff');
    // A 404 page is sent whole: a 304 would turn the miss into a success.
    if (status === 200 && req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    if (file.gzip && takesGzip(req))
      return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  }

  function page(req: FastifyRequest, reply: FastifyReply) {
    const index = req.url === '/' || req.url.startsWith('/?') ? home : files.get('/index.html');
    if (!index)
      throw new ApiError(
        'NOT_FOUND',
        `the portal is not built (no ${join(dir, 'index.html')}); run npm run build`,
      );
    // The page names the current hashed assets: always revalidate it.
    return send(req, reply, index, 'no-cache');
  }

  app.get('/', page);
  app.get('/index.html', page);
  for (const prefix of [
    '/c/*',
    '/station/*',
    '/search',
    '/data',
    '/record',
    '/admin',
    '/audit',
    '/audit/*',
    // party agents (issue 15)
    '/agent',
    '/party/*',
  ])
    app.get(prefix, page);

  app.get('/assets/*', async (req, reply) => {
    const path = `/assets/${(req.params as { '*': string })['*']}`;
    const file = files.get(path);
    if (!file) throw new ApiError('NOT_FOUND', `no portal asset ${path}`);
    return send(req, reply, file, IMMUTABLE);
  });
  // Unhashed files at the root of the build (icons, robots.txt).
  for (const [path, file] of files)
    if (!path.startsWith('/assets/') && path !== '/index.html')
      app.get(path, async (req, reply) => send(req, reply, file, 'public, max-age=3600'));

  return (req, reply) => {
    const index = files.get('/index.html');
    return index && asksForPage(req) ? send(req, reply, index, 'no-cache', 404) : null;
  };
}

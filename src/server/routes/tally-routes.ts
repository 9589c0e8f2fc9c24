// The election definition and the tallies: the hottest reads on election
// night, each body built (and compressed) once per version and served with an
// ETag, so clients and caches revalidate cheaply.
import { constants, gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ElectionIndex } from '../../election/election-index.js';
import { NATION } from '../../election/election-index.js';
import { TallyFold } from '../../election/fold.js';
import { ApiError } from '../errors.js';
import type { PublishedTally, TallyReader } from '../tally-reader.js';
import { acceptsGzip } from './accepts-gzip.js';
import { checkContestAndUnit } from './contest-unit.js';
import { nextCursor, type PageQuery, pageLimit, pageStart } from './paging.js';
import { TALLY_LIST_RESPONSE, TALLY_RESPONSE } from './response-schemas.js';

/** Tallies per request of GET /api/v1/tallies/{contest}: default and most. */
export const TALLY_LIST_LIMIT = { fallback: 1000, max: 5000 } as const;

export interface TallyRouteDeps {
  index: ElectionIndex;
  /** Canonical bytes of the definition document (entry 0 commits to their hash). */
  definitionBytes: Uint8Array;
  tallies: TallyReader;
}

/** Answers 304 when the client already holds this version; sets cache headers otherwise. */
function cacheable(
  req: FastifyRequest,
  reply: FastifyReply,
  etag: string,
  maxAge: number,
): boolean {
  reply.header('etag', etag).header('cache-control', `public, max-age=${maxAge}`);
  if (req.headers['if-none-match'] === etag) {
    reply.code(304).send();
    return true;
  }
  return false;
}

interface TallyBody {
  json: Buffer;
  /** Made on the first request that accepts gzip, then reused. */
  gzip: Buffer | null;
}

export const tallyRoutes: FastifyPluginAsync<TallyRouteDeps> = async (app, deps) => {
  const { index, tallies } = deps;
  /** Recent tally bodies by ETag (the ETag names the version: contest, unit, last entry). */
  const bodies = new Map<string, TallyBody>();

  // Kenya's definition is 12 MB (2.8 MB gzipped); browsers fetch it to check device keys.
  let definitionGzip: Buffer | null = null;
  app.get('/api/v1/election', async (req, reply) => {
    reply
      .header('content-type', 'application/json')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding');
    if (acceptsGzip(req)) {
      definitionGzip ??= gzipSync(deps.definitionBytes, { level: constants.Z_BEST_SPEED });
      return reply.header('content-encoding', 'gzip').send(definitionGzip);
    }
    return reply.send(Buffer.from(deps.definitionBytes));
  });

  app.get<{ Params: { contest: string; unit?: string } }>(
    '/api/v1/tally/:contest/:unit?',
    { schema: { response: { 200: TALLY_RESPONSE } } },
    async (req, reply) => {
      const { contest } = req.params;
      const unit = req.params.unit ?? NATION;
      checkContestAndUnit(index, contest, unit);
      const tally = await tallies.json(contest, unit);
      if (!tally)
        throw new ApiError(
          'NOT_FOUND',
          `contest "${contest}" has no race in unit "${unit}"`,
          'unit',
        );
      const etag = `W/"${contest}/${unit}/${tally.lastEntry}"`;
      if (cacheable(req, reply, etag, 2)) return;
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('vary', 'accept-encoding');
      // The body for one version is built (and compressed) once: a hot endpoint
      // on election night, read far more often than it changes.
      let body = bodies.get(etag);
      if (!body) {
        body = { json: await tallyJson(contest, unit, tally), gzip: null };
        if (bodies.size >= 2048) bodies.delete(bodies.keys().next().value as string);
        bodies.set(etag, body);
      }
      if (acceptsGzip(req)) {
        body.gzip ??= gzipSync(body.json, { level: constants.Z_BEST_SPEED });
        return reply.header('content-encoding', 'gzip').send(body.gzip);
      }
      return reply.send(body.json);
    },
  );

  /** Per contest: the units with a tally (a race), in definition order, the nation last. */
  const listed = new Map<string, { units: string[]; position: Map<string, number> }>();
  let empty: TallyFold | null = null;
  const unitsOf = (contest: string) => {
    let l = listed.get(contest);
    if (!l) {
      empty ??= new TallyFold(index);
      const units = [...index.units.keys(), NATION].filter((u) => empty?.tally(contest, u));
      l = { units, position: new Map(units.map((u, i) => [u, i])) };
      listed.set(contest, l);
    }
    return l;
  };

  // Every tally of a contest, a page at a time: an auditor compares them all
  // in a few requests. Each is the `tally` of GET /api/v1/tally/{contest}/{unit}.
  app.get<{ Params: { contest: string }; Querystring: PageQuery }>(
    '/api/v1/tallies/:contest',
    { schema: { response: { 200: TALLY_LIST_RESPONSE } } },
    async (req, reply) => {
      const { contest } = req.params;
      checkContestAndUnit(index, contest, NATION);
      const limit = pageLimit(req.query.limit, TALLY_LIST_LIMIT.fallback, TALLY_LIST_LIMIT.max);
      const { units, position } = unitsOf(contest);
      const start = pageStart(req.query.after, position);
      const end = Math.min(start + limit, units.length);
      const page = units.slice(start, end);
      const published = await tallies.jsonList(contest, page);
      const items: string[] = [];
      page.forEach((unit, k) => {
        const t = published[k];
        if (t) items.push(`{"unit":${JSON.stringify(unit)},"tally":${t.json}}`);
      });
      reply.header('content-type', 'application/json; charset=utf-8');
      return reply.send(
        `{"contest":${JSON.stringify(contest)},"tallies":[${items.join(',')}],"next":${JSON.stringify(nextCursor(units, end))}}`,
      );
    },
  );

  /** A TallyAnswer (src/api/contract.ts), spliced from the tallies' JSON text, not re-serialised. */
  async function tallyJson(contest: string, unit: string, tally: PublishedTally): Promise<Buffer> {
    const children: string[] = [];
    for (const child of index.childrenOf(unit)) {
      const t = await tallies.json(contest, child);
      const cu = index.units.get(child);
      if (t)
        children.push(
          `{"unit":${JSON.stringify(child)},"name":${JSON.stringify(cu?.name ?? child)},"level":${JSON.stringify(cu?.level)},"tally":${t.json}}`,
        );
    }
    const u = index.units.get(unit);
    const head = JSON.stringify({
      contest,
      unit,
      level: u?.level ?? 'nation',
      name: u?.name ?? index.definition.title,
    });
    return Buffer.from(
      `${head.slice(0, -1)},"tally":${tally.json},"children":[${children.join(',')}]}`,
    );
  }
};

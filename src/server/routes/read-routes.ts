// Read-only views derived from the log: tallies, station pages, entries with
// inclusion proofs, consistency proofs and the election definition.
import { constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Device } from '../../election/definition.js';
import { NATION } from '../../election/election-index.js';
import { decodeEntry } from '../../election/entries.js';
import { TallyFold, type UnitTally } from '../../election/fold.js';
import { toBase64, toHex } from '../../log/bytes.js';
import { proveConsistencyFromTiles, proveInclusionFromTiles } from '../../log/tiles.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { PublishedTally } from '../sequencer.js';
import { checkContestAndUnit } from './contest-unit.js';
import { parseDecimal } from './decimal.js';
import { currentCheckpoint, tileReader } from './log-access.js';

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

/** True when the client takes gzip (any browser, CDN or curl --compressed), unless it says q=0. */
function acceptsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

export function registerReadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { index, store } = ctx;
  // Station pages list the station's devices: indexed once, not scanned per request.
  const devicesByStation = new Map<string, Device[]>();
  for (const d of index.definition.devices) {
    const list = devicesByStation.get(d.station) ?? [];
    list.push(d);
    devicesByStation.set(d.station, list);
  }

  /** A tally as JSON text with the entry that last changed it. */
  async function unitTally(contest: string, unit: string): Promise<PublishedTally | null> {
    if (ctx.sequencer) return ctx.sequencer.publishedTally(contest, unit) ?? null;
    const row = (await store.getTally(contest, unit))?.tally as UnitTally | undefined;
    if (row) return { lastEntry: row.lastEntry, json: JSON.stringify(row) };
    // A reader's store holds tally rows only for units with results; the
    // others are the fold's starting point (zeros, with the stations expected).
    emptyFold ??= new TallyFold(index);
    const zero = emptyFold.tally(contest, unit);
    return zero ? { lastEntry: zero.lastEntry, json: JSON.stringify(zero) } : null;
  }
  let emptyFold: TallyFold | null = null;
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
      definitionGzip ??= gzipSync(ctx.definitionBytes, { level: constants.Z_BEST_SPEED });
      return reply.header('content-encoding', 'gzip').send(definitionGzip);
    }
    return reply.send(Buffer.from(ctx.definitionBytes));
  });

  app.get<{ Params: { contest: string; unit?: string } }>(
    '/api/v1/tally/:contest/:unit?',
    async (req, reply) => {
      const { contest } = req.params;
      const unit = req.params.unit ?? NATION;
      checkContestAndUnit(index, contest, unit);
      const tally = await unitTally(contest, unit);
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

  async function tallyJson(contest: string, unit: string, tally: PublishedTally): Promise<Buffer> {
    const children: string[] = [];
    for (const child of index.childrenOf(unit)) {
      const t = await unitTally(contest, child);
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

  /**
   * The station's devices as the writer's fold knows them (enrolments and
   * revocations by official entries included, with their entry indexes, so a
   * browser can prove them); a reader lists the definition's.
   */
  function stationDevices(code: string) {
    const fold = ctx.sequencer?.fold;
    if (!fold)
      return (devicesByStation.get(code) ?? []).map((d) => ({ id: d.id, publicKey: d.publicKey }));
    const out = [];
    for (const d of fold.officials.devices.values())
      if (d.station === code)
        // Only what official entries changed: a definition device reads as on a reader.
        out.push({
          id: d.id,
          publicKey: d.publicKey,
          ...(d.enrolledAt >= 0 ? { enrolledAt: d.enrolledAt } : {}),
          ...(d.revokedAt !== null ? { revokedAt: d.revokedAt } : {}),
        });
    return out;
  }

  /** A corrected result with the indexes of its approvals (from the writer's fold), for the browser to prove. */
  function withApprovals(result: unknown): unknown {
    const fold = ctx.sequencer?.fold;
    const c = (result as { correction?: { entryIndex: number } } | null)?.correction;
    if (!fold || !c) return result;
    const approvals = fold.officials.corrections.get(c.entryIndex)?.approvals ?? [];
    return {
      ...(result as object),
      correction: { ...c, approvals: approvals.map((a) => a.entryIndex) },
    };
  }

  app.get<{ Params: { code: string } }>('/api/v1/stations/:code', async (req) => {
    const station = index.stations.get(req.params.code);
    if (!station)
      throw new ApiError('NOT_FOUND', `no polling station "${req.params.code}"`, 'code');
    const place = index.places.get(station.code);
    const rows = await store.getStationResults(station.code);
    const results: Record<string, unknown> = {};
    for (const contest of index.contests.keys()) {
      if (!index.raceFor(contest, station.code)) continue;
      results[contest] = withApprovals(rows.find((r) => r.contest === contest)?.result ?? null);
    }
    const name = (code: string | undefined) =>
      code ? { code, name: index.units.get(code)?.name ?? code } : null;
    return {
      station,
      ward: name(place?.ward),
      constituency: name(place?.constituency),
      county: name(place?.county),
      devices: stationDevices(station.code),
      results,
    };
  });

  app.get<{ Params: { index: string }; Querystring: { size?: string } }>(
    '/api/v1/entries/:index',
    async (req) => {
      const i = parseDecimal(req.params.index, 'index');
      const checkpoint = currentCheckpoint(ctx);
      const size =
        req.query.size === undefined ? checkpoint.size : parseDecimal(req.query.size, 'size');
      if (size > checkpoint.size)
        throw new ApiError(
          'BEYOND_TREE',
          `size ${size} is beyond the current tree (${checkpoint.size})`,
          'size',
        );
      if (i >= size)
        throw new ApiError('BEYOND_TREE', `entry ${i} is not in a tree of size ${size}`, 'index');
      const entry = await store.getEntry(i);
      if (!entry) throw new ApiError('NOT_FOUND', `entry ${i} is missing`);
      const proof = await proveInclusionFromTiles(i, size, tileReader(ctx));
      if (!proof.ok) throw new Error(proof.error.message);
      const decoded = decodeEntry(entry.data);
      return {
        index: i,
        treeSize: size,
        entry: toBase64(entry.data),
        decoded: decoded.ok ? decoded.value : null,
        leafHash: toHex(entry.leafHash),
        inclusionProof: proof.value.map(toBase64),
        checkpoint: size === checkpoint.size ? checkpoint.note : null,
      };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/v1/proof/consistency',
    async (req) => {
      const from = parseDecimal(req.query.from, 'from');
      const checkpoint = currentCheckpoint(ctx);
      const to = req.query.to === undefined ? checkpoint.size : parseDecimal(req.query.to, 'to');
      if (to > checkpoint.size)
        throw new ApiError(
          'BEYOND_TREE',
          `to=${to} is beyond the current tree (${checkpoint.size})`,
          'to',
        );
      if (from < 1 || from > to) throw new ApiError('BAD_QUERY', 'need 1 ≤ from ≤ to', 'from');
      const proof = await proveConsistencyFromTiles(from, to, tileReader(ctx));
      if (!proof.ok) throw new Error(proof.error.message);
      return { from, to, proof: proof.value.map(toBase64) };
    },
  );
}

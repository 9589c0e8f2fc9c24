// Open data downloads: one level of results as CSV or JSON
// (/api/v1/data/{contest}[/{unit}]?format=csv|json), and the whole election
// in the NIST SP 1500-100 Election Results Reporting format
// (/api/v1/export/nist-err.json). Both are derived views, like the tallies:
// each version is named by the last entry that changed it, so the answers
// carry ETags and can be cached.
import { constants, gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import { decodeEntry } from '../../election/entries.js';
import type { StationResult, UnitTally } from '../../election/fold.js';
import type { Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { LogView } from '../log-view.js';
import { levelTable, levelTableCsv } from '../open-data/level-table.js';
import { buildNistErr } from '../open-data/nist-err.js';
import type { TallyReader } from '../tally-reader.js';
import { acceptsGzip } from './accepts-gzip.js';
import { checkContestAndUnit } from './contest-unit.js';

export interface OpenDataRouteDeps {
  index: ElectionIndex;
  tallies: TallyReader;
  store: Pick<Store, 'getStationResults' | 'getEntry'>;
  log: LogView;
}

const FORMATS = ['csv', 'json'] as const;
type Format = (typeof FORMATS)[number];
const VENDOR = 'kura 0.1.0';

/** File-name-safe form of an identifier. */
export const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** Sends a body once per version: 304 for a matching If-None-Match, gzip when accepted and worth it. */
export function sendVersioned(
  req: FastifyRequest,
  reply: FastifyReply,
  etag: string,
  contentType: string,
  body: Buffer,
  filename: string,
) {
  reply
    .header('etag', etag)
    .header('cache-control', 'public, max-age=2')
    .header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${filename}"`);
  if (body.length > 1024 && acceptsGzip(req))
    return reply
      .header('content-encoding', 'gzip')
      .send(gzipSync(body, { level: constants.Z_BEST_SPEED }));
  return reply.send(body);
}

export const openDataRoutes: FastifyPluginAsync<OpenDataRouteDeps> = async (app, deps) => {
  const { index, store } = deps;
  const readTally = deps.tallies.tally;
  const readStation = async (contest: string, station: string) =>
    ((await store.getStationResults(station)).find((r) => r.contest === contest)?.result ??
      null) as StationResult | null;

  async function levelDownload(
    req: FastifyRequest<{
      Params: { contest: string; unit?: string };
      Querystring: { format?: string };
    }>,
    reply: FastifyReply,
  ) {
    const { contest } = req.params;
    const unit = req.params.unit ?? NATION;
    const format = (req.query.format ?? 'json') as Format;
    if (!FORMATS.includes(format))
      throw new ApiError('BAD_QUERY', `format must be one of ${FORMATS.join(', ')}`, 'format');
    checkContestAndUnit(index, contest, unit);
    const total = await readTally(contest, unit);
    if (!total)
      throw new ApiError('NOT_FOUND', `contest "${contest}" has no race in unit "${unit}"`, 'unit');
    const etag = `W/"data/${contest}/${unit}/${format}/${total.lastEntry}"`;
    if (req.headers['if-none-match'] === etag)
      return reply
        .header('etag', etag)
        .header('cache-control', 'public, max-age=2')
        .code(304)
        .send();
    const table = await levelTable(index, contest, unit, readTally, readStation);
    if (!table)
      throw new ApiError('NOT_FOUND', `contest "${contest}" has no race in unit "${unit}"`, 'unit');
    const name = `${fileSafe(index.definition.electionId)}-${fileSafe(contest)}-${unit === NATION ? 'national' : fileSafe(unit)}.${format}`;
    return format === 'csv'
      ? sendVersioned(
          req,
          reply,
          etag,
          'text/csv; charset=utf-8; header=present',
          Buffer.from(levelTableCsv(table)),
          name,
        )
      : sendVersioned(
          req,
          reply,
          etag,
          'application/json; charset=utf-8',
          Buffer.from(JSON.stringify(table)),
          name,
        );
  }
  app.get('/api/v1/data/:contest', levelDownload);
  app.get('/api/v1/data/:contest/:unit', levelDownload);

  // The NIST report changes with every batch; keep only the latest one built.
  let nist: { version: number; body: Buffer } | null = null;
  let electionDate: string | null = null;
  app.get('/api/v1/export/nist-err.json', async (req, reply) => {
    const tallies = new Map<string, UnitTally>();
    let version = -1;
    for (const contest of index.contests.keys()) {
      const t = await readTally(contest, NATION);
      if (t) version = Math.max(version, t.lastEntry);
    }
    const etag = `W/"nist-err/${version}"`;
    if (nist?.version !== version) {
      for (const contest of index.contests.keys())
        for (const unit of [NATION, ...index.units.keys()]) {
          const t = await readTally(contest, unit);
          if (t) tallies.set(`${contest}\u0000${unit}`, t);
        }
      if (electionDate === null) {
        const entry0 = await store.getEntry(0);
        const decoded = entry0 ? decodeEntry(entry0.data) : null;
        electionDate =
          decoded?.ok && decoded.value.type === 'election'
            ? decoded.value.issuedAt.slice(0, 10)
            : '1970-01-01';
      }
      let checkpoint: { origin: string; size: number } | null = null;
      try {
        checkpoint = { origin: index.definition.logOrigin, size: deps.log.checkpoint().size };
      } catch {
        checkpoint = null;
      }
      const report = buildNistErr({
        index,
        tally: (c, u) => tallies.get(`${c}\u0000${u}`),
        electionDate,
        generatedAt: new Date(),
        checkpoint,
        vendor: VENDOR,
      });
      nist = { version, body: Buffer.from(JSON.stringify(report)) };
    }
    return sendVersioned(
      req,
      reply,
      etag,
      'application/json; charset=utf-8',
      nist.body,
      `${fileSafe(index.definition.electionId)}-nist-err.json`,
    );
  });
};

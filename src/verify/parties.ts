// Holds what a server says of the parties to the log: the parties it lists,
// each party's parallel tally of every contest (the nation and every county),
// with the official tally served beside it, and the agents' words on the
// station pages. The recomputed side is the fold's, through the very
// functions the server uses (election/agents.ts): a server that shows a party
// a tally its agents' signed entries do not give is caught here.
import { isDeepStrictEqual } from 'node:util';
import { partyTally, partyViews } from '../election/agent-views.js';
import { type ElectionIndex, NATION } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import type { AheadView, Fetched } from './compare.js';
import { diffTally } from './compare.js';
import { type HttpSource, jsonBody } from './http.js';
import { forEachLimit } from './limit.js';
import type { Findings } from './report.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as JSON carries it (null-prototype records and undefined members made plain). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null));
}

export function partyTallyPath(party: string, contest: string, unit: string): string {
  return `api/v1/parties/${encodeURIComponent(party)}/tally/${encodeURIComponent(contest)}/${unit === NATION ? 'nation' : encodeURIComponent(unit)}`;
}

/** The units whose party tallies are read: the nation and every county where the contest has a tally. */
export function partyTallyUnits(index: ElectionIndex, fold: TallyFold, contest: string): string[] {
  const units = [NATION];
  for (const u of index.units.values())
    if (u.level === 'county' && fold.tally(contest, u.code)) units.push(u.code);
  return units;
}

export interface PartyComparison {
  parties: number;
  tallies: number;
  ahead: AheadView[];
}

/**
 * Reads GET /api/v1/parties and every party's tallies (the nation and the
 * counties, each contest) and holds them to the fold.
 */
export async function compareParties(o: {
  http: HttpSource;
  index: ElectionIndex;
  fold: TallyFold;
  /** The verified checkpoint's size: an answer citing entries at or beyond it is "ahead". */
  size: number;
  findings: Findings;
  concurrency: number;
}): Promise<PartyComparison> {
  const { http, index, fold, findings } = o;
  const parties = partyViews(fold);
  const listed = await http.get('api/v1/parties');
  const body = listed.status === 200 ? jsonBody(listed) : undefined;
  const served = isObj(body) && Array.isArray(body.parties) ? body.parties : null;
  if (!served) {
    if (parties.length)
      findings.error(
        'party-mismatch',
        `GET /api/v1/parties answered HTTP ${listed.status} without a list of parties; the log enrols ${parties.length}`,
      );
  } else {
    const byId = new Map(served.filter(isObj).map((p) => [p.party, p] as const));
    for (const p of parties) {
      const s = byId.get(p.party);
      const want = plain(p);
      if (!s)
        findings.error('party-mismatch', `GET /api/v1/parties leaves out party ${p.party}`, {
          entryIndex: p.enrolledAt,
        });
      else if (!isDeepStrictEqual(plain(s), want))
        findings.error(
          'party-mismatch',
          `GET /api/v1/parties shows party ${p.party} as ${JSON.stringify(s)}; the log says ${JSON.stringify(want)}`,
          { entryIndex: p.enrolledAt },
        );
      byId.delete(p.party);
    }
    for (const extra of byId.keys())
      findings.error(
        'party-mismatch',
        `GET /api/v1/parties lists ${JSON.stringify(extra)}, a party the log does not enrol`,
      );
  }

  const requests: Array<{ party: string; contest: string; unit: string }> = [];
  for (const p of parties)
    for (const contest of index.contests.keys())
      for (const unit of partyTallyUnits(index, fold, contest))
        requests.push({ party: p.party, contest, unit });
  const fetched = new Map<string, Fetched>();
  await forEachLimit(requests, o.concurrency, async (r) => {
    const path = partyTallyPath(r.party, r.contest, r.unit);
    const res = await http.get(path);
    fetched.set(path, {
      path,
      status: res.status,
      body: res.status === 200 ? jsonBody(res) : undefined,
    });
  });
  const ahead: AheadView[] = [];
  for (const r of requests) {
    const path = partyTallyPath(r.party, r.contest, r.unit);
    const got = fetched.get(path);
    const where = `GET /${path}`;
    const official = fold.tally(r.contest, r.unit);
    const place = r.unit === NATION ? 'the nation' : `unit ${r.unit}`;
    if (!got || !isObj(got.body) || !official) {
      findings.error(
        'party-mismatch',
        `${where} answered HTTP ${got?.status ?? 'nothing'}: no ${r.party} tally of ${r.contest} in ${place}`,
        { contest: r.contest, unit: r.unit },
      );
      continue;
    }
    const b = got.body;
    const lastEntry = isObj(b.official) ? b.official.lastEntry : undefined;
    if (typeof lastEntry === 'number' && lastEntry >= o.size) {
      ahead.push({
        what: `${r.party}'s ${r.contest} tally of ${place}`,
        entryIndex: lastEntry,
        contest: r.contest,
        unit: r.unit,
      });
      continue;
    }
    const want = plain(partyTally(fold, r.party, r.contest, r.unit));
    if (!isDeepStrictEqual(plain(b.tally), want))
      findings.error(
        'party-mismatch',
        `${where}: the party's parallel tally differs from the one its agents' entries give: served ${JSON.stringify(b.tally).slice(0, 400)}, the log gives ${JSON.stringify(want).slice(0, 400)}`,
        { contest: r.contest, unit: r.unit },
      );
    const diffs = diffTally(official, b.official);
    if (diffs.length)
      findings.error(
        'party-mismatch',
        `${where}: the official tally beside the party's differs from the log: ${diffs
          .slice(0, 6)
          .map(
            (d) =>
              `${d.field}: served ${JSON.stringify(d.served)}, log says ${JSON.stringify(d.log)}`,
          )
          .join('; ')}`,
        { contest: r.contest, unit: r.unit, differences: diffs },
      );
  }
  return { parties: parties.length, tallies: requests.length, ahead };
}

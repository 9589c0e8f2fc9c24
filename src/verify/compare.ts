// Compares what the server publishes (tallies, station pages) with the fold
// recomputed from the verified log. Views computed after the verified
// checkpoint (lastEntry / entryIndex beyond it) are set aside and checked
// against a later checkpoint by the caller.
import { randomInt } from 'node:crypto';
import type { ElectionIndex } from '../election/election-index.js';
import { NATION } from '../election/election-index.js';
import type { StationResult, TallyFold, UnitTally } from '../election/fold.js';
import { type HttpSource, jsonBody } from './http.js';
import { forEachLimit } from './limit.js';
import { type Difference, type Findings, formatDifferences } from './report.js';
import { compareStationWords } from './station-words.js';

export interface CompareOptions {
  index: ElectionIndex;
  fold: TallyFold;
  /** The verified checkpoint's size: views citing entries at or beyond it are "ahead". */
  size: number;
  findings: Findings;
}

/** A server response kept for comparison: its status and parsed JSON body (undefined if not JSON). */
export interface Fetched {
  path: string;
  status: number;
  body: unknown;
}

/** A view as served, wherever it was read (its own URL, a bulk listing). */
export interface ServedView {
  /** The parsed body (a station page, a tally answer); undefined when there is none. */
  body: unknown;
  /** Where it was read, for messages: "GET /api/v1/stations/X", "GET /api/v1/station-pages". */
  where: string;
  /** Why there is no body ("answered HTTP 404", "leaves it out"). */
  absent?: string;
}

/** The view a per-URL fetch gave. */
export function fetchedView(fetched: ReadonlyMap<string, Fetched>, path: string): ServedView {
  const got = fetched.get(path);
  const where = `GET /${path}`;
  if (!got) return { body: undefined, where, absent: 'was not read' };
  if (got.status !== 200) return { body: undefined, where, absent: `answered HTTP ${got.status}` };
  if (got.body === undefined)
    return { body: undefined, where, absent: 'answered HTTP 200 with a body that is not JSON' };
  return { body: got.body, where };
}

/** A view that cites an entry beyond the verified checkpoint (checked later against a newer one). */
export interface AheadView {
  what: string;
  entryIndex: number;
  contest: string;
  station?: string;
  unit?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function unitLabel(index: ElectionIndex, unit: string): string {
  if (unit === NATION) return 'the nation';
  const u = index.units.get(unit);
  return u ? `${u.level} ${unit} (${u.name})` : `unit ${unit}`;
}

function countsDiff(prefix: string, log: Obj, served: unknown, out: Difference[]): void {
  const s = isObj(served) ? served : {};
  if (!isObj(served)) out.push({ field: prefix, log, served });
  const keys = new Set([...Object.keys(log), ...Object.keys(s)]);
  for (const k of [...keys].sort()) {
    const a = log[k] ?? 0;
    const b = s[k] ?? 0;
    if (a !== b) out.push({ field: `${prefix}.${k}`, log: log[k], served: s[k] });
  }
}

/** Field-by-field differences between the recomputed tally and a served one. */
export function diffTally(log: UnitTally, served: unknown): Difference[] {
  const out: Difference[] = [];
  if (!isObj(served)) return [{ field: 'tally', log, served }];
  for (const f of [
    'contest',
    'unit',
    'totalValid',
    'rejected',
    'stationsReported',
    'stationsExpected',
    'registeredReported',
    'registeredExpected',
    'lastEntry',
    'races',
  ] as const)
    if (log[f] !== served[f]) out.push({ field: f, log: log[f], served: served[f] });
  // Within one race the counts are per candidate, above it per party (§8.1): the
  // served tally must have the same form, with nothing of the other.
  if (log.votes) countsDiff('votes', log.votes as Obj, served.votes, out);
  else if (served.votes !== undefined)
    out.push({ field: 'votes', log: undefined, served: served.votes });
  if (log.partyVotes) countsDiff('partyVotes', log.partyVotes as Obj, served.partyVotes, out);
  else if (served.partyVotes !== undefined)
    out.push({ field: 'partyVotes', log: undefined, served: served.partyVotes });
  countsDiff('flagged', log.flagged as Obj, served.flagged, out);
  return out;
}

/** Field-by-field differences between the recomputed station result and a served one. */
export function diffResult(log: StationResult, served: unknown): Difference[] {
  if (!isObj(served)) return [{ field: 'result', log, served }];
  const out: Difference[] = [];
  for (const f of [
    'contest',
    'station',
    'entryIndex',
    'device',
    'rejected',
    'totalValid',
    'form',
    'deviceTime',
  ] as const)
    if (log[f] !== served[f]) out.push({ field: f, log: log[f], served: served[f] });
  countsDiff('votes', log.votes as Obj, served.votes, out);
  if (JSON.stringify(log.flags) !== JSON.stringify(served.flags))
    out.push({ field: 'flags', log: log.flags, served: served.flags });
  return out;
}

/**
 * The tally requests that show every tally at least once: each contest's
 * nation tally (with the counties as children) and the tally of every unit
 * whose children are wards (with the wards as children).
 */
export function tallyRequests(index: ElectionIndex): Array<{ contest: string; unit: string }> {
  const out: Array<{ contest: string; unit: string }> = [];
  const parentsOfWards = new Set<string>();
  for (const u of index.units.values())
    if (u.level === 'ward' && u.parent) parentsOfWards.add(u.parent);
  for (const contest of index.contests.keys()) {
    out.push({ contest, unit: NATION });
    const byUnit = new Set<string>();
    for (const station of index.stations.keys())
      if (index.raceFor(contest, station)) for (const u of index.rollup(station)) byUnit.add(u);
    for (const u of parentsOfWards) if (byUnit.has(u)) out.push({ contest, unit: u });
  }
  return out;
}

export function tallyPath(contest: string, unit: string): string {
  return `api/v1/tally/${encodeURIComponent(contest)}${unit === NATION ? '' : `/${encodeURIComponent(unit)}`}`;
}

/** Fetches views in parallel (during the log phase: they are compared once the fold is done). */
export async function fetchAll(
  http: HttpSource,
  paths: readonly string[],
  concurrency: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, Fetched>> {
  const out = new Map<string, Fetched>();
  let done = 0;
  await forEachLimit(paths, concurrency, async (path) => {
    const res = await http.get(path);
    out.set(path, {
      path,
      status: res.status,
      body: res.status === 200 ? jsonBody(res) : undefined,
    });
    done++;
    onProgress?.(done, paths.length);
  });
  return out;
}

/**
 * Holds served tallies to the fold, each (contest, unit) reported once per
 * distinct difference, wherever it was read (a unit's URL with its children,
 * a contest's bulk listing).
 */
export class TallyComparison {
  private readonly compared = new Set<string>();
  private readonly reported = new Set<string>();
  readonly ahead: AheadView[] = [];

  constructor(private readonly o: CompareOptions) {}

  get count(): number {
    return this.compared.size;
  }

  /** One served tally against the fold's. */
  check(contest: string, unit: string, served: unknown, where: string): void {
    const { index, fold, findings } = this.o;
    const log = fold.tally(contest, unit);
    const k = `${contest}\u0000${unit}`;
    if (!log) return;
    this.compared.add(k);
    const lastEntry = isObj(served) ? served.lastEntry : undefined;
    if (typeof lastEntry === 'number' && lastEntry >= this.o.size) {
      this.ahead.push({
        what: `the ${contest} tally of ${unitLabel(index, unit)}`,
        entryIndex: lastEntry,
        contest,
        unit,
      });
      return;
    }
    const diffs = diffTally(log, served);
    if (!diffs.length) return;
    const dedupe = `${k}\u0000${JSON.stringify(diffs)}`;
    if (this.reported.has(dedupe)) return;
    this.reported.add(dedupe);
    findings.error(
      'tally-mismatch',
      `the ${contest} tally of ${unitLabel(index, unit)} (${where}) differs from the log: ${formatDifferences(diffs)} (the log's tally was last changed by entry ${log.lastEntry})`,
      { contest, unit, entryIndex: log.lastEntry, differences: diffs },
    );
  }

  /**
   * A unit's tally answer (GET /api/v1/tally/{contest}/{unit}): its tally and
   * every child's. `skip` passes over a tally already compared elsewhere in
   * the very same form (a sampled URL that says what the bulk listing said).
   */
  request(
    contest: string,
    unit: string,
    view: ServedView,
    skip: (contest: string, unit: string, served: unknown) => boolean = () => false,
  ): void {
    const { index, fold, findings } = this.o;
    const body = view.body;
    if (!isObj(body)) {
      const log = fold.tally(contest, unit);
      findings.error(
        'tally-mismatch',
        `the server has no ${contest} tally of ${unitLabel(index, unit)}: ${view.where} ${view.absent ?? 'answered with a body that is not an object'}`,
        { contest, unit, entryIndex: log?.lastEntry },
      );
      return;
    }
    const where = view.where;
    if (!skip(contest, unit, body.tally)) this.check(contest, unit, body.tally, where);
    const children = Array.isArray(body.children) ? body.children : [];
    const servedChildren = new Map<string, unknown>();
    for (const c of children)
      if (isObj(c) && typeof c.unit === 'string') servedChildren.set(c.unit, c.tally);
    for (const child of index.childrenOf(unit)) {
      if (!fold.tally(contest, child)) {
        if (servedChildren.has(child))
          findings.error(
            'tally-mismatch',
            `${where} lists a ${contest} tally for ${unitLabel(index, child)}, where the contest has no race`,
            { contest, unit: child },
          );
        continue;
      }
      if (!servedChildren.has(child)) {
        findings.error(
          'tally-mismatch',
          `${where} leaves out the ${contest} tally of ${unitLabel(index, child)}`,
          { contest, unit: child },
        );
        continue;
      }
      const served = servedChildren.get(child);
      if (!skip(contest, child, served)) this.check(contest, child, served, `a child in ${where}`);
      servedChildren.delete(child);
    }
    for (const extra of servedChildren.keys())
      findings.error(
        'tally-mismatch',
        `${where} lists an unknown child unit ${JSON.stringify(extra)}`,
        { contest, unit: extra },
      );
  }

  /** A contest's bulk listing (GET /api/v1/tallies/{contest}): every tally of the contest, each once. */
  list(contest: string, where: string, tallies: ReadonlyMap<string, unknown>): void {
    const { index, fold, findings } = this.o;
    const units = fold.tallies.get(contest) ?? new Map();
    for (const unit of units.keys()) {
      if (!tallies.has(unit)) {
        findings.error(
          'tally-mismatch',
          `${where} leaves out the ${contest} tally of ${unitLabel(index, unit)}`,
          { contest, unit },
        );
        continue;
      }
      this.check(contest, unit, tallies.get(unit), where);
    }
    for (const unit of tallies.keys())
      if (!units.has(unit))
        findings.error(
          'tally-mismatch',
          `${where} lists a ${contest} tally of ${unitLabel(index, unit)}, where the contest has no race`,
          { contest, unit },
        );
  }

  /** Every tally of the fold must have been shown somewhere. */
  uncovered(): void {
    const { index, fold, findings } = this.o;
    for (const [contest, units] of fold.tallies)
      for (const unit of units.keys())
        if (!this.compared.has(`${contest}\u0000${unit}`))
          findings.error(
            'tally-mismatch',
            `the server publishes no ${contest} tally of ${unitLabel(index, unit)}`,
            { contest, unit },
          );
  }
}

/** A uniform random sample of `k` of the items (all of them when k >= length). */
export function sample<T>(items: readonly T[], k: number | undefined): T[] {
  if (k === undefined || k >= items.length) return [...items];
  const a = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(a.length - i);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, k);
}

export function stationPath(code: string): string {
  return `api/v1/stations/${encodeURIComponent(code)}`;
}

/**
 * Compares station pages (`page` gives each as served, wherever it was read)
 * with the fold (results per contest) and the definition (the station's facts).
 */
export function compareStations(
  o: CompareOptions & { stations: readonly string[]; page: (code: string) => ServedView },
): { compared: number; ahead: AheadView[] } {
  const { index, fold, findings } = o;
  const ahead: AheadView[] = [];
  const devicesOf = devicesByStation(fold);
  for (const code of o.stations) {
    const view = o.page(code);
    const body = view.body;
    const contests = [...index.contests.keys()].filter((c) => index.raceFor(c, code));
    if (!isObj(body) || !isObj(body.results)) {
      const counted = contests.map((c) => fold.result(c, code)).filter((r) => r !== undefined);
      findings.error(
        'station-mismatch',
        `station ${code}: ${view.where} ${view.absent ?? 'gives a page without results'}; the log counts ${counted.length} result(s) for it${counted.length ? ` (entries ${counted.map((r) => r.entryIndex).join(', ')})` : ''}`,
        { station: code, entryIndex: counted[0]?.entryIndex },
      );
      continue;
    }
    const facts = index.stations.get(code);
    if (facts) {
      const diffs: Difference[] = [];
      const st = isObj(body.station) ? body.station : {};
      for (const f of ['code', 'name', 'ward', 'registeredVoters'] as const)
        if (facts[f] !== st[f]) diffs.push({ field: `station.${f}`, log: facts[f], served: st[f] });
      const devices = devicesOf.get(code) ?? [];
      const servedDevices = (Array.isArray(body.devices) ? body.devices : [])
        .map((d) => (isObj(d) ? `${d.id}=${d.publicKey}` : JSON.stringify(d)))
        .sort();
      if (devices.join() !== servedDevices.join())
        diffs.push({ field: 'devices', log: devices, served: servedDevices });
      if (diffs.length)
        findings.error(
          'station-mismatch',
          `station ${code}: the page (${view.where}) differs from the election definition: ${formatDifferences(diffs)}`,
          { station: code, differences: diffs },
        );
    }
    const results = body.results;
    for (const contest of contests) {
      const served = results[contest];
      // The counted row's own JSON is recognised from the row, without making the
      // result (made for each of the Kenya log's 277,000, they took most of the
      // comparison's time). Any other answer (a difference, a correction, a result
      // kept whole) is diffed below.
      if (isObj(served) && fold.results.get(contest)?.sameAsStored(code, served) === true) continue;
      const log = fold.result(contest, code);
      const where = { station: code, contest, entryIndex: log?.entryIndex };
      if (served === undefined) {
        findings.error(
          'station-mismatch',
          `station ${code}, ${contest}: the page (${view.where}) leaves the contest out${log ? `; the log counts entry ${log.entryIndex}` : ''}`,
          where,
        );
        continue;
      }
      if (served === null) {
        if (log)
          findings.error(
            'station-mismatch',
            `station ${code}, ${contest}: the page (${view.where}) shows no result, but the log counts entry ${log.entryIndex} (votes ${JSON.stringify(log.votes)})`,
            where,
          );
        continue;
      }
      const servedIndex = isObj(served) ? served.entryIndex : undefined;
      if (!log) {
        if (typeof servedIndex === 'number' && servedIndex >= o.size) {
          ahead.push(stationAhead(code, contest, 'result', servedIndex));
          continue;
        }
        findings.error(
          'station-mismatch',
          `station ${code}, ${contest}: the page (${view.where}) shows a result (entry ${JSON.stringify(servedIndex)}) that the log does not count`,
          {
            station: code,
            contest,
            entryIndex: typeof servedIndex === 'number' ? servedIndex : undefined,
          },
        );
        continue;
      }
      // A correction put in force after the mirrored checkpoint: compare after the next one (§11 step 7).
      const inForceAt =
        isObj(served) && isObj(served.correction) ? served.correction.inForceAt : -1;
      if (
        typeof inForceAt === 'number' &&
        inForceAt >= o.size &&
        log.correction?.inForceAt !== inForceAt
      ) {
        ahead.push(stationAhead(code, contest, 'correction', inForceAt));
        continue;
      }
      const diffs = diffResult(log, served);
      if (diffs.length)
        findings.error(
          'station-mismatch',
          `station ${code}, ${contest} (entry ${log.entryIndex}; ${view.where}): ${formatDifferences(diffs)}`,
          { ...where, differences: diffs },
        );
    }
    compareStationWords({
      ...o,
      code,
      page: body,
      where: view.where,
      onAhead: (a) => ahead.push(a),
    });
    for (const extra of Object.keys(results))
      if (!contests.includes(extra))
        findings.error(
          'station-mismatch',
          `station ${code}: the page (${view.where}) shows a ${JSON.stringify(extra)} result, a contest the station takes no part in`,
          { station: code, contest: extra },
        );
  }
  return { compared: o.stations.length, ahead };
}

/** A station's result or correction that cites an entry beyond the verified checkpoint. */
function stationAhead(
  station: string,
  contest: string,
  what: 'result' | 'correction',
  entryIndex: number,
): AheadView {
  return { what: `station ${station}'s ${contest} ${what}`, entryIndex, contest, station };
}

/** Each station's devices as the fold knows them (replacements enrolled by official entries included), as "id=key", sorted. */
function devicesByStation(fold: TallyFold): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of fold.officials.devices.values()) {
    const list = m.get(d.station) ?? [];
    list.push(`${d.id}=${d.publicKey}`);
    m.set(d.station, list);
  }
  for (const list of m.values()) list.sort();
  return m;
}

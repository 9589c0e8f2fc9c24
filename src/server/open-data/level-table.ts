// One level of the results as a table: the rows below a unit (counties below
// the nation, ... wards below a constituency, polling stations below a ward)
// for one contest, with the unit's own total. The portal's per-level CSV and
// JSON downloads are this table. Within one race (the unit at or below the
// contest's scope) its columns are the race's candidates; above it, where the
// unit's tally counts several races per party, they are the parties.
import type { Candidate } from '../../election/definition.js';
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import { partyKey, type StationResult, type UnitTally } from '../../election/fold.js';
import type { TallyReader } from '../tally-reader.js';
import { csvField } from './csv.js';

export interface LevelRow {
  level: 'county' | 'constituency' | 'ward' | 'station';
  code: string;
  name: string;
  stationsReported: number;
  stationsExpected: number;
  registeredVoters: number;
  rejected: number;
  totalValid: number;
  /** Per candidate, in a table within one race. */
  votes?: Record<string, number>;
  /** Per party, in a table above the contest's scope (a row within one race summed by its candidates' parties). */
  partyVotes?: Record<string, number>;
  /** Races of the contest in the row's unit, in a table above the contest's scope. */
  races?: number;
  /** Flag name → reporting stations carrying it (a station's own flags count 1 each). */
  flags: Record<string, number>;
  /** Station rows: the log entry counted, and its form's SHA-256; null before it reports. */
  entryIndex: number | null;
  form: string | null;
}

export interface LevelTable {
  contest: string;
  unit: string;
  level: 'nation' | 'county' | 'constituency' | 'ward';
  name: string;
  /** What the vote columns count: the candidates of one race, or the parties of several. */
  by: 'candidate' | 'party';
  /** The race's candidates (empty when by party). */
  candidates: Array<Pick<Candidate, 'id' | 'name' | 'party'>>;
  /** The parties standing in the unit (empty when by candidate). */
  parties: string[];
  total: UnitTally;
  rows: LevelRow[];
}

export type StationResultReader = (
  contest: string,
  station: string,
) => Promise<StationResult | null>;

/** The table below `unit` for `contest`, or null when the contest has no race there. */
export async function levelTable(
  index: ElectionIndex,
  contest: string,
  unit: string,
  readTally: TallyReader['tally'],
  readStation: StationResultReader,
): Promise<LevelTable | null> {
  const total = await readTally(contest, unit);
  if (!total) return null;
  const u = index.units.get(unit);
  const rows: LevelRow[] = [];
  const byParty = total.partyVotes !== undefined;
  const partyOf = new Map(
    (index.contests.get(contest)?.candidates ?? []).map((c) => [c.id, partyKey(c.party)]),
  );
  /** A child's counts in the table's columns: per candidate, or per party. */
  const counts = (t: UnitTally): Pick<LevelRow, 'votes' | 'partyVotes' | 'races'> => {
    if (!byParty) return { votes: { ...t.votes } };
    if (t.partyVotes) return { races: t.races, partyVotes: { ...t.partyVotes } };
    const sums: Record<string, number> = Object.create(null);
    for (const [id, n] of Object.entries(t.votes)) {
      const party = partyOf.get(id) ?? '';
      sums[party] = (sums[party] ?? 0) + n;
    }
    return { races: 1, partyVotes: { ...sums } };
  };
  if (u?.level === 'ward') {
    for (const s of index.definition.stations) {
      if (s.ward !== unit || !index.raceFor(contest, s.code)) continue;
      const r = await readStation(contest, s.code);
      rows.push({
        level: 'station',
        code: s.code,
        name: s.name,
        stationsReported: r ? 1 : 0,
        stationsExpected: 1,
        registeredVoters: s.registeredVoters,
        rejected: r?.rejected ?? 0,
        totalValid: r?.totalValid ?? 0,
        votes: r ? { ...r.votes } : {},
        flags: Object.fromEntries((r?.flags ?? []).map((f) => [f, 1])),
        entryIndex: r?.entryIndex ?? null,
        form: r?.form ?? null,
      });
    }
  } else {
    for (const child of index.childrenOf(unit)) {
      const t = await readTally(contest, child);
      const cu = index.units.get(child);
      if (!t || !cu) continue;
      rows.push({
        level: cu.level,
        code: child,
        name: cu.name,
        stationsReported: t.stationsReported,
        stationsExpected: t.stationsExpected,
        registeredVoters: t.registeredExpected,
        rejected: t.rejected,
        totalValid: t.totalValid,
        ...counts(t),
        flags: { ...t.flagged } as Record<string, number>,
        entryIndex: null,
        form: null,
      });
    }
  }
  const ids = new Set(Object.keys(total.votes ?? {}));
  const candidates = (index.contests.get(contest)?.candidates ?? [])
    .filter((c) => ids.has(c.id))
    .map(({ id, name, party }) => ({ id, name, party }));
  return {
    contest,
    unit,
    level: u?.level ?? 'nation',
    name: u?.name ?? index.definition.title,
    by: byParty ? 'party' : 'candidate',
    candidates,
    parties: Object.keys(total.partyVotes ?? {}),
    total,
    rows,
  };
}

/**
 * The table as RFC 4180 CSV (CRLF line ends): one row per unit or station
 * below, then a "total" row for the unit itself. One column per candidate,
 * headed by the candidate id, or (above the contest's scope) a "races" column
 * and one column per party, headed by the party's name; flags as "name=count;…".
 */
export function levelTableCsv(t: LevelTable): string {
  const byParty = t.by === 'party';
  const ids = byParty ? t.parties : t.candidates.map((c) => c.id);
  const header = [
    'level',
    'code',
    'name',
    'stations_reported',
    'stations_expected',
    'registered_voters',
    'rejected',
    'total_valid',
    ...(byParty ? ['races'] : []),
    ...ids,
    'flags',
    'entry_index',
    'form_sha256',
  ];
  const flagText = (f: Record<string, number>) =>
    Object.entries(f)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}=${n}`)
      .join(';');
  const line = (r: LevelRow | (Omit<LevelRow, 'level'> & { level: string })) =>
    [
      r.level,
      r.code,
      r.name,
      r.stationsReported,
      r.stationsExpected,
      r.registeredVoters,
      r.rejected,
      r.totalValid,
      ...(byParty ? [r.races ?? ''] : []),
      ...ids.map(
        (id) => (byParty ? r.partyVotes : r.votes)?.[id] ?? (r.stationsReported > 0 ? 0 : ''),
      ),
      flagText(r.flags),
      r.entryIndex,
      r.form,
    ]
      .map((v) => csvField(v === '' ? null : (v as string | number | null)))
      .join(',');
  const total = {
    level: `total:${t.level}`,
    code: t.unit === NATION ? '' : t.unit,
    name: t.name,
    stationsReported: t.total.stationsReported,
    stationsExpected: t.total.stationsExpected,
    registeredVoters: t.total.registeredExpected,
    rejected: t.total.rejected,
    totalValid: t.total.totalValid,
    votes: t.total.votes,
    partyVotes: t.total.partyVotes,
    races: t.total.races,
    flags: t.total.flagged as Record<string, number>,
    entryIndex: null,
    form: null,
  };
  return `${[header.join(','), ...t.rows.map(line), line(total)].join('\r\n')}\r\n`;
}

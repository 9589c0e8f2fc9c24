// Lookups over an election definition, built once: which race a station votes
// in for each contest, which units a station rolls up into, which device is
// enrolled where. Also the definition's own consistency check.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64 } from '../log/bytes.js';
import { isWeakEd25519Key } from '../log/crypto.js';
import { parseVerifierKey } from '../log/note.js';
import type {
  CandidateId,
  Contest,
  ContestId,
  Device,
  DeviceId,
  ElectionDefinition,
  ScopeLevel,
  Station,
  StationCode,
  Unit,
  UnitCode,
} from './definition.js';

export interface Race {
  /** The unit at the contest's scope, or "" for the nation. */
  unit: UnitCode;
  candidates: CandidateId[];
  candidateSet: Set<CandidateId>;
}

export interface StationPlace {
  station: Station;
  ward: UnitCode;
  constituency: UnitCode;
  county: UnitCode;
}

/** The code that stands for the whole nation in tallies. */
export const NATION = '';

export class ElectionIndex {
  readonly stations = new Map<StationCode, Station>();
  readonly places = new Map<StationCode, StationPlace>();
  readonly units = new Map<UnitCode, Unit>();
  readonly contests = new Map<ContestId, Contest>();
  readonly devices = new Map<DeviceId, Device>();
  /** contest → race unit ("" for national contests) → race. */
  private readonly races = new Map<ContestId, Map<UnitCode, Race>>();
  private readonly children = new Map<UnitCode, UnitCode[]>();
  /** Station code → its position in the definition: packed per-station tables are indexed by it. */
  private readonly stationOrdinals = new Map<StationCode, number>();
  private readonly stationCodes: StationCode[] = [];
  /** Unit code → its position: 0 the nation, then the definition's units (first of a repeated code). */
  private readonly unitOrdinals = new Map<UnitCode, number>([[NATION, 0]]);
  /**
   * Station ordinal × 4 + rank → the position (unitOrdinal) of rollup(station)[rank]:
   * what a fold adds a result into, found without a lookup by code. -1 for a
   * station rollup() gives no units.
   */
  readonly rollupOrdinals: Int32Array;
  /** Station ordinal → its registered voters (as stations.get(code) gives them). */
  readonly registeredAt: number[];

  constructor(readonly definition: ElectionDefinition) {
    for (const u of definition.units) {
      this.units.set(u.code, u);
      if (!this.unitOrdinals.has(u.code)) this.unitOrdinals.set(u.code, this.unitOrdinals.size);
    }
    for (const u of definition.units) {
      const parent = u.parent ?? NATION;
      const list = this.children.get(parent) ?? [];
      list.push(u.code);
      this.children.set(parent, list);
    }
    for (const s of definition.stations) {
      this.stations.set(s.code, s);
      if (!this.stationOrdinals.has(s.code)) {
        this.stationOrdinals.set(s.code, this.stationCodes.length);
        this.stationCodes.push(s.code);
      }
      const ward = this.units.get(s.ward);
      const constituency = ward?.parent ? this.units.get(ward.parent) : undefined;
      const county = constituency?.parent ? this.units.get(constituency.parent) : undefined;
      if (ward && constituency && county)
        this.places.set(s.code, {
          station: s,
          ward: ward.code,
          constituency: constituency.code,
          county: county.code,
        });
    }
    for (const c of definition.contests) {
      this.contests.set(c.id, c);
      const byUnit = new Map<UnitCode, Race>();
      for (const cand of c.candidates) {
        const unit = c.scope === 'nation' ? NATION : (cand.unit ?? NATION);
        let race = byUnit.get(unit);
        if (!race) {
          race = { unit, candidates: [], candidateSet: new Set() };
          byUnit.set(unit, race);
        }
        race.candidates.push(cand.id);
        race.candidateSet.add(cand.id);
      }
      this.races.set(c.id, byUnit);
    }
    for (const d of definition.devices) this.devices.set(d.id, d);
    const count = this.stationCodes.length;
    this.rollupOrdinals = new Int32Array(count * 4).fill(-1);
    this.registeredAt = new Array<number>(count);
    for (let ordinal = 0; ordinal < count; ordinal++) {
      const code = this.stationCodes[ordinal] as StationCode;
      this.registeredAt[ordinal] = this.stations.get(code)?.registeredVoters ?? 0;
      const units = this.rollup(code);
      for (let rank = 0; rank < units.length; rank++)
        this.rollupOrdinals[ordinal * 4 + rank] = this.unitOrdinal(units[rank] as UnitCode) ?? -1;
    }
  }

  /** The unit containing the station at a level, or "" for the nation. */
  unitOf(station: StationCode, level: ScopeLevel): UnitCode | undefined {
    const place = this.places.get(station);
    if (!place) return undefined;
    switch (level) {
      case 'nation':
        return NATION;
      case 'county':
        return place.county;
      case 'constituency':
        return place.constituency;
      case 'ward':
        return place.ward;
    }
  }

  /** The race a station votes in for a contest, or undefined if it takes no part. */
  raceFor(contest: ContestId, station: StationCode): Race | undefined {
    const c = this.contests.get(contest);
    if (!c) return undefined;
    const unit = this.unitOf(station, c.scope);
    if (unit === undefined) return undefined;
    return this.races.get(contest)?.get(unit);
  }

  racesOf(contest: ContestId): Map<UnitCode, Race> {
    return this.races.get(contest) ?? new Map();
  }

  /** Units directly below a unit ("" for the counties). */
  childrenOf(unit: UnitCode): UnitCode[] {
    return this.children.get(unit) ?? [];
  }

  /** The station's position among the definition's stations (0, 1, …), or undefined if it has none. */
  stationOrdinal(station: StationCode): number | undefined {
    return this.stationOrdinals.get(station);
  }

  /** The code of the station at a position given by stationOrdinal(). */
  stationAt(ordinal: number): StationCode {
    const code = this.stationCodes[ordinal];
    if (code === undefined) throw new Error(`no station at position ${ordinal}`);
    return code;
  }

  /** The unit's position (0: the nation, then the definition's units), or undefined if there is none. */
  unitOrdinal(unit: UnitCode): number | undefined {
    return this.unitOrdinals.get(unit);
  }

  /** How many positions unitOrdinal gives (the nation and the distinct units). */
  get unitCount(): number {
    return this.unitOrdinals.size;
  }

  /** How many distinct stations the definition lists. */
  get stationCount(): number {
    return this.stationCodes.length;
  }

  /** The units a station's result is added into, nation first. */
  rollup(station: StationCode): UnitCode[] {
    const p = this.places.get(station);
    return p ? [NATION, p.county, p.constituency, p.ward] : [];
  }
}

/**
 * Checks that a definition hangs together: unique codes, every parent, ward,
 * station and race unit exists at the right level, counts are sane. The
 * definition is signed by the commission, but a mistake in it must still be
 * caught before the first result arrives.
 */
export function checkDefinition(def: ElectionDefinition): Result<ElectionIndex, string[]> {
  // The document may come from anywhere: check its shape before its contents.
  const shape = checkShape(def);
  if (shape.length) return err(shape);
  const problems: string[] = [];
  if (def.format !== 'kura-election/v1')
    problems.push(`format must be "kura-election/v1", not ${JSON.stringify(def.format)}`);
  if (!ID.test(def.electionId))
    problems.push('electionId must be an identifier (letters, digits, . _ : # / -; at most 128)');
  if (def.logOrigin === '' || [...def.logOrigin].some((c) => c.charCodeAt(0) < 0x20))
    problems.push('logOrigin must be a non-empty line without control characters');
  for (const k of ['logKey', 'commissionKey'] as const) {
    const v = parseVerifierKey(def[k]);
    if (!v.ok) problems.push(`${k} is not an Ed25519 signed-note verifier key: ${v.error.message}`);
  }
  const units = new Map<UnitCode, Unit>();
  for (const u of def.units) {
    if (units.has(u.code) || !ID.test(u.code))
      problems.push(`unit code "${u.code}" is repeated or not an identifier`);
    units.set(u.code, u);
  }
  const expectParent: Record<Unit['level'], Unit['level'] | null> = {
    county: null,
    constituency: 'county',
    ward: 'constituency',
  };
  for (const u of def.units) {
    const want = expectParent[u.level];
    if (want === undefined)
      problems.push(`unit ${u.code}: unknown level ${JSON.stringify(u.level)}`);
    else if (want === null) {
      if (u.parent !== null) problems.push(`county ${u.code} must have parent null`);
    } else if (u.parent === null || units.get(u.parent)?.level !== want)
      problems.push(`${u.level} ${u.code}: parent must be a ${want}`);
  }
  const stationCodes = new Set<string>();
  for (const s of def.stations) {
    if (stationCodes.has(s.code) || !ID.test(s.code))
      problems.push(`station code "${s.code}" is repeated or not an identifier`);
    stationCodes.add(s.code);
    if (units.get(s.ward)?.level !== 'ward')
      problems.push(`station ${s.code}: ward ${s.ward} is not a ward`);
    if (!Number.isSafeInteger(s.registeredVoters) || s.registeredVoters < 0)
      problems.push(`station ${s.code}: registeredVoters must be a whole number ≥ 0`);
  }
  const contestIds = new Set<string>();
  for (const c of def.contests) {
    if (contestIds.has(c.id) || !ID.test(c.id))
      problems.push(`contest id "${c.id}" is repeated or not an identifier`);
    contestIds.add(c.id);
    if (!SCOPES.includes(c.scope))
      problems.push(`contest ${c.id}: scope must be one of ${SCOPES.join(', ')}`);
    const candIds = new Set<string>();
    for (const cand of c.candidates) {
      if (candIds.has(cand.id) || !ID.test(cand.id))
        problems.push(
          `contest ${c.id}: candidate id "${cand.id}" is repeated or not an identifier`,
        );
      candIds.add(cand.id);
      if (c.scope === 'nation') {
        if (cand.unit !== null)
          problems.push(
            `contest ${c.id}: candidate ${cand.id} must have unit null (national contest)`,
          );
      } else if (units.get(cand.unit ?? '')?.level !== c.scope)
        problems.push(`contest ${c.id}: candidate ${cand.id} must stand in a ${c.scope}`);
    }
  }
  const deviceIds = new Set<string>();
  const deviceKeys = new Map<string, string>();
  for (const d of def.devices) {
    if (deviceIds.has(d.id) || !ID.test(d.id))
      problems.push(`device id "${d.id}" is repeated or not an identifier`);
    deviceIds.add(d.id);
    if (!stationCodes.has(d.station)) problems.push(`device ${d.id}: unknown station ${d.station}`);
    const key = fromBase64(d.publicKey);
    if (key?.length !== 32)
      problems.push(`device ${d.id}: publicKey must be 32 bytes of canonical base64`);
    else if (isWeakEd25519Key(key))
      problems.push(
        `device ${d.id}: publicKey is not an Ed25519 key of full order (signatures under it could be forged)`,
      );
    const other = deviceKeys.get(d.publicKey);
    if (other) problems.push(`devices ${other} and ${d.id} share one public key`);
    deviceKeys.set(d.publicKey, d.id);
  }
  if (
    def.perStationCap !== null &&
    !(Number.isSafeInteger(def.perStationCap) && def.perStationCap > 0)
  )
    problems.push('perStationCap must be a positive whole number or null');
  if (problems.length) return err(problems.slice(0, 50));
  return ok(new ElectionIndex(def));
}

/** Identifiers: what result entries may name (see entries.ts). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/;
const SCOPES: readonly string[] = ['nation', 'county', 'constituency', 'ward'];

/** Each list's fields and the types each may have (split once: a definition has 90,000 items). */
const SHAPES: ReadonlyArray<
  readonly [string, ReadonlyArray<readonly [string, readonly string[]]>]
> = Object.entries({
  units: { code: 'string', level: 'string', name: 'string', parent: 'string|null' },
  stations: { code: 'string', name: 'string', ward: 'string', registeredVoters: 'number' },
  contests: {
    id: 'string',
    kind: 'string',
    title: 'string',
    scope: 'string',
    forms: 'object',
    candidates: 'array',
  },
  devices: { id: 'string', publicKey: 'string', station: 'string' },
}).map(([list, fields]) => [
  list,
  Object.entries(fields).map(([f, t]) => [f, t.split('|')] as const),
]);

function checkShape(def: unknown): string[] {
  const p: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(def)) return ['the definition must be a JSON object'];
  for (const k of ['format', 'electionId', 'title', 'logOrigin', 'logKey', 'commissionKey'])
    if (typeof def[k] !== 'string') p.push(`${k} must be a string`);
  if (def.perStationCap !== null && typeof def.perStationCap !== 'number')
    p.push('perStationCap must be a number or null');
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  for (const [list, fields] of SHAPES) {
    const items = def[list];
    if (!Array.isArray(items)) {
      p.push(`${list} must be an array`);
      continue;
    }
    items.forEach((item, i) => {
      if (!isObj(item)) {
        p.push(`${list}[${i}] must be an object`);
        return;
      }
      for (const [f, allowed] of fields)
        if (!allowed.includes(typeOf(item[f])))
          p.push(`${list}[${i}].${f} must be ${allowed.join(' or ')}`);
      if (list === 'contests' && Array.isArray(item.candidates)) {
        (item.candidates as unknown[]).forEach((c, j) => {
          if (
            !isObj(c) ||
            typeof c.id !== 'string' ||
            typeof c.name !== 'string' ||
            !['string', 'null'].includes(typeOf(c.unit))
          )
            p.push(
              `contests[${i}].candidates[${j}] needs id, name (strings) and unit (string or null)`,
            );
        });
      }
    });
  }
  return p.slice(0, 50);
}

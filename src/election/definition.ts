// The election definition: the fixed facts every result is checked against.
// It is committed by the log's first entry (by SHA-256; the document itself is
// far larger than an entry may be) and signed by the commission's key.
// docs/FORMATS.md § "Election definition" is the normative description.

/** A unit code is unique across all levels (Kenya: the station-code prefix, 3/6/10 digits). */
export type UnitCode = string;
/** A polling station (Kenya: one stream) code, e.g. the 15-digit IEBC code. */
export type StationCode = string;
export type ContestId = string;
export type CandidateId = string;
export type DeviceId = string;

export type UnitLevel = 'county' | 'constituency' | 'ward';
/** The level a contest is run at; 'nation' has a single race. */
export type ScopeLevel = 'nation' | UnitLevel;

export const UNIT_LEVELS: readonly UnitLevel[] = ['county', 'constituency', 'ward'];

export interface Unit {
  code: UnitCode;
  level: UnitLevel;
  name: string;
  /** null for a county (its parent is the nation). */
  parent: UnitCode | null;
}

export interface Station {
  code: StationCode;
  name: string;
  /** The ward the station belongs to. */
  ward: UnitCode;
  registeredVoters: number;
}

export type ContestKind =
  | 'president'
  | 'governor'
  | 'senator'
  | 'woman-representative'
  | 'member-of-parliament'
  | 'member-of-county-assembly';

export interface Contest {
  id: ContestId;
  kind: ContestKind;
  title: string;
  /** Each race is one unit at this level (or the whole nation). */
  scope: ScopeLevel;
  /** Names of the statutory forms: station, constituency and final declaration (Kenya president: 34A, 34B, 34C). */
  forms: { station: string; constituency: string; declaration: string };
  candidates: Candidate[];
}

export interface Candidate {
  id: CandidateId;
  name: string;
  party: string;
  /** The race the candidate stands in: a unit code at the contest's scope, or null for a national contest. */
  unit: UnitCode | null;
  /** True where the candidate is invented (we have no data for that position). */
  simulated?: boolean;
}

export interface Device {
  id: DeviceId;
  /** The hardware serial (Kenya: the KIEMS kit serial), where known. Ids are unique; serials need not be. */
  serial?: string;
  /** Raw 32-byte Ed25519 public key, standard base64. */
  publicKey: string;
  station: StationCode;
}

export interface ElectionDefinition {
  format: 'kura-election/v1';
  electionId: string;
  title: string;
  /** The checkpoint origin line, e.g. "kura.example/kenya-2022". */
  logOrigin: string;
  /** The log's signed-note verifier key ("<name>+<hex key id>+<base64>"). */
  logKey: string;
  /** The commission's signed-note verifier key; it signs the definition entry. */
  commissionKey: string;
  /** Most ballots one station (stream) may have; results above it are flagged. Kenya 2022: 700. */
  perStationCap: number | null;
  units: Unit[];
  stations: Station[];
  contests: Contest[];
  devices: Device[];
  /** Free-text provenance of the facts in this definition. */
  provenance?: string;
}

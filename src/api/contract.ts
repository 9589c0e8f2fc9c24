// The JSON the server answers and the portal reads (docs/FORMATS.md §10), in
// one place: the server's routes are typed with these answers and the portal
// (web/src/api.ts) imports them, so `tsc` on either side fails when the two
// drift apart. Types only: nothing here runs, and it imports nothing but the
// core's types. The read endpoints' response schemas
// (src/server/routes/response-schemas.ts) describe the same shapes for the
// serialiser.

import type {
  AgentView,
  PartyTallyView,
  PartyView,
  StationDifference,
  StationWord,
} from '../election/agent-views.js';
import type {
  AuditAnswer,
  AuditCounts,
  AuditProgress,
  AuditRoundSummary,
  AuditSummary,
  CountyProgress,
} from '../election/audit-progress.js';
import type {
  AuditMethod,
  AuditPaperView,
  AuditRoundView,
  AuditStatus,
  AuditView,
} from '../election/audits.js';
import type { Candidate, ScopeLevel, Station } from '../election/definition.js';
import type { Entry } from '../election/entries.js';
import type {
  CorrectionApplied,
  StationResult as FoldStationResult,
  PartyTally,
  RaceTally,
  UnitTally,
} from '../election/fold.js';
import type { Role } from '../election/official-entry.js';
import type {
  Account,
  AccountProposal,
  ActRecord,
  Correction,
  Declaration,
  DeviceState,
} from '../election/officials.js';
import type { ResultFlag } from '../election/rules.js';

export type {
  Account,
  AccountProposal,
  ActRecord,
  AgentView,
  AuditAnswer,
  AuditCounts,
  AuditMethod,
  AuditPaperView,
  AuditProgress,
  AuditRoundSummary,
  AuditRoundView,
  AuditStatus,
  AuditSummary,
  AuditView,
  Candidate,
  Correction,
  CountyProgress,
  Declaration,
  DeviceState,
  PartyTally,
  PartyTallyView,
  PartyView,
  RaceTally,
  ResultFlag,
  Role,
  StationDifference,
  StationWord,
  UnitTally,
};

/** Where a unit stands: the nation ("" as its code) or a county, constituency or ward. */
export type Level = ScopeLevel;

/** Every refusal (4xx, 5xx): a code from the server's catalogue, a message, the field at fault. */
export interface ErrorAnswer {
  error: {
    code: string;
    message: string;
    field?: string;
    /** Every field problem, when the body had several (INVALID_FIELD). */
    problems?: Array<{ field: string; reason: string }>;
  };
}

// --- Tallies and the directory ---------------------------------------------

/** GET /api/v1/tally/{contest}[/{unit}]: a unit's tally with its children's. */
export interface TallyAnswer {
  contest: string;
  unit: string;
  level: Level;
  name: string;
  tally: UnitTally;
  children: Array<{ unit: string; name: string; level: Level; tally: UnitTally }>;
}

export interface ContestInfo {
  id: string;
  kind: string;
  title: string;
  scope: Level;
  forms: { station: string; constituency: string; declaration: string };
  races: number;
  candidates: number;
}

/** GET /api/v1/contests. */
export interface ContestsAnswer {
  electionId: string;
  title: string;
  logOrigin: string;
  perStationCap: number | null;
  stations: number;
  contests: ContestInfo[];
}

export interface UnitRef {
  code: string;
  level: Level;
  name: string;
}

/** GET /api/v1/units[/{code}]. */
export interface UnitAnswer {
  unit: UnitRef & { parent: string | null };
  stations: number;
  ancestors: UnitRef[];
  children: Array<UnitRef & { stations: number }>;
  pollingStations: Array<{ code: string; name: string; registeredVoters: number }>;
}

/** GET /api/v1/candidates/{contest}[/{unit}]: the candidates a tally of the unit can include. */
export interface CandidatesAnswer {
  contest: string;
  unit: string;
  candidates: Candidate[];
}

/** GET /api/v1/search?q=. */
export interface SearchAnswer {
  q: string;
  stations: Array<{ code: string; name: string; ward: UnitRef | null; county: UnitRef | null }>;
  units: Array<UnitRef & { parent: UnitRef | null }>;
  more: boolean;
}

// --- Stations --------------------------------------------------------------

/** A station's result as served: a correction in force lists its approvals (FORMATS §14.3). */
export interface StationResult extends Omit<FoldStationResult, 'correction'> {
  correction?: CorrectionApplied & {
    /** Indexes of its approvals, in log order. A browser does not rely on them being listed. */
    approvals?: number[];
  };
}

/** A device the log knows for a station; the indexes where official entries enrolled or revoked it. */
export interface StationDevice {
  id: string;
  publicKey: string;
  enrolledAt?: number;
  revokedAt?: number;
}

/** GET /api/v1/stations/{code}. */
export interface StationAnswer {
  station: Station;
  ward: { code: string; name: string } | null;
  constituency: { code: string; name: string } | null;
  county: { code: string; name: string } | null;
  devices: StationDevice[];
  /** Per contest the station takes part in: its result, or null before it reports. */
  results: Record<string, StationResult | null>;
  /**
   * The parties' agents' words (attestations and dissents, the dissents with
   * their figures) on the station's counted results, per contest; only
   * contests with at least one word, and absent while there is none.
   */
  words?: Record<string, StationWord[]>;
}

/** GET /api/v1/station-pages?after=&limit=: station pages in definition order. */
export interface StationPagesAnswer {
  /** Each exactly as GET /api/v1/stations/{code} gives it. */
  stations: StationAnswer[];
  /** The `after` of the next page (the last station of this one); null: the listing is done. */
  next: string | null;
}

/** GET /api/v1/tallies/{contest}?after=&limit=: every tally of a contest, the nation last. */
export interface TallyListAnswer {
  contest: string;
  /** Each `tally` exactly as the `tally` of GET /api/v1/tally/{contest}/{unit}. */
  tallies: Array<{ unit: string; tally: UnitTally }>;
  /** The `after` of the next page (the last unit of this one); null: the listing is done. */
  next: string | null;
}

/** GET /api/v1/forms?after=&limit=: the forms stored, by SHA-256. */
export interface FormListAnswer {
  forms: Array<{ sha256: string; contentType: string }>;
  /** The `after` of the next page; null: the listing is done. */
  next: string | null;
}

/** GET /api/v1/stations?ward=&contest=. */
export interface WardStationsAnswer {
  contest: string;
  ward: UnitRef;
  stations: Array<{
    code: string;
    name: string;
    registeredVoters: number;
    takesPart: boolean;
    result: StationResult | null;
  }>;
}

// --- The log ---------------------------------------------------------------

/** GET /api/v1/entries/{index}[?size=]: an entry with its inclusion proof. */
export interface EntryAnswer {
  index: number;
  treeSize: number;
  /** The entry's bytes, standard base64. */
  entry: string;
  decoded: Entry | null;
  leafHash: string;
  inclusionProof: string[];
  /** The signed checkpoint of that size, when it is the latest. */
  checkpoint: string | null;
}

/** GET /api/v1/proof/consistency?from=&to=. */
export interface ConsistencyAnswer {
  from: number;
  to: number;
  proof: string[];
}

// --- Writes ----------------------------------------------------------------

/** POST /api/v1/results: 201 (new) or 200 (the same result again). */
export interface ResultReceipt {
  index: number;
  duplicate: boolean;
  flags: ResultFlag[];
  /** c2sp.org/tlog-proof@v1. */
  receipt: string;
}

/** POST /api/v1/results/batch: 201 (any entry new) or 200 (every one sent before); one receipt per entry, in order. */
export interface ResultBatchReceipt {
  results: ResultReceipt[];
}

/** POST /api/v1/roster, /api/v1/attestations, /api/v1/dissents: 201 (new) or 200 (the same entry again). */
export interface WordReceipt {
  index: number;
  duplicate: boolean;
  /** c2sp.org/tlog-proof@v1. */
  receipt: string;
}

/** PUT /api/v1/forms/{sha256}. */
export interface FormStored {
  sha256: string;
  contentType: string;
  size: number;
  stored: 'new' | 'already';
}

/** Every official act's answer (some add fields: an account's activation code, say). */
export interface ActReceipt {
  index: number;
  receipt: string;
}

/** POST /api/v1/login. */
export interface Session {
  token: string;
  account: string;
  role: Role;
  scope: string;
  expiresAt: string;
}

// --- The officials' public record ------------------------------------------

/** Failed logins of one account ("" for names that are no account) in one UTC hour. */
export interface FailedLoginCount {
  account: string;
  hour: string;
  count: number;
  firstEntry: number;
  lastEntry: number;
}

/** GET /api/v1/officials/acts[?from=&limit=&failed=each|summary]. */
export interface OfficialActsAnswer {
  acts: ActRecord[];
  failedLogins: FailedLoginCount[];
}

/**
 * GET /api/v1/officials/status: whether this server takes officials' logins
 * and acts, so the portal can say so before anyone tries. `refusal` is the
 * code a login would get (null: logins are taken).
 */
export interface OfficialsStatusAnswer {
  logins: boolean;
  refusal: 'OFFICIALS_DISABLED' | 'READ_ONLY' | null;
}

/** GET /api/v1/officials/accounts. */
export interface OfficialAccountsAnswer {
  accounts: Account[];
  proposals: AccountProposal[];
}

/** GET /api/v1/corrections. */
export interface CorrectionsAnswer {
  corrections: Correction[];
}

/** GET /api/v1/declarations. */
export interface DeclarationsAnswer {
  declarations: Declaration[];
}

// --- Risk-limiting audits (FORMATS §15) --------------------------------------

/** GET /api/v1/audits: every audit on the log, without its draws and papers. */
export interface AuditsAnswer {
  audits: AuditSummary[];
}

/** POST /api/v1/audits: the proposal is logged; another administrator approves it. */
export interface AuditProposed extends ActReceipt {
  audit: string;
  /** The log size whose counted results the audit checks (the request's, or the latest checkpoint's). */
  treeSize: number;
  status: 'proposed';
}

/** POST /api/v1/audits/{id}/approve. */
export interface AuditApproved extends ActReceipt {
  audit: string;
}

/** POST /api/v1/audits/{id}/rounds: the round's sample as the server drew it from the seed (or a full count). */
export interface AuditRoundStarted extends ActReceipt {
  audit: string;
  round: number;
  full: boolean;
  /** This round's draws (a full count: every station of the contest, ticket ""). */
  draws: AuditRoundView['draws'];
  /** SHA-256 of the round's canonical sample JSON, as logged; null for a full count. */
  sampleSha256: string | null;
}

/** POST /api/v1/audits/{id}/papers and /ballots. */
export interface AuditPaperEntered extends ActReceipt {
  audit: string;
  round: number;
  station: string;
  /** The paper against the frozen logged figures (papers only; none for ballots). */
  differences: AuditPaperView['differences'];
}

/** POST /api/v1/audits/{id}/rounds/{n}/close: the risk the server measured, as logged. */
export interface AuditRoundClosed extends ActReceipt {
  audit: string;
  round: number;
  /** String(binary64), exactly as in the entry. */
  risk: string;
  outcome: NonNullable<AuditRoundView['outcome']>;
  /** The audit's risk limit, in percent. */
  riskLimit: number;
  /** Draws for a 70/80/90% chance of finishing with one more round; null unless the outcome is "continue". */
  nextRoundSizes: { '0.7': number; '0.8': number; '0.9': number } | null;
}

// --- Parties and their agents (issue 15) -------------------------------------

/** GET /api/v1/parties: every enrolled party, in enrolment order, with its agents in force and revoked. */
export interface PartiesAnswer {
  parties: PartyView[];
}

/** GET /api/v1/parties/{party}/agents[?station=]: the party's agents (at one station). */
export interface PartyAgentsAnswer {
  party: string;
  agents: AgentView[];
}

/**
 * GET /api/v1/parties/{party}/tally/{contest}/{unit} ("nation" for the
 * nation): the party's parallel tally beside the official tally of the unit.
 */
export interface PartyTallyAnswer {
  party: string;
  name: string;
  contest: string;
  /** "" for the nation. */
  unit: string;
  tally: PartyTallyView;
  official: UnitTally;
}

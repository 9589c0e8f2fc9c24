// The election's rules for results, shared by the server (before it appends),
// the fold (while tallying) and `kura verify` (while auditing): one function,
// so all three agree on what counts.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64 } from '../log/bytes.js';
import { ed25519Verify } from '../log/crypto.js';
import type { ElectionDefinition, Station, StationCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';
import { type ResultEntry, signingMessage } from './entries.js';

/** Why a result is refused. Every code names one precise problem. */
export type RuleErrorCode =
  | 'WRONG_ELECTION'
  | 'UNKNOWN_CONTEST'
  | 'UNKNOWN_STATION'
  | 'STATION_NOT_IN_CONTEST'
  | 'UNKNOWN_DEVICE'
  | 'DEVICE_NOT_ENROLLED_AT_STATION'
  | 'DEVICE_REVOKED'
  | 'UNKNOWN_CANDIDATE'
  | 'MISSING_CANDIDATE'
  | 'BAD_SIGNATURE';

export interface RuleError {
  code: RuleErrorCode;
  field: string;
  message: string;
}

/**
 * Plausibility flags: the form is accepted as signed, and the flag is shown
 * beside it. These words are on the record (tallies' `flagged`, the API, open
 * data; FORMATS.md §7.2): forensics reports the same rules under the same words.
 */
export type ResultFlag = 'over-registered' | 'over-cap' | 'sum-mismatch';

/** Every flag, in the order resultFlags lists them (FORMATS.md §7.2). */
export const RESULT_FLAGS: readonly ResultFlag[] = ['over-registered', 'over-cap', 'sum-mismatch'];

export const FLAG_DESCRIPTIONS: Record<ResultFlag, string> = {
  'over-registered': 'more ballots (valid + rejected) than registered voters',
  'over-cap': 'more ballots than the per-station cap',
  'sum-mismatch': 'candidate votes do not add up to the total valid votes written on the form',
};

declare const madeByRules: unique symbol;

/**
 * How a result came to pass the rules before the fold saw it:
 * - `checked-here`: checkResult ran in this process, signature included;
 * - `checked-by-worker`: checkResult ran in a signature worker thread (kura
 *   verify) against the definition's devices, and sent back its flags;
 * - `logged-by-writer`: read back from a log whose writer checked it before
 *   logging it (a replay from the store); only its flags are recomputed.
 */
export type VerdictSource =
  | 'checked-here'
  | 'checked-by-worker'
  | 'logged-by-writer'
  | 'verified-before';

/**
 * A result's verdict from the rules, made only in this module (the brand), so a
 * fold that is handed one knows it did not come from nowhere; `source` says
 * where. It holds for the entry it was made for: the caller keeps them together.
 */
export interface CheckedVerdict {
  readonly [madeByRules]: true;
  readonly source: VerdictSource;
  readonly flags: ResultFlag[];
}

function verdict(source: VerdictSource, flags: ResultFlag[]): CheckedVerdict {
  return { source, flags } as CheckedVerdict;
}

/** checkResult, as a verdict a fold can take. */
export function checkResultVerdict(
  index: ElectionIndex,
  entry: ResultEntry,
  devices?: DeviceLookup,
): Result<CheckedVerdict, RuleError> {
  const checked = checkResult(index, entry, devices);
  return checked.ok ? ok(verdict('checked-here', checked.value)) : checked;
}

/**
 * The verdict on a result once its pending signature (checkResultRules) has
 * been verified, here or on another thread: BAD_SIGNATURE if it did not.
 */
export function signatureVerdict(
  pending: PendingSignature,
  valid: boolean,
): Result<CheckedVerdict, RuleError> {
  return valid ? ok(verdict('checked-here', pending.flags)) : badSignature(pending.device);
}

/** A verdict checkResult reached in a signature worker thread, carried back as its flags. */
export function workerVerdict(flags: ResultFlag[]): CheckedVerdict {
  return verdict('checked-by-worker', flags);
}

/**
 * The verdict on a result read back from a log its writer checked before it
 * logged it (and whose bytes the signed tree proves): its flags, recomputed.
 */
export function loggedVerdict(index: FlagFacts, entry: ResultEntry): CheckedVerdict {
  return verdict('logged-by-writer', resultFlags(index, entry));
}

/**
 * The verdict on a result an earlier audit checked in full, signature
 * included, and counted, whose bytes the signed tree proves unchanged since
 * (kura verify --state): its flags, recomputed; its signature not again.
 */
export function verifiedBeforeVerdict(index: FlagFacts, entry: ResultEntry): CheckedVerdict {
  return verdict('verified-before', resultFlags(index, entry));
}

function refuse(
  code: RuleErrorCode,
  field: string,
  message: string,
): { ok: false; error: RuleError } {
  return err({ code, field, message });
}

const publicKeys = new Map<string, Uint8Array>();
const NO_BYTES = new Uint8Array(0);

/** A device as the log stands at a result: the definition's, or as officials enrolled and revoked it. */
export interface DeviceOnRecord {
  station: string;
  publicKey: string;
  /** Log index of its revocation, if revoked. */
  revokedAt?: number | null;
}
export type DeviceLookup = (id: string) => DeviceOnRecord | undefined;

/**
 * Checks a well-shaped result entry (see checkEntryShape) against the election:
 * contest, station, device enrolment, the candidate list of the station's race,
 * and the device's signature. All fields are attacker-controlled. Refusals come
 * in a fixed order so every implementation reports the same first problem.
 * `message`, when the caller has it already (decodeEntryAndMessage), must be
 * signingMessage(entry).
 */
export function checkResult(
  index: ElectionIndex,
  entry: ResultEntry,
  devices?: DeviceLookup,
  message?: Uint8Array,
): Result<ResultFlag[], RuleError> {
  const rules = checkResultRules(index, entry, devices, message);
  if (!rules.ok) return rules;
  const { publicKey, signature, flags } = rules.value;
  if (!ed25519Verify(publicKey, rules.value.message, signature)) return badSignature(entry.device);
  return ok(flags);
}

declare const passedRules: unique symbol;

/** What remains to check after checkResultRules: one Ed25519 signature (see signatureVerdict). */
export interface PendingSignature {
  readonly [passedRules]: true;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  /** The device that signed, to name in a BAD_SIGNATURE refusal. */
  device: string;
  /** The result's flags, should the signature verify. */
  flags: ResultFlag[];
}

function badSignature(device: string): { ok: false; error: RuleError } {
  return refuse(
    'BAD_SIGNATURE',
    'sig',
    `the signature does not verify with the public key of device ${device}`,
  );
}

/**
 * Every check of checkResult but the signature, in the same order, returning
 * the signature to verify: so a server can verify it on another thread.
 * `message`, when the caller has it already (encodeEntryAndMessage), must be
 * signingMessage(entry).
 */
export function checkResultRules(
  index: ElectionIndex,
  entry: ResultEntry,
  devices?: DeviceLookup,
  message?: Uint8Array,
): Result<PendingSignature, RuleError> {
  if (entry.election !== index.definition.electionId) {
    return refuse(
      'WRONG_ELECTION',
      'election',
      `this log is election "${index.definition.electionId}", not "${entry.election}"`,
    );
  }
  const contest = index.contests.get(entry.contest);
  if (!contest)
    return refuse('UNKNOWN_CONTEST', 'contest', `no contest "${entry.contest}" in this election`);
  const station = index.stations.get(entry.station);
  if (!station)
    return refuse(
      'UNKNOWN_STATION',
      'station',
      `no polling station "${entry.station}" in this election`,
    );
  const race = index.raceFor(entry.contest, entry.station);
  if (!race) {
    return refuse(
      'STATION_NOT_IN_CONTEST',
      'contest',
      `station ${entry.station} has no race in contest "${entry.contest}"`,
    );
  }
  // Without a lookup: the devices of the definition (a worker's first pass; the fold looks again).
  const device: DeviceOnRecord | undefined = devices
    ? devices(entry.device)
    : index.devices.get(entry.device);
  if (!device) return refuse('UNKNOWN_DEVICE', 'device', `no enrolled device "${entry.device}"`);
  if (device.revokedAt != null)
    return refuse(
      'DEVICE_REVOKED',
      'device',
      `device ${entry.device} was revoked at log entry ${device.revokedAt}; its results are refused`,
    );
  if (device.station !== entry.station) {
    return refuse(
      'DEVICE_NOT_ENROLLED_AT_STATION',
      'device',
      `device ${entry.device} is enrolled at station ${device.station}, not ${entry.station}`,
    );
  }
  // Sorted, so every implementation names the same first unknown candidate.
  for (const candidate of Object.keys(entry.votes).sort()) {
    if (!race.candidateSet.has(candidate)) {
      return refuse(
        'UNKNOWN_CANDIDATE',
        `votes.${candidate}`,
        `"${candidate}" is not a candidate in the ${entry.contest} race at station ${entry.station}`,
      );
    }
  }
  for (const candidate of race.candidates) {
    if (!Object.hasOwn(entry.votes, candidate)) {
      return refuse(
        'MISSING_CANDIDATE',
        `votes.${candidate}`,
        `the form must give a count for every candidate; "${candidate}" is missing`,
      );
    }
  }
  let pub = publicKeys.get(device.publicKey);
  if (!pub) {
    pub = fromBase64(device.publicKey) ?? NO_BYTES;
    publicKeys.set(device.publicKey, pub);
  }
  const pending = {
    publicKey: pub,
    message: message ?? signingMessage(entry),
    signature: fromBase64(entry.sig) ?? NO_BYTES,
    device: entry.device,
    flags: resultFlags(index, entry),
  };
  return ok(pending as PendingSignature);
}

/** What the flags depend on: an ElectionIndex, or the same facts read from a definition (the browser). */
export interface FlagFacts {
  stations: ReadonlyMap<StationCode, Pick<Station, 'registeredVoters'>>;
  definition: Pick<ElectionDefinition, 'perStationCap'>;
}

/** The plausibility flags a (valid) result carries. Pure arithmetic on the form's figures. */
export function resultFlags(
  index: FlagFacts,
  entry: Pick<ResultEntry, 'station' | 'votes' | 'rejected' | 'totalValid'>,
): ResultFlag[] {
  const station = index.stations.get(entry.station);
  let sum = 0;
  for (const n of Object.values(entry.votes)) sum += n;
  const ballots = entry.totalValid + entry.rejected;
  const flags: ResultFlag[] = [];
  if (station && Math.max(ballots, sum + entry.rejected) > station.registeredVoters)
    flags.push('over-registered');
  const cap = index.definition.perStationCap;
  if (cap !== null && Math.max(ballots, sum + entry.rejected) > cap) flags.push('over-cap');
  if (sum !== entry.totalValid) flags.push('sum-mismatch');
  return flags;
}

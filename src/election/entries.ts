// Log entry types and their canonical bytes. Every entry is the canonical JSON
// (see canonical.ts) of one of the objects below, at most 65,535 bytes (the
// tlog-tiles entry-bundle limit). Each entry carries a signature `sig` by the
// party responsible for it, over signingMessage(entry): the domain line
// "kura-entry/v1\n" followed by the canonical JSON of the entry without `sig`.
import { err, ok, type Result } from '../basics/result.js';
import { type Canonical, canonicalBytes, parseCanonical } from './canonical.js';
import type { CandidateId, ContestId, DeviceId, StationCode } from './definition.js';

export const MAX_ENTRY_BYTES = 65_535;
export const ENTRY_DOMAIN = 'kura-entry/v1\n';

/** Entry 0: commits to the election definition document by hash. Signed by the commission. */
export interface ElectionEntry {
  type: 'election';
  v: 1;
  electionId: string;
  title: string;
  logOrigin: string;
  logKey: string;
  commissionKey: string;
  /** SHA-256 (lower-case hex) and byte length of the canonical definition document. */
  definitionSha256: string;
  definitionSize: number;
  issuedAt: string;
  sig: string;
}

/** One station's result for one contest, as its enrolled device signed it. */
export interface ResultEntry {
  type: 'result';
  v: 1;
  election: string;
  contest: ContestId;
  station: StationCode;
  device: DeviceId;
  /** Votes per candidate of the station's race: every candidate, no others. */
  votes: Record<CandidateId, number>;
  rejected: number;
  /** The total valid votes as written on the form (may disagree with the sum: then it is flagged). */
  totalValid: number;
  /** SHA-256 (lower-case hex) of the scanned signed form. */
  form: string;
  /** The device's clock when it signed (RFC 3339, UTC). Informational: the log order is authoritative. */
  deviceTime: string;
  sig: string;
}

export type Entry = ElectionEntry | ResultEntry;
export type EntryType = Entry['type'];
export type Unsigned<E extends Entry> = Omit<E, 'sig'>;

const encoder = new TextEncoder();

/** The bytes a signer signs: domain line + canonical JSON of the entry without its signature. */
export function signingMessage(entry: Unsigned<Entry> | Entry): Uint8Array {
  const { sig: _sig, ...unsigned } = entry as Entry;
  const body = canonicalBytes(unsigned);
  const out = new Uint8Array(ENTRY_DOMAIN.length + body.length);
  out.set(encoder.encode(ENTRY_DOMAIN), 0);
  out.set(body, ENTRY_DOMAIN.length);
  return out;
}

export function encodeEntry(entry: Entry): Uint8Array {
  return canonicalBytes(entry);
}

/** A problem with one field of an input: which field, and why. */
export interface FieldError {
  field: string;
  reason: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const BASE64_SIG = /^[A-Za-z0-9+/]{86}==$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/;

type Obj = Record<string, Canonical | undefined>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly errors: FieldError[] = [];
  constructor(readonly obj: Obj) {}
  fail(field: string, reason: string): void {
    this.errors.push({ field, reason });
  }
  string(field: string, pattern?: RegExp, what?: string): string {
    const v = this.obj[field];
    if (typeof v !== 'string') {
      this.fail(field, v === undefined ? 'is required' : 'must be a string');
      return '';
    }
    if (pattern && !pattern.test(v))
      this.fail(field, `must be ${what ?? `a string matching ${pattern}`}`);
    return v;
  }
  count(field: string): number {
    return checkCount(this.obj[field], field, this.errors);
  }
  literal<T extends Canonical>(field: string, value: T): T {
    if (this.obj[field] !== value) this.fail(field, `must be ${JSON.stringify(value)}`);
    return value;
  }
  onlyKeys(allowed: readonly string[]): void {
    for (const k of Object.keys(this.obj))
      if (!allowed.includes(k)) this.fail(k, 'is not a known field');
  }
}

export function checkCount(v: unknown, field: string, errors: FieldError[]): number {
  if (v === undefined) errors.push({ field, reason: 'is required' });
  else if (typeof v !== 'number' || !Number.isInteger(v))
    errors.push({ field, reason: 'must be a whole number' });
  else if (v < 0) errors.push({ field, reason: 'must not be negative' });
  else if (v > 1_000_000_000) errors.push({ field, reason: 'is implausibly large (over 10^9)' });
  else return v;
  return 0;
}

const RESULT_KEYS = [
  'type',
  'v',
  'election',
  'contest',
  'station',
  'device',
  'votes',
  'rejected',
  'totalValid',
  'form',
  'deviceTime',
  'sig',
] as const;
const ELECTION_KEYS = [
  'type',
  'v',
  'electionId',
  'title',
  'logOrigin',
  'logKey',
  'commissionKey',
  'definitionSha256',
  'definitionSize',
  'issuedAt',
  'sig',
] as const;

/**
 * Checks the shape of a decoded entry (attacker-controlled): every field present,
 * of the right type and form, and nothing else. It does not check signatures or
 * the election's rules; see rules.ts.
 */
export function checkEntryShape(value: unknown): Result<Entry, FieldError[]> {
  if (!isObject(value)) return err([{ field: '', reason: 'must be a JSON object' }]);
  const c = new Checker(value);
  switch (value.type) {
    case 'result': {
      c.onlyKeys(RESULT_KEYS);
      c.literal('v', 1);
      c.string('election', ID, 'an identifier');
      c.string('contest', ID, 'an identifier');
      c.string('station', ID, 'a station code');
      c.string('device', ID, 'a device id');
      const votes = value.votes;
      if (!isObject(votes))
        c.fail(
          'votes',
          votes === undefined ? 'is required' : 'must be an object of candidate id to count',
        );
      else
        for (const [k, n] of Object.entries(votes)) {
          if (!ID.test(k)) c.fail(`votes.${k}`, 'is not a candidate identifier');
          else checkCount(n, `votes.${k}`, c.errors);
        }
      c.count('rejected');
      c.count('totalValid');
      c.string('form', HEX64, 'a lower-case hex SHA-256 (64 characters)');
      c.string('deviceTime', RFC3339_UTC, 'an RFC 3339 UTC time such as 2022-08-09T17:05:00Z');
      c.string('sig', BASE64_SIG, 'a base64 Ed25519 signature (64 bytes)');
      break;
    }
    case 'election': {
      c.onlyKeys(ELECTION_KEYS);
      c.literal('v', 1);
      c.string('electionId', ID, 'an identifier');
      c.string('title');
      c.string('logOrigin');
      c.string('logKey');
      c.string('commissionKey');
      c.string('definitionSha256', HEX64, 'a lower-case hex SHA-256');
      c.count('definitionSize');
      c.string('issuedAt', RFC3339_UTC, 'an RFC 3339 UTC time');
      c.string('sig', BASE64_SIG, 'a base64 Ed25519 signature (64 bytes)');
      break;
    }
    default:
      c.fail(
        'type',
        value.type === undefined
          ? 'is required'
          : `unknown entry type ${JSON.stringify(value.type)}`,
      );
  }
  return c.errors.length ? err(c.errors) : ok(value as unknown as Entry);
}

/** Decodes log entry bytes: canonical JSON of a well-formed entry, within the size limit. */
export function decodeEntry(bytes: Uint8Array): Result<Entry, FieldError[]> {
  if (bytes.length > MAX_ENTRY_BYTES)
    return err([
      { field: '', reason: `entry is ${bytes.length} bytes; the limit is ${MAX_ENTRY_BYTES}` },
    ]);
  const parsed = parseCanonical(bytes);
  if (!parsed.ok) return err([{ field: '', reason: parsed.error }]);
  return checkEntryShape(parsed.value);
}

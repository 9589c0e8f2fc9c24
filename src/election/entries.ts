// Log entry types and their canonical bytes. Every entry is the canonical JSON
// (see canonical.ts) of one of the objects below, at most 65,535 bytes (the
// tlog-tiles entry-bundle limit). Each entry carries a signature `sig` by the
// party responsible for it, over signingMessage(entry): the domain line
// "kura-entry/v1\n" followed by the canonical JSON of the entry without `sig`.
import { err, ok, type Result } from '../basics/result.js';
import {
  type AgentEntry,
  checkAttestationShape,
  checkDissentShape,
  checkRosterShape,
} from './agent-entries.js';
import {
  canonicalBytes,
  canonicalStringWithAndWithout,
  parseCanonical,
  parseCanonicalOmitting,
} from './canonical.js';
import { checkOfficialShape, type OfficialEntry } from './official-entry.js';
import { BASE64_SIG, Checker, type FieldError, HEX64, ID, isObject, RFC3339_UTC } from './shape.js';

export type { FieldError } from './shape.js';

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

export type Entry = ElectionEntry | ResultEntry | OfficialEntry | AgentEntry;
export type EntryType = Entry['type'];
export type Unsigned<E extends Entry> = Omit<E, 'sig'>;

const encoder = new TextEncoder();
const DOMAIN_BYTES = encoder.encode(ENTRY_DOMAIN);

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

/**
 * encodeEntry(entry) and signingMessage(entry) at once, from one canonical
 * pass over the entry (a server takes both from every result it is sent).
 */
export function encodeEntryAndMessage(entry: Entry): { bytes: Uint8Array; message: Uint8Array } {
  const { whole, without } = canonicalStringWithAndWithout(entry, 'sig');
  return { bytes: encoder.encode(whole), message: encoder.encode(ENTRY_DOMAIN + without) };
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
      c.votes('votes');
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
    case 'official':
      checkOfficialShape(c);
      break;
    // Party agents (FORMATS.md §16).
    case 'roster':
      checkRosterShape(c);
      break;
    case 'attestation':
      checkAttestationShape(c);
      break;
    case 'dissent':
      checkDissentShape(c);
      break;
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
  if (bytes.length > MAX_ENTRY_BYTES) return err([tooLong(bytes)]);
  const parsed = parseCanonical(bytes);
  if (!parsed.ok) return err([{ field: '', reason: parsed.error }]);
  return checkEntryShape(parsed.value);
}

function tooLong(bytes: Uint8Array): FieldError {
  return { field: '', reason: `entry is ${bytes.length} bytes; the limit is ${MAX_ENTRY_BYTES}` };
}

/**
 * decodeEntry, and the entry's signingMessage cut from its bytes: the bytes
 * are canonical, so without the `sig` member (and its comma) they are the
 * canonical bytes of the entry without its signature, and the entry need not
 * be spelt again to verify it (kura verify's workers decode every entry).
 */
export function decodeEntryAndMessage(
  bytes: Uint8Array,
): Result<{ entry: Entry; message: Uint8Array }, FieldError[]> {
  if (bytes.length > MAX_ENTRY_BYTES) return err([tooLong(bytes)]);
  const parsed = parseCanonicalOmitting(bytes, 'sig');
  if (!parsed.ok) return err([{ field: '', reason: parsed.error }]);
  const checked = checkEntryShape(parsed.value.value);
  if (!checked.ok) return checked;
  const span = parsed.value.span;
  // Every well-shaped entry has its sig; should one not, the message is spelt.
  if (!span) return ok({ entry: checked.value, message: signingMessage(checked.value) });
  const { start, end } = span;
  const message = new Uint8Array(DOMAIN_BYTES.length + bytes.length - (end - start));
  message.set(DOMAIN_BYTES, 0);
  message.set(bytes.subarray(0, start), DOMAIN_BYTES.length);
  message.set(bytes.subarray(end), DOMAIN_BYTES.length + start);
  return ok({ entry: checked.value, message });
}

// What the agent's phone signs (FORMATS §16): an attestation ("I agree with the
// result entry whose bytes hash to `result`") or a dissent (the agent's own
// figures and the hash of a photo of its copy of the form). Both are signed
// like every entry: Ed25519 over "kura-entry/v1\n" + the canonical JSON of the
// entry without `sig`. The device's QR text gives the result entry's bytes;
// their SHA-256 is what the agent signs to, so nobody can swap the result.
import type { AttestationEntry, DissentEntry } from '../../src/election/agent-entries.js';
import { canonicalBytes } from '../../src/election/canonical.js';
import { type ResultEntry, signingMessage, type Unsigned } from '../../src/election/entries.js';
import { decodeResultQr } from '../../src/election/result-qr.js';
import { toBase64, toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';

export interface AgentIdentity {
  election: string;
  party: string;
  agent: string;
}

export interface Figures {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
}

export type Attestation = AttestationEntry;
export type Dissent = DissentEntry;
export type AgentWord = Attestation | Dissent;

/** A result read from the device's QR text: the entry, and the SHA-256 of its bytes. */
export interface ScannedResult {
  entry: ResultEntry;
  /** Lower-case hex SHA-256 of the entry's canonical bytes: the `result` an agent signs to. */
  hash: string;
}

/**
 * Reads the device's QR text (pasted or scanned; white space around it is
 * ignored): the result entry, and the SHA-256 of its bytes.
 */
export function readResultQr(
  text: string,
): { ok: true; value: ScannedResult } | { ok: false; error: string } {
  const r = decodeResultQr(text.trim());
  if (!r.ok) return r;
  return { ok: true, value: { entry: r.value.entry, hash: toHex(sha256(r.value.bytes)) } };
}

/** RFC 3339 UTC to the second, as the entries carry the agent's clock. */
export const agentTimeNow = (now = new Date()) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

type Sign = (message: Uint8Array) => Promise<Uint8Array>;

async function signed<E extends AgentWord>(unsigned: Unsigned<E>, sign: Sign): Promise<E> {
  return { ...unsigned, sig: toBase64(await sign(signingMessage(unsigned))) } as E;
}

export function attestation(
  who: AgentIdentity,
  scanned: ScannedResult,
  agentTime: string,
  sign: Sign,
): Promise<Attestation> {
  return signed<Attestation>(
    {
      type: 'attestation',
      v: 1,
      election: who.election,
      party: who.party,
      agent: who.agent,
      result: scanned.hash,
      agentTime,
    },
    sign,
  );
}

export function dissent(
  who: AgentIdentity,
  scanned: ScannedResult,
  mine: Figures & { form: string; reason: string },
  agentTime: string,
  sign: Sign,
): Promise<Dissent> {
  return signed<Dissent>(
    {
      type: 'dissent',
      v: 1,
      election: who.election,
      party: who.party,
      agent: who.agent,
      result: scanned.hash,
      contest: scanned.entry.contest,
      station: scanned.entry.station,
      votes: mine.votes,
      rejected: mine.rejected,
      totalValid: mine.totalValid,
      form: mine.form,
      reason: mine.reason,
      agentTime,
    },
    sign,
  );
}

/** The id a queued word is known by: the SHA-256 of its canonical bytes. */
export const wordId = (word: AgentWord) => toHex(sha256(canonicalBytes(word)));

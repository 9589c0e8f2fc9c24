// C2SP tlog-cosignature, Ed25519 "cosignature/v1" (signature type 0x04):
// witness cosignatures over checkpoints, their vkeys, and a k-of-n witness
// policy check over an opened note.
//
// A cosignature is a note signature whose bytes (after the key ID) are
//   uint64 big-endian timestamp || Ed25519 signature (64 bytes)
// over the message
//   "cosignature/v1\ntime <timestamp>\n" || checkpoint note text.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import { concat, readUint64be, uint64be, utf8 } from './bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from './crypto.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';
import type {
  NoteSignature,
  NoteSigner,
  NoteVerifier,
  OpenedNote,
  VerifiedSignature,
} from './note.js';
import {
  assertKeyName,
  computeKeyId,
  decodeVerifierKey,
  ed25519Verifier,
  ed25519VerifierKey,
  encodeVerifierKey,
  SIG_TYPE_ED25519,
} from './note.js';

export const SIG_TYPE_COSIGNATURE_V1 = 0x04;

const TIMESTAMP_BYTES = 8;
const SIGNATURE_BYTES = 64;

/** The message an Ed25519 cosigner signs for `checkpointText` at `timestamp` (POSIX seconds). */
export function cosignatureMessage(
  checkpointText: string | Uint8Array,
  timestamp: number,
): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`bad timestamp ${timestamp}`);
  const body = typeof checkpointText === 'string' ? utf8(checkpointText) : checkpointText;
  return concat(utf8(`cosignature/v1\ntime ${timestamp}\n`), body);
}

/**
 * The timestamp of a cosignature/v1 signature, or undefined if the bytes are
 * not 8 + 64 long or the time is beyond 2^53 - 1 seconds. (The spec allows up
 * to 2^63 - 1 but lets verifiers reject times in the future; everything past
 * 2^53 seconds is hundreds of millions of years away, so we reject it and keep
 * timestamps as exact JavaScript numbers.)
 */
export function cosignatureTimestamp(sig: Pick<NoteSignature, 'signature'>): number | undefined {
  if (sig.signature.length !== TIMESTAMP_BYTES + SIGNATURE_BYTES) return undefined;
  const t = readUint64be(sig.signature);
  return t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : undefined;
}

/** A verifier of cosignature/v1 signatures by the witness `name` with Ed25519 `publicKey`. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = ed25519VerifierKey(name, publicKey);
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, key),
    // message (the note text) and signature are attacker-controlled.
    verify(message, signature) {
      const t = cosignatureTimestamp({ signature });
      if (t === undefined) return false;
      return ed25519Verify(
        key,
        cosignatureMessage(message, t),
        signature.subarray(TIMESTAMP_BYTES),
      );
    },
  };
}

/** `<name>+<key ID>+<base64(0x04 || public key)>`. */
export function cosignatureVerifierKey(name: string, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  return encodeVerifierKey(name, SIG_TYPE_COSIGNATURE_V1, publicKey);
}

/** Parses a cosignature/v1 (type 0x04) verifier key. */
export function parseCosignatureVerifierKey(vkey: string): Result<NoteVerifier, LogError> {
  const d = decodeVerifierKey(vkey);
  if (!d.ok) return d;
  if (d.value.type !== SIG_TYPE_COSIGNATURE_V1) {
    return logErr(
      'KEY_MALFORMED',
      `not a cosignature/v1 key (type 0x${d.value.type.toString(16)})`,
    );
  }
  if (d.value.publicKey.length !== 32)
    return logErr('KEY_MALFORMED', 'Ed25519 key must be 32 bytes');
  return ok(cosignatureVerifier(d.value.name, d.value.publicKey));
}

/** Parses a verifier key of either supported type: Ed25519 notes (0x01) or cosignature/v1 (0x04). */
export function verifierFromKey(vkey: string): Result<NoteVerifier, LogError> {
  const d = decodeVerifierKey(vkey);
  if (!d.ok) return d;
  const { name, type, publicKey } = d.value;
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE_V1) {
    return logErr('KEY_MALFORMED', `unsupported signature type 0x${type.toString(16)}`);
  }
  if (publicKey.length !== 32) return logErr('KEY_MALFORMED', 'Ed25519 key must be 32 bytes');
  return ok(
    type === SIG_TYPE_ED25519
      ? ed25519Verifier(name, publicKey)
      : cosignatureVerifier(name, publicKey),
  );
}

/**
 * A cosignature/v1 signer (a witness or mirror) from a 32-byte Ed25519 seed.
 * `now` gives the current POSIX time in whole seconds.
 */
export function cosigner(
  name: string,
  seed: Uint8Array,
  now: () => number,
): NoteSigner & { publicKey: Uint8Array } {
  assertKeyName(name);
  const s = seed.slice();
  const publicKey = ed25519PublicKey(s);
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey),
    publicKey,
    sign(message) {
      const t = now();
      return concat(uint64be(BigInt(t)), ed25519Sign(s, cosignatureMessage(message, t)));
    },
  };
}

/**
 * Checks a witness policy "at least `threshold` of these `witnesses`" against
 * a note opened with openNote (or openCheckpoint) whose verifier list
 * included the same witness verifier objects: counts the distinct witnesses
 * among its verified signatures. (Matching is by object identity, so a
 * verifier that was not given to openNote never counts.)
 * Returns the witnesses' verified signatures.
 */
export function checkWitnessPolicy(
  note: OpenedNote,
  witnesses: readonly NoteVerifier[],
  threshold: number,
): Result<VerifiedSignature[], LogError> {
  if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold > witnesses.length) {
    throw new RangeError(`threshold ${threshold} of ${witnesses.length} witnesses`);
  }
  const wanted = new Set<NoteVerifier>(witnesses);
  const counted = new Set<NoteVerifier>();
  const sigs: VerifiedSignature[] = [];
  for (const s of note.verified) {
    if (wanted.has(s.verifier) && !counted.has(s.verifier)) {
      counted.add(s.verifier);
      sigs.push(s);
    }
  }
  if (counted.size < threshold) {
    return logErr(
      'WITNESS_POLICY_UNSATISFIED',
      `${counted.size} of the required ${threshold} witness cosignatures`,
    );
  }
  return ok(sigs);
}

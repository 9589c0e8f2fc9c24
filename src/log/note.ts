// C2SP signed-note (c2sp.org/signed-note), compatible with Go's
// golang.org/x/mod/sumdb/note: the note format, Ed25519 (type 0x01) signer and
// verifier keys, signing, and opening (parsing + verifying) notes.
//
// Attacker-controlled inputs: the note text given to parseNote/openNote (it
// comes from the network), and verifier keys read from configuration files
// (decodeVerifierKey checks them fully). Signer keys are secrets we hold.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import {
  concat,
  fromBase64,
  fromHex,
  fromUtf8,
  isWellFormedString,
  readUint32be,
  toBase64,
  toHex,
  uint32be,
  utf8,
} from './bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, randomBytes, sha256 } from './crypto.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';

/** Signature type byte of plain Ed25519 note signatures. */
export const SIG_TYPE_ED25519 = 0x01;

/** Go's note.Open rejects notes with more than 100 signatures; so do we (the spec requires at least 16). */
export const MAX_NOTE_SIGNATURES = 100;
/** Upper bound on the encoded size of a note (1 MiB); larger input is rejected before any parsing. */
export const MAX_NOTE_BYTES = 1 << 20;

const SIG_PREFIX = '\u2014 '; // em dash, space

/** Verifies signatures by one key. */
export interface NoteVerifier {
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  /**
   * `message` is the UTF-8 note text, `signature` the signature bytes after
   * the 4-byte key ID. Both are attacker-controlled; must return false (not
   * throw) for any malformed input.
   */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs note texts with one key. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** Returns the signature bytes (without the key ID). */
  sign(message: Uint8Array): Uint8Array;
}

/** A signature line of a note, verified or not. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface VerifiedSignature extends NoteSignature {
  /** The verifier (from the list given to openNote) that accepted the signature. */
  readonly verifier: NoteVerifier;
}

export interface ParsedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface OpenedNote {
  readonly text: string;
  /** Signatures by known keys, all verified. */
  readonly verified: readonly VerifiedSignature[];
  /** Signatures by unknown keys (not checked), duplicates removed. */
  readonly unverified: readonly NoteSignature[];
}

// Unicode spaces as Go's unicode.IsSpace defines them.
const SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

/** Key names: non-empty, well-formed, no Unicode spaces and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && isWellFormedString(name) && !SPACE.test(name) && !name.includes('+');
}

/** key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return readUint32be(sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey)));
}

export function formatKeyId(keyId: number): string {
  return toHex(uint32be(keyId));
}

/** A decoded vkey `<name>+<8 hex key ID>+<base64(type || public key)>`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** Splits at the first `sep`, like Go's chop: [before, after] or [s, undefined]. */
function chop(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

function parseKeyIdHex(hex: string): number | undefined {
  if (hex.length !== 8) return undefined;
  const b = fromHex(hex);
  return b ? readUint32be(b) : undefined;
}

/**
 * Decodes a verifier key of any signature type and checks that its key ID
 * matches SHA-256(name || 0x0A || type || key)[:4]. The base64 part may contain
 * '+', so only the first two '+' separate fields. The key material's length is
 * checked by the type-specific constructors.
 */
export function decodeVerifierKey(vkey: string): Result<VerifierKey, LogError> {
  const [name, rest] = chop(vkey, '+');
  if (rest === undefined) return logErr('KEY_MALFORMED', 'verifier key has no key ID');
  const [hex, b64] = chop(rest, '+');
  if (b64 === undefined) return logErr('KEY_MALFORMED', 'verifier key has no key data');
  if (!isValidKeyName(name)) return logErr('KEY_MALFORMED', 'invalid key name');
  const keyId = parseKeyIdHex(hex);
  if (keyId === undefined) return logErr('KEY_MALFORMED', 'key ID is not 8 hex digits');
  const data = fromBase64(b64);
  if (!data || data.length < 2) return logErr('KEY_MALFORMED', 'bad key data');
  const type = data[0] as number;
  const publicKey = data.subarray(1);
  if (computeKeyId(name, type, publicKey) !== keyId) {
    return logErr('KEY_MALFORMED', 'key ID does not match the key');
  }
  return ok({ name, keyId, type, publicKey });
}

/** Throws a RangeError unless `name` is a valid key name (for names given by code, not parsed). */
export function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
}

/** A verifier's own copy of a 32-byte Ed25519 public key; throws on a bad name or length. */
export function ed25519VerifierKey(name: string, publicKey: Uint8Array): Uint8Array {
  assertKeyName(name);
  if (publicKey.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  return publicKey.slice();
}

/** Encodes `<name>+<hex key ID>+<base64(type || public key)>`. */
export function encodeVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  assertKeyName(name);
  const id = computeKeyId(name, type, publicKey);
  return `${name}+${formatKeyId(id)}+${toBase64(concat(Uint8Array.of(type), publicKey))}`;
}

/** A verifier of plain Ed25519 note signatures (type 0x01). */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = ed25519VerifierKey(name, publicKey);
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_ED25519, key),
    verify: (message, signature) =>
      signature.length === 64 && ed25519Verify(key, message, signature),
  };
}

/** Parses an Ed25519 (type 0x01) verifier key, e.g. as printed by Go's note.GenerateKey. */
export function parseVerifierKey(vkey: string): Result<NoteVerifier, LogError> {
  const d = decodeVerifierKey(vkey);
  if (!d.ok) return d;
  if (d.value.type !== SIG_TYPE_ED25519) {
    return logErr('KEY_MALFORMED', `not an Ed25519 note key (type 0x${d.value.type.toString(16)})`);
  }
  if (d.value.publicKey.length !== 32)
    return logErr('KEY_MALFORMED', 'Ed25519 key must be 32 bytes');
  return ok(ed25519Verifier(d.value.name, d.value.publicKey));
}

/** An Ed25519 note signer from a 32-byte seed. */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  assertKeyName(name);
  const s = seed.slice();
  const pub = ed25519PublicKey(s);
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_ED25519, pub),
    sign: (message) => ed25519Sign(s, message),
  };
}

/** Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (Go's signer key format). */
export function parseSignerKey(skey: string): Result<NoteSigner, LogError> {
  const [p1, r1] = chop(skey, '+');
  const [p2, r2] = chop(r1 ?? '', '+');
  const [name, r3] = chop(r2 ?? '', '+');
  const [hex, b64] = chop(r3 ?? '', '+');
  if (p1 !== 'PRIVATE' || p2 !== 'KEY' || b64 === undefined) {
    return logErr('KEY_MALFORMED', 'not a PRIVATE+KEY signer key');
  }
  if (!isValidKeyName(name)) return logErr('KEY_MALFORMED', 'invalid key name');
  const keyId = parseKeyIdHex(hex);
  const data = fromBase64(b64);
  if (keyId === undefined || !data || data.length < 1)
    return logErr('KEY_MALFORMED', 'bad signer key');
  if (data[0] !== SIG_TYPE_ED25519) return logErr('KEY_MALFORMED', 'not an Ed25519 signer key');
  if (data.length !== 33) return logErr('KEY_MALFORMED', 'Ed25519 seed must be 32 bytes');
  const signer = ed25519Signer(name, data.subarray(1));
  if (signer.keyId !== keyId) return logErr('KEY_MALFORMED', 'key ID does not match the key');
  return ok(signer);
}

/** A new Ed25519 key pair in Go's text formats. `seed` (32 bytes) is for tests; by default it is random. */
export function generateKey(
  name: string,
  seed: Uint8Array = randomBytes(32),
): { signerKey: string; verifierKey: string } {
  assertKeyName(name);
  if (seed.length !== 32) throw new RangeError('seed must be 32 bytes');
  const pub = ed25519PublicKey(seed);
  const id = formatKeyId(computeKeyId(name, SIG_TYPE_ED25519, pub));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${toBase64(concat(Uint8Array.of(SIG_TYPE_ED25519), seed))}`,
    verifierKey: encodeVerifierKey(name, SIG_TYPE_ED25519, pub),
  };
}

/** Control characters other than newline are forbidden anywhere in a note. */
function hasForbiddenControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function signatureLine(sig: NoteSignature): string {
  return `${SIG_PREFIX}${sig.name} ${toBase64(concat(uint32be(sig.keyId), sig.signature))}\n`;
}

/** Checks a note text we are about to sign or format; violations are programmer errors. */
function assertValidText(text: string): void {
  if (!text.endsWith('\n')) throw new RangeError('note text must end in a newline');
  if (!isWellFormedString(text) || hasForbiddenControl(text)) {
    throw new RangeError('note text must be well-formed and free of control characters');
  }
  if (text.length > MAX_NOTE_BYTES) throw new RangeError('note text too long');
}

/** Encodes a note from its text and signature lines. */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  assertValidText(text);
  if (signatures.length === 0) throw new RangeError('a note needs at least one signature');
  if (signatures.length > MAX_NOTE_SIGNATURES) throw new RangeError('too many signatures');
  for (const s of signatures) {
    if (!isValidKeyName(s.name)) throw new RangeError(`invalid key name ${JSON.stringify(s.name)}`);
    if (s.signature.length === 0) throw new RangeError('empty signature');
  }
  return `${text}\n${signatures.map(signatureLine).join('')}`;
}

/**
 * Signs `text` with each signer. Like Go's note.Sign, `existing` signatures
 * (e.g. those of an opened note, when a witness cosigns it) come first, except
 * those replaced by a signer with the same name and key ID.
 */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
): string {
  assertValidText(text);
  const message = utf8(text);
  const fresh = signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) }));
  const replaced = new Set(fresh.map((s) => `${s.name}\n${s.keyId}`));
  const kept = existing.filter((s) => !replaced.has(`${s.name}\n${s.keyId}`));
  return formatNote(text, [...kept, ...fresh]);
}

/**
 * Parses a signed note without verifying anything. `note` is attacker-
 * controlled. Enforces the format: valid UTF-8 without control characters
 * other than newline, text ending in newline, a blank line, then 1..100
 * signature lines `— <name> <base64(key ID || signature)>` each ending in
 * newline, with valid key names and canonical base64 of at least 5 bytes.
 */
export function parseNote(note: string | Uint8Array): Result<ParsedNote, LogError> {
  const bad = (why: string) => logErr('NOTE_MALFORMED', why);
  let s: string;
  if (typeof note === 'string') {
    if (note.length > MAX_NOTE_BYTES) return bad('note too large');
    if (!isWellFormedString(note)) return bad('note is not valid Unicode');
    s = note;
  } else {
    if (note.length > MAX_NOTE_BYTES) return bad('note too large');
    const d = fromUtf8(note);
    if (d === undefined) return bad('note is not valid UTF-8');
    s = d;
  }
  if (hasForbiddenControl(s)) return bad('note contains control characters');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) return bad('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) return bad('signature block must end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) return bad('too many signatures');
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIG_PREFIX)) return bad('signature line must start with an em dash');
    const [name, b64] = chop(line.slice(SIG_PREFIX.length), ' ');
    if (!isValidKeyName(name)) return bad('invalid key name in signature');
    const raw = b64 ? fromBase64(b64) : undefined;
    if (!raw || raw.length < 5) return bad('bad signature encoding');
    signatures.push({ name, keyId: readUint32be(raw), signature: raw.subarray(4) });
  }
  return ok({ text, signatures });
}

/** Builds the (name, key ID) lookup; two different verifiers with one identity is a configuration bug. */
function verifierMap(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const m = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = `${v.name}\n${v.keyId}`;
    const prev = m.get(k);
    if (prev && prev !== v)
      throw new RangeError(`ambiguous verifiers for ${v.name}+${formatKeyId(v.keyId)}`);
    m.set(k, v);
  }
  return m;
}

/**
 * Parses a note and verifies the signatures of the known keys (C2SP
 * signed-note §Signatures): signatures by unknown (name, key ID) pairs are
 * kept as unverified; a known key's bad signature rejects the note
 * (NOTE_SIGNATURE_INVALID); a note with no verified signature is rejected
 * (NOTE_UNVERIFIED). Repeated signatures by one known key are verified once
 * (the first), as in Go. `note` is attacker-controlled; `verifiers` are trusted.
 */
export function openNote(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): Result<OpenedNote, LogError> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const known = verifierMap(verifiers);
  const message = utf8(parsed.value.text);
  const verified: VerifiedSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of parsed.value.signatures) {
    const id = `${sig.name}\n${sig.keyId}`;
    const v = known.get(id);
    if (!v) {
      const line = `${id}\n${toBase64(sig.signature)}`;
      if (!seen.has(line)) unverified.push(sig);
      seen.add(line);
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    if (!v.verify(message, sig.signature)) {
      return logErr(
        'NOTE_SIGNATURE_INVALID',
        `invalid signature by ${sig.name}+${formatKeyId(sig.keyId)}`,
      );
    }
    verified.push({ ...sig, verifier: v });
  }
  if (verified.length === 0) return logErr('NOTE_UNVERIFIED', 'no signature by a known key');
  return ok({ text: parsed.value.text, verified, unverified });
}

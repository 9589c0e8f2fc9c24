// Entry 0: the commission's signed commitment to the election definition.
import { err, ok, type Result } from '../basics/result.js';
import { equal, fromBase64, toBase64, toHex } from '../log/bytes.js';
import { ed25519Sign, sha256 } from '../log/crypto.js';
import { decodeVerifierKey, parseVerifierKey } from '../log/note.js';
import { canonicalBytes, parseCanonical } from './canonical.js';
import type { ElectionDefinition } from './definition.js';
import { checkDefinition, type ElectionIndex } from './election-index.js';
import {
  decodeEntry,
  type ElectionEntry,
  encodeEntry,
  signingMessage,
  type Unsigned,
} from './entries.js';

export interface Genesis {
  entry: ElectionEntry;
  entryBytes: Uint8Array;
  definitionBytes: Uint8Array;
  definitionSha256: string;
}

/** Builds and signs entry 0. `commissionSeed` is the commission's 32-byte Ed25519 seed. */
export function createGenesis(
  definition: ElectionDefinition,
  commissionSeed: Uint8Array,
  issuedAt: Date,
): Genesis {
  const checked = checkDefinition(definition);
  if (!checked.ok) throw new Error(`the definition is inconsistent: ${checked.error.join('; ')}`);
  const definitionBytes = canonicalBytes(definition);
  const definitionSha256 = toHex(sha256(definitionBytes));
  const unsigned: Unsigned<ElectionEntry> = {
    type: 'election',
    v: 1,
    electionId: definition.electionId,
    title: definition.title,
    logOrigin: definition.logOrigin,
    logKey: definition.logKey,
    commissionKey: definition.commissionKey,
    definitionSha256,
    definitionSize: definitionBytes.length,
    issuedAt: issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const sig = toBase64(ed25519Sign(commissionSeed, signingMessage(unsigned)));
  const entry: ElectionEntry = { ...unsigned, sig };
  return { entry, entryBytes: encodeEntry(entry), definitionBytes, definitionSha256 };
}

export interface OpenedGenesis {
  entry: ElectionEntry;
  definition: ElectionDefinition;
  index: ElectionIndex;
}

/**
 * Checks entry 0 and the definition document it commits to (both may come
 * from an untrusted server): the entry decodes, the document hashes to the
 * committed value, the document's own facts match the entry, the commission's
 * signature verifies, and the definition is internally consistent. If
 * `pinnedCommissionKey` is given, the entry must be signed by that key.
 */
export function openGenesis(
  entryBytes: Uint8Array,
  definitionBytes: Uint8Array,
  pinnedCommissionKey?: string,
): Result<OpenedGenesis, string> {
  const decoded = decodeEntry(entryBytes);
  if (!decoded.ok)
    return err(
      `entry 0 is malformed: ${decoded.error.map((e) => `${e.field} ${e.reason}`).join('; ')}`,
    );
  const entry = decoded.value;
  if (entry.type !== 'election')
    return err(`entry 0 must be an election entry, not "${entry.type}"`);
  if (
    definitionBytes.length !== entry.definitionSize ||
    toHex(sha256(definitionBytes)) !== entry.definitionSha256
  ) {
    return err('the election definition does not match the SHA-256 committed in entry 0');
  }
  const parsed = parseCanonical(definitionBytes);
  if (!parsed.ok) return err(`the election definition is not canonical JSON: ${parsed.error}`);
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
    return err('the election definition must be a JSON object');
  const definition = parsed.value as unknown as ElectionDefinition;
  for (const f of ['electionId', 'title', 'logOrigin', 'logKey', 'commissionKey'] as const) {
    if (definition[f] !== entry[f]) return err(`entry 0 and the definition disagree on ${f}`);
  }
  if (
    pinnedCommissionKey !== undefined &&
    !sameVerifierKey(pinnedCommissionKey, entry.commissionKey)
  )
    return err('entry 0 is not signed by the pinned commission key');
  const vkey = parseVerifierKey(entry.commissionKey);
  if (!vkey.ok) return err(`commissionKey is not a valid verifier key: ${vkey.error.message}`);
  const sig = fromBase64(entry.sig);
  if (!sig || !vkey.value.verify(signingMessage(entry), sig))
    return err("the commission's signature on entry 0 does not verify");
  const checked = checkDefinition(definition);
  if (!checked.ok)
    return err(`the election definition is inconsistent: ${checked.error.join('; ')}`);
  return ok({ entry, definition, index: checked.value });
}

/** Two verifier keys name the same key (key IDs may be written in either case). */
function sameVerifierKey(a: string, b: string): boolean {
  const x = decodeVerifierKey(a);
  const y = decodeVerifierKey(b);
  return (
    x.ok &&
    y.ok &&
    x.value.name === y.value.name &&
    x.value.type === y.value.type &&
    equal(x.value.publicKey, y.value.publicKey)
  );
}

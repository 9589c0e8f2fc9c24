// Checking a batch of entries apart from the fold (on a worker thread): each
// entry decoded and run through the election's rules, Ed25519 signature
// included, exactly as the server does (decodeEntry + checkResult; the signed
// message is cut from the entry's canonical bytes as it is decoded). The fold
// then takes the results with these pre-checked flags, so no signature is
// verified twice.
import { sha256 } from '../log/crypto.js';
import { rootFromLeafHashes } from '../log/merkle.js';
import type { ElectionIndex } from './election-index.js';
import { decodeEntryAndMessage } from './entries.js';
import { checkResult, type ResultFlag } from './rules.js';

/** Per-entry verdict. */
export const STATUS = {
  /** A result that passes every rule, signature included: the fold counts it (if first). */
  COUNTED: 0,
  /** A result the rules refuse (the fold records a rule-violation anomaly). */
  REFUSED: 1,
  /** Not a well-formed entry (an undecodable anomaly). */
  UNDECODABLE: 2,
  /** An election entry (valid only as entry 0). */
  ELECTION: 3,
  /** An official's act: checked by the fold on the main thread, in log order (its rules depend on the state before it). */
  OFFICIAL: 4,
  /** A party's roster entry or an agent's word: checked by the fold in log order (its keys depend on the rosters before it). */
  AGENT: 5,
} as const;

/** The flags in resultFlags' order, as bits. */
export const FLAG_ORDER: readonly ResultFlag[] = ['over-registered', 'over-cap', 'sum-mismatch'];
export const FLAG_BITS: Record<ResultFlag, number> = {
  'over-registered': 1,
  'over-cap': 2,
  'sum-mismatch': 4,
};

export function flagsOf(bits: number): ResultFlag[] {
  return FLAG_ORDER.filter((f) => bits & FLAG_BITS[f]);
}

/**
 * Entries in one buffer, moved (not copied) to a worker: entry k is
 * buffer[bounds[2k] .. bounds[2k+1]), in order, and the byte just before each
 * entry belongs to no entry (in an entry bundle it is the low byte of the
 * entry's length prefix). hashEntries overwrites that byte with 0x00 to hash
 * the leaf, 0x00 || entry, where the entry lies, without a copy of it.
 */
export interface PackedEntries {
  buffer: Uint8Array;
  bounds: Uint32Array;
}

export interface EntryVerdicts {
  /** One STATUS per entry. */
  status: Uint8Array;
  /** FLAG_BITS of each counted result. */
  flags: Uint8Array;
  /** Signatures verified (entries that reached the signature check). */
  signatures: number;
}

/**
 * Packs entries for a worker. Views into one buffer with at least a byte
 * between them, as decodeEntryBundleViews cuts an entry bundle, are copied
 * with one copy of the span they cover (the bundle as read, length prefixes
 * included); other entries are copied one by one, a spare byte before each.
 */
export function packEntries(entries: readonly Uint8Array[]): PackedEntries {
  const count = entries.length;
  const bounds = new Uint32Array(2 * count);
  const first = entries[0];
  if (!first) return { buffer: new Uint8Array(0), bounds };
  let total = 0;
  for (const e of entries) total += e.length;
  const lo = first.byteOffset - 1;
  let end = lo;
  let spanned = lo >= 0;
  for (let k = 0; spanned && k < count; k++) {
    const e = entries[k] as Uint8Array;
    if (e.buffer !== first.buffer || e.byteOffset - 1 < end) spanned = false;
    else {
      bounds[2 * k] = e.byteOffset - lo;
      end = e.byteOffset + e.length;
      bounds[2 * k + 1] = end - lo;
    }
  }
  // Not for views scattered over a larger buffer: the span must be about the entries' size.
  if (spanned && end - lo <= total + 2 * count) {
    const buffer = new Uint8Array(first.buffer, lo, end - lo).slice();
    return { buffer, bounds };
  }
  const buffer = new Uint8Array(total + count);
  let o = 0;
  for (let k = 0; k < count; k++) {
    const e = entries[k] as Uint8Array;
    buffer.set(e, o + 1);
    bounds[2 * k] = o + 1;
    o += 1 + e.length;
    bounds[2 * k + 1] = o;
  }
  return { buffer, bounds };
}

/** Each entry's RFC 6962 leaf hash and SHA-256, 32 bytes per entry, in order. */
export interface EntryHashes {
  /** SHA-256(0x00 || entry): the Merkle leaf hash. */
  leaves: Uint8Array;
  /** SHA-256(entry): the entry hash a receipt and the fold name it by. */
  hashes: Uint8Array;
  /** The Merkle root of these leaves (of a full entry bundle: its level-1 hash). */
  root: Uint8Array;
}

/**
 * The leaf hash and hash of every packed entry (on a worker thread: the
 * verifier's main thread then hashes nothing). Overwrites the spare byte
 * before each entry (see PackedEntries); the entries themselves are not
 * changed, so checkEntries may run on the same buffer afterwards. The hashes
 * of the entries before `hashesFrom` are left zero: a fold kept from an
 * earlier run holds them already, and only their leaf hashes are checked.
 */
export function hashEntries({ buffer, bounds }: PackedEntries, hashesFrom = 0): EntryHashes {
  const count = bounds.length / 2;
  const leaves = new Uint8Array(32 * count);
  const hashes = new Uint8Array(32 * count);
  let end = 0;
  for (let k = 0; k < count; k++) {
    const start = bounds[2 * k] as number;
    const stop = bounds[2 * k + 1] as number;
    if (start < 1 || start - 1 < end || stop < start || stop > buffer.length)
      throw new Error(`packed entry ${k} has no spare byte before it`);
    if (k >= hashesFrom) hashes.set(sha256(buffer.subarray(start, stop)), 32 * k);
    buffer[start - 1] = 0x00;
    leaves.set(sha256(buffer.subarray(start - 1, stop)), 32 * k);
    end = stop;
  }
  const views: Uint8Array[] = new Array(count);
  for (let k = 0; k < count; k++) views[k] = leaves.subarray(32 * k, 32 * k + 32);
  return { leaves, hashes, root: rootFromLeafHashes(views) };
}

/**
 * The verdicts on the packed entries from entry `from` on (status[0] is
 * entry `from`'s): those before it were verified by an earlier run.
 */
export function checkEntries(
  index: ElectionIndex,
  { buffer, bounds }: PackedEntries,
  from = 0,
): EntryVerdicts {
  const count = Math.max(0, bounds.length / 2 - from);
  const status = new Uint8Array(count);
  const flags = new Uint8Array(count);
  let signatures = 0;
  for (let k = 0; k < count; k++) {
    const at = 2 * (from + k);
    const decoded = decodeEntryAndMessage(
      buffer.subarray(bounds[at] as number, bounds[at + 1] as number),
    );
    if (!decoded.ok) {
      status[k] = STATUS.UNDECODABLE;
      continue;
    }
    const { entry, message } = decoded.value;
    if (entry.type === 'election') {
      status[k] = STATUS.ELECTION;
      continue;
    }
    if (entry.type === 'official') {
      status[k] = STATUS.OFFICIAL;
      continue;
    }
    if (entry.type !== 'result') {
      status[k] = STATUS.AGENT;
      continue;
    }
    const checked = checkResult(index, entry, undefined, message);
    // checkResult verifies the signature last, after every cheaper rule passed.
    if (checked.ok || checked.error.code === 'BAD_SIGNATURE') signatures++;
    if (!checked.ok) {
      status[k] = STATUS.REFUSED;
      continue;
    }
    let bits = 0;
    for (const f of checked.value) bits |= FLAG_BITS[f];
    status[k] = STATUS.COUNTED;
    flags[k] = bits;
  }
  return { status, flags, signatures };
}

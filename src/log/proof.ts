// Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2)
// proofs. Every argument may be attacker-controlled (it arrives in receipts,
// checkpoints and HTTP responses): bad sizes, hashes of the wrong length and
// over-long proofs all give false / an error, never an exception.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import { equal } from './bytes.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';
import { HASH_SIZE, nodeHash } from './merkle.js';

// A proof in a tree of at most 2^53 leaves has at most 53 hashes (64 for any
// tree a 64-bit log can hold); longer proofs are rejected before any hashing.
const MAX_PROOF_LENGTH = 64;

function isSize(n: number): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function hashesOk(hashes: readonly Uint8Array[]): boolean {
  return (
    hashes.length <= MAX_PROOF_LENGTH &&
    hashes.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE)
  );
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * The root implied by an inclusion proof for `leaf` at `index` in a tree of
 * `size` leaves (RFC 9162 §2.1.3.2 steps 1-5 without the final comparison).
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Result<Uint8Array, LogError> {
  if (!isSize(index) || !isSize(size) || index >= size) {
    return logErr('INCLUSION_PROOF_INVALID', `index ${index} is not in a tree of size ${size}`);
  }
  if (leaf.length !== HASH_SIZE || !hashesOk(proof)) {
    return logErr('INCLUSION_PROOF_INVALID', 'malformed hash in proof');
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return logErr('INCLUSION_PROOF_INVALID', 'proof too long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return logErr('INCLUSION_PROOF_INVALID', 'proof too short');
  return ok(r);
}

/** True when `proof` shows that `leaf` is at `index` in the tree of `size` leaves with root `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  return checkInclusion(leaf, index, size, proof, root).ok;
}

/** Like verifyInclusion, with the reason on failure. */
export function checkInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Result<void, LogError> {
  const r = rootFromInclusionProof(leaf, index, size, proof);
  if (!r.ok) return r;
  if (!equal(r.value, root))
    return logErr('INCLUSION_PROOF_INVALID', 'computed root does not match');
  return ok(undefined);
}

/**
 * True when `proof` shows that the tree of `size1` leaves with root `root1` is
 * a prefix of the tree of `size2` leaves with root `root2`.
 * Conventions (as in the transparency-dev vectors): size1 = 0 is always an
 * error; size1 == size2 requires an empty proof and equal roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  return checkConsistency(size1, size2, proof, root1, root2).ok;
}

/** Like verifyConsistency, with the reason on failure. */
export function checkConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): Result<void, LogError> {
  const fail = (why: string) => logErr('CONSISTENCY_PROOF_INVALID', why);
  if (!isSize(size1) || !isSize(size2)) return fail('bad tree size');
  if (size1 === 0) return fail('consistency from the empty tree proves nothing');
  if (size1 > size2) return fail(`size1 ${size1} > size2 ${size2}`);
  if (size1 === size2) {
    if (proof.length !== 0) return fail('equal sizes need an empty proof');
    return equal(root1, root2) ? ok(undefined) : fail('equal sizes but different roots');
  }
  if (proof.length === 0) return fail('empty proof');
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE || !hashesOk(proof)) {
    return fail('malformed hash in proof');
  }
  // Step 2: when size1 is a power of two, root1 is itself the first node of the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return fail('proof too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof too short');
  if (!equal(fr, root1)) return fail('proof does not match root1');
  if (!equal(sr, root2)) return fail('proof does not match root2');
  return ok(undefined);
}

// RFC 6962 / RFC 9162 Merkle tree hashing (SHA-256), the shape of inclusion
// and consistency proofs as lists of leaf ranges, and a small in-memory tree.
//
// Tree sizes and indexes are JavaScript numbers: non-negative safe integers
// (< 2^53). Arithmetic below never uses 32-bit bitwise operators on them.
import { concat } from './bytes.js';
import { sha256 } from './crypto.js';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

// The bytes hashed are assembled here, not in a new array per hash: both
// functions are synchronous, so one buffer serves every call.
const scratch = new Uint8Array(1 + 65_535);

/** MTH of one entry: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (entry.length >= scratch.length) return sha256(concat(LEAF_PREFIX, entry));
  scratch[0] = 0x00;
  scratch.set(entry, 1);
  return sha256(scratch.subarray(0, 1 + entry.length));
}

/** Interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length + right.length >= scratch.length) return sha256(concat(NODE_PREFIX, left, right));
  scratch[0] = 0x01;
  scratch.set(left, 1);
  scratch.set(right, 1 + left.length);
  return sha256(scratch.subarray(0, 1 + left.length + right.length));
}

/** MTH of the empty tree: SHA-256 of no bytes. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  if (!(n >= 2)) throw new RangeError(`splitPoint: ${n} < 2`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** A perfect subtree: the 2^height leaves starting at leaf index * 2^height. */
export interface Subtree {
  readonly height: number;
  readonly index: number;
}

/**
 * The perfect subtrees, left to right and largest first, whose hashes
 * `foldSubtreeHashes` combines into MTH(D[lo:hi]). `lo` must be a multiple of
 * every block size used, as it is for every range the RFC proofs refer to.
 */
export function perfectSubtrees(lo: number, hi: number): Subtree[] {
  if (!isSize(lo) || !isSize(hi) || lo >= hi) throw new RangeError(`bad range [${lo}, ${hi})`);
  const out: Subtree[] = [];
  while (lo < hi) {
    let k = 1;
    let height = 0;
    while (k * 2 <= hi - lo) {
      k *= 2;
      height++;
    }
    if (lo % k !== 0) throw new RangeError(`range [${lo}, ${hi}) is not aligned`);
    out.push({ height, index: lo / k });
    lo += k;
  }
  return out;
}

/** Right fold of perfect-subtree hashes: H(s1, H(s2, ... H(sk-1, sk))). */
export function foldSubtreeHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('foldSubtreeHashes: no hashes');
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/** A leaf range [lo, hi) whose MTH is one element of a proof. */
export type LeafRange = readonly [lo: number, hi: number];

/**
 * The ranges whose MTHs form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), in
 * proof order: the leaf's sibling first, the root's child last.
 */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  if (!isSize(size) || !isSize(index) || index >= size) {
    throw new RangeError(`inclusion proof: index ${index} not in tree of size ${size}`);
  }
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * The ranges whose MTHs form PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1), in proof
 * order. Requires 0 < m <= n; for m == n the proof is empty.
 */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  if (!isSize(m) || !isSize(n) || m < 1 || m > n) {
    throw new RangeError(`consistency proof: bad sizes ${m} -> ${n}`);
  }
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  let complete = true; // the "b" flag of SUBPROOF: is this subtree's hash already known to the verifier?
  for (;;) {
    if (m - lo === hi - lo) {
      if (!complete) topDown.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (m - lo <= k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
      complete = false;
    }
  }
  return topDown.reverse();
}

/** MTH of a list of leaf hashes (O(n) hashing). */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  // A stack of perfect subtree roots with strictly decreasing heights.
  const stack: { h: Uint8Array; height: number }[] = [];
  for (const leaf of hashes) {
    let node = { h: leaf, height: 0 };
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top || top.height !== node.height) break;
      stack.pop();
      node = { h: nodeHash(top.h, node.h), height: node.height + 1 };
    }
    stack.push(node);
  }
  return foldSubtreeHashes(stack.map((s) => s.h));
}

/**
 * An in-memory Merkle tree of leaf hashes, for tests and small trees. It keeps
 * every interior node of every perfect subtree (about 2n hashes).
 */
export class MerkleTree {
  // levels[h][i] is the hash of perfect subtree {height: h, index: i}.
  private readonly levels: Uint8Array[][] = [[]];

  constructor(leafHashes: readonly Uint8Array[] = []) {
    for (const h of leafHashes) this.append(h);
  }

  get size(): number {
    return (this.levels[0] as Uint8Array[]).length;
  }

  /** Appends one leaf hash (not the entry: use leafHash(entry)). */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
    let level = 0;
    let node = leaf;
    for (;;) {
      const row = this.levels[level] ?? [];
      this.levels[level] = row;
      row.push(node);
      if (row.length % 2 !== 0) break;
      node = nodeHash(row[row.length - 2] as Uint8Array, node);
      level++;
    }
  }

  appendEntry(entry: Uint8Array): void {
    this.append(leafHash(entry));
  }

  /** The hash of a perfect subtree that lies within the current tree. */
  subtreeHash(t: Subtree): Uint8Array {
    const h = this.levels[t.height]?.[t.index];
    if (!h) throw new RangeError(`subtree ${t.height}/${t.index} not in tree of size ${this.size}`);
    return h;
  }

  /** MTH(D[lo:hi]) for a range aligned as in the RFC proofs. */
  rangeHash(lo: number, hi: number): Uint8Array {
    if (hi > this.size) throw new RangeError(`range end ${hi} beyond size ${this.size}`);
    return foldSubtreeHashes(perfectSubtrees(lo, hi).map((t) => this.subtreeHash(t)));
  }

  /** The root of the tree of the first `size` leaves. */
  root(size: number = this.size): Uint8Array {
    if (!isSize(size) || size > this.size) throw new RangeError(`root: bad size ${size}`);
    return size === 0 ? emptyRoot() : this.rangeHash(0, size);
  }

  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    if (size > this.size) throw new RangeError(`inclusionProof: size ${size} > ${this.size}`);
    return inclusionProofRanges(index, size).map(([lo, hi]) => this.rangeHash(lo, hi));
  }

  consistencyProof(m: number, n: number = this.size): Uint8Array[] {
    if (n > this.size) throw new RangeError(`consistencyProof: size ${n} > ${this.size}`);
    return consistencyProofRanges(m, n).map(([lo, hi]) => this.rangeHash(lo, hi));
  }
}

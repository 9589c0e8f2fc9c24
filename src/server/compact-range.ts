// A compact range of the Merkle tree: the hashes of the fewest perfect
// subtrees that cover leaves [begin, end), left to right. The start-up replay
// keeps the one from leaf 0 (the tree's frontier, whose fold is the root) and
// takes from its entry checks (replay-chunk.ts) the ranges of each chunk and
// of each stored checkpoint's size within one, so the root at each of the
// thousands of checkpoints costs a few dozen hashes, not a rebuild of the tree
// edge (RFC 6962 §2.1; the same construction as transparency-dev's compact
// ranges).

import { emptyRoot, nodeHash } from '../log/merkle.js';

/** Subtrees left to right: subtree k has 2^heights[k] leaves and hash hashes[k]. */
export interface RangeNodes {
  heights: number[];
  hashes: Uint8Array[];
}

export class CompactRange {
  readonly heights: number[] = [];
  readonly hashes: Uint8Array[] = [];

  /**
   * An empty range at `end` (its begin). `onNode`, if given, hears of every
   * subtree of height `onNode.height` the range's merges make (the replay's
   * workers hand the roots of full tiles of leaves to the main thread, which
   * would otherwise hash them again to build the tiles).
   */
  constructor(
    private position: number,
    private readonly onNode?: { height: number; node: (index: number, hash: Uint8Array) => void },
  ) {}

  get end(): number {
    return this.position;
  }

  /** Extends the range by one leaf hash. */
  appendLeaf(hash: Uint8Array): void {
    this.appendSubtree(0, hash);
  }

  /** Extends the range by the perfect subtree of 2^height leaves starting at end (aligned to it). */
  appendSubtree(height: number, hash: Uint8Array): void {
    let h = height;
    let node = hash;
    // The subtree's index among those of its height; an odd one is a right child,
    // and its left sibling, when the range holds it, is the last subtree.
    let at = this.position / 2 ** height;
    while (at % 2 === 1 && this.heights.at(-1) === h) {
      this.heights.pop();
      node = nodeHash(this.hashes.pop() as Uint8Array, node);
      h++;
      at = (at - 1) / 2;
      if (h === this.onNode?.height) this.onNode.node(at, node);
    }
    this.heights.push(h);
    this.hashes.push(node);
    this.position += 2 ** height;
  }

  /** Extends the range by the adjacent range `nodes` (which begins at end). */
  appendRange(nodes: RangeNodes): void {
    nodes.heights.forEach((h, k) => {
      this.appendSubtree(h, nodes.hashes[k] as Uint8Array);
    });
  }

  nodes(): RangeNodes {
    return { heights: [...this.heights], hashes: [...this.hashes] };
  }

  /** The tree's root, for a range from leaf 0 (a frontier): its subtrees folded from the right. */
  root(): Uint8Array {
    let acc = this.hashes.at(-1);
    if (!acc) return emptyRoot();
    for (let k = this.hashes.length - 2; k >= 0; k--)
      acc = nodeHash(this.hashes[k] as Uint8Array, acc);
    return acc;
  }

  /** The root this frontier would have with `nodes` appended; the frontier stays as it is. */
  rootWith(nodes: RangeNodes): Uint8Array {
    const copy = new CompactRange(this.position);
    copy.heights.push(...this.heights);
    copy.hashes.push(...this.hashes);
    copy.appendRange(nodes);
    return copy.root();
  }
}

// Folds the mirrored log as its bundles arrive: each bundle goes to the
// signature pool at once (any order); the checked bundles are folded in log
// order with the workers' verdicts, so the fold never re-verifies a signature.
// Entries the workers refused are folded from their bytes, which records the
// very anomaly the server's own fold would (undecodable, rule-violation, ...).
import type { ElectionIndex } from '../election/election-index.js';
import type { ResultEntry } from '../election/entries.js';
import { TallyFold } from '../election/fold.js';
import type { SignaturePool } from './sig-pool.js';
import { type CheckReply, flagsOf, STATUS } from './sig-protocol.js';

interface Checked {
  first: number;
  entries: Uint8Array[];
  reply: CheckReply;
}

export class StreamingFold {
  readonly fold: TallyFold;
  private nextBundle = 0;
  private readonly ready = new Map<number, Checked>();
  private readonly decoder = new TextDecoder();
  private failure: unknown;
  private waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private expectedBundles = Number.POSITIVE_INFINITY;
  folded = 0;

  constructor(
    index: ElectionIndex,
    /** The pool, or its start-up (bundles wait for it while it reads the definition). */
    private readonly pool: SignaturePool | Promise<SignaturePool>,
    private readonly onProgress?: (folded: number) => void,
  ) {
    this.fold = new TallyFold(index);
  }

  /** A bundle of consecutive entries starting at `first` (bundle number `bundle`). */
  add(bundle: number, first: number, entries: Uint8Array[]): void {
    Promise.resolve(this.pool)
      .then((p) => p.check(entries))
      .then(
        (reply) => {
          this.ready.set(bundle, { first, entries, reply });
          this.drain();
        },
        (e) => this.fail(e),
      );
  }

  /** Resolves once `bundles` bundles (0 .. bundles-1) have been folded. */
  finish(bundles: number): Promise<void> {
    this.expectedBundles = bundles;
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      if (this.failure) reject(this.failure);
      else this.drain();
    });
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.waiter?.reject(e);
  }

  private draining = false;

  /**
   * Folds the bundles that are next in order, a few at a time: between
   * slices the event loop runs, so the workers' replies (and new work for
   * them) are not held up behind a long fold.
   */
  private drain(): void {
    if (this.draining) return;
    try {
      for (let slice = 0; slice < 8; slice++) {
        const b = this.ready.get(this.nextBundle);
        if (!b) break;
        this.ready.delete(this.nextBundle);
        this.apply(b);
        this.nextBundle++;
      }
      this.onProgress?.(this.folded);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (this.nextBundle >= this.expectedBundles) this.waiter?.resolve();
    else if (this.ready.has(this.nextBundle)) {
      this.draining = true;
      setImmediate(() => {
        this.draining = false;
        this.drain();
      });
    }
  }

  private apply({ first, entries, reply }: Checked): void {
    const { status, flags } = reply;
    for (let k = 0; k < entries.length; k++) {
      const i = first + k;
      const bytes = entries[k] as Uint8Array;
      if (status[k] === STATUS.COUNTED) {
        // The worker decoded it (canonical, well-formed) and checked every rule: parse and count.
        const entry = JSON.parse(this.decoder.decode(bytes)) as ResultEntry;
        this.fold.apply(i, entry, flagsOf(flags[k] as number));
      } else {
        this.fold.applyBytes(i, bytes);
      }
      this.folded++;
    }
  }
}

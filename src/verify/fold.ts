// Folds the mirrored log as its bundles arrive: each bundle goes to the
// signature pool at once (any order), to be hashed (the leaf hashes the mirror
// builds the tree from, and the entry hashes the fold records), ahead of the
// checks queued, then checked; the checked bundles are folded in log order
// with the workers' verdicts, so the fold never re-verifies a signature and
// the main thread hashes no entry.
// Entries the workers refused are folded from their bytes, which records the
// very anomaly the server's own fold would (undecodable, rule-violation, ...).
import type { ElectionIndex } from '../election/election-index.js';
import type { ResultEntry } from '../election/entries.js';
import { type EntryVerdicts, flagsOf, STATUS } from '../election/entry-checks.js';
import { TallyFold, type UnitTally } from '../election/fold.js';
import { verifiedBeforeVerdict, workerVerdict } from '../election/rules.js';
import type { SignaturePool } from '../platform/signature-pool.js';
import type { HashedBundle } from './mirror.js';
import type { Findings, VerifyReport } from './report.js';

interface Checked {
  first: number;
  entries: Uint8Array[];
  /** How many of the first entries were verified before (folded without their signatures checked again). */
  before: number;
  /** The workers' verdicts on the rest (entries[before..]). */
  verdicts: EntryVerdicts;
  /** Every entry's SHA-256, 32 bytes each (EntryHashes). */
  hashes: Uint8Array;
}

const NO_VERDICTS: EntryVerdicts = {
  status: new Uint8Array(0),
  flags: new Uint8Array(0),
  signatures: 0,
};

/**
 * The entries an earlier audit verified in full (kura verify --state): the
 * first `size`, of which those at `notCounted` were refused or undecodable.
 * Once the served entries reproduce the signed root of a tree consistent
 * with that earlier one, these are the very bytes it checked: their
 * signatures need no second check, only the fold.
 */
export interface VerifiedBefore {
  size: number;
  notCounted: ReadonlySet<number>;
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
  /** Main-thread time spent folding, in ms (the fold runs while bundles are still read and checked). */
  foldMs = 0;
  /** When the workers' last verdict arrived (performance.now()), 0 before the first. */
  lastCheckedAt = 0;
  /** The indexes of the entries the rules refused or that do not decode, for a later run (VerifiedBefore). */
  readonly notCounted: number[] = [];

  constructor(
    index: ElectionIndex,
    /** The pool, or its start-up (bundles wait for it while it reads the definition). */
    private readonly pool: SignaturePool | Promise<SignaturePool>,
    private readonly onProgress?: (folded: number) => void,
    private readonly before?: VerifiedBefore,
    /**
     * The fold of all the entries verified before, kept by that run
     * (platform/fold-file.ts): those entries are then hashed (the mirror holds them to
     * the leaves verified before) but not folded again.
     */
    start?: TallyFold,
  ) {
    if (start && start.size !== before?.size)
      throw new Error('a kept fold must be of exactly the entries verified before');
    this.fold = start ?? new TallyFold(index);
    this.kept = start?.size ?? 0;
    for (const i of before?.notCounted ?? []) if (i < this.kept) this.notCounted.push(i);
  }

  /** Entries below this index are in the fold already (a kept fold: see the constructor). */
  private readonly kept: number;

  /**
   * A bundle of consecutive entries starting at `first` (bundle number
   * `bundle`). The workers hash every entry first, then check it: resolves
   * to the entries' leaf hashes and their subtree's root once hashed, or to
   * undefined if the workers failed (finish() then rejects); never rejects.
   */
  add(bundle: number, first: number, entries: Uint8Array[]): Promise<HashedBundle | undefined> {
    const before = Math.max(0, Math.min(entries.length, (this.before?.size ?? 0) - first));
    // Entries the kept fold holds need only their leaf hashes (apply folds from there on).
    const kept = Math.max(0, Math.min(entries.length, this.kept - first));
    const hashed = Promise.resolve(this.pool).then((p) =>
      p.hashEntries(entries, kept).then((h) => ({ p, h })),
    );
    hashed
      .then(async ({ p, h }) => {
        // Entries verified before are only hashed.
        const checked = before < entries.length;
        const verdicts = checked ? await p.checkEntries(h.entries, before) : NO_VERDICTS;
        if (checked) this.lastCheckedAt = performance.now();
        this.ready.set(bundle, { first, entries, before, verdicts, hashes: h.hashes });
        this.drain();
      })
      .catch((e) => this.fail(e));
    return hashed.then(
      ({ h }) => ({ leaves: h.leaves, root: h.root }),
      () => undefined,
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

  private apply(b: Checked): void {
    const started = performance.now();
    try {
      const folded = Math.max(0, Math.min(b.entries.length, this.kept - b.first));
      this.folded += folded;
      if (b.before > folded) this.applyVerifiedBefore(b, folded);
      this.applyChecked(b);
    } finally {
      this.foldMs += performance.now() - started;
    }
  }

  private applyChecked({ first, entries, before, verdicts, hashes }: Checked): void {
    const { status, flags } = verdicts;
    for (let k = before; k < entries.length; k++) {
      const i = first + k;
      const v = k - before;
      const bytes = entries[k] as Uint8Array;
      if (status[v] === STATUS.REFUSED || status[v] === STATUS.UNDECODABLE) this.notCounted.push(i);
      if (status[v] === STATUS.COUNTED) {
        // The worker decoded it (canonical, well-formed), checked every rule and hashed it: parse and count.
        const entry = JSON.parse(this.decoder.decode(bytes)) as ResultEntry;
        this.fold.applyPrechecked(
          i,
          entry,
          workerVerdict(flagsOf(flags[v] as number)),
          bytes,
          hashes.subarray(32 * k, 32 * k + 32),
        );
      } else {
        this.fold.applyBytes(i, bytes);
      }
      this.folded++;
    }
  }

  /** Entries verified before (VerifiedBefore): counted results folded with their flags recomputed. */
  private applyVerifiedBefore(
    { first, entries, before: upTo, hashes }: Checked,
    from: number,
  ): void {
    const before = this.before as VerifiedBefore;
    for (let k = from; k < upTo; k++) {
      const i = first + k;
      const bytes = entries[k] as Uint8Array;
      const parsed = before.notCounted.has(i) ? undefined : this.parse(bytes);
      if (parsed?.type === 'result')
        this.fold.applyPrechecked(
          i,
          parsed,
          verifiedBeforeVerdict(this.fold.index, parsed),
          bytes,
          hashes.subarray(32 * k, 32 * k + 32),
        );
      else {
        // Refused, undecodable, an official's act, the election: checked in full, as before.
        if (before.notCounted.has(i)) this.notCounted.push(i);
        this.fold.applyBytes(i, bytes);
      }
      this.folded++;
    }
  }

  /** The entry's JSON, or undefined when it is not JSON (then it is folded from its bytes). */
  private parse(bytes: Uint8Array): ResultEntry | { type?: undefined } | undefined {
    try {
      return JSON.parse(this.decoder.decode(bytes)) as ResultEntry;
    } catch {
      return undefined;
    }
  }
}

/**
 * What a finished fold says, for a report: the results counted, the stations
 * reporting and the flags per contest, and each national tally; every anomaly
 * becomes an error finding naming its entry.
 */
export function summariseFold(
  fold: TallyFold,
  findings: Findings,
): { summary: NonNullable<VerifyReport['fold']>; tallies: Record<string, UnitTally> } {
  for (const a of fold.anomalies)
    findings.error('anomaly', `entry ${a.entryIndex}: ${a.kind}: ${a.detail}`, {
      entryIndex: a.entryIndex,
    });
  const flagged: Record<string, number> = {};
  const reporting: Record<string, { reported: number; expected: number }> = {};
  const tallies: Record<string, UnitTally> = {};
  let counted = 0;
  for (const [contest, byStation] of fold.results) {
    counted += byStation.size;
    const t = fold.tally(contest);
    if (!t) continue;
    tallies[contest] = t;
    reporting[contest] = { reported: t.stationsReported, expected: t.stationsExpected };
    for (const [f, k] of Object.entries(t.flagged)) flagged[f] = (flagged[f] ?? 0) + (k ?? 0);
  }
  const o = fold.officials;
  const officials = o.acts.length
    ? {
        acts: o.acts.reduce<Record<string, number>>((m, a) => {
          m[a.kind] = (m[a.kind] ?? 0) + 1;
          return m;
        }, {}),
        failedLogins: o.acts.filter((a) => a.kind === 'login' && a.outcome !== 'success').length,
        accounts: o.accounts.size,
        devicesRevoked: [...o.devices.values()].filter((d) => d.revokedAt !== null).length,
        corrections: [...o.corrections.values()].map((c) => ({
          entryIndex: c.entryIndex,
          station: c.station,
          contest: c.contest,
          status: c.status,
          approvals: c.approvals.map((a) => a.account),
        })),
        declarations: [...o.declarations.values()].map((d) => ({
          entryIndex: d.entryIndex,
          contest: d.contest,
          unit: d.unit,
          by: d.account,
          override: d.override,
          differences: d.differences.length,
        })),
      }
    : undefined;
  return {
    summary: {
      counted,
      anomalies: fold.anomalies.length,
      flagged,
      reporting,
      ...(officials ? { officials } : {}),
    },
    tallies,
  };
}

/** The signature figures of a report, from the pool's count and the time since `startMs`. */
export function signatureSummary(
  pool: { signatures: number; threads: number },
  startMs: number,
): NonNullable<VerifyReport['signatures']> {
  const seconds = (performance.now() - startMs) / 1000;
  return {
    checked: pool.signatures,
    seconds,
    perSecond: Math.round(pool.signatures / seconds),
    workers: pool.threads,
  };
}

// The one writer. Accepted results wait in memory for at most one period; then
// the batch is given log indexes, folded into the tallies, hashed into the
// tiles, and written in one transaction. Only when the store says the batch is
// durable is a checkpoint signed over it and are the receipts handed back.
// (Sunlight's model: sequence once per period, no merge delay.)

import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry, type ResultEntry } from '../election/entries.js';
import type { FoldChange, StationResult, TallyFold, UnitTally } from '../election/fold.js';
import type { OfficialEntry } from '../election/official-entry.js';
import { type CheckedVerdict, checkResult } from '../election/rules.js';
import { equal as equalBytes } from '../log/bytes.js';
import type { CheckpointSigner } from '../log/checkpoint-signer.js';
import { formatReceipt, formatReceipts } from '../log/receipt.js';
import {
  proveInclusionFromTiles,
  proveInclusionsFromTiles,
  TiledLogBuilder,
} from '../log/tiles.js';
import type { HashTile, Store, StoredCheckpoint } from '../store/store.js';
import { StoreFencedError } from '../store/writer-lease.js';
import type { AgentEntry, AgentWordRules } from './agent-intake.js';
import type { ServerReporter } from './events.js';
import { type EntryToAppend, LogWriter } from './log-writer.js';
import { type ReplayedLog, replayStoredLog } from './replay.js';
import { SequencerError } from './sequencer-error.js';

/** The meta row naming the definition entry 0 commits to (lower-case hex SHA-256). */
export const DEFINITION_META = 'definition-sha256';

export interface PublishedTally {
  lastEntry: number;
  json: string;
}

export interface Receipt {
  index: number;
  /** The c2sp.org/tlog-proof@v1 text: entry index, inclusion proof and the signed checkpoint covering it. */
  receipt: string;
  /** True when the same signed result had already been logged (a retry). */
  duplicate: boolean;
}

type Pending = {
  bytes: Uint8Array;
  key: string;
  waiters: Array<{ resolve: (r: Receipt) => void; reject: (e: unknown) => void }>;
} & (
  | {
      entry: ResultEntry /** The rules' verdict when the API accepted it. */;
      verdict: CheckedVerdict;
    }
  | { entry: OfficialEntry; verdict: null }
  | { entry: AgentEntry; verdict: null; rules: AgentWordRules }
);

/** A result the API has checked (shape, rules, signature), with its canonical bytes and verdict. */
export interface SubmittedResult {
  entry: ResultEntry;
  bytes: Uint8Array;
  verdict: CheckedVerdict;
}

/** A refusal of one entry of several submitted together: `position` is its place in the call. */
function atPosition(e: unknown, position: number): unknown {
  return e instanceof SequencerError ? new SequencerError(e.code, e.message, e.field, position) : e;
}

export interface SequencerOptions {
  /** Longest a result waits before its batch is sequenced. */
  periodMs?: number;
  /** A batch is sequenced at once when it reaches this many entries. */
  maxBatch?: number;
  /** An idle log's checkpoint is re-signed this often. */
  resignMs?: number;
  log?: ServerReporter;
  /** Told of every checkpoint signed after open (e.g. to push it to witnesses); must not block. */
  onCheckpoint?: (cp: StoredCheckpoint) => void;
}

export class Sequencer {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private resignTimer: NodeJS.Timeout | null = null;
  /** Signs a checkpoint of the log (size and root) with the log key. */
  private readonly sign = (size: number, root: Uint8Array): string =>
    this.signer.sign(this.origin, size, root);
  private broken: Error | null = null;
  private checkpoint: StoredCheckpoint;
  private readonly periodMs: number;
  private readonly maxBatch: number;
  /** Tiles written by recent batches, so receipts need not read them back. */
  private tileCache = new Map<string, Uint8Array>();
  /** Official acts queued so far (each gets its own pending key). */
  private officialCount = 0;

  private constructor(
    private readonly store: Store,
    readonly index: ElectionIndex,
    readonly fold: TallyFold,
    private readonly writer: LogWriter,
    private readonly signer: CheckpointSigner,
    private readonly origin: string,
    checkpoint: StoredCheckpoint,
    private readonly opts: SequencerOptions,
  ) {
    this.checkpoint = checkpoint;
    this.periodMs = opts.periodMs ?? 100;
    this.maxBatch = opts.maxBatch ?? 4000;
    if (opts.resignMs) {
      this.resignTimer = setInterval(() => void this.resignIfIdle(), opts.resignMs);
      this.resignTimer.unref();
    }
  }

  /**
   * Resumes from the store: the fold and the tile edge come from a replay of
   * every stored entry (the tallies in the store are derived; the log is the
   * record), which also checks the store (replay.ts; pass one already made to
   * read the log once). Then signs a fresh checkpoint over the durable log at
   * once, so a restarted writer never serves one signed before it stopped.
   */
  static async open(
    store: Store,
    index: ElectionIndex,
    signer: CheckpointSigner,
    origin: string,
    opts: SequencerOptions = {},
    replayed?: ReplayedLog,
  ): Promise<Sequencer> {
    const { fold, builder, size } = replayed ?? (await replayStoredLog(store, index));
    if (fold.anomalies.length)
      opts.log?.warn(
        `the stored log has ${fold.anomalies.length} entries the fold does not count; first: ${JSON.stringify(fold.anomalies[0])}`,
        { anomalies: fold.anomalies.length },
      );
    const writer = new LogWriter(store, builder, fold);
    if (writer.size !== size) throw new Error('tile edge out of step with the replayed log');
    const checkpoint = await writer.checkpoint((n, root) => signer.sign(origin, n, root));
    const sequencer = new Sequencer(store, index, fold, writer, signer, origin, checkpoint, opts);
    // Everything replayed from the store is durable: publish it all now, so
    // that readers never see the live fold while a batch is being written.
    for (const [contest, units] of fold.tallies)
      sequencer.publish([...units].map(([unit, tally]) => ({ contest, unit, tally })));
    return sequencer;
  }

  /**
   * The fold and tree of the durable log, for the writer to keep when it
   * stops (kept-fold.ts); null while anything is queued or being written,
   * and once the sequencer has stopped on an error or been deposed, when the
   * fold may be ahead of what the store holds.
   */
  durableFold(): { fold: TallyFold; size: number; root: Uint8Array } | null {
    if (this.broken || this.flushing || this.pending.size > 0) return null;
    if (this.fold.size !== this.writer.size) return null;
    return { fold: this.fold, size: this.writer.size, root: this.writer.root() };
  }

  get treeSize(): number {
    return this.checkpoint.size;
  }

  latestCheckpoint(): StoredCheckpoint {
    return this.checkpoint;
  }

  /**
   * Queues a checked, signed result and resolves with its receipt once it is
   * durable and covered by a signed checkpoint. A retry of a result already
   * logged (or already queued) gets the same index; a different result for the
   * same station and contest is refused.
   */
  async submit(entry: ResultEntry, bytes: Uint8Array, verdict: CheckedVerdict): Promise<Receipt> {
    const [receipt] = await this.submitAll([{ entry, bytes, verdict }]);
    return receipt as Receipt;
  }

  /**
   * Queues several checked, signed results together (one device's contests)
   * and resolves with their receipts, in order. Exactly once per entry, as
   * submit. Every refusal that depends on the log or the queue is found for
   * every entry before any is queued, so a refused call queues nothing (the
   * error's `position` names the entry at fault); the new ones are queued in
   * one go, so they are sequenced in one batch and stored, or not, together.
   */
  async submitAll(results: readonly SubmittedResult[]): Promise<Receipt[]> {
    this.throwIfStopped();
    const receipts: Array<Receipt | undefined> = results.map(() => undefined);
    // Results already logged: their stored bytes decide (a retry, or a conflict).
    // Reading them waits, and meanwhile others may be logged: look again until none is new.
    for (;;) {
      const logged = results.flatMap((r, position) => {
        const found =
          receipts[position] === undefined
            ? this.fold.result(r.entry.contest, r.entry.station)
            : undefined;
        return found ? [{ position, found }] : [];
      });
      if (logged.length === 0) break;
      const again = await Promise.all(
        logged.map(({ position, found }) =>
          this.receiptForLogged(found, (results[position] as SubmittedResult).bytes).catch(
            (e: unknown) => {
              throw atPosition(e, position);
            },
          ),
        ),
      );
      logged.forEach(({ position }, i) => {
        receipts[position] = again[i];
      });
      this.throwIfStopped();
    }
    // From here on nothing waits until every entry is queued.
    const toQueue: Array<{ position: number; key: string; queued: Pending | undefined }> = [];
    for (const [position, r] of results.entries()) {
      if (receipts[position] !== undefined) continue;
      const key = `${r.entry.contest}\u0000${r.entry.station}`;
      const queued = this.pending.get(key);
      if (queued && !equalBytes(queued.bytes, r.bytes))
        throw atPosition(
          new SequencerError(
            'ALREADY_REPORTED',
            `station ${r.entry.station} already has a different ${r.entry.contest} result awaiting sequencing`,
            'station',
          ),
          position,
        );
      toQueue.push({ position, key, queued });
    }
    // Admission control: past this many queued results, say "busy" at once
    // (devices retry the same bytes) rather than letting latency grow without bound.
    const fresh = toQueue.filter((q) => !q.queued).length;
    if (fresh > 0 && this.pending.size + fresh > this.maxBatch * 4)
      throw new SequencerError('BUSY', 'the log is busy; send the same result again in a moment');
    const waiting = toQueue.map(
      ({ position, key, queued }) =>
        new Promise<Receipt>((resolve, reject) => {
          if (queued) {
            queued.waiters.push({ resolve: (r) => resolve({ ...r, duplicate: true }), reject });
            return;
          }
          const { entry, bytes, verdict } = results[position] as SubmittedResult;
          this.pending.set(key, { entry, bytes, verdict, key, waiters: [{ resolve, reject }] });
        }),
    );
    if (fresh > 0) this.scheduleFlush();
    const queuedReceipts = await Promise.all(waiting);
    toQueue.forEach(({ position }, i) => {
      receipts[position] = queuedReceipts[i];
    });
    return receipts as Receipt[];
  }

  private enqueue(p: Pending): void {
    this.pending.set(p.key, p);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    // Group commit: a batch goes when it is full, when the period is up, or
    // at once after the batch before it (see flush); never later than one period.
    if (this.pending.size >= this.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.periodMs);
  }

  /**
   * Queues an official's act, signed by the server's commission key. It is
   * checked now (for a precise refusal) and again when sequenced, against the
   * state just before it; acts are never merged, each gets its own entry.
   */
  async submitOfficial(entry: OfficialEntry, bytes: Uint8Array): Promise<Receipt> {
    this.throwIfStopped();
    const checked = this.fold.checkOfficial(entry, { signedHere: true });
    if (!checked.ok)
      throw new SequencerError(checked.error.code, checked.error.message, checked.error.field);
    const key = `official\u0000${++this.officialCount}`;
    return new Promise<Receipt>((resolve, reject) =>
      this.enqueue({ entry, bytes, verdict: null, key, waiters: [{ resolve, reject }] }),
    );
  }

  /**
   * Queues a party's or an agent's signed entry (roster, attestation,
   * dissent) and resolves with its receipt once durable, exactly once: the
   * very bytes of an entry already logged (or queued) get its index again;
   * a different entry in the same place (a second word from one party on one
   * result, say) is refused by `rules.conflict`. Otherwise the entry is
   * checked now, against the log as it stands, and again when sequenced.
   */
  async submitWord(entry: AgentEntry, bytes: Uint8Array, rules: AgentWordRules): Promise<Receipt> {
    this.throwIfStopped();
    const key = rules.key(entry);
    const logged = rules.loggedAt(this.fold, entry);
    if (logged !== undefined) {
      const again = await this.receiptIfSame(logged, bytes);
      if (again) return again;
    }
    const queued = this.pending.get(key);
    if (queued && equalBytes(queued.bytes, bytes))
      return new Promise<Receipt>((resolve, reject) =>
        queued.waiters.push({ resolve: (r) => resolve({ ...r, duplicate: true }), reject }),
      );
    const refusal = await rules.check(this.fold, entry);
    if (refusal) throw refusal;
    this.throwIfStopped();
    // The check may have waited (a signature thread): look at the queue as it is now.
    const now = this.pending.get(key);
    if (now) {
      if (!equalBytes(now.bytes, bytes)) throw rules.conflict(entry);
      return new Promise<Receipt>((resolve, reject) =>
        now.waiters.push({ resolve: (r) => resolve({ ...r, duplicate: true }), reject }),
      );
    }
    if (this.pending.size >= this.maxBatch * 4)
      throw new SequencerError('BUSY', 'the log is busy; send the same entry again in a moment');
    return new Promise<Receipt>((resolve, reject) =>
      this.enqueue({ entry, bytes, verdict: null, rules, key, waiters: [{ resolve, reject }] }),
    );
  }

  /**
   * The receipt of the entry logged at `index` when its bytes are `bytes`
   * (a retry); null when another entry is logged there.
   */
  private async receiptIfSame(index: number, bytes: Uint8Array): Promise<Receipt | null> {
    while (this.flushing) await this.flushing;
    this.throwIfStopped();
    const stored = await this.store.getEntry(index);
    if (!stored) throw new SequencerError('RECEIPT_PENDING', 'the log is catching up; retry');
    if (!equalBytes(stored.data, bytes)) return null;
    if (index >= this.checkpoint.size) {
      void this.resignIfIdle();
      throw new SequencerError(
        'RECEIPT_PENDING',
        `the entry is logged (entry ${index}) but no checkpoint covers it yet; send it again shortly for the receipt`,
      );
    }
    const receipt = await this.makeReceipt(index, stored.data, this.checkpoint);
    return { index, receipt, duplicate: true };
  }

  /**
   * Why an entry queued earlier can no longer be logged at the fold's current
   * position (a device revoked, an act overtaken by another), or null.
   */
  private refusalNow(p: Pending): SequencerError | null {
    const e = p.entry;
    if (e.type === 'official') {
      const c = this.fold.checkOfficial(e, { signedHere: true });
      return c.ok ? null : new SequencerError(c.error.code, c.error.message, c.error.field);
    }
    if ('rules' in p) return p.rules.checkNow(this.fold, p.entry);
    if (e.type !== 'result') return null;
    if (this.fold.deviceStands(e)) return null;
    const c = checkResult(this.index, e, this.fold.devices);
    return c.ok ? null : new SequencerError(c.error.code, c.error.message, c.error.field);
  }

  /**
   * Stops for good: another process took the writer lease over (or the lease
   * was lost). Nothing more is appended or signed; queued results get DEPOSED.
   */
  depose(why: Error): void {
    if (this.broken instanceof StoreFencedError) return;
    this.broken = why instanceof StoreFencedError ? why : new StoreFencedError(why.message);
    this.opts.log?.event('writer-deposed', { reason: this.broken.message });
    const error = this.stoppedError();
    for (const p of this.pending.values()) for (const w of p.waiters) w.reject(error);
    this.pending.clear();
  }

  private stoppedError(): SequencerError {
    const b = this.broken as Error;
    return b instanceof StoreFencedError
      ? new SequencerError('DEPOSED', b.message)
      : new SequencerError('STOPPED', `the sequencer stopped after an error: ${b.message}`);
  }

  private throwIfStopped(): void {
    if (this.broken) throw this.stoppedError();
  }

  private async receiptForLogged(logged: StationResult, bytes: Uint8Array): Promise<Receipt> {
    // The result may be in the batch being written: wait for it to be durable and signed.
    while (this.flushing) await this.flushing;
    this.throwIfStopped();
    const stored = await this.store.getEntry(logged.entryIndex);
    if (!stored) throw new SequencerError('RECEIPT_PENDING', 'the log is catching up; retry');
    if (!equalBytes(stored.data, bytes)) {
      throw new SequencerError(
        'ALREADY_REPORTED',
        `station ${logged.station} already reported ${logged.contest} (log entry ${logged.entryIndex}); a different result needs a correction entry`,
        'station',
      );
    }
    if (logged.entryIndex >= this.checkpoint.size) {
      void this.resignIfIdle();
      throw new SequencerError(
        'RECEIPT_PENDING',
        `the result is logged (entry ${logged.entryIndex}) but no checkpoint covers it yet; send it again shortly for the receipt`,
      );
    }
    const receipt = await this.makeReceipt(logged.entryIndex, stored.data, this.checkpoint);
    return { index: logged.entryIndex, receipt, duplicate: true };
  }

  /** Sequences everything queued now. Serialised: one batch at a time. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.exclusive(() => this.sequence(batch));
    // What arrived while this batch was written goes next, without waiting.
    if (this.pending.size > 0) void this.flush();
  }

  /** Runs one writer task at a time (batches and idle re-signing). */
  private async exclusive(task: () => Promise<void>): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = task().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async sequence(queued: Pending[]): Promise<void> {
    const start = this.fold.size;
    const batch: Pending[] = [];
    try {
      const entries: EntryToAppend[] = [];
      const changes: FoldChange[] = [];
      for (const p of queued) {
        const refusal = this.refusalNow(p);
        if (refusal) {
          for (const w of p.waiters) w.reject(refusal);
          continue;
        }
        const index = start + batch.length;
        batch.push(p);
        changes.push(
          'rules' in p
            ? p.rules.apply(this.fold, index, p.entry)
            : p.verdict === null
              ? this.fold.applyOfficial(index, p.entry, { signedHere: true })
              : this.fold.applyPrechecked(index, p.entry, p.verdict, p.bytes),
        );
        entries.push({ bytes: p.bytes, counted: p.entry });
      }
      if (batch.length === 0) return;
      if (this.writer.size !== start) throw new Error('tile edge out of step with the fold');
      const appended = await this.writer.append(entries, changes);
      this.publish(appended.tallies);
      this.rememberTiles(appended.tiles);
    } catch (e) {
      // The in-memory fold and tile edge may now be ahead of the store: stop
      // accepting until restarted from the store, which is the truth.
      if (e instanceof StoreFencedError) this.depose(e);
      else {
        this.broken = e instanceof Error ? e : new Error(String(e));
        this.opts.log?.error(`sequencer stopped: ${this.broken.stack ?? this.broken.message}`);
      }
      const error =
        e instanceof StoreFencedError
          ? new SequencerError('DEPOSED', `${e.message}; nothing from this batch was logged`)
          : new SequencerError(
              'NOT_LOGGED',
              'the log could not store this batch; nothing from it was logged; retry later',
            );
      for (const p of queued) for (const w of p.waiters) w.reject(error);
      return;
    }
    if (this.broken) {
      // Deposed while the batch was stored: it is logged, but this process signs nothing more.
      const error = new SequencerError(
        'DEPOSED',
        `${this.broken.message}; the result is logged: send it again to the writer for its receipt`,
      );
      for (const p of batch) for (const w of p.waiters) w.reject(error);
      return;
    }
    try {
      // Durable: now, and only now, sign over it.
      const checkpoint = await this.writer.checkpoint(this.sign);
      this.checkpoint = checkpoint;
      this.opts.onCheckpoint?.(checkpoint);
      const proofs = await proveInclusionsFromTiles(
        batch.map((_, i) => start + i),
        checkpoint.size,
        this.readTile,
      );
      if (!proofs.ok) throw new Error(`cannot prove the batch: ${proofs.error.message}`);
      // One checkpoint for the whole batch: checked once, not per receipt.
      const receipts = formatReceipts(
        checkpoint.note,
        batch.map((p, i) => ({
          extra: p.bytes,
          index: start + i,
          proof: proofs.value[i] as Uint8Array[],
        })),
      );
      for (const [i, p] of batch.entries()) {
        const receipt = receipts[i] as string;
        const [first, ...retries] = p.waiters;
        first?.resolve({ index: start + i, receipt, duplicate: false });
        for (const w of retries) w.resolve({ index: start + i, receipt, duplicate: true });
      }
    } catch (e) {
      // The entries are logged; only the checkpoint or receipts failed. A retry
      // of the same result is answered with its receipt once a checkpoint is signed.
      this.opts.log?.error(
        `checkpoint or receipts failed after a durable batch: ${(e as Error).stack ?? e}`,
      );
      if (e instanceof StoreFencedError) this.depose(e);
      const error = new SequencerError(
        e instanceof StoreFencedError ? 'DEPOSED' : 'RECEIPT_PENDING',
        'the result is logged but its receipt could not be made yet; send the same result again to get it',
      );
      for (const p of batch) for (const w of p.waiters) w.reject(error);
    }
  }

  /**
   * Tallies as of the last durable batch, as JSON text: what readers see
   * (never results not yet logged), serialised once per change, not per read.
   */
  private readonly published = new Map<string, PublishedTally>();

  private publish(
    rows: Array<{ contest: string; unit: string; tally: UnitTally | undefined }>,
  ): void {
    for (const r of rows)
      if (r.tally)
        this.published.set(`${r.contest}\u0000${r.unit}`, {
          lastEntry: r.tally.lastEntry,
          json: JSON.stringify(r.tally),
        });
  }

  publishedTally(contest: string, unit: string): PublishedTally | undefined {
    return this.published.get(`${contest}\u0000${unit}`);
  }

  private rememberTiles(tiles: readonly HashTile[]): void {
    if (this.tileCache.size > 4096) this.tileCache.clear();
    for (const t of tiles) this.tileCache.set(`${t.level}/${t.index}`, t.data);
  }

  /** Reads tiles for proofs: recent ones from memory, the rest from the store. */
  readonly readTile = async (level: number, index: number, width: number): Promise<Uint8Array> => {
    let data = this.tileCache.get(`${level}/${index}`);
    if (!data) {
      const t = await this.store.getTile(level, index);
      if (!t) throw new Error(`tile ${level}/${index} is missing from the store`);
      data = t.data;
    }
    if (data.length < width * 32)
      throw new Error(`tile ${level}/${index} holds ${data.length / 32} hashes, ${width} needed`);
    return data.subarray(0, width * 32);
  };

  private async makeReceipt(
    index: number,
    data: Uint8Array,
    checkpoint: StoredCheckpoint,
  ): Promise<string> {
    const proof = await proveInclusionFromTiles(index, checkpoint.size, this.readTile);
    if (!proof.ok) throw new Error(`cannot prove entry ${index}: ${proof.error.message}`);
    return formatReceipt({ extra: data, index, proof: proof.value, checkpoint: checkpoint.note });
  }

  private async resignIfIdle(): Promise<void> {
    if (this.flushing || this.pending.size > 0 || this.broken) return;
    await this.exclusive(async () => {
      try {
        this.checkpoint = await this.writer.checkpoint(this.sign);
      } catch (e) {
        if (e instanceof StoreFencedError) this.depose(e);
        else this.opts.log?.warn(`re-signing the checkpoint failed: ${(e as Error).message}`);
        return;
      }
      this.opts.onCheckpoint?.(this.checkpoint);
    });
  }

  /**
   * Writes entry 0 to an empty log in ONE transaction with everything derived
   * from it: its tiles, the definition it commits to, the definition's hash
   * (meta) and, given a signer, the checkpoint of size 1. A start killed at
   * any point finds the store either empty or complete.
   */
  static async genesis(
    store: Store,
    g: {
      entryBytes: Uint8Array;
      definitionBytes: Uint8Array;
      definitionSha256: string;
      /** Signs the checkpoint of size 1 (a writer); a mirror has none. */
      signer?: { signer: CheckpointSigner; origin: string };
      /** Crash tests: runs inside the transaction before COMMIT. */
      beforeCommit?: () => Promise<void>;
    },
  ): Promise<void> {
    const size = await store.treeSize();
    if (size !== 0) throw new Error('genesis on a non-empty log');
    const decoded = decodeEntry(g.entryBytes);
    if (!decoded.ok || decoded.value.type !== 'election')
      throw new Error('entry 0 must be an election entry');
    const signer = g.signer;
    await new LogWriter(store, TiledLogBuilder.empty(), null).append(
      [{ bytes: g.entryBytes, counted: decoded.value }],
      [],
      {
        blobs: [
          { sha256: g.definitionSha256, contentType: 'application/json', data: g.definitionBytes },
        ],
        meta: [{ key: DEFINITION_META, value: g.definitionSha256 }],
        checkpoint: signer
          ? (size, root) => ({ size, note: signer.signer.sign(signer.origin, size, root) })
          : undefined,
        beforeCommit: g.beforeCommit,
      },
    );
  }

  async close(): Promise<void> {
    if (this.resignTimer) clearInterval(this.resignTimer);
    await this.flush();
  }
}

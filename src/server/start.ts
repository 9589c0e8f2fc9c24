// Bringing a log up: open the store, write entry 0 on first start (atomically,
// with all that derives from it), check that the stored entry 0 is the
// election we were given, check the whole store against its log (replay.ts),
// resume the sequencer from that replay, and build the HTTP server.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { LoginAudit } from '../accounts/login-audit.js';
import { decodeEntry } from '../election/entries.js';
import type { TallyFold } from '../election/fold.js';
import { type OpenedGenesis, openGenesis } from '../election/genesis.js';
import { equal, toBase64 } from '../log/bytes.js';
import type { CheckpointSigner } from '../log/checkpoint-signer.js';
import { ed25519PublicKey } from '../log/crypto.js';
import { decodeVerifierKey } from '../log/note.js';
import { SignaturePool } from '../platform/signature-pool.js';
import type { KeptFoldRow, Store, StoredCheckpoint } from '../store/store.js';
import { describeHolder } from '../store/writer-lease.js';
import { buildServer, type ServerOptions } from './app.js';
import { CheckpointFollower } from './checkpoint-follower.js';
import type { ServerReporter } from './events.js';
import type { FormUploadOptions } from './form-uploads.js';
import { type KeptFold, type KeptFoldContext, keepFold, openKeptFold } from './kept-fold.js';
import { OfficialsService } from './officials-service.js';
import {
  checkDerivedRows,
  KeptFoldRejected,
  LogReplay,
  type ReplayedLog,
  StoreIntegrityError,
} from './replay.js';
import { DEFINITION_META, Sequencer, type SequencerOptions } from './sequencer.js';
import { StatisticsKeeper } from './statistics-keeper.js';
import { type StoredElection, type WarmLog, WarmStandby } from './warm-standby.js';
import { WitnessPusher, type WitnessTarget } from './witness-push.js';

/** Points of the first start a crash test may stop at (StartOptions.onStep). */
export type StartStep =
  | 'genesis'
  | 'genesis-before-commit'
  | 'genesis-durable'
  | 'checked'
  | 'signed'
  | 'serving';

export interface StartOptions {
  store: Store;
  /** Entry 0 and the definition it commits to; needed on first start, checked on later ones. */
  genesis?: { entryBytes: Uint8Array; definitionBytes: Uint8Array };
  /** The log's signer; null starts a read-only server. */
  signer: CheckpointSigner | null;
  sequencer?: SequencerOptions;
  /** Threads verifying device signatures (default: one per core; 0: on the main thread). */
  signatureThreads?: number;
  /** The writer's pause between checks of the query planner's statistics (ms; default 30 s). */
  statisticsEveryMs?: number;
  /** The commission's 32-byte Ed25519 seed: enables logins and officials' acts (it signs them). */
  commissionSeed?: Uint8Array;
  /** Where failed logins' details go (which check failed); the log says only "failed". */
  loginAudit?: LoginAudit;
  /** The officials' clock in ms (logins, TOTP windows, sessions, lockouts); tests inject it. */
  officialsNow?: () => number;
  /** Witnesses the writer pushes each new checkpoint to (c2sp.org/tlog-witness). */
  witnesses?: readonly WitnessTarget[];
  /** Form upload quotas, budget, expiry and clock (FORMATS.md §10.3). */
  formUploads?: FormUploadOptions;
  logger?: boolean;
  /** The HTTP server's logs, timeouts and rate limits (ServerOptions in app.ts). */
  server?: ServerOptions;
  log?: ServerReporter;
  /**
   * false skips the start-up check of the store against its log (replay.ts):
   * only for tests that need a server lying from a tampered store (e.g. to
   * show that kura verify catches it). Default true.
   */
  checkStore?: boolean;
  /** Progress of the start-up check (replay.ts), for long logs. */
  onProgress?: (phase: 'entries' | 'derived', done: number, total: number) => void;
  /** Crash tests: awaited at each step of a start (a test may stop the process there). */
  onStep?: (step: StartStep) => void | Promise<void>;
  /**
   * A writer first takes the log's writer lease (store/writer-lease.ts). While
   * another writer holds it, "wait" (the default) stands by until it stops,
   * and "refuse" fails at once with LeaseHeldError.
   */
  lease?: 'wait' | 'refuse';
  /** Who the writer is, for the lease row and other writers' messages (default "kura serve"). */
  holder?: string;
  /** A standby's pause between looks at the log it follows (warm-standby.ts; default 1 s). */
  standbyFollowMs?: number;
}

/** A log opened and checked for writing, without HTTP (kura serve, kura admin). */
export interface OpenedWriter {
  sequencer: Sequencer;
  election: OpenedGenesis;
  definitionBytes: Uint8Array;
  replayed: ReplayedLog;
  /** It stood by while another writer held the lease, and took over from it. */
  tookOver: boolean;
  /** Closes the sequencer (sequencing what is queued) and gives the lease up. */
  close(): Promise<void>;
}

export interface RunningLog {
  app: FastifyInstance;
  sequencer: Sequencer | null;
  /** Logins and officials' acts (with the commission key). */
  officials: OfficialsService | undefined;
  election: OpenedGenesis;
  close(): Promise<void>;
}

/**
 * Writes entry 0 on the first start, reads the election the store holds and
 * checks the whole store against its log (replay.ts): what every server,
 * writer or reader, does before it serves anything.
 */
async function openLog(
  opts: StartOptions,
  warm: WarmLog | null = null,
): Promise<{ election: OpenedGenesis; definitionBytes: Uint8Array; replayed: ReplayedLog }> {
  const { store } = opts;
  const step = async (s: StartStep) => opts.onStep?.(s);
  const size = await store.treeSize();
  if (size === 0 && store.readOnly)
    throw new Error('the log is empty: start the writer first (a read-only server never writes)');
  if (size === 0) {
    if (!opts.genesis)
      throw new Error(
        'the log is empty: give the election (entry 0 and its definition) to start it',
      );
    const opened = openGenesis(opts.genesis.entryBytes, opts.genesis.definitionBytes);
    if (!opened.ok) throw new Error(`cannot start this election: ${opened.error}`);
    const { definition } = opened.value;
    if (opts.signer) checkSigner(opts.signer, definition.logKey);
    await step('genesis');
    await Sequencer.genesis(store, {
      entryBytes: opts.genesis.entryBytes,
      definitionBytes: opts.genesis.definitionBytes,
      definitionSha256: opened.value.entry.definitionSha256,
      signer: opts.signer ? { signer: opts.signer, origin: definition.logOrigin } : undefined,
      beforeCommit: () => step('genesis-before-commit'),
    });
    await step('genesis-durable');
    opts.log?.info(`started a new log for election ${opened.value.entry.electionId}`, {
      electionId: opened.value.entry.electionId,
    });
  }
  // A writer's kept fold is read while the election opens (both take a second or so on a national log).
  const keptRow =
    opts.signer && opts.checkStore !== false && !warm ? store.getKeptFold() : Promise.resolve(null);
  keptRow.catch(() => {}); // awaited below; a start that fails first must not leave it unhandled
  // A standby's replay goes on from where it got to, if it followed this very
  // election: entry 0, which commits to the definition, the bytes it opened.
  // Then the election it opened is this one, and is not opened again (the
  // definition's check and index cost a takeover 0.2 s on Kenya's).
  const entry0 = warm ? await store.getEntry(0) : null;
  const followed = warm && entry0 && equal(entry0.data, warm.entryBytes) ? warm : null;
  const { election, definitionBytes } = followed ?? (await openStoredElection(store, opts));
  if (opts.signer) checkSigner(opts.signer, election.definition.logKey);

  // Nothing is served from a store that its own log does not account for.
  const replay = async (view: Store) => {
    if (followed) {
      await followed.replay.advance(view);
      return followed.replay.finish(view);
    }
    // A writer goes on from the fold it kept at its last stop, if it fits the log (kept-fold.ts).
    const kept = await keptFoldOf(await keptRow, view, opts, election);
    if (kept) {
      const r = new LogReplay(election.index, { ...replayOptions(opts), kept });
      try {
        await r.advance(view);
        return await r.finish(view);
      } catch (e) {
        // Whatever went wrong with it, the replay without it decides.
        if (!(e instanceof KeptFoldRejected || e instanceof StoreIntegrityError)) throw e;
        opts.log?.event('kept-fold-unused', { reason: e.message });
      }
    }
    const r = new LogReplay(election.index, replayOptions(opts));
    await r.advance(view);
    return r.finish(view);
  };
  // A writer holds the lease, so its store stands still; a reader's writer
  // appends on, so the reader checks one snapshot of it.
  const replayed = await (opts.signer ? replay(store) : store.snapshot(replay));
  const { stats } = replayed;
  if (opts.checkStore !== false)
    opts.log?.info(
      `start-up check: ${stats.entries} entries${followed ? ` (${stats.entries - stats.tailEntries} checked while standing by, ${stats.tailEntries} now)` : ''}, ${stats.tiles} tiles, ${stats.checkpoints} checkpoints and ${stats.derivedRows} derived rows agree with the log (${(stats.ms / 1000).toFixed(1)} s, of which the entries ${(stats.entriesMs / 1000).toFixed(1)} s${stats.keptEntries ? `; the fold of the first ${stats.keptEntries} kept at the last stop, the rest folded now` : ''}${stats.derivedUnchanged ? '; the derived rows unchanged since they were found equal to it (their digest)' : ''})`,
      { ...stats },
    );
  await step('checked');
  return { election, definitionBytes, replayed };
}

/**
 * The writer's start-up: takes the writer lease (standing by while another
 * writer holds it, or refusing), opens and checks the log, and resumes the
 * sequencer from it. Losing the lease later stops the sequencer (DEPOSED).
 */
export async function openLogWriter(
  opts: StartOptions & { signer: CheckpointSigner },
): Promise<OpenedWriter> {
  const { store } = opts;
  let standby: WarmStandby | null = null;
  const lease = await store
    .acquireWriterLease({
      mode: opts.lease ?? 'wait',
      holder: opts.holder ?? describeHolder('kura serve'),
      onWaiting: (who) => {
        opts.log?.event('writer-standing-by', { heldBy: who });
        standby = new WarmStandby(store, {
          open: (view) => openStoredElection(view, opts),
          // No progress events: those are the start-up check's, and this runs all along.
          replay: { checkStore: opts.checkStore ?? true },
          everyMs: opts.standbyFollowMs,
          log: opts.log,
        });
      },
    })
    .catch(async (e: unknown) => {
      await (standby as WarmStandby | null)?.stop();
      throw e;
    });
  const warm = await (standby as WarmStandby | null)?.stop();
  if (standby) opts.log?.event('writer-taking-over', { token: lease.token });
  try {
    const { election, definitionBytes, replayed } = await openLog(opts, warm ?? null);
    const sequencer = await Sequencer.open(
      store,
      election.index,
      opts.signer,
      election.definition.logOrigin,
      { resignMs: 30_000, log: opts.log, ...opts.sequencer },
      replayed,
    );
    void lease.lost.then((why) => {
      opts.log?.event('writer-lease-lost', { reason: why.message });
      sequencer.depose(why);
    });
    /** At a stop: the fold of the durable log, sealed, so the next start need not fold it again. */
    const keepDurableFold = async () => {
      const durable = sequencer.durableFold();
      // Nothing new since the fold this start took over, its derived rows' digest
      // found the same: the kept one is this one, and still true.
      const { keptEntries, derivedUnchanged } = replayed.stats;
      if (!durable || (durable.size === keptEntries && derivedUnchanged)) return;
      const started = Date.now();
      try {
        const { bytes, differs } = await keepFold(
          store,
          keptFoldContext(opts.signer, election),
          durable,
          firstDerivedDifference,
        );
        if (differs) opts.log?.event('derived-rows-differ', { reason: differs });
        opts.log?.event('fold-kept', { size: durable.size, bytes, ms: Date.now() - started });
      } catch (e) {
        // Only the next start's speed depends on it: it then folds every entry.
        opts.log?.warn(`the fold was not kept: ${(e as Error).message}`, {});
      }
    };
    return {
      sequencer,
      election,
      definitionBytes,
      replayed,
      tookOver: standby !== null,
      async close() {
        try {
          await sequencer.close();
          await keepDurableFold();
        } finally {
          await lease.release();
        }
      },
    };
  } catch (e) {
    await lease.release();
    throw e;
  }
}

export async function startLog(opts: StartOptions): Promise<RunningLog> {
  const { store } = opts;
  const step = async (s: StartStep) => opts.onStep?.(s);
  let pusher: WitnessPusher | null = null;
  // A writer's signature workers start first: a standby then has them ready
  // when it takes over (the stations' resent results are waiting), and a
  // writer's start-up check runs while they start.
  const threads = opts.signatureThreads ?? availableParallelism();
  const starting = opts.signer && threads > 0 ? SignaturePool.start({ threads }) : null;
  starting?.catch(() => {}); // awaited below, or closed if the start fails first
  let writer: OpenedWriter | null;
  try {
    writer = opts.signer
      ? await openLogWriter({
          ...opts,
          signer: opts.signer,
          sequencer: {
            ...opts.sequencer,
            onCheckpoint: (cp) => {
              opts.sequencer?.onCheckpoint?.(cp);
              pusher?.notify(cp);
            },
          },
        })
      : null;
  } catch (e) {
    await (await starting?.catch(() => null))?.close();
    throw e;
  }
  const { election, definitionBytes, replayed } = writer ?? (await openLog(opts));
  const sequencer = writer?.sequencer ?? null;
  let signatures: SignaturePool | undefined;
  try {
    signatures = (await starting) ?? undefined;
    if (sequencer) {
      await step('signed');
      if (opts.witnesses?.length) {
        pusher = new WitnessPusher({
          witnesses: opts.witnesses,
          readTile: sequencer.readTile,
          persist: (cp) => store.putCheckpoint(cp),
          log: opts.log,
        });
        pusher.notify(sequencer.latestCheckpoint());
      }
    }
    // A reader without a sequencer follows the store's latest checkpoint.
    const follow = sequencer
      ? null
      : new CheckpointFollower(store, replayed.checkpoint, { log: opts.log });
    let officials: OfficialsService | undefined;
    if (sequencer && opts.commissionSeed) {
      if (
        toBase64(ed25519PublicKey(opts.commissionSeed)) !==
        commissionPublicKey(election.definition.commissionKey)
      )
        throw new Error(
          `the commission key given is not the key the election names (${election.definition.commissionKey})`,
        );
      officials = new OfficialsService({
        sequencer,
        accounts: store.accounts,
        commissionSeed: opts.commissionSeed,
        electionId: election.definition.electionId,
        audit: opts.loginAudit,
        now: opts.officialsNow,
      });
    }
    const app = await buildServer(
      {
        store,
        index: election.index,
        definitionBytes,
        logVerifierKey: election.definition.logKey,
        witnessKeys: opts.witnesses?.map((w) => w.vkey),
        role: sequencer
          ? {
              kind: 'writer',
              sequencer,
              signatures,
              witnessed: witnessedBy(pusher),
              formUploads: opts.formUploads,
              officials,
            }
          : { kind: 'reader', checkpoint: () => follow?.latest() ?? null },
      },
      { logger: opts.logger ?? false, ...opts.server },
    );
    await step('serving');
    const statisticsEveryMs = opts.statisticsEveryMs ?? 30_000;
    const statistics = sequencer
      ? new StatisticsKeeper({
          store,
          logSize: () => sequencer.latestCheckpoint().size,
          everyMs: statisticsEveryMs,
          log: opts.log,
        })
      : null;
    // A writer that has just taken over has the results resent in the gap to
    // take first: an ANALYZE now (0.3 s of the database's CPU) would delay them.
    statistics?.start(writer?.tookOver ? statisticsEveryMs : 0);
    return {
      app,
      sequencer,
      officials,
      election,
      async close() {
        follow?.close();
        await statistics?.close();
        await app.close();
        await writer?.close();
        await pusher?.close();
        await signatures?.close();
      },
    };
  } catch (e) {
    // A start that fails after taking the lease gives it up (a standby may take over).
    await (signatures ?? (await starting?.catch(() => null)))?.close();
    await writer?.close().catch(() => {});
    throw e;
  }
}

/** What the witnesses cosigned of a checkpoint served, when the writer pushes to any. */
function witnessedBy(pusher: WitnessPusher | null) {
  return pusher ? (cp: StoredCheckpoint) => pusher.served(cp) : undefined;
}

function checkSigner(signer: CheckpointSigner, logKey: string): void {
  if (!signer.matches(logKey))
    throw new Error(
      `the log signing key (${signer.name}) is not the key the election names (${logKey})`,
    );
}

/** The fold this writer's log key sealed at its last stop, if one is kept; a refused one is said and not used. */
async function keptFoldOf(
  row: KeptFoldRow | null,
  store: Store,
  opts: StartOptions,
  election: OpenedGenesis,
): Promise<KeptFold | null> {
  if (!row || !opts.signer) return null;
  const kept = openKeptFold(row, keptFoldContext(opts.signer, election), await store.treeSize());
  if (kept.ok) return kept.value;
  opts.log?.event('kept-fold-unused', { reason: `the kept fold is not used: ${kept.error}` });
  return null;
}

function keptFoldContext(signer: CheckpointSigner, election: OpenedGenesis): KeptFoldContext {
  return {
    index: election.index,
    definitionSha256: election.entry.definitionSha256,
    sealKey: signer.foldSealKey(),
  };
}

/** The start-up check's comparison of the derived rows with a fold: the first difference, or null. */
async function firstDerivedDifference(view: Store, fold: TallyFold): Promise<string | null> {
  try {
    await checkDerivedRows(view, fold, {});
    return null;
  } catch (e) {
    if (e instanceof StoreIntegrityError) return e.message;
    throw e;
  }
}

function replayOptions(opts: StartOptions) {
  return { onProgress: opts.onProgress, checkStore: opts.checkStore ?? true };
}

/**
 * Entry 0 and the definition it commits to. Stores left by versions that
 * wrote entry 0 and its definition in separate steps are completed here: the
 * definition is found by the hash entry 0 commits to (stored again from the
 * election given, if it is missing), and a missing meta row is written.
 */
async function openStoredElection(store: Store, opts: StartOptions): Promise<StoredElection> {
  const entry0 = await store.getEntry(0);
  if (!entry0)
    throw new StoreIntegrityError('missing-entry', 0, 'the store has entries but no entry 0');
  if (opts.genesis && !equal(entry0.data, opts.genesis.entryBytes)) {
    throw new Error(
      'this data directory holds a different election (its entry 0 differs from the one given); use another --data or --db',
    );
  }
  const decoded = decodeEntry(entry0.data);
  if (!decoded.ok || decoded.value.type !== 'election')
    throw new StoreIntegrityError('definition', 0, 'entry 0 is not an election entry');
  const defSha = decoded.value.definitionSha256;
  let defBlob = await store.getBlob(defSha);
  // Completing an old store is a write: a writer's job, never a reader's.
  if (
    !defBlob &&
    !store.readOnly &&
    opts.genesis &&
    sha256Hex(opts.genesis.definitionBytes) === defSha
  ) {
    await store.putBlob({
      sha256: defSha,
      contentType: 'application/json',
      data: opts.genesis.definitionBytes,
    });
    opts.log?.info('stored the election definition entry 0 commits to (it was missing)');
    defBlob = await store.getBlob(defSha);
  }
  if (!defBlob)
    throw new StoreIntegrityError(
      'definition',
      0,
      `the election definition entry 0 commits to (sha256 ${defSha}) is missing from the store; start once with --election to restore it`,
    );
  const meta = await store.getMeta(DEFINITION_META);
  if (meta === null) {
    if (store.readOnly) return openStoredGenesis(entry0.data, defBlob.data);
    await store.setMeta(DEFINITION_META, defSha);
    opts.log?.info(
      'recorded the definition hash entry 0 commits to (a start had stopped before it)',
    );
  } else if (meta !== defSha)
    throw new StoreIntegrityError(
      'definition',
      0,
      `the stored definition hash ${meta} is not the one entry 0 commits to (${defSha})`,
    );
  // The definition given (the 12 MB of Kenya's) stays referenced through the
  // options: keep that one copy rather than a second, read from the store.
  const given = opts.genesis?.definitionBytes;
  return openStoredGenesis(entry0.data, given && equal(given, defBlob.data) ? given : defBlob.data);
}

function openStoredGenesis(entryBytes: Uint8Array, definitionBytes: Uint8Array): StoredElection {
  const opened = openGenesis(entryBytes, definitionBytes);
  if (!opened.ok) throw new Error(`the stored election does not verify: ${opened.error}`);
  return { election: opened.value, definitionBytes, entryBytes };
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function commissionPublicKey(vkey: string): string {
  const k = decodeVerifierKey(vkey);
  return k.ok ? toBase64(k.value.publicKey) : '';
}

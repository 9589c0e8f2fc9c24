// Mirroring and folding the log: every entry bundle and hash tile read (in
// parallel) and checked against the signed root, while worker threads check
// every entry's signature and rules and the fold recomputes every tally.
import { ok, type Result } from '../../basics/result.js';
import type { TallyFold, UnitTally } from '../../election/fold.js';
import type { OpenedGenesis } from '../../election/genesis.js';
import { TILE_WIDTH } from '../../log/tiles.js';
import { SignaturePool } from '../../platform/signature-pool.js';
import { type AuditContext, type AuditError, fail, type Step } from '../audit.js';
import { StreamingFold, signatureSummary, summariseFold, type VerifiedBefore } from '../fold.js';
import type { LogReader } from '../log-reader.js';
import { type MirrorOptions, type MirrorResult, mirrorLog } from '../mirror.js';
import type { VerifyReport } from '../report.js';

export interface FoldedLog {
  mirror: MirrorResult;
  fold: TallyFold;
  pool: SignaturePool;
  signatures: NonNullable<VerifyReport['signatures']>;
  summary: NonNullable<VerifyReport['fold']>;
  tallies: Record<string, UnitTally>;
  /** The indexes of the entries refused or undecodable, for the state (VerifiedBefore). */
  notCounted: number[];
}

export interface MirrorAndFoldOptions {
  genesis: OpenedGenesis;
  definitionBytes: Uint8Array;
  size: number;
  rootHash: Uint8Array;
  /** Signature worker threads (default: one per core). */
  threads?: number;
  concurrency: number;
  /** The progress row of the entries read ("entries mirrored"). */
  progressLabel: string;
  /** The state directory, and the tree verified before (a server's; see MirrorOptions). */
  state?: MirrorOptions['state'];
  verifiedBefore?: MirrorOptions['verifiedBefore'];
  /**
   * The entries an earlier run verified in full (kura verify --state): folded
   * without a second signature check once they reproduce the signed root.
   */
  foldedBefore?: VerifiedBefore;
  /** The fold of exactly the `foldedBefore` entries, kept by that run: only the entries after them are folded. */
  keptFold?: TallyFold;
  /** The mirror's figures, for the report, whether or not the entries verified. */
  onMirror?: (m: MirrorResult) => void;
  /**
   * Once the entries reproduce the signed root, before the fold is awaited:
   * the caller's checks of the mirrored entries (a suspected fork, entry 0).
   */
  mirrored?: (m: MirrorResult) => Promise<Result<void, AuditError>>;
}

/**
 * Reads the whole log from `reader` (phase "log"); the signature workers and
 * the fold take each bundle as it arrives. Entries that do not reproduce the
 * signed root stop the audit (the mirror recorded why).
 */
export async function mirrorAndFold(
  ctx: AuditContext,
  reader: LogReader,
  o: MirrorAndFoldOptions,
): Step<FoldedLog> {
  const n = o.size;
  // The workers read the definition while the first bundles are read.
  const starting = SignaturePool.start({ definitionBytes: o.definitionBytes, threads: o.threads });
  starting.catch(() => {});
  ctx.defer(async () => (await starting.catch(() => undefined))?.close());
  const sf = new StreamingFold(
    o.genesis.index,
    starting,
    (done) => ctx.progress.set('entries checked', done, n),
    o.foldedBefore,
    o.keptFold,
  );
  const sigStart = performance.now();
  const mirror = await ctx.timed('log fetch', () =>
    mirrorLog({
      source: reader,
      state: o.state ?? null,
      readCache: false,
      size: n,
      rootHash: o.rootHash,
      ...(o.verifiedBefore ? { verifiedBefore: o.verifiedBefore } : {}),
      concurrency: o.concurrency,
      findings: ctx.findings,
      onBundle: (b, first, list) => sf.add(b, first, list),
      onProgress: (done) => ctx.progress.set(o.progressLabel, done, n),
    }),
  );
  o.onMirror?.(mirror);
  if (!mirror.entriesVerified) return fail.recorded();
  const settled = (await o.mirrored?.(mirror)) ?? ok(undefined);
  if (!settled.ok) return settled;
  await sf.finish(Math.ceil(n / TILE_WIDTH));
  const pool = await starting;
  const signatures = signatureSummary(pool, sigStart);
  // Both overlap the fetch: the signatures' wall time until the last verdict, the fold's own time.
  ctx.record('signatures', sf.lastCheckedAt > sigStart ? (sf.lastCheckedAt - sigStart) / 1000 : 0);
  ctx.record('fold', sf.foldMs / 1000);
  const { summary, tallies } = summariseFold(sf.fold, ctx.findings);
  return ok({
    mirror,
    fold: sf.fold,
    pool,
    signatures,
    summary,
    tallies,
    notCounted: sf.notCounted.sort((a, b) => a - b),
  });
}

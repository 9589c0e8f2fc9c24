// `kura verify`: audits a kura server from the outside, as docs/FORMATS.md §11
// describes, with the audit pipeline (audit.ts, steps/*.ts) `kura
// verify-bundle` runs too:
//   1. resolve trust: pin the log key (option, election directory, state
//      directory, or, on a first run with nothing pinned, entry 0: trust on
//      first use, said loudly) and open the served checkpoint with it;
//   2. open the election: entry 0 and the definition (openGenesis, commission key);
//   3. check history: against the checkpoint a previous run verified
//      (consistency; a fork or a rollback is proved with both notes);
//   4. mirror and fold: the log's bundles and tiles (parallel), every entry
//      checked against the signed root and the served tiles, while worker
//      threads check every entry's rules and signature and the fold
//      recomputes every tally;
//   5. compare views: every tally and station page the server publishes, in
//      bulk, and a random sample of their own URLs, which must say the same;
//      and every risk-limiting audit (its samples, papers and risks);
//   6. check forms: optionally download and hash every scanned form the
//      server lists (a form it does not list is missing).

import { ok } from '../basics/result.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import { fromBase64, toBase64 } from '../log/bytes.js';
import type { WitnessPolicy } from '../log/tlog-policy.js';
import { decodeFoldFile, encodeFoldFile, type FoldBinding } from '../platform/fold-file.js';
import { readAnchors } from './anchors.js';
import { type AuditContext, runAudit, type Step } from './audit.js';
import { compareAudits } from './audits.js';
import { info } from './checkpoint.js';
import { checkForms } from './forms.js';
import { HttpSource } from './http.js';
import { HttpLogReader } from './http-reader.js';
import { compareParties } from './parties.js';
import type { VerifyReport } from './report.js';
import type { StateDir } from './state.js';
import { openServerElection, warnDemoKeys } from './steps/election.js';
import { checkServerHistory, saveVerified, settleSuspect } from './steps/history.js';
import { mirrorAndFold } from './steps/log.js';
import {
  checkServedKey,
  checkWitnessPolicy,
  openPinnedCheckpoint,
  resolveServerTrust,
  settleServerKeys,
  verifierOf,
} from './steps/trust.js';
import { checkViewsAhead, compareViews, planViews } from './steps/views.js';
import { changedStations, digestsToKeep, stationDigests, usableDigests } from './view-digests.js';

export { VerifyUsageError } from './anchors.js';

export interface VerifyOptions {
  server: string;
  /** Default: ./kura-verify/<origin>. */
  stateDir?: string;
  logKey?: string;
  electionDir?: string;
  commissionKey?: string;
  forms?: boolean;
  /** HTTP requests in flight (default 16). */
  concurrency?: number;
  /**
   * A server without the bulk listings (an older kura): compare only a random
   * sample of this many station pages.
   */
  stationsSample?: number;
  /**
   * How many station pages and how many tally URLs are read one by one, at
   * random, and held to the bulk listings' answers (default 200 each).
   */
  pageSample?: number;
  /** Signature worker threads (default: one per core). */
  threads?: number;
  /** Also measure this machine's raw Ed25519 verify rate on the same threads. */
  measureEd25519?: boolean;
  progress?: boolean;
  /**
   * Fetch tallies and station pages from the start, while the log is read and
   * checked (true), or only once it is folded (false). Default: from the start
   * for a remote server; for one on a loopback address, which would compete
   * with the mirror for the CPU, once the log is read.
   */
  prefetchViews?: boolean;
  /** Witnesses that must have cosigned the checkpoint (c2sp.org/tlog-policy; --witness-policy). */
  witnessPolicy?: WitnessPolicy;
  /**
   * Read every station page again, also those found equal to the log at the
   * checkpoint verified before whose facts in the log have not changed since.
   */
  allViews?: boolean;
  /**
   * Fold every entry again, also those whose fold the run that verified them
   * kept in the state directory (fold.bin).
   */
  foldAll?: boolean;
  /** Loud messages as they happen (trust on first use, forks); default stderr. */
  say?: (text: string) => void;
}

/** The fold kept in the state directory, if it is usable (a damaged one is a warning, and every entry is folded). */
function readKeptFold(
  ctx: AuditContext,
  state: StateDir,
  index: ElectionIndex,
  binding: FoldBinding,
): TallyFold | undefined {
  const bytes = state.readFoldFile();
  if (!bytes) return undefined;
  const kept = decodeFoldFile(bytes, index, binding);
  if (kept.ok) return kept.value;
  ctx.findings.warning(
    'state-damaged',
    `the fold kept in ${state.dir}/fold.bin is not used: ${kept.error}; every entry is folded again`,
  );
  return undefined;
}

function keepFold(ctx: AuditContext, state: StateDir, fold: TallyFold, binding: FoldBinding): void {
  try {
    state.writeFoldFile(encodeFoldFile(fold, binding));
  } catch (e) {
    ctx.findings.warning(
      'state-damaged',
      `the fold could not be kept in ${state.dir}/fold.bin (${(e as Error).message}): the next run folds every entry`,
    );
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export async function verifyServer(o: VerifyOptions): Promise<VerifyReport> {
  const report: VerifyReport = {
    server: o.server,
    verdict: 'verified',
    exitCode: 0,
    trust: {},
    findings: [],
    seconds: {},
  };
  const concurrency = o.concurrency ?? 16;
  const anchors = readAnchors(o);
  const reader = new HttpLogReader(o.server, { concurrency });
  // Tallies and station pages on their own connections: they are fetched while the log is read.
  const viewHttp = new HttpSource(o.server, { concurrency });
  return runAudit(report, { ...o, command: 'kura verify' }, async (ctx): Step<void> => {
    ctx.defer(() => reader.close());
    ctx.defer(() => viewHttp.close());

    // ---------------------------------------------------------- resolve trust
    const resolved = await ctx.timed('trust', () =>
      resolveServerTrust(reader, anchors, o.stateDir),
    );
    if (!resolved.ok) return resolved;
    report.stateDir = resolved.value.state.dir;
    report.origin = resolved.value.origin;
    const pinned = openPinnedCheckpoint(reader, resolved.value);
    if (!pinned.ok) return pinned;
    const t = pinned.value;
    const size = t.checkpoint?.size ?? t.served.claimed.size;

    // ---------------------------------------------------------- open the election
    const election = await ctx.timed('election', () =>
      openServerElection(ctx, reader, {
        state: t.state,
        size,
        commissionKey: t.trust.commissionKey,
        anchors,
      }),
    );
    if (!election.ok) return election;
    const { genesis, definitionBytes } = election.value;
    report.electionId = genesis.entry.electionId;
    const keys = settleServerKeys(ctx, reader, t, genesis.entry);
    if (!keys.ok) return keys;
    const { trust, checkpoint } = keys.value;
    const logKey = trust.logKey as string;
    const logVerifier = verifierOf(logKey);
    if (!logVerifier.ok) return logVerifier;
    report.trust = trust;
    report.checkpoint = info(checkpoint, t.served.note);
    await ctx.timed('trust', () => checkServedKey(ctx, reader, logKey));

    // ---------------------------------------------------------- check history
    const h = { server: o.server, t, checkpoint, logVerifier: logVerifier.value, report };
    const history = await ctx.timed('consistency', () => checkServerHistory(ctx, reader, h));
    if (!history.ok) return history;
    const { suspect } = history.value;
    // Witnesses after the consistency check, so that a fork is reported
    // with its evidence first (a suspected one is settled by the mirror: then after it).
    if (!suspect) {
      const w = checkWitnessPolicy(t.served.note, o.witnessPolicy, logKey);
      if (!w.ok) return w;
    }

    // ---------------------------------------------------------- the views, early
    // From a remote server they are fetched while the log is mirrored and
    // checked: the network wait overlaps the signature work. A server on
    // this machine would take CPU from the mirror while it serves the log:
    // its views are fetched once the log is read, while the workers check
    // the last signatures (the server has nothing else to serve then).
    // Station pages an earlier run found equal to the log: those whose facts
    // the log has not changed since are not read again in bulk (view-digests.ts).
    const earlierViews =
      o.allViews || !t.saved || suspect
        ? null
        : usableDigests(t.state.readViewDigests(), {
            server: o.server,
            size: t.saved.state.size,
            root: t.saved.state.root,
          });
    // Which pages to read is known only once the log is folded when an earlier run read some.
    const readsAll = !earlierViews;
    const local = isLoopback(reader.http.base.hostname);
    const views = planViews(ctx, viewHttp, genesis, {
      ...(o.stationsSample !== undefined ? { stationsSample: o.stationsSample } : {}),
      ...(o.pageSample !== undefined ? { pageSample: o.pageSample } : {}),
      concurrency,
      prefetch: readsAll && (o.prefetchViews ?? !local),
    });
    const fetchAfterLog = readsAll && o.prefetchViews === undefined && local;

    // ---------------------------------------------------------- mirror and fold
    // Every bundle and tile is read from the server again, never from the
    // state directory: what it serves now is what is checked, and the
    // entries and tiles at indexes verified before must still hash to the
    // leaf hashes kept from that run.
    const saved = t.saved;
    const verifiedBefore =
      saved && !suspect
        ? {
            size: saved.state.size,
            leaves: () => {
              const kept = t.state.verifiedLeaves(
                saved.state.size,
                fromBase64(saved.state.root) ?? new Uint8Array(),
              );
              if (!kept)
                ctx.findings.warning(
                  'state-damaged',
                  `the hash tiles kept in ${t.state.dir} do not reproduce the checkpoint verified before (size ${saved.state.size}): what changed since cannot be named from them`,
                );
              return kept;
            },
          }
        : undefined;
    const n = checkpoint.size;
    // Entries an earlier run verified in full are folded without their signatures checked again.
    const notCountedBefore = saved && !suspect ? saved.state.notCounted : undefined;
    const foldedBefore =
      saved && notCountedBefore
        ? { size: Math.min(saved.state.size, n), notCounted: new Set(notCountedBefore) }
        : undefined;
    // The fold of those entries, if that run kept it: only the entries after them are folded.
    const binding = (size: number, root: string) => ({
      size,
      root,
      definitionSha256: genesis.entry.definitionSha256,
    });
    const keptFold =
      saved && foldedBefore && foldedBefore.size === saved.state.size && !o.foldAll
        ? readKeptFold(ctx, t.state, genesis.index, binding(saved.state.size, saved.state.root))
        : undefined;
    // (It folds on from there: its size now, not after.)
    const foldKept = keptFold?.size;
    const log = await mirrorAndFold(ctx, reader, {
      genesis,
      definitionBytes,
      size: n,
      rootHash: checkpoint.rootHash,
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      concurrency,
      progressLabel: 'entries mirrored',
      state: suspect ? null : t.state,
      ...(verifiedBefore ? { verifiedBefore } : {}),
      ...(foldedBefore ? { foldedBefore } : {}),
      ...(keptFold ? { keptFold } : {}),
      onMirror: (mr) => {
        report.mirror = {
          entries: n,
          bundlesFetched: mr.bundlesFetched,
          bundlesCached: mr.bundlesCached,
          tilesFetched: mr.tilesFetched,
          tilesCached: mr.tilesCached,
          ...(verifiedBefore && mr.entriesVerified ? { verifiedBefore: verifiedBefore.size } : {}),
        };
      },
      mirrored: async (mr) => {
        if (fetchAfterLog && !suspect) views.start();
        if (!suspect) return ok(undefined);
        const settled = await settleSuspect(ctx, h, suspect, mr.leafHashes);
        if (!settled.ok) return settled;
        return checkWitnessPolicy(t.served.note, o.witnessPolicy, logKey);
      },
    });
    if (!log.ok) return log;
    const { fold, pool } = log.value;
    report.signatures = {
      ...log.value.signatures,
      ...(foldedBefore ? { verifiedBefore: foldedBefore.size } : {}),
      ...(foldKept !== undefined ? { foldKept } : {}),
    };
    report.fold = log.value.summary;
    await saveVerified(h, {
      electionId: genesis.entry.electionId,
      definitionBytes,
      notCounted: log.value.notCounted,
    });

    // ---------------------------------------------------------- compare views
    const devices = genesis.definition.devices.map((d) => ({ id: d.id, publicKey: d.publicKey }));
    // A finding of the definition alone: derived once per definition, then kept.
    const definitionSha256 = genesis.entry.definitionSha256;
    const keptDemo = t.state.readDemoKeys(definitionSha256);
    const demo = keptDemo
      ? Promise.resolve(keptDemo)
      : pool.demoKeyDevices(devices).then((ids) => {
          t.state.writeDemoKeys(definitionSha256, ids);
          return ids;
        });
    demo.catch(() => {});
    const digests = await ctx.timed('views', async () => stationDigests(genesis.index, fold));
    const readAgain = earlierViews ? changedStations(digests, earlierViews.stations) : undefined;
    const fetching = ctx.timed('views', () => views.fetched(readAgain));
    fetching.catch(() => {});
    // The fold is kept while the server makes the pages: nothing after this changes it, and
    // the checkpoint it is of was saved above. A kept fold of this very tree (nothing new was
    // folded) is that file already.
    if (foldKept !== n)
      await ctx.timed('fold', async () =>
        keepFold(ctx, t.state, fold, binding(n, toBase64(checkpoint.rootHash))),
      );
    const fetched = await fetching;
    const compared = await ctx.timed('views', async () =>
      compareViews(ctx, genesis, fold, n, fetched),
    );
    report.compare = compared.compare;
    const covered = fetched.stationPages?.covered;
    if (earlierViews && covered)
      report.compare.unchangedSince = {
        size: earlierViews.size,
        pages: genesis.definition.stations.length - covered.length,
      };
    const audits = await ctx.timed('views', () =>
      compareAudits({
        http: viewHttp,
        index: genesis.index,
        fold,
        size: n,
        findings: ctx.findings,
      }),
    );
    report.compare.audits = audits.compared;
    const parties = await ctx.timed('views', () =>
      compareParties({
        http: viewHttp,
        index: genesis.index,
        fold,
        size: n,
        findings: ctx.findings,
        concurrency,
      }),
    );
    report.compare.parties = { parties: parties.parties, tallies: parties.tallies };
    compared.ahead.push(...parties.ahead);

    // ---------------------------------------------------------- check forms
    if (o.forms)
      report.forms = await ctx.timed('forms', () =>
        checkForms({
          source: reader,
          fold,
          findings: ctx.findings,
          concurrency,
          onProgress: (d, total) => ctx.progress.set('forms', d, total),
        }),
      );
    report.compare.aheadOfCheckpoint = await checkViewsAhead(
      ctx,
      reader,
      [...compared.ahead, ...audits.ahead],
      {
        origin: t.origin,
        logVerifier: logVerifier.value,
        size: n,
      },
    );
    warnDemoKeys(ctx, await ctx.timed('views', () => demo), genesis.definition);
    if (fetched.stationPages) {
      const flagged = new Set<string>();
      for (const f of ctx.findings.list) if (f.station !== undefined) flagged.add(f.station);
      for (const a of [...compared.ahead, ...audits.ahead])
        if (a.station !== undefined) flagged.add(a.station);
      t.state.writeViewDigests({
        version: 1,
        server: o.server,
        size: n,
        root: toBase64(checkpoint.rootHash),
        stations: digestsToKeep(digests, {
          read: covered ? new Set(covered) : null,
          before: earlierViews?.stations ?? null,
          flagged,
        }),
      });
    }
    if (o.measureEd25519) report.ed25519 = await pool.ed25519Rate({ mode: 'prepared', ms: 2000 });
    return ok(undefined);
  });
}

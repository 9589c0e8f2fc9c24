// `kura verify`: audits a kura server from the outside, as docs/FORMATS.md §11
// describes. In order:
//   1. pin the log key (option, election directory, state directory, or, on a
//      first run with nothing pinned, entry 0: trust on first use, said loudly);
//   2. open the served checkpoint with it; check it against the checkpoint a
//      previous run verified (consistency; a fork is proved with both notes);
//   3. open entry 0 and the definition (openGenesis, commission key);
//   4. mirror the log's bundles and tiles (parallel, incremental), check every
//      entry against the signed root and the served tiles, while worker threads
//      check every entry's rules and signature and the fold recomputes every
//      tally;
//   5. compare every tally and station page the server publishes with the
//      fold; optionally download and hash every scanned form.
import { join } from 'node:path';
import type { OpenedGenesis } from '../election/genesis.js';
import { openGenesis } from '../election/genesis.js';
import { equal, fromBase64, toBase64 } from '../log/bytes.js';
import type { Checkpoint } from '../log/checkpoint.js';
import { leafHash, rootFromLeafHashes } from '../log/merkle.js';
import { type NoteVerifier, parseVerifierKey } from '../log/note.js';
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH, treeRootFromTiles } from '../log/tiles.js';
import type { WitnessPolicy } from '../log/tlog-policy.js';
import { readAnchors, sameKey, VerifyUsageError } from './anchors.js';
import {
  checkWitnessPolicyOf,
  fetchCheckpoint,
  forkEvidence,
  info,
  logSignedAt,
  openServed,
  proveConsistent,
  rollbackEvidence,
  serverTileReader,
  stateTileReader,
} from './checkpoint.js';
import {
  type AheadView,
  compareStations,
  compareTallies,
  fetchAll,
  sample,
  stationPath,
  tallyPath,
  tallyRequests,
} from './compare.js';
import { StreamingFold, signatureSummary, summariseFold } from './fold.js';
import { checkForms } from './forms.js';
import { HttpSource, UnreachableError } from './http.js';
import { mirrorLog } from './mirror.js';
import { VerifyProgress } from './progress.js';
import { Findings, phaseTimer, type VerifyReport, verdictOf } from './report.js';
import { SignaturePool } from './sig-pool.js';
import { originDirName, type SavedState, StateDir } from './state.js';

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
  /** Compare only a random sample of this many station pages. */
  stationsSample?: number;
  /** Signature worker threads (default: one per core). */
  threads?: number;
  /** Also measure this machine's raw Ed25519 verify rate on the same threads. */
  measureEd25519?: boolean;
  progress?: boolean;
  /**
   * Fetch tallies and station pages while the log is checked (default: unless
   * the server is on a loopback address, where it would compete for the CPU).
   */
  prefetchViews?: boolean;
  /** Witnesses that must have cosigned the checkpoint (c2sp.org/tlog-policy; --witness-policy). */
  witnessPolicy?: WitnessPolicy;
  /** Loud messages as they happen (trust on first use, forks); default stderr. */
  say?: (text: string) => void;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The run cannot go on: the reason is already a fatal finding. */
class Stop extends Error {}
/** The run cannot go on for reasons outside the log (network, server errors). */
class Incomplete extends Error {}

export async function verifyServer(o: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const findings = new Findings();
  const report: VerifyReport = {
    server: o.server,
    verdict: 'verified',
    exitCode: 0,
    trust: {},
    findings: findings.list,
    seconds: {},
  };
  const say = o.say ?? ((t: string) => process.stderr.write(`${t}\n`));
  const concurrency = o.concurrency ?? 16;
  const anchors = readAnchors(o);
  const http = new HttpSource(o.server, { concurrency });
  const viewHttp = new HttpSource(o.server, { concurrency });
  const progress = new VerifyProgress(o.progress ?? false);
  let poolStart: Promise<SignaturePool> | undefined;
  const timed = phaseTimer(report.seconds);

  try {
    await run();
  } catch (e) {
    if (e instanceof VerifyUsageError) throw e;
    if (e instanceof Stop) {
      // The finding says it all.
    } else if (e instanceof Incomplete || e instanceof UnreachableError) {
      report.incomplete = e.message;
    } else {
      report.incomplete = `internal error: ${(e as Error).stack ?? String(e)}`;
    }
  } finally {
    progress.flush();
    const pool = await poolStart?.catch(() => undefined);
    await pool?.close();
    http.close();
    viewHttp.close();
  }
  const v = verdictOf(findings.list, report.incomplete);
  report.verdict = v.verdict;
  report.exitCode = v.exitCode;
  report.seconds.total = (performance.now() - started) / 1000;
  return report;

  async function run(): Promise<void> {
    // ---------------------------------------------------------- checkpoint
    const served = await fetchCheckpointOrStop();
    // The state directory: given, or named after the log's origin (as pinned, else as the server claims it).
    const state = new StateDir(
      o.stateDir ?? join('kura-verify', originDirName(anchors.origin ?? served.claimed.origin)),
    );
    report.stateDir = state.dir;
    const saved = state.load();
    if (saved && anchors.origin && saved.state.origin !== anchors.origin)
      throw new VerifyUsageError(
        `${state.dir} holds the state of log ${JSON.stringify(saved.state.origin)}, not ${JSON.stringify(anchors.origin)}; give another --state`,
      );
    // The origin every checkpoint must carry: pinned, else remembered, else (first run) claimed, and then checked against entry 0.
    const origin = anchors.origin ?? saved?.state.origin ?? served.claimed.origin;
    report.origin = origin;
    let logKey = anchors.logKey;
    let logKeySource = anchors.logKeySource;
    let commissionKey = anchors.commissionKey;
    let commissionKeySource = anchors.commissionKeySource;
    if (saved) {
      if (logKey && !sameKey(logKey, saved.state.logKey))
        throw new VerifyUsageError(
          `${state.dir} pinned the log key ${saved.state.logKey} (${saved.state.logKeySource}), not ${logKey}; give another --state if this is another log`,
        );
      if (!logKey) {
        logKey = saved.state.logKey;
        logKeySource = `pinned in ${state.dir} (first from ${saved.state.logKeySource})`;
      }
      if (!commissionKey && saved.state.commissionKey) {
        commissionKey = saved.state.commissionKey;
        commissionKeySource = `pinned in ${state.dir} (first from ${saved.state.commissionKeySource ?? 'an earlier run'})`;
      }
    }
    let verifier: NoteVerifier | undefined = logKey ? verifierOf(logKey) : undefined;
    let checkpoint: Checkpoint | undefined;
    if (verifier) checkpoint = openOrStop(served.note, origin, verifier);
    const size = checkpoint?.size ?? served.claimed.size;
    if (size === 0) throw new Incomplete('the log is empty (its checkpoint has size 0)');

    // ---------------------------------------------------------- entry 0
    const { genesis, definitionBytes } = await timed('election', () =>
      openElection(state, size, commissionKey),
    );
    const entry0 = genesis.entry;
    report.electionId = entry0.electionId;
    if (!commissionKey) {
      const msg = `NO COMMISSION KEY PINNED: entry 0 is signed by the key it names itself (${entry0.commissionKey}). That proves nothing about who made this election; pin the commission's published key with --commission-key or --election DIR.`;
      say(`kura verify: ${msg}`);
      findings.warning('trust-on-first-use', msg);
      commissionKey = entry0.commissionKey;
      commissionKeySource = 'entry 0 (self-signed; NOT pinned)';
    }
    if (logKey) {
      if (!sameKey(logKey, entry0.logKey)) {
        findings.fatal(
          'log-key-mismatch',
          `entry 0 names the log key ${entry0.logKey}, not the pinned ${logKey} (${logKeySource}): this server runs another log`,
        );
        throw new Stop();
      }
    } else {
      logKey = entry0.logKey;
      logKeySource = 'trust on first use: entry 0 as served';
      const msg = `TRUST ON FIRST USE: no log key was pinned (--log-key, --election, or an earlier run's --state). Taking the log key from entry 0 as this server serves it: ${logKey} (entry 0 checked against ${commissionKeySource}). It is saved in ${state.dir}; later runs hold the server to it.`;
      say(`kura verify: ${msg}`);
      findings.warning('trust-on-first-use', msg);
      verifier = verifierOf(logKey);
      checkpoint = openOrStop(served.note, origin, verifier);
    }
    if (!checkpoint || !verifier) throw new Error('unreachable: no checkpoint');
    if (entry0.logOrigin !== checkpoint.origin) {
      findings.fatal(
        'checkpoint-invalid',
        `the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not the log origin entry 0 names (${JSON.stringify(entry0.logOrigin)})`,
      );
      throw new Stop();
    }
    const logVerifier = verifier;
    report.trust = { logKey, logKeySource, commissionKey, commissionKeySource };
    report.checkpoint = info(checkpoint, served.note);
    await checkServedKey(logKey);

    // ---------------------------------------------------------- consistency
    const n = checkpoint.size;
    const root = checkpoint.rootHash;
    let suspect: { m: number; mRoot: Uint8Array; why: string } | undefined;
    const evidence = async (
      kind: 'fork' | 'rollback',
      text: string,
      previous: string,
    ): Promise<never> => {
      report.consistency = kind;
      const dir = await state.saveEvidence(kind, previous, served.note, o.server, text);
      say(`\nkura verify: ${text}\nBoth checkpoints are saved in ${dir}\n`);
      findings.fatal(kind, `${text}\nBoth checkpoints are saved in ${dir}`);
      throw new Stop();
    };
    const fork = (why: string): Promise<never> => {
      if (!saved) throw new Error('unreachable: fork without a previous checkpoint');
      const text = forkEvidence(
        { note: saved.note, size: saved.state.size },
        { note: served.note, size: n },
        o.server,
        why,
      );
      return evidence('fork', text, saved.note);
    };
    await timed('consistency', async () => {
      if (!saved) {
        report.consistency = 'first-run';
        return;
      }
      const prev = openServed(saved.note, origin, logVerifier);
      if (!prev.ok)
        throw new VerifyUsageError(`${state.dir}/checkpoint does not verify: ${prev.error}`);
      const m = prev.value.size;
      const mRoot = prev.value.rootHash;
      report.previousCheckpoint = info(prev.value, saved.note);
      if (m === n) {
        if (!equal(mRoot, root))
          await fork(`Both are for tree size ${n}, with different root hashes.`);
        report.consistency = 'same';
      } else if (m < n) {
        const r = await proveConsistent(m, mRoot, n, root, serverTileReader(http));
        if (r.ok) report.consistency = 'extends';
        else suspect = { m, mRoot, why: r.error };
      } else {
        // A smaller tree than the one verified before. A log only grows, so
        // whatever the reason (an older copy of the database served, the last
        // rows deleted and a fresh smaller checkpoint signed) the two signed
        // notes prove that it lost entries it had signed: a rollback. Not a
        // prefix of the verified tree either: a fork.
        const local = stateTileReader(state);
        const ours = await treeRootFromTiles(m, local).catch(() => undefined);
        let prefix =
          "The state directory's tiles cannot show whether it is a prefix of the tree verified before.";
        if (ours?.ok && equal(ours.value, mRoot)) {
          const r = await proveConsistent(n, root, m, mRoot, local);
          if (!r.ok)
            await fork(
              `The server's tree of size ${n} is not a prefix of the tree of size ${m} verified before (${r.error}).`,
            );
          prefix = `It is a prefix of the tree verified before: the server went back to an older state of the log (an older copy of its database, or its last entries deleted and a smaller tree signed).`;
        }
        const text = rollbackEvidence(
          { note: saved.note, size: m, signedAt: logSignedAt(saved.note, saved.state.logKey) },
          { note: served.note, size: n, signedAt: logSignedAt(served.note, saved.state.logKey) },
          o.server,
          prefix,
        );
        await evidence('rollback', text, saved.note);
      }
    });

    // ---------------------------------------------------------- witnesses
    // After the consistency check, so that a fork is reported with its
    // evidence first (a suspected one is settled by the mirror: then after it).
    const pinnedLogKey = logKey;
    const applyWitnessPolicy = () => {
      if (!o.witnessPolicy) return;
      const w = checkWitnessPolicyOf(served.note, o.witnessPolicy, pinnedLogKey);
      if (w.ok) return;
      if (w.error.usage) throw new VerifyUsageError(w.error.message);
      findings.fatal('checkpoint-invalid', w.error.message);
      throw new Stop();
    };
    if (!suspect) applyWitnessPolicy();

    // ---------------------------------------------------------- the views
    // Tallies and station pages are compared once the fold is done. From a
    // remote server they are fetched while the log is mirrored and checked
    // (on their own connections): the network wait overlaps the signature
    // work. A server on this machine would take CPU from the signature
    // workers instead, so from a loopback address they are fetched afterwards.
    const tallies = tallyRequests(genesis.index);
    const stations = sample(
      genesis.definition.stations.map((st) => st.code),
      o.stationsSample,
    );
    const viewPaths = [
      ...tallies.map((t) => tallyPath(t.contest, t.unit)),
      ...stations.map(stationPath),
    ];
    const fetchViews = () =>
      fetchAll(viewHttp, viewPaths, concurrency, (d, total) =>
        progress.set('views fetched', d, total),
      );
    const overlap = o.prefetchViews ?? !isLoopback(http.base.hostname);
    const early = overlap ? fetchViews() : undefined;
    early?.catch(() => {});

    // ---------------------------------------------------------- the log
    // The workers read the definition while the first bundles are fetched.
    const starting = SignaturePool.start(definitionBytes, o.threads);
    poolStart = starting;
    starting.catch(() => {});
    const bundles = Math.ceil(n / TILE_WIDTH);
    // Every bundle and tile is fetched from the server again, never read from
    // the state directory: what it serves now is what is checked, and the
    // entries and tiles at indexes verified before must still hash to the
    // leaf hashes kept from that run.
    const verifiedBefore =
      saved && !suspect
        ? {
            size: saved.state.size,
            leaves: () => {
              const kept = state.verifiedLeaves(
                saved.state.size,
                fromBase64(saved.state.root) ?? new Uint8Array(),
              );
              if (!kept)
                findings.warning(
                  'state-damaged',
                  `the hash tiles kept in ${state.dir} do not reproduce the checkpoint verified before (size ${saved.state.size}): what changed since cannot be named from them`,
                );
              return kept;
            },
          }
        : undefined;
    const sf = new StreamingFold(genesis.index, starting, (done) =>
      progress.set('entries checked', done, n),
    );
    const sigStart = performance.now();
    const mr = await timed('log', () =>
      mirrorLog({
        source: http,
        state: suspect ? null : state,
        readCache: false,
        size: n,
        rootHash: root,
        verifiedBefore,
        concurrency,
        findings,
        onBundle: (b, first, list) => sf.add(b, first, list),
        onProgress: (done) => progress.set('entries mirrored', done, n),
      }),
    );
    report.mirror = {
      entries: n,
      bundlesFetched: mr.bundlesFetched,
      bundlesCached: mr.bundlesCached,
      tilesFetched: mr.tilesFetched,
      tilesCached: mr.tilesCached,
      ...(verifiedBefore && mr.entriesVerified ? { verifiedBefore: verifiedBefore.size } : {}),
    };
    if (!mr.entriesVerified) throw new Stop();
    if (suspect) {
      const prefix = rootFromLeafHashes(mr.leafHashes.slice(0, suspect.m));
      if (!equal(prefix, suspect.mRoot))
        await fork(
          `The tree of size ${n} now served (its entries verified against its signed root) does not begin with the tree of size ${suspect.m} verified before: its first ${suspect.m} entries have root ${toBase64(prefix)}, not ${toBase64(suspect.mRoot)}.`,
        );
      findings.error(
        'tile-mismatch',
        `the server's hash tiles could not prove consistency with the checkpoint of size ${suspect.m} verified before (${suspect.why}), although its entries are consistent with it`,
      );
      report.consistency = 'extends';
      applyWitnessPolicy();
    }
    await timed('log', () => sf.finish(bundles));
    const p = await starting;
    report.signatures = signatureSummary(p, sigStart);
    const fold = sf.fold;
    report.fold = summariseFold(fold, findings).summary;

    // The log verified: remember it.
    {
      const st: SavedState = {
        version: 1,
        server: o.server,
        origin,
        logKey,
        logKeySource: saved?.state.logKeySource ?? logKeySource ?? 'unknown',
        commissionKey: saved?.state.commissionKey ?? commissionKey,
        commissionKeySource: saved?.state.commissionKeySource ?? commissionKeySource,
        electionId: entry0.electionId,
        size: n,
        root: toBase64(root),
        verifiedAt: new Date().toISOString(),
      };
      await state.save(st, served.note);
      if (!state.readDefinition()) state.writeDefinition(definitionBytes);
    }

    // ---------------------------------------------------------- the views
    const demo = p.demoKeyDevices(
      genesis.definition.devices.map((d) => ({ id: d.id, publicKey: d.publicKey })),
    );
    demo.catch(() => {});
    const fetchedViews = await timed('compare', () => early ?? fetchViews());
    const ahead: AheadView[] = [];
    await timed('compare', async () => {
      const common = { index: genesis.index, fold, size: n, findings };
      const t = compareTallies({ ...common, fetched: fetchedViews, requests: tallies });
      const s = compareStations({ ...common, fetched: fetchedViews, stations });
      ahead.push(...t.ahead, ...s.ahead);
      report.compare = {
        tallies: t.compared,
        stations: s.compared,
        stationsTotal: genesis.definition.stations.length,
        sampled: stations.length < genesis.definition.stations.length,
        aheadOfCheckpoint: 0,
      };
    });
    if (o.forms)
      report.forms = await timed('forms', () =>
        checkForms({
          source: http,
          fold,
          findings,
          concurrency,
          onProgress: (d, total) => progress.set('forms', d, total),
        }),
      );
    if (ahead.length && report.compare) {
      // Views may run a batch ahead of the checkpoint we verified; they must not run ahead of the log's latest one.
      const later = await fetchCheckpoint(http);
      const latest = later.ok ? openServed(later.value.note, origin, logVerifier) : undefined;
      const latestSize = latest?.ok ? latest.value.size : n;
      for (const a of ahead) {
        if (a.entryIndex >= latestSize)
          findings.error(
            'view-beyond-checkpoint',
            `${a.what} cites entry ${a.entryIndex}, beyond the log's latest signed checkpoint (size ${latestSize})`,
            { entryIndex: a.entryIndex, contest: a.contest, station: a.station, unit: a.unit },
          );
        else report.compare.aheadOfCheckpoint++;
      }
    }
    const demoIds = await timed('compare', () => demo);
    if (demoIds.length)
      findings.warning(
        'demo-device-keys',
        `${demoIds.length.toLocaleString('en')} of ${genesis.definition.devices.length.toLocaleString('en')} enrolled device keys are PUBLIC demo keys (e.g. ${demoIds.slice(0, 3).join(', ')}): anyone can sign results as those stations; this log proves nothing about a real election`,
      );
    if (o.measureEd25519) report.ed25519 = await p.ed25519Rate(2000);
  }

  // ------------------------------------------------------------ helpers

  async function fetchCheckpointOrStop() {
    const r = await fetchCheckpoint(http);
    if (r.ok) return r.value;
    if (!r.fatal) throw new Incomplete(r.why);
    findings.fatal('checkpoint-invalid', r.why);
    throw new Stop();
  }

  function verifierOf(vkey: string): NoteVerifier {
    const v = parseVerifierKey(vkey);
    if (!v.ok) throw new VerifyUsageError(`not an Ed25519 verifier key: ${vkey}`);
    return v.value;
  }

  function openOrStop(note: string, origin: string, verifier: NoteVerifier): Checkpoint {
    const opened = openServed(note, origin, verifier);
    if (opened.ok) return opened.value;
    findings.fatal(
      'checkpoint-invalid',
      `the checkpoint served by ${http.url('log/checkpoint')} does not verify with the log key ${verifier.name}: ${opened.error}\n${note.trimEnd()}`,
    );
    throw new Stop();
  }

  /** Entry 0 (first entry of the first bundle) and the definition it commits to. */
  async function openElection(
    state: StateDir,
    size: number,
    commissionKey: string | undefined,
  ): Promise<{ genesis: OpenedGenesis; definitionBytes: Uint8Array }> {
    // Entry 0 alone (a one-entry bundle) if the first bundle is not served whole: the mirror names what is missing.
    let path = `log/${entryBundlePath(0, Math.min(TILE_WIDTH, size))}`;
    let res = await http.get(path);
    if (res.status !== 200 && size > 1) {
      path = `log/${entryBundlePath(0, 1)}`;
      res = await http.get(path);
    }
    if (res.status !== 200) {
      findings.fatal(
        'entries-withheld',
        `GET ${http.url(path)} answered HTTP ${res.status}: the server does not serve entry 0, which its checkpoint covers`,
      );
      throw new Stop();
    }
    const bundle = decodeEntryBundle(new Uint8Array(res.body));
    const entryBytes = bundle.ok ? bundle.value[0] : undefined;
    if (!entryBytes) {
      findings.fatal(
        'election-invalid',
        `the first entry bundle does not hold entry 0 (${bundle.ok ? 'empty' : bundle.error.message})`,
      );
      throw new Stop();
    }
    const local = anchors.election;
    if (local && !equal(local.entryBytes, entryBytes)) {
      findings.fatal(
        'election-invalid',
        `the server's entry 0 (leaf ${Buffer.from(leafHash(entryBytes)).toString('hex').slice(0, 16)}…) is not the entry 0 in ${local.dir}: this server runs another election`,
      );
      throw new Stop();
    }
    const definitionBytes = local?.definitionBytes ?? (await definitionFor(state, entryBytes));
    const opened = openGenesis(entryBytes, definitionBytes, commissionKey);
    if (!opened.ok) {
      findings.fatal(
        'election-invalid',
        `entry 0 and the election definition do not verify: ${opened.error}`,
      );
      throw new Stop();
    }
    if (local) await checkServedDefinition(local.definitionBytes);
    return { genesis: opened.value, definitionBytes };
  }

  /** The definition: the state directory's copy when it is the one entry 0 commits to, else GET /api/v1/election. */
  async function definitionFor(state: StateDir, entryBytes: Uint8Array): Promise<Uint8Array> {
    const kept = state.readDefinition();
    if (kept && openGenesis(entryBytes, kept).ok) return kept;
    const res = await http.get('api/v1/election');
    if (res.status !== 200)
      throw new Incomplete(`GET ${http.url('api/v1/election')} answered HTTP ${res.status}`);
    return new Uint8Array(res.body);
  }

  async function checkServedDefinition(expected: Uint8Array): Promise<void> {
    const res = await http.get('api/v1/election');
    if (res.status !== 200 || !equal(new Uint8Array(res.body), expected))
      findings.error(
        'definition-mismatch',
        `GET /api/v1/election does not serve the definition entry 0 commits to (HTTP ${res.status}, ${res.body.length} bytes)`,
      );
  }

  async function checkServedKey(logKey: string): Promise<void> {
    const res = await http.get('log/key');
    const text = res.body.toString('utf8').trim();
    if (res.status !== 200 || !sameKey(text, logKey))
      findings.warning(
        'server-key-differs',
        `GET /log/key answers ${res.status === 200 ? JSON.stringify(text) : `HTTP ${res.status}`}, not the log key ${logKey}`,
      );
  }
}

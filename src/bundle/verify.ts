// `kura verify-bundle`: checks a preservation bundle offline, with the audit
// pipeline `kura verify` runs against a server (src/verify/audit.ts; the
// bundle is read through its LogReader):
//   1. the archive and the manifest: every member present, listed, and of the
//      SHA-256 and length the manifest says (members.ts);
//   2. resolve trust: the keys pinned (--log-key, --commission-key,
//      --election) or, said loudly, taken from the bundle's own entry 0;
//   3. open the election: entry 0 and the definition (openGenesis), and the
//      latest checkpoint (signed by the log key, the size and root the
//      manifest names);
//   4. mirror and fold: the entries reproduce the signed root and every hash
//      tile, every entry's signature and rules are checked (the signature
//      workers), and the fold recomputes every tally;
//   5. check history: every stored checkpoint is signed by the log key and is
//      the root of the same tree at its size (so all are consistent with each
//      other; witness cosignatures are checked for the --witness keys given),
//      and checkpoints the user saw elsewhere (--checkpoint) must be roots of
//      the same tree: a fork is proved with both notes (history.ts);
//   6. check forms: every logged form's hash (forms.ts).
// The manifest is not signed: what makes the bundle trustworthy is the log
// key's signatures (and the commission's on entry 0), checked here.
import { ok } from '../basics/result.js';
import { openGenesis } from '../election/genesis.js';
import { equal } from '../log/bytes.js';
import { parseCosignatureVerifierKey } from '../log/cosignature.js';
import { readAnchors, VerifyUsageError } from '../verify/anchors.js';
import { fail, runAudit, type Step } from '../verify/audit.js';
import { checkPinnedEntry0, openElectionOf, warnDemoKeys } from '../verify/steps/election.js';
import { mirrorAndFold } from '../verify/steps/log.js';
import {
  BUNDLE,
  checkPinnedLogKey,
  type Trust,
  trustNamedCommissionKey,
  verifierOf,
} from '../verify/steps/trust.js';
import { BundleArchive } from './archive.js';
import { BundleLogReader } from './bundle-reader.js';
import { MEMBER } from './format.js';
import { checkBundleForms } from './forms.js';
import {
  checkGivenCheckpoint,
  checkpointKeys,
  checkStoredCheckpoints,
  openLatestCheckpoint,
  rootsOf,
} from './history.js';
import { checkAgainstEntry0, checkMembers } from './members.js';
import type { BundleReport } from './report.js';

export { VerifyUsageError } from '../verify/anchors.js';

export interface VerifyBundleOptions {
  path: string;
  logKey?: string;
  commissionKey?: string;
  electionDir?: string;
  /** Checkpoints seen elsewhere (election night): file name (for messages) and note text. */
  checkpoints?: Array<{ file: string; note: string }>;
  /** Witness cosignature/v1 verifier keys whose cosignatures are checked. */
  witnesses?: string[];
  /** Signature worker threads (default: one per core). */
  threads?: number;
  progress?: boolean;
  /** Loud messages as they happen (trust on first use, forks); default stderr. */
  say?: (text: string) => void;
}

export async function verifyBundle(o: VerifyBundleOptions): Promise<BundleReport> {
  const report: BundleReport = {
    bundle: o.path,
    verdict: 'verified',
    exitCode: 0,
    trust: {},
    given: [],
    findings: [],
    seconds: {},
  };
  const anchors = readAnchors(o);
  const witnesses = (o.witnesses ?? []).map((w) => {
    const v = parseCosignatureVerifierKey(w.trim());
    if (!v.ok) throw new VerifyUsageError(`--witness ${w}: ${v.error.message}`);
    return v.value;
  });
  return runAudit(report, { ...o, command: 'kura verify-bundle' }, async (ctx): Step<void> => {
    // ---------------------------------------------------------- the archive
    const opened = await BundleArchive.open(o.path);
    if (!opened.ok) return fail.fatal('bundle-invalid', opened.error);
    const a = opened.value;
    ctx.defer(() => a.close());
    const manifest = a.manifest;
    const n = manifest.treeSize;
    report.format = manifest.format;
    report.createdAt = manifest.createdAt;
    report.generator = manifest.generator;
    report.members = await checkMembers(ctx, a);

    // ---------------------------------------------------------- resolve trust, open the election
    const entryBytes = await a.readRaw(MEMBER.entry0);
    const definitionBytes =
      anchors.election?.definitionBytes ?? (await a.readRaw(MEMBER.definition));
    if (!entryBytes || !definitionBytes)
      return fail.fatal('election-invalid', 'the bundle lacks entry 0 or the election definition');
    const pinnedEntry0 = checkPinnedEntry0(anchors.election, entryBytes, BUNDLE);
    if (!pinnedEntry0.ok) return pinnedEntry0;
    let trust: Trust = {
      commissionKey: anchors.commissionKey,
      commissionKeySource: anchors.commissionKeySource,
    };
    if (!trust.commissionKey) {
      const self = openGenesis(entryBytes, definitionBytes);
      trust = trustNamedCommissionKey(
        ctx,
        self.ok ? self.value.entry.commissionKey : manifest.commissionKey,
      );
    }
    const election = openElectionOf(entryBytes, definitionBytes, trust.commissionKey);
    if (!election.ok) return election;
    const { genesis } = election.value;
    const e0 = genesis.entry;
    report.electionId = e0.electionId;
    report.origin = e0.logOrigin;
    trust = { logKey: anchors.logKey, logKeySource: anchors.logKeySource, ...trust };
    const pinnedLogKey = checkPinnedLogKey(trust, e0, BUNDLE);
    if (!pinnedLogKey.ok) return pinnedLogKey;
    if (!trust.logKey)
      trust = {
        ...trust,
        logKey: e0.logKey,
        logKeySource: anchors.commissionKey
          ? 'entry 0, signed by the pinned commission key'
          : 'entry 0 (NOT pinned: entry 0 is self-signed)',
      };
    const logKey = trust.logKey as string;
    report.trust = {
      logKey,
      logKeySource: trust.logKeySource,
      commissionKey: trust.commissionKey,
      commissionKeySource: trust.commissionKeySource,
    };
    await checkAgainstEntry0(ctx, a, e0);
    const logVerifier = verifierOf(logKey);
    if (!logVerifier.ok) return logVerifier;
    const keys = checkpointKeys(e0.logOrigin, logVerifier.value, logKey, witnesses);
    const latest = await openLatestCheckpoint(ctx, a, keys, report);
    if (!latest.ok) return latest;

    // ---------------------------------------------------------- mirror and fold
    const reader = new BundleLogReader(a);
    const log = await mirrorAndFold(ctx, reader, {
      genesis,
      definitionBytes,
      size: n,
      rootHash: latest.value.checkpoint.rootHash,
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      concurrency: 4,
      progressLabel: 'entries read',
      mirrored: async (mr) => {
        report.entries = n;
        if (!equal(mr.entries[0] as Uint8Array, entryBytes))
          ctx.findings.fatal(
            'election-invalid',
            `member ${MEMBER.entry0} is not entry 0 of the log (the first entry of the first entry bundle)`,
          );
        return ok(undefined);
      },
    });
    if (!log.ok) return log;
    const { fold, pool } = log.value;
    report.signatures = log.value.signatures;
    report.fold = log.value.summary;
    report.tallies = log.value.tallies;

    // ---------------------------------------------------------- check history
    const tree = {
      path: o.path,
      size: n,
      rootAt: rootsOf(log.value.mirror.leafHashes),
      latest: latest.value,
      logKey: e0.logKey,
    };
    report.checkpoints = await ctx.timed('checkpoints', () =>
      checkStoredCheckpoints(ctx, a, keys, tree),
    );
    for (const g of o.checkpoints ?? [])
      report.given.push(await checkGivenCheckpoint(ctx, g, keys, tree));

    // ---------------------------------------------------------- check forms
    report.forms = await checkBundleForms(ctx, a, reader, fold);
    const devices = genesis.definition.devices.map((d) => ({ id: d.id, publicKey: d.publicKey }));
    warnDemoKeys(ctx, await pool.demoKeyDevices(devices), genesis.definition);
    return ok(undefined);
  });
}

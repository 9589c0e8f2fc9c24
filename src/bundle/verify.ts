// `kura verify-bundle`: checks a preservation bundle offline, with the same
// code `kura verify` runs against a server (the bundle is its LogSource):
//   1. the archive and the manifest: every member present, listed, and of the
//      SHA-256 and length the manifest says;
//   2. the keys: pinned (--log-key, --commission-key, --election) or, said
//      loudly, taken from the bundle's own entry 0;
//   3. entry 0 and the definition (openGenesis), and the latest checkpoint
//      (signed by the log key, the size and root the manifest names);
//   4. the entries reproduce the signed root and every hash tile (mirrorLog),
//      every entry's signature and rules (the signature workers), and the
//      fold recomputes every tally;
//   5. every stored checkpoint is signed by the log key and is the root of
//      the same tree at its size (so all are consistent with each other);
//      witness cosignatures are checked for the --witness keys given;
//   6. checkpoints the user saw elsewhere (--checkpoint) must be roots of the
//      same tree: a fork is proved with both notes;
//   7. every logged form's hash.
// The manifest is not signed: what makes the bundle trustworthy is the log
// key's signatures (and the commission's on entry 0), checked here.
import { createHash } from 'node:crypto';
import { type OpenedGenesis, openGenesis } from '../election/genesis.js';
import { equal, fromBase64, toBase64 } from '../log/bytes.js';
import { type Checkpoint, openCheckpoint } from '../log/checkpoint.js';
import { cosignatureVerifier, parseCosignatureVerifierKey } from '../log/cosignature.js';
import { emptyRoot } from '../log/merkle.js';
import { decodeVerifierKey, type NoteVerifier, parseVerifierKey } from '../log/note.js';
import { buildTiles, TILE_WIDTH, treeRootFromTiles } from '../log/tiles.js';
import { readAnchors, sameKey, VerifyUsageError } from '../verify/anchors.js';
import { forkEvidence, info, logSignedAt, rollbackEvidence } from '../verify/checkpoint.js';
import { StreamingFold, signatureSummary, summariseFold } from '../verify/fold.js';
import { checkForms } from '../verify/forms.js';
import { mirrorLog } from '../verify/mirror.js';
import { VerifyProgress } from '../verify/progress.js';
import { Findings, phaseTimer, verdictOf } from '../verify/report.js';
import { SignaturePool } from '../verify/sig-pool.js';
import { BundleArchive } from './archive.js';
import {
  CHECKPOINT_MEMBER,
  checkpointMember,
  FORM_MEMBER,
  MEMBER,
  requiredMembers,
} from './format.js';
import type { BundleReport } from './report.js';
import { BundleSource } from './source.js';

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

/** The run cannot go on: the reason is already a fatal finding. */
class Stop extends Error {}

export async function verifyBundle(o: VerifyBundleOptions): Promise<BundleReport> {
  const started = performance.now();
  const findings = new Findings();
  const report: BundleReport = {
    bundle: o.path,
    verdict: 'verified',
    exitCode: 0,
    trust: {},
    given: [],
    findings: findings.list,
    seconds: {},
  };
  const say = o.say ?? ((t: string) => process.stderr.write(`${t}\n`));
  const anchors = readAnchors(o);
  const witnesses = (o.witnesses ?? []).map((w) => {
    const v = parseCosignatureVerifierKey(w.trim());
    if (!v.ok) throw new VerifyUsageError(`--witness ${w}: ${v.error.message}`);
    return v.value;
  });
  const progress = new VerifyProgress(o.progress ?? false);
  let archive: BundleArchive | undefined;
  let pool: Promise<SignaturePool> | undefined;
  const timed = phaseTimer(report.seconds);

  try {
    await run();
  } catch (e) {
    if (e instanceof VerifyUsageError) throw e;
    if (!(e instanceof Stop)) report.incomplete = `internal error: ${(e as Error).stack ?? e}`;
  } finally {
    progress.flush();
    const p = await pool?.catch(() => undefined);
    await p?.close();
    await archive?.close();
  }
  const v = verdictOf(findings.list, report.incomplete);
  report.verdict = v.verdict;
  report.exitCode = v.exitCode;
  report.seconds.total = (performance.now() - started) / 1000;
  return report;

  async function run(): Promise<void> {
    // ---------------------------------------------------------- the archive
    const opened = await BundleArchive.open(o.path);
    if (!opened.ok) {
      findings.fatal('bundle-invalid', opened.error);
      throw new Stop();
    }
    const a = opened.value;
    archive = a;
    const manifest = a.manifest;
    const n = manifest.treeSize;
    report.format = manifest.format;
    report.createdAt = manifest.createdAt;
    report.generator = manifest.generator;
    const structure = a.structureProblems();
    for (const p of structure) findings.fatal('bundle-invalid', p.message);
    for (const name of requiredMembers(n))
      if (!a.listedMember(name) && !a.has(name))
        findings.fatal(
          'bundle-invalid',
          `member ${name} is missing: every bundle of ${n} entries holds it (it is neither in the archive nor in the manifest)`,
        );
    const hashes = await timed('members', () =>
      a.hashProblems((d, t) => progress.set('members hashed', d, t)),
    );
    for (const p of hashes) findings.fatal('member-mismatch', p.message);
    report.members = {
      listed: manifest.members.length,
      inArchive: a.names().length - (a.has(MEMBER.manifest) ? 1 : 0),
      hashed: manifest.members.filter((m) => a.has(m.path)).length,
      problems: structure.length + hashes.length,
    };

    // ---------------------------------------------------------- keys and entry 0
    const entryBytes = await a.readRaw(MEMBER.entry0);
    const definitionBytes =
      anchors.election?.definitionBytes ?? (await a.readRaw(MEMBER.definition));
    if (!entryBytes || !definitionBytes) {
      findings.fatal('election-invalid', 'the bundle lacks entry 0 or the election definition');
      throw new Stop();
    }
    if (anchors.election && !equal(anchors.election.entryBytes, entryBytes)) {
      findings.fatal(
        'election-invalid',
        `the bundle's entry 0 is not the entry 0 in ${anchors.election.dir}: it is another election`,
      );
      throw new Stop();
    }
    let commissionKey = anchors.commissionKey;
    let commissionKeySource = anchors.commissionKeySource;
    if (!commissionKey) {
      const genesis = openGenesis(entryBytes, definitionBytes);
      const named = genesis.ok ? genesis.value.entry.commissionKey : manifest.commissionKey;
      const msg = `NO COMMISSION KEY PINNED: entry 0 is signed by the key it names itself (${named}). That proves nothing about who made this election; pin the commission's published key with --commission-key or --election DIR.`;
      say(`kura verify-bundle: ${msg}`);
      findings.warning('trust-on-first-use', msg);
      commissionKey = named;
      commissionKeySource = 'entry 0 (self-signed; NOT pinned)';
    }
    const gen = openGenesis(entryBytes, definitionBytes, commissionKey);
    if (!gen.ok) {
      findings.fatal(
        'election-invalid',
        `entry 0 and the election definition do not verify: ${gen.error}`,
      );
      throw new Stop();
    }
    const genesis: OpenedGenesis = gen.value;
    const e0 = genesis.entry;
    report.electionId = e0.electionId;
    report.origin = e0.logOrigin;
    let logKey = anchors.logKey;
    let logKeySource = anchors.logKeySource;
    if (logKey) {
      if (!sameKey(logKey, e0.logKey)) {
        findings.fatal(
          'log-key-mismatch',
          `entry 0 names the log key ${e0.logKey}, not the pinned ${logKey} (${logKeySource}): this bundle holds another log`,
        );
        throw new Stop();
      }
    } else {
      logKey = e0.logKey;
      logKeySource = anchors.commissionKey
        ? 'entry 0, signed by the pinned commission key'
        : 'entry 0 (NOT pinned: entry 0 is self-signed)';
    }
    report.trust = { logKey, logKeySource, commissionKey, commissionKeySource };
    checkManifestAgrees(e0);
    await checkKeyMember(MEMBER.logKey, e0.logKey);
    await checkKeyMember(MEMBER.commissionKey, e0.commissionKey);
    const origin = e0.logOrigin;
    const logVerifier = verifierOf(logKey);
    // The log also signs every checkpoint as a cosigner (type 0x04, same key): check that line too.
    const lk = decodeVerifierKey(logKey);
    const logVerifiers = lk.ok
      ? [logVerifier, cosignatureVerifier(lk.value.name, lk.value.publicKey)]
      : [logVerifier];

    // ---------------------------------------------------------- the latest checkpoint
    const latestNote =
      (await a.readRaw(checkpointMember(n))) ?? (await a.readRaw(MEMBER.checkpoint));
    if (!latestNote) {
      findings.fatal('checkpoint-invalid', `the bundle has no checkpoint of its size ${n}`);
      throw new Stop();
    }
    const latestText = new TextDecoder().decode(latestNote);
    const latest = openCheckpoint(latestNote, origin, logVerifiers, witnesses);
    if (!latest.ok) {
      findings.fatal(
        'checkpoint-invalid',
        `${checkpointMember(n)} does not verify with the log key ${logVerifier.name}: ${latest.error.message}\n${latestText.trimEnd()}`,
      );
      throw new Stop();
    }
    const cp = latest.value.checkpoint;
    report.checkpoint = info(cp, latestText);
    const manifestRoot = fromBase64(manifest.rootHash);
    if (cp.size !== n || !manifestRoot || !equal(cp.rootHash, manifestRoot))
      findings.fatal(
        'bundle-invalid',
        `the manifest names tree size ${n} and root ${manifest.rootHash}, but ${checkpointMember(n)} is signed for size ${cp.size} and root ${toBase64(cp.rootHash)}`,
      );
    const copy = await a.readRaw(MEMBER.checkpoint);
    if (copy && !equal(copy, latestNote))
      findings.fatal(
        'bundle-invalid',
        `member ${MEMBER.checkpoint} is not a copy of ${checkpointMember(n)}, the bundle's latest checkpoint`,
      );

    // ---------------------------------------------------------- the log
    const source = new BundleSource(a);
    const starting = SignaturePool.start(definitionBytes, o.threads);
    pool = starting;
    starting.catch(() => {});
    const sf = new StreamingFold(genesis.index, starting, (done) =>
      progress.set('entries checked', done, n),
    );
    const sigStart = performance.now();
    const mr = await timed('log', () =>
      mirrorLog({
        source,
        state: null,
        readCache: false,
        size: n,
        rootHash: cp.rootHash,
        concurrency: 4,
        findings,
        onBundle: (b, first, list) => sf.add(b, first, list),
        onProgress: (done) => progress.set('entries read', done, n),
      }),
    );
    if (!mr.entriesVerified) throw new Stop();
    report.entries = n;
    if (!equal(mr.entries[0] as Uint8Array, entryBytes))
      findings.fatal(
        'election-invalid',
        `member ${MEMBER.entry0} is not entry 0 of the log (the first entry of the first entry bundle)`,
      );
    await timed('log', () => sf.finish(Math.ceil(n / TILE_WIDTH)));
    const p = await starting;
    report.signatures = signatureSummary(p, sigStart);
    const fold = sf.fold;
    const folded = summariseFold(fold, findings);
    report.fold = folded.summary;
    report.tallies = folded.tallies;

    // ---------------------------------------------------------- every checkpoint
    // Roots at any size from the tiles of the tree the entries define.
    const own = new Map<string, Uint8Array>();
    for (const t of buildTiles(mr.leafHashes)) own.set(`${t.level}/${t.index}`, t.data);
    const rootAt = async (size: number): Promise<Uint8Array> => {
      if (size === 0) return emptyRoot();
      const r = await treeRootFromTiles(size, async (level, index, width) => {
        const d = own.get(`${level}/${index}`);
        if (!d || d.length < width * 32) throw new Error(`tile ${level}/${index} not built`);
        return d.subarray(0, width * 32);
      });
      if (!r.ok) throw new Error(`root at size ${size}: ${r.error.message}`);
      return r.value;
    };
    await timed('checkpoints', () => checkStoredCheckpoints(rootAt, cp, latestText));
    for (const g of o.checkpoints ?? []) await checkGiven(g, rootAt, cp, latestText);

    // ---------------------------------------------------------- forms
    const formNames = a.names().filter((x) => FORM_MEMBER.test(x));
    let cites = 0;
    const cited = new Set<string>();
    for (const byStation of fold.results.values())
      for (const r of byStation.values()) {
        cited.add(r.form);
        cites++;
      }
    // A bundle without any form (the server had none: a demo) gets one warning, not one per result.
    const forms =
      formNames.length > 0
        ? await timed('forms', () =>
            checkForms({
              source,
              fold,
              findings,
              concurrency: 4,
              onProgress: (d, total) => progress.set('forms', d, total),
            }),
          )
        : { checked: cites, ok: 0, missing: cites, mismatched: 0 };
    if (formNames.length === 0 && cites > 0)
      findings.warning(
        'form-missing',
        `the bundle holds no scanned forms; ${cites.toLocaleString('en')} counted results cite one`,
      );
    let inBundle = 0;
    let unreferenced = 0;
    for (const name of formNames) {
      const m = FORM_MEMBER.exec(name);
      if (!m) continue;
      inBundle++;
      const sha = m[1] as string;
      if (cited.has(sha)) continue;
      unreferenced++;
      const data = await a.readRaw(name);
      const got = data ? createHash('sha256').update(data).digest('hex') : '';
      if (got !== sha)
        findings.error(
          'form-mismatch',
          `member ${name} hashes to ${got}, not the SHA-256 its name gives (no counted result cites it)`,
        );
    }
    report.forms = { ...forms, inBundle, unreferenced };

    const demo = await p.demoKeyDevices(
      genesis.definition.devices.map((d) => ({ id: d.id, publicKey: d.publicKey })),
    );
    if (demo.length)
      findings.warning(
        'demo-device-keys',
        `${demo.length.toLocaleString('en')} of ${genesis.definition.devices.length.toLocaleString('en')} enrolled device keys are PUBLIC demo keys (e.g. ${demo.slice(0, 3).join(', ')}): anyone can sign results as those stations; this log proves nothing about a real election`,
      );

    // ---------------------------------------------------------- helpers (closures over the run)

    function checkManifestAgrees(entry0: OpenedGenesis['entry']): void {
      const pairs: Array<[string, string, string]> = [
        ['electionId', manifest.electionId, entry0.electionId],
        ['logOrigin', manifest.logOrigin, entry0.logOrigin],
        ['logKey', manifest.logKey, entry0.logKey],
        ['commissionKey', manifest.commissionKey, entry0.commissionKey],
        ['definitionSha256', manifest.definitionSha256, entry0.definitionSha256],
      ];
      for (const [field, m, e] of pairs)
        if (m !== e)
          findings.fatal(
            'bundle-invalid',
            `the manifest's ${field} is ${JSON.stringify(m)}, but entry 0 says ${JSON.stringify(e)}`,
          );
    }

    async function checkKeyMember(member: string, expected: string): Promise<void> {
      const data = await a.readRaw(member);
      const text = data ? new TextDecoder().decode(data).trim() : undefined;
      if (text === undefined || !sameKey(text, expected))
        findings.fatal(
          'bundle-invalid',
          `member ${member} is ${text === undefined ? 'missing' : JSON.stringify(text)}, not the key entry 0 names (${expected})`,
        );
    }

    async function checkStoredCheckpoints(
      rootAt: (size: number) => Promise<Uint8Array>,
      latestCp: Checkpoint,
      latestNote: string,
    ): Promise<void> {
      const names = a
        .names()
        .filter((x) => CHECKPOINT_MEMBER.test(x))
        .sort((x, y) => Number(x.slice(12)) - Number(y.slice(12)));
      const stats = {
        stored: names.length,
        verified: 0,
        smallest: undefined as number | undefined,
        largest: undefined as number | undefined,
        witnessed: 0,
        otherSignatureLines: 0,
      };
      for (const [i, name] of names.entries()) {
        if (i % 64 === 0) progress.set('checkpoints', i, names.length);
        const data = (await a.readRaw(name)) as Uint8Array;
        const text = new TextDecoder().decode(data);
        const c = openCheckpoint(data, origin, logVerifiers, witnesses);
        if (!c.ok) {
          findings.fatal(
            'checkpoint-invalid',
            `${name} does not verify with the log key ${logVerifier.name}: ${c.error.message}`,
          );
          continue;
        }
        const size = c.value.checkpoint.size;
        if (`checkpoints/${size}` !== name) {
          findings.fatal('bundle-invalid', `${name} holds a checkpoint of size ${size}`);
          continue;
        }
        if (size > n) {
          findings.fatal(
            'bundle-invalid',
            `${name} is signed for ${size} entries, more than the bundle's ${n}: the bundle is missing entries its own checkpoints cover`,
          );
          continue;
        }
        if (!equal(await rootAt(size), c.value.checkpoint.rootHash)) {
          const text2 = forkEvidence(
            { note: text, size },
            { note: latestNote, size: latestCp.size },
            o.path,
            `The bundle's ${name} has root ${toBase64(c.value.checkpoint.rootHash)}, but the first ${size} entries of the log it holds have root ${toBase64(await rootAt(size))}.`,
          );
          findings.fatal('fork', text2);
          continue;
        }
        stats.verified++;
        stats.smallest = Math.min(stats.smallest ?? size, size);
        stats.largest = Math.max(stats.largest ?? size, size);
        const sigs = c.value.note.verified;
        if (sigs.some((s) => witnesses.includes(s.verifier))) stats.witnessed++;
        stats.otherSignatureLines += c.value.note.unverified.length;
      }
      progress.set('checkpoints', names.length, names.length);
      report.checkpoints = stats;
    }

    async function checkGiven(
      g: { file: string; note: string },
      rootAt: (size: number) => Promise<Uint8Array>,
      latestCp: Checkpoint,
      latestNote: string,
    ): Promise<void> {
      const c = openCheckpoint(g.note, origin, logVerifiers, witnesses);
      if (!c.ok) {
        report.given.push({ file: g.file, result: 'invalid' });
        findings.fatal(
          'checkpoint-invalid',
          `the checkpoint in ${g.file} is not a checkpoint of this bundle's log (origin ${JSON.stringify(origin)}, key ${logVerifier.name}): ${c.error.message}. Either it is from another log, or the bundle holds a log signed by another key than the one you saw.`,
        );
        return;
      }
      const { size, rootHash } = c.value.checkpoint;
      const given = { file: g.file, size, rootHash: toBase64(rootHash) };
      if (size > n) {
        report.given.push({ ...given, result: 'beyond' });
        // The log key signing the bundle's smaller tree after the larger one is proof of a rollback;
        // otherwise the bundle may just be an older export. Both notes are shown either way.
        const signedAt = {
          given: logSignedAt(g.note, e0.logKey),
          bundle: logSignedAt(latestNote, e0.logKey),
        };
        if (signedAt.given !== undefined && (signedAt.bundle ?? 0) > signedAt.given) {
          const text = rollbackEvidence(
            { note: g.note, size, signedAt: signedAt.given },
            { note: latestNote, size: latestCp.size, signedAt: signedAt.bundle },
            o.path,
            `The checkpoint in ${g.file} covers ${size} entries; the bundle's latest checkpoint, signed later, covers ${n}.`,
          );
          say(`\nkura verify-bundle: ${text}\n`);
          findings.fatal('rollback', text);
          return;
        }
        findings.error(
          'bundle-incomplete',
          `the checkpoint in ${g.file} is signed for ${size} entries, but the bundle holds only ${n}: it cannot show that the log you saw is the one in the bundle (ask for a bundle exported after that checkpoint)\n\nThe checkpoint in ${g.file} (size ${size}):\n${g.note.trimEnd()}\n\nThe bundle's latest checkpoint (size ${n}):\n${latestNote.trimEnd()}`,
        );
        return;
      }
      const ours = await rootAt(size);
      if (equal(ours, rootHash)) {
        report.given.push({ ...given, result: 'consistent' });
        return;
      }
      report.given.push({ ...given, result: 'fork' });
      const text = forkEvidence(
        { note: g.note, size },
        { note: latestNote, size: latestCp.size },
        o.path,
        `The checkpoint in ${g.file} (size ${size}) has root ${toBase64(rootHash)}, but the first ${size} entries of the log in the bundle have root ${toBase64(ours)}.`,
      );
      say(`\nkura verify-bundle: ${text}\n`);
      findings.fatal('fork', text);
    }
  }

  function verifierOf(vkey: string): NoteVerifier {
    const v = parseVerifierKey(vkey);
    if (!v.ok) throw new VerifyUsageError(`not an Ed25519 verifier key: ${vkey}`);
    return v.value;
  }
}

// A bundle's signed history: its latest checkpoint (signed by the log key, of
// the size and root the manifest names), every stored checkpoint (signed by
// the log key and a root of the same tree at its size, so all are consistent
// with each other; witness cosignatures counted), and the checkpoints the
// user saw elsewhere (--checkpoint): roots of the same tree, else a fork or a
// rollback, proved with both notes.
import { ok } from '../basics/result.js';
import { equal, fromBase64, toBase64 } from '../log/bytes.js';
import { type Checkpoint, openCheckpoint } from '../log/checkpoint.js';
import { cosignatureVerifier } from '../log/cosignature.js';
import { emptyRoot } from '../log/merkle.js';
import { decodeVerifierKey, type NoteVerifier } from '../log/note.js';
import { buildTiles, treeRootFromTiles } from '../log/tiles.js';
import { type AuditContext, fail, type Step } from '../verify/audit.js';
import { forkEvidence, info, logSignedAt, rollbackEvidence } from '../verify/checkpoint.js';
import type { BundleArchive } from './archive.js';
import { CHECKPOINT_MEMBER, checkpointMember, MEMBER } from './format.js';
import type { BundleReport } from './report.js';

/** The keys a bundle's checkpoints are opened with. */
export interface CheckpointKeys {
  origin: string;
  logVerifier: NoteVerifier;
  /** The log key, and its cosignature/v1 line (the log also signs every checkpoint as a cosigner, §4.4). */
  logVerifiers: NoteVerifier[];
  witnesses: NoteVerifier[];
}

export function checkpointKeys(
  origin: string,
  logVerifier: NoteVerifier,
  logKey: string,
  witnesses: NoteVerifier[],
): CheckpointKeys {
  const lk = decodeVerifierKey(logKey);
  const logVerifiers = lk.ok
    ? [logVerifier, cosignatureVerifier(lk.value.name, lk.value.publicKey)]
    : [logVerifier];
  return { origin, logVerifier, logVerifiers, witnesses };
}

export interface LatestCheckpoint {
  checkpoint: Checkpoint;
  note: string;
}

/** The bundle's latest checkpoint: signed by the log key, for the size and root the manifest names. */
export async function openLatestCheckpoint(
  ctx: AuditContext,
  a: BundleArchive,
  keys: CheckpointKeys,
  report: BundleReport,
): Step<LatestCheckpoint> {
  const n = a.manifest.treeSize;
  const latestNote = (await a.readRaw(checkpointMember(n))) ?? (await a.readRaw(MEMBER.checkpoint));
  if (!latestNote)
    return fail.fatal('checkpoint-invalid', `the bundle has no checkpoint of its size ${n}`);
  const note = new TextDecoder().decode(latestNote);
  const latest = openCheckpoint(latestNote, keys.origin, keys.logVerifiers, keys.witnesses);
  if (!latest.ok)
    return fail.fatal(
      'checkpoint-invalid',
      `${checkpointMember(n)} does not verify with the log key ${keys.logVerifier.name}: ${latest.error.message}\n${note.trimEnd()}`,
    );
  const cp = latest.value.checkpoint;
  report.checkpoint = info(cp, note);
  const manifestRoot = fromBase64(a.manifest.rootHash);
  if (cp.size !== n || !manifestRoot || !equal(cp.rootHash, manifestRoot))
    ctx.findings.fatal(
      'bundle-invalid',
      `the manifest names tree size ${n} and root ${a.manifest.rootHash}, but ${checkpointMember(n)} is signed for size ${cp.size} and root ${toBase64(cp.rootHash)}`,
    );
  const copy = await a.readRaw(MEMBER.checkpoint);
  if (copy && !equal(copy, latestNote))
    ctx.findings.fatal(
      'bundle-invalid',
      `member ${MEMBER.checkpoint} is not a copy of ${checkpointMember(n)}, the bundle's latest checkpoint`,
    );
  return ok({ checkpoint: cp, note });
}

/** The root of the tree of the first `size` leaves, from the tiles the leaves define. */
export function rootsOf(leafHashes: readonly Uint8Array[]): (size: number) => Promise<Uint8Array> {
  const own = new Map<string, Uint8Array>();
  for (const t of buildTiles(leafHashes)) own.set(`${t.level}/${t.index}`, t.data);
  return async (size) => {
    if (size === 0) return emptyRoot();
    const r = await treeRootFromTiles(size, async (level, index, width) => {
      const d = own.get(`${level}/${index}`);
      if (!d || d.length < width * 32) throw new Error(`tile ${level}/${index} not built`);
      return d.subarray(0, width * 32);
    });
    if (!r.ok) throw new Error(`root at size ${size}: ${r.error.message}`);
    return r.value;
  };
}

interface Tree {
  /** Where the bundle is, for evidence. */
  path: string;
  size: number;
  rootAt: (size: number) => Promise<Uint8Array>;
  latest: LatestCheckpoint;
}

/** Every stored checkpoint: signed by the log key, named for its size, and a root of the one tree. */
export async function checkStoredCheckpoints(
  ctx: AuditContext,
  a: BundleArchive,
  keys: CheckpointKeys,
  tree: Tree,
): Promise<NonNullable<BundleReport['checkpoints']>> {
  const n = tree.size;
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
    if (i % 64 === 0) ctx.progress.set('checkpoints', i, names.length);
    const data = (await a.readRaw(name)) as Uint8Array;
    const text = new TextDecoder().decode(data);
    const c = openCheckpoint(data, keys.origin, keys.logVerifiers, keys.witnesses);
    if (!c.ok) {
      ctx.findings.fatal(
        'checkpoint-invalid',
        `${name} does not verify with the log key ${keys.logVerifier.name}: ${c.error.message}`,
      );
      continue;
    }
    const size = c.value.checkpoint.size;
    if (`checkpoints/${size}` !== name) {
      ctx.findings.fatal('bundle-invalid', `${name} holds a checkpoint of size ${size}`);
      continue;
    }
    if (size > n) {
      ctx.findings.fatal(
        'bundle-invalid',
        `${name} is signed for ${size} entries, more than the bundle's ${n}: the bundle is missing entries its own checkpoints cover`,
      );
      continue;
    }
    const ours = await tree.rootAt(size);
    if (!equal(ours, c.value.checkpoint.rootHash)) {
      ctx.findings.fatal(
        'fork',
        forkEvidence(
          { note: text, size },
          { note: tree.latest.note, size: tree.latest.checkpoint.size },
          tree.path,
          `The bundle's ${name} has root ${toBase64(c.value.checkpoint.rootHash)}, but the first ${size} entries of the log it holds have root ${toBase64(ours)}.`,
        ),
      );
      continue;
    }
    stats.verified++;
    stats.smallest = Math.min(stats.smallest ?? size, size);
    stats.largest = Math.max(stats.largest ?? size, size);
    if (c.value.note.verified.some((s) => keys.witnesses.includes(s.verifier))) stats.witnessed++;
    stats.otherSignatureLines += c.value.note.unverified.length;
  }
  ctx.progress.set('checkpoints', names.length, names.length);
  return stats;
}

/** A checkpoint the user saw elsewhere: a root of the bundle's tree, else a fork, a rollback or a shorter bundle. */
export async function checkGivenCheckpoint(
  ctx: AuditContext,
  g: { file: string; note: string },
  keys: CheckpointKeys,
  tree: Tree & { logKey: string },
): Promise<BundleReport['given'][number]> {
  const n = tree.size;
  const latestNote = tree.latest.note;
  const c = openCheckpoint(g.note, keys.origin, keys.logVerifiers, keys.witnesses);
  if (!c.ok) {
    ctx.findings.fatal(
      'checkpoint-invalid',
      `the checkpoint in ${g.file} is not a checkpoint of this bundle's log (origin ${JSON.stringify(keys.origin)}, key ${keys.logVerifier.name}): ${c.error.message}. Either it is from another log, or the bundle holds a log signed by another key than the one you saw.`,
    );
    return { file: g.file, result: 'invalid' };
  }
  const { size, rootHash } = c.value.checkpoint;
  const given = { file: g.file, size, rootHash: toBase64(rootHash) };
  if (size > n) {
    // The log key signing the bundle's smaller tree after the larger one is proof of a rollback;
    // otherwise the bundle may just be an older export. Both notes are shown either way.
    const signedAt = {
      given: logSignedAt(g.note, tree.logKey),
      bundle: logSignedAt(latestNote, tree.logKey),
    };
    if (signedAt.given !== undefined && (signedAt.bundle ?? 0) > signedAt.given) {
      const text = rollbackEvidence(
        { note: g.note, size, signedAt: signedAt.given },
        { note: latestNote, size: tree.latest.checkpoint.size, signedAt: signedAt.bundle },
        tree.path,
        `The checkpoint in ${g.file} covers ${size} entries; the bundle's latest checkpoint, signed later, covers ${n}.`,
      );
      ctx.say(`\n${ctx.command}: ${text}\n`);
      ctx.findings.fatal('rollback', text);
      return { ...given, result: 'beyond' };
    }
    ctx.findings.error(
      'bundle-incomplete',
      `the checkpoint in ${g.file} is signed for ${size} entries, but the bundle holds only ${n}: it cannot show that the log you saw is the one in the bundle (ask for a bundle exported after that checkpoint)\n\nThe checkpoint in ${g.file} (size ${size}):\n${g.note.trimEnd()}\n\nThe bundle's latest checkpoint (size ${n}):\n${latestNote.trimEnd()}`,
    );
    return { ...given, result: 'beyond' };
  }
  const ours = await tree.rootAt(size);
  if (equal(ours, rootHash)) return { ...given, result: 'consistent' };
  const text = forkEvidence(
    { note: g.note, size },
    { note: latestNote, size: tree.latest.checkpoint.size },
    tree.path,
    `The checkpoint in ${g.file} (size ${size}) has root ${toBase64(rootHash)}, but the first ${size} entries of the log in the bundle have root ${toBase64(ours)}.`,
  );
  ctx.say(`\n${ctx.command}: ${text}\n`);
  ctx.findings.fatal('fork', text);
  return { ...given, result: 'fork' };
}

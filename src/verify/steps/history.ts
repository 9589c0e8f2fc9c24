// Checking a server's history against the checkpoint an earlier run verified
// (kept in the state directory): the same tree, or one that extends it. Two
// validly signed checkpoints that cannot both be true are a fork; a smaller
// tree than one verified before is a rollback. Either is proved with both
// notes, printed and saved as evidence. Once the log verified, it becomes the
// checkpoint the next run holds the server to.
import { ok, type Result } from '../../basics/result.js';
import { equal, toBase64 } from '../../log/bytes.js';
import type { Checkpoint } from '../../log/checkpoint.js';
import { rootFromLeafHashes } from '../../log/merkle.js';
import type { NoteVerifier } from '../../log/note.js';
import { treeRootFromTiles } from '../../log/tiles.js';
import { type AuditContext, type AuditError, fail, type Step } from '../audit.js';
import {
  forkEvidence,
  info,
  logSignedAt,
  openServed,
  proveConsistent,
  rollbackEvidence,
  serverTileReader,
  stateTileReader,
} from '../checkpoint.js';
import type { LogReader } from '../log-reader.js';
import type { VerifyReport } from '../report.js';
import type { SavedState } from '../state.js';
import type { ServerTrust } from './trust.js';

/**
 * The earlier tree the served one could not be proved to extend from the
 * served tiles: settled once the entries are mirrored (suspectedFork).
 */
export interface Suspect {
  m: number;
  mRoot: Uint8Array;
  why: string;
}

interface History {
  server: string;
  t: ServerTrust;
  checkpoint: Checkpoint;
  logVerifier: NoteVerifier;
  report: VerifyReport;
}

/** Saves both notes as evidence, says it loudly; the fatal finding stops the audit. */
async function evidence(
  ctx: AuditContext,
  h: History,
  kind: 'fork' | 'rollback',
  text: string,
  previous: string,
): Promise<Result<never, AuditError>> {
  h.report.consistency = kind;
  const dir = await h.t.state.saveEvidence(kind, previous, h.t.served.note, h.server, text);
  ctx.say(`\n${ctx.command}: ${text}\nBoth checkpoints are saved in ${dir}\n`);
  return fail.fatal(kind, `${text}\nBoth checkpoints are saved in ${dir}`);
}

function fork(ctx: AuditContext, h: History, why: string): Promise<Result<never, AuditError>> {
  const saved = h.t.saved as { state: SavedState; note: string };
  const text = forkEvidence(
    { note: saved.note, size: saved.state.size },
    { note: h.t.served.note, size: h.checkpoint.size },
    h.server,
    why,
  );
  return evidence(ctx, h, 'fork', text, saved.note);
}

/**
 * The served checkpoint against the one verified before: `same`, `extends`
 * (proved from the served tiles), a fork or a rollback (evidence); a suspect
 * when the served tiles cannot prove consistency (settled after the mirror).
 */
export async function checkServerHistory(
  ctx: AuditContext,
  reader: LogReader,
  h: History,
): Step<{ suspect?: Suspect }> {
  const { saved, state, origin, served } = h.t;
  const report = h.report;
  if (!saved) {
    report.consistency = 'first-run';
    return ok({});
  }
  const n = h.checkpoint.size;
  const root = h.checkpoint.rootHash;
  const prev = openServed(saved.note, origin, h.logVerifier);
  if (!prev.ok) return fail.usage(`${state.dir}/checkpoint does not verify: ${prev.error}`);
  const m = prev.value.size;
  const mRoot = prev.value.rootHash;
  report.previousCheckpoint = info(prev.value, saved.note);
  if (m === n) {
    if (!equal(mRoot, root))
      return fork(ctx, h, `Both are for tree size ${n}, with different root hashes.`);
    report.consistency = 'same';
    return ok({});
  }
  if (m < n) {
    const r = await proveConsistent(m, mRoot, n, root, serverTileReader(reader));
    if (!r.ok) return ok({ suspect: { m, mRoot, why: r.error } });
    report.consistency = 'extends';
    return ok({});
  }
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
      return fork(
        ctx,
        h,
        `The server's tree of size ${n} is not a prefix of the tree of size ${m} verified before (${r.error}).`,
      );
    prefix = `It is a prefix of the tree verified before: the server went back to an older state of the log (an older copy of its database, or its last entries deleted and a smaller tree signed).`;
  }
  const text = rollbackEvidence(
    { note: saved.note, size: m, signedAt: logSignedAt(saved.note, saved.state.logKey) },
    { note: served.note, size: n, signedAt: logSignedAt(served.note, saved.state.logKey) },
    h.server,
    prefix,
  );
  return evidence(ctx, h, 'rollback', text, saved.note);
}

/**
 * A suspect settled by the mirrored entries (verified against the served
 * root): they begin with the tree verified before (then the served tiles
 * were wrong: an error), or they do not (a fork).
 */
export async function settleSuspect(
  ctx: AuditContext,
  h: History,
  suspect: Suspect,
  leafHashes: readonly Uint8Array[],
): Promise<Result<void, AuditError>> {
  const n = h.checkpoint.size;
  const prefix = rootFromLeafHashes(leafHashes.slice(0, suspect.m));
  if (!equal(prefix, suspect.mRoot))
    return fork(
      ctx,
      h,
      `The tree of size ${n} now served (its entries verified against its signed root) does not begin with the tree of size ${suspect.m} verified before: its first ${suspect.m} entries have root ${toBase64(prefix)}, not ${toBase64(suspect.mRoot)}.`,
    );
  ctx.findings.error(
    'tile-mismatch',
    `the server's hash tiles could not prove consistency with the checkpoint of size ${suspect.m} verified before (${suspect.why}), although its entries are consistent with it`,
  );
  h.report.consistency = 'extends';
  return ok(undefined);
}

/** The log verified: the checkpoint the next run holds the server to (and the definition it commits to). */
export async function saveVerified(
  h: History,
  o: { electionId: string; definitionBytes: Uint8Array; notCounted: number[] },
): Promise<void> {
  const { saved, state, served, origin } = h.t;
  const trust = h.report.trust;
  const st: SavedState = {
    version: 1,
    server: h.server,
    origin,
    logKey: trust.logKey as string,
    logKeySource: saved?.state.logKeySource ?? trust.logKeySource ?? 'unknown',
    commissionKey: saved?.state.commissionKey ?? trust.commissionKey,
    commissionKeySource: saved?.state.commissionKeySource ?? trust.commissionKeySource,
    electionId: o.electionId,
    size: h.checkpoint.size,
    root: toBase64(h.checkpoint.rootHash),
    verifiedAt: new Date().toISOString(),
    notCounted: o.notCounted,
  };
  await state.save(st, served.note);
  if (!state.readDefinition()) state.writeDefinition(o.definitionBytes);
}

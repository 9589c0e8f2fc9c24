// The fold a writer keeps in its store when it stops (the kept_fold row,
// FORMATS.md §10.6), so that its next start folds only the entries appended
// since: the start-up check still hashes every entry, compares every tile
// and checkpoint root, and holds every entry's indexed columns to the kept
// fold (replay.ts), but it does not decode and fold again what the kept fold
// already holds. The derived rows are compared with the fold when it is kept,
// and their digest sealed with it: a start that finds the same digest need
// not compare them again.
//
// The fold is sealed (platform/fold-file.ts) with a key derived from the log
// key (CheckpointSigner.foldSealKey): someone with the database alone could
// change a derived row and the kept fold alike, but cannot seal a fold, so a
// restarted writer trusts only what a holder of the log key kept. The fold is
// bound to its tree: the start-up check uses it only when the entries it
// hashes reproduce the kept root at the kept size. A reader has no log key
// and folds every entry.
import { err, ok, type Result } from '../basics/result.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import { fromBase64, toBase64 } from '../log/bytes.js';
import { encodeFoldFile, openFoldFile } from '../platform/fold-file.js';
import type { KeptFoldRow, Store } from '../store/store.js';

/** A kept fold, opened and its seal checked, not yet held to the log (replay.ts does that). */
export interface KeptFold {
  /** The entries it folds: 0 .. size-1. */
  size: number;
  /** The root of the tree of those entries, as the writer that kept it computed it. */
  root: Uint8Array;
  fold: TallyFold;
  /**
   * Store.derivedRowsDigest of the derived rows the writer found equal to
   * this fold when it kept it; absent when it found them different.
   */
  derivedSha256?: string;
}

/** What the writer's fold is bound to besides its tree. */
export interface KeptFoldContext {
  index: ElectionIndex;
  /** Entry 0's definitionSha256. */
  definitionSha256: string;
  /** CheckpointSigner.foldSealKey() of the log key. */
  sealKey: Uint8Array;
}

/**
 * The fold kept in a kept_fold row (Store.getKeptFold): the fold, or why it
 * cannot be used (not sealed with this log key, of another election, of more
 * entries than the log holds, damaged).
 */
export function openKeptFold(
  row: KeptFoldRow,
  ctx: KeptFoldContext,
  logSize: number,
): Result<KeptFold, string> {
  if (row.size > logSize) return err(`it folds ${row.size} entries, and the log holds ${logSize}`);
  const opened = openFoldFile(
    row.bytes,
    ctx.index,
    (kept) => {
      if (kept.definitionSha256 !== ctx.definitionSha256)
        return 'it is of another election definition';
      if (kept.size !== row.size) return `its row says ${row.size} entries, its seal ${kept.size}`;
      return null;
    },
    ctx.sealKey,
  );
  if (!opened.ok) return opened;
  const root = fromBase64(opened.value.binding.root);
  if (root?.length !== 32) return err('its root is not a 32-byte hash');
  const { derivedSha256 } = opened.value.binding;
  return ok({
    size: row.size,
    root,
    fold: opened.value.fold,
    ...(derivedSha256 === undefined ? {} : { derivedSha256 }),
  });
}

/**
 * Seals and stores the fold of the durable log: the fold of entries
 * 0 .. size-1, whose tree has this root. First the derived rows are compared
 * with it (`compareDerived`: the start-up check's comparison, replay.ts's
 * checkDerivedRows, giving the first difference or null), and in the same snapshot the database
 * digests them (Store.derivedRowsDigest); the digest is sealed with the fold,
 * so a start that finds the same digest knows the rows are still the ones
 * found equal to the fold, and need not compare them again. Rows that differ
 * (changed behind the writer's back while it ran) are said (`differs`), and
 * the fold is kept without a digest: the next start compares them, and
 * refuses the store.
 */
export async function keepFold(
  store: Store,
  ctx: KeptFoldContext,
  durable: { fold: TallyFold; size: number; root: Uint8Array },
  compareDerived: (view: Store, fold: TallyFold) => Promise<string | null>,
): Promise<{ bytes: number; differs: string | null }> {
  const { differs, derivedSha256 } = await store.snapshot(async (view) => {
    const difference = await compareDerived(view, durable.fold);
    return difference === null
      ? { differs: null, derivedSha256: (await view.derivedRowsDigest()).sha256 }
      : { differs: difference, derivedSha256: undefined };
  });
  const bytes = encodeFoldFile(
    durable.fold,
    {
      size: durable.size,
      root: toBase64(durable.root),
      definitionSha256: ctx.definitionSha256,
      ...(derivedSha256 === undefined ? {} : { derivedSha256 }),
    },
    ctx.sealKey,
  );
  await store.putKeptFold({ size: durable.size, bytes });
  return { bytes: bytes.length, differs };
}

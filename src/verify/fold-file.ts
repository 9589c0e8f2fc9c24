// fold.bin in a verifier's state directory: the fold of the entries the last
// run verified (election/fold-snapshot.ts), so the next run folds only the
// entries after them. It is bound to that run's tree (size and root) and to
// the election definition, and carries the SHA-256 of its own payload: a
// file that is damaged, or from another tree or election, is not used (the
// run then folds every entry, as without it).
//
//   "kura-fold-file/v1\n" || SHA-256(payload) || payload
//   payload: node:v8 serialize({ size, root, definitionSha256, data })
import { deserialize, serialize } from 'node:v8';
import { err, ok, type Result } from '../basics/result.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import { foldFromData, foldToData } from '../election/fold-snapshot.js';
import { equal } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';

const MAGIC = new TextEncoder().encode('kura-fold-file/v1\n');

/** What a kept fold must match to be used: the verified tree it folds, and the definition. */
export interface FoldBinding {
  size: number;
  /** The tree's root hash, base64. */
  root: string;
  /** Entry 0's definitionSha256. */
  definitionSha256: string;
}

/** The file's bytes for `fold`, which must have folded exactly `binding.size` entries. */
export function encodeFoldFile(fold: TallyFold, binding: FoldBinding): Uint8Array {
  if (fold.size !== binding.size)
    throw new Error(`a fold of ${fold.size} entries kept as one of ${binding.size}`);
  const payload = serialize({ ...binding, data: foldToData(fold) });
  const out = new Uint8Array(MAGIC.length + 32 + payload.length);
  out.set(MAGIC, 0);
  out.set(sha256(payload), MAGIC.length);
  out.set(payload, MAGIC.length + 32);
  return out;
}

/** The fold a file keeps, if it is whole and bound to `binding`; else why not. */
export function decodeFoldFile(
  bytes: Uint8Array,
  index: ElectionIndex,
  binding: FoldBinding,
): Result<TallyFold, string> {
  const head = MAGIC.length + 32;
  if (bytes.length < head || !equal(bytes.subarray(0, MAGIC.length), MAGIC))
    return err('it is not a kura fold file');
  const payload = bytes.subarray(head);
  if (!equal(sha256(payload), bytes.subarray(MAGIC.length, head)))
    return err('it is damaged (its SHA-256 does not match)');
  let kept: FoldBinding & { data: unknown };
  try {
    kept = deserialize(payload) as FoldBinding & { data: unknown };
  } catch (e) {
    return err(`it does not decode (${(e as Error).message})`);
  }
  for (const key of ['size', 'root', 'definitionSha256'] as const)
    if (kept[key] !== binding[key])
      return err(`it is of another ${key === 'definitionSha256' ? 'election definition' : 'tree'}`);
  try {
    const fold = foldFromData(index, kept.data);
    if (fold.size !== binding.size) return err('it holds a fold of another size');
    return ok(fold);
  } catch (e) {
    return err(`it does not restore (${(e as Error).message})`);
  }
}

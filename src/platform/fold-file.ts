// A kept fold as bytes (election/fold-snapshot.ts, through node:v8's
// serializer): the fold of entries 0 .. size-1, so that a later run folds
// only the entries after them. Two keepers, one layout:
//
//   kura verify's fold.bin (its state directory):
//     "kura-fold-file/v1\n"   || SHA-256(payload)            || payload
//   the writer's kept_fold row (server/kept-fold.ts):
//     "kura-fold-sealed/v1\n" || HMAC-SHA256(sealKey, payload) || payload
//   payload: node:v8 serialize({ size, root, definitionSha256, derivedSha256?, data })
//
// The checksum finds a damaged file; the seal also keeps anyone without the
// log key (someone with only the database) from putting a fold of their own
// in its place. A kept fold is bound to the tree it folds (size and root) and
// to the definition; one that is not whole, or not of the tree and election
// at hand, is not used, and the run folds every entry, as without it.
import { createHmac } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { err, ok, type Result } from '../basics/result.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import { foldFromData, foldToData } from '../election/fold-snapshot.js';
import { equal } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';

const encoder = new TextEncoder();
const CHECKED = encoder.encode('kura-fold-file/v1\n');
const SEALED = encoder.encode('kura-fold-sealed/v1\n');

/** What a kept fold is of: the tree it folds, and the definition. */
export interface FoldBinding {
  size: number;
  /** The tree's root hash, base64. */
  root: string;
  /** Entry 0's definitionSha256. */
  definitionSha256: string;
  /**
   * The writer's only: Store.derivedRowsDigest of the derived rows it found
   * equal to this fold when it kept it (server/kept-fold.ts).
   */
  derivedSha256?: string;
}

/** A kept fold opened: its binding and the fold restored. */
export interface OpenedFoldFile {
  binding: FoldBinding;
  fold: TallyFold;
}

const mac = (sealKey: Uint8Array | undefined, payload: Uint8Array): Uint8Array =>
  sealKey ? createHmac('sha256', sealKey).update(payload).digest() : sha256(payload);

/**
 * The bytes that keep `fold`, which must have folded exactly `binding.size`
 * entries: checksummed, or sealed with `sealKey` when one is given.
 */
export function encodeFoldFile(
  fold: TallyFold,
  binding: FoldBinding,
  sealKey?: Uint8Array,
): Uint8Array {
  if (fold.size !== binding.size)
    throw new Error(`a fold of ${fold.size} entries kept as one of ${binding.size}`);
  const { size, root, definitionSha256, derivedSha256 } = binding;
  const payload = serialize({
    size,
    root,
    definitionSha256,
    ...(derivedSha256 === undefined ? {} : { derivedSha256 }),
    data: foldToData(fold),
  });
  const magic = sealKey ? SEALED : CHECKED;
  const out = new Uint8Array(magic.length + 32 + payload.length);
  out.set(magic, 0);
  out.set(mac(sealKey, payload), magic.length);
  out.set(payload, magic.length + 32);
  return out;
}

/**
 * The fold kept in `bytes`, if they are whole (checksummed, or sealed with
 * `sealKey` when one is given) and `accept` takes their binding (it returns
 * why not, or null); else why not, in words.
 */
export function openFoldFile(
  bytes: Uint8Array,
  index: ElectionIndex,
  accept: (kept: FoldBinding) => string | null,
  sealKey?: Uint8Array,
): Result<OpenedFoldFile, string> {
  const magic = sealKey ? SEALED : CHECKED;
  const head = magic.length + 32;
  if (bytes.length < head || !equal(bytes.subarray(0, magic.length), magic))
    return err(sealKey ? 'it is not a sealed kura fold' : 'it is not a kura fold file');
  const payload = bytes.subarray(head);
  if (!equal(mac(sealKey, payload), bytes.subarray(magic.length, head)))
    return err(
      sealKey
        ? 'its seal does not match (damaged, or not sealed with this log key)'
        : 'it is damaged (its SHA-256 does not match)',
    );
  let kept: FoldBinding & { data: unknown };
  try {
    kept = deserialize(payload) as FoldBinding & { data: unknown };
  } catch (e) {
    return err(`it does not decode (${(e as Error).message})`);
  }
  const { size, root, definitionSha256, derivedSha256 } = kept;
  if (
    !Number.isSafeInteger(size) ||
    typeof root !== 'string' ||
    typeof definitionSha256 !== 'string' ||
    (derivedSha256 !== undefined && typeof derivedSha256 !== 'string')
  )
    return err('its binding is not well formed');
  const binding: FoldBinding = {
    size,
    root,
    definitionSha256,
    ...(derivedSha256 === undefined ? {} : { derivedSha256 }),
  };
  const refused = accept(binding);
  if (refused) return err(refused);
  try {
    const fold = foldFromData(index, kept.data);
    if (fold.size !== size) return err('it holds a fold of another size');
    return ok({ binding, fold });
  } catch (e) {
    return err(`it does not restore (${(e as Error).message})`);
  }
}

/** The fold kept in a checksummed file, if it is whole and of exactly `binding`'s tree and definition. */
export function decodeFoldFile(
  bytes: Uint8Array,
  index: ElectionIndex,
  binding: FoldBinding,
): Result<TallyFold, string> {
  const opened = openFoldFile(bytes, index, (kept) => {
    for (const key of ['size', 'root', 'definitionSha256'] as const)
      if (kept[key] !== binding[key])
        return `it is of another ${key === 'definitionSha256' ? 'election definition' : 'tree'}`;
    return null;
  });
  return opened.ok ? ok(opened.value.fold) : opened;
}

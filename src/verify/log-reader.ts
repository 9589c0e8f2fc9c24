// Where a kura log is read from, for the audit (`kura verify`, `kura
// verify-bundle`), the forensic analyses and `kura export`: a server over
// HTTP (http-reader.ts), a preservation bundle (bundle/bundle-reader.ts) or a
// store (store-reader.ts). One interface for all three, in the terms of the
// log (checkpoints, entry bundles, hash tiles, the definition, forms), not of
// one transport. What a reader returns is unchecked: whoever reads checks it
// against the signed tree.
import type { Result } from '../basics/result.js';

/**
 * A part the reader does not have, as a server would answer for it: 404 when
 * it has none, another status when a server refused. `text` is the start of
 * the server's answer, if any (for messages).
 */
export interface Unread {
  status: number;
  text: string;
}

export type Read<T = Uint8Array> = Result<T, Unread>;

export interface StoredNote {
  size: number;
  note: string;
}

export interface LogReader {
  /** What is read, for messages: a URL, a bundle file, "the store". */
  readonly name: string;
  /**
   * Where a part is read from, for messages, named by its server path
   * ("log/checkpoint", "log/tile/0/000", "api/v1/election"): a URL, a
   * bundle member.
   */
  where(path: string): string;
  /** The latest signed checkpoint note. */
  checkpoint(): Promise<Read>;
  /** The signed checkpoints kept, of size <= maxSize, by size (a server shows only its latest). */
  checkpoints(maxSize: number): AsyncIterable<StoredNote>;
  /** Entry bundle `index` with `width` entries (tlog-tiles). */
  entryBundle(index: number, width: number): Promise<Read>;
  /** Hash tile `level`/`index` at `width` hashes (tlog-tiles). */
  tile(level: number, index: number, width: number): Promise<Read>;
  /** One entry by index, as in the tree of `size` entries (what is left when a bundle is withheld). */
  entry(index: number, size: number): Promise<Read>;
  /** The election definition, as kept (the caller checks it against entry 0). */
  definition(): Promise<Read>;
  /** The log's verifier key, as the reader names it. */
  logKey(): Promise<Read>;
  /** A scanned form by its SHA-256 (hex), with its content type. */
  form(sha256: string): Promise<Read<{ data: Uint8Array; contentType: string }>>;
  /**
   * The SHA-256 of every form the reader holds, where it can list them at
   * once (a server's GET /api/v1/forms); null when it cannot (an older
   * server): then each form is asked for.
   */
  formHashes?(): Promise<Set<string> | null>;
}

/** A 404: the reader has no such part. */
export const NOT_FOUND: { ok: false; error: Unread } = {
  ok: false,
  error: { status: 404, text: '' },
};

/** Bytes as a Read (null: not found). */
export function readOf(data: Uint8Array | null | undefined): Read {
  return data ? { ok: true, value: data } : NOT_FOUND;
}

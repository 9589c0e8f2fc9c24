// Where `kura export` reads the record from: a store (the whole signed
// history, every stored form) or a server over HTTP (what it publishes: its
// tiles, its latest checkpoint only, and the forms the entries cite).
import type { StoredBlob, StoredCheckpoint } from '../store/store.js';

export interface ExportSource {
  /** What is exported, for messages ("the store", a URL). */
  readonly name: string;
  latestCheckpoint(): Promise<StoredCheckpoint | null>;
  entry0(): Promise<Uint8Array | null>;
  definition(sha256: string): Promise<Uint8Array | null>;
  /** Entries [start, end), all of them in order, or throws. */
  entries(start: number, end: number): Promise<Uint8Array[]>;
  /** A hash tile's first `width` hashes, or throws. */
  tile(level: number, index: number, width: number): Promise<Uint8Array>;
  /** Checkpoints of size <= maxSize, by size. */
  checkpoints(maxSize: number): AsyncIterable<StoredCheckpoint>;
  /** Whether forms() needs the form hashes the exported entries cite. */
  readonly formsByCitation: boolean;
  /** The scanned forms (never the definition, whose hash is `definitionSha256`). */
  forms(cited: ReadonlySet<string>, definitionSha256: string): AsyncIterable<StoredBlob>;
}

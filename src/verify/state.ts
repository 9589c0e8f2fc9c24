// The verifier's state directory: what an earlier run verified, and the
// mirrored log.
//
//   state.json        origin, the pinned log key (and where it came from), the
//                     last verified tree size and root
//   checkpoint        the last verified signed checkpoint, byte for byte
//                     (evidence: keep it)
//   definition.json   the election definition entry 0 commits to
//   fold.bin          the fold of the entries verified (platform/fold-file.ts), so a
//                     later run folds only the entries after them
//   demo-keys.json    the devices of the definition enrolled with public demo
//                     keys (a finding of the definition alone, by its SHA-256)
//   views.json        per station, a digest of the log's facts its page was
//                     found equal to at the verified checkpoint (which pages
//                     a later run need not read again: view-digests.ts)
//   tile/...          hash tiles and entry bundles in the tlog-tiles layout
//                     (tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]), so the
//                     directory is itself a static mirror of the log
//   evidence/<time>-<kind>/
//                     both signed checkpoints of a detected fork or rollback
//                     (previous-checkpoint, new-checkpoint, README.txt)
//
// Files are written atomically (temporary file + rename). The state, the
// verified checkpoint and the evidence are also durable: the file is fsynced
// before the rename and its directory after it, so a crash or power loss
// never leaves an auditor without the proof it printed. The mirrored tiles
// are not fsynced: every run fetches the entries and tiles from the server
// again and checks them against the signed checkpoint; the kept level-0 hash
// tiles of the last verified tree are what the served ones are compared with
// (they are checked against the saved root before use, so a damaged file is
// caught, never trusted).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { equal } from '../log/bytes.js';
import { rootFromLeafHashes } from '../log/merkle.js';
import { entryBundlePath, TILE_WIDTH, tilePath } from '../log/tiles.js';
import { writeAtomic, writeDurable } from '../platform/durable-write.js';
import type { SavedViewDigests } from './view-digests.js';

export interface SavedState {
  version: 1;
  server: string;
  origin: string;
  logKey: string;
  /** How the log key was first pinned: 'log-key option', 'election directory' or 'trust on first use'. */
  logKeySource: string;
  commissionKey?: string;
  commissionKeySource?: string;
  electionId?: string;
  /** The last verified checkpoint: size and root (base64). */
  size: number;
  root: string;
  verifiedAt: string;
  /**
   * The indexes, below `size`, of the entries the rules refused or that do
   * not decode. With it, a later run folds the entries below `size` without
   * checking their signatures again (they are the bytes verified here once
   * they reproduce a signed root consistent with this one); without it (an
   * older state), it checks them all.
   */
  notCounted?: number[];
}

const STATE = 'state.json';
const CHECKPOINT = 'checkpoint';
const DEFINITION = 'definition.json';
const VIEWS = 'views.json';
const FOLD = 'fold.bin';
const DEMO_KEYS = 'demo-keys.json';

/** A directory name for an origin: "kura.example/kenya-2022" -> "kura.example_kenya-2022". */
export function originDirName(origin: string): string {
  return origin.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'log';
}

export class StateDir {
  constructor(readonly dir: string) {}

  exists(): boolean {
    return existsSync(join(this.dir, STATE));
  }

  load(): { state: SavedState; note: string } | null {
    const sp = join(this.dir, STATE);
    if (!existsSync(sp)) return null;
    const state = JSON.parse(readFileSync(sp, 'utf8')) as SavedState;
    if (state.version !== 1) throw new Error(`${sp}: unknown state version ${state.version}`);
    const note = readFileSync(join(this.dir, CHECKPOINT), 'utf8');
    return { state, note };
  }

  /** Records a newly verified checkpoint (the note first, so state.json never names a missing note). */
  async save(state: SavedState, note: string): Promise<void> {
    await writeDurable(join(this.dir, CHECKPOINT), note);
    await writeDurable(join(this.dir, STATE), `${JSON.stringify(state, null, 2)}\n`);
  }

  readDefinition(): Uint8Array | null {
    const p = join(this.dir, DEFINITION);
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
  }

  writeDefinition(bytes: Uint8Array): void {
    writeAtomic(join(this.dir, DEFINITION), bytes);
  }

  /**
   * The devices an earlier run found enrolled with public demo keys in the
   * definition of SHA-256 `definitionSha256`; null if none was kept for it.
   */
  readDemoKeys(definitionSha256: string): string[] | null {
    const p = join(this.dir, DEMO_KEYS);
    try {
      const v = JSON.parse(readFileSync(p, 'utf8')) as {
        definitionSha256?: unknown;
        devices?: unknown;
      };
      const fine =
        v.definitionSha256 === definitionSha256 &&
        Array.isArray(v.devices) &&
        v.devices.every((d) => typeof d === 'string');
      return fine ? (v.devices as string[]) : null;
    } catch {
      // None, or damaged: the keys are derived again.
      return null;
    }
  }

  writeDemoKeys(definitionSha256: string, devices: readonly string[]): void {
    writeAtomic(join(this.dir, DEMO_KEYS), JSON.stringify({ definitionSha256, devices }));
  }

  /** The kept fold's file (fold-file.ts checks it before use); null if there is none. */
  readFoldFile(): Uint8Array | null {
    const p = join(this.dir, FOLD);
    try {
      return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
    } catch {
      return null;
    }
  }

  /** Not fsynced: a file lost or damaged in a crash only means the next run folds every entry. */
  writeFoldFile(bytes: Uint8Array): void {
    writeAtomic(join(this.dir, FOLD), bytes);
  }

  /** The station digests of the last run that compared the views; null if none or unreadable. */
  readViewDigests(): SavedViewDigests | null {
    const p = join(this.dir, VIEWS);
    if (!existsSync(p)) return null;
    try {
      const v = JSON.parse(readFileSync(p, 'utf8')) as SavedViewDigests;
      const fine =
        v.version === 1 &&
        typeof v.server === 'string' &&
        Number.isSafeInteger(v.size) &&
        typeof v.root === 'string' &&
        typeof v.stations === 'object' &&
        v.stations !== null &&
        Object.values(v.stations).every((d) => typeof d === 'string');
      return fine ? v : null;
    } catch {
      // A damaged file only means every page is read again.
      return null;
    }
  }

  writeViewDigests(v: SavedViewDigests): void {
    writeAtomic(join(this.dir, VIEWS), JSON.stringify(v));
  }

  /**
   * Saves, durably, the two signed checkpoints that prove a fork or a
   * rollback, with a README saying what they prove; returns the directory.
   */
  async saveEvidence(
    kind: 'fork' | 'rollback',
    previous: string,
    current: string,
    server: string,
    explanation: string,
  ): Promise<string> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dir = join(this.dir, 'evidence', `${stamp}-${kind}`);
    const what =
      kind === 'fork'
        ? 'Two checkpoints of the same log, both validly signed by its key, that cannot both be true.'
        : 'Two checkpoints of the same log, both validly signed by its key: the log was verified at the larger tree, and the server now shows the smaller one. A log never shrinks; entries it had signed (and receipts it had given) are gone from what it serves.';
    await writeDurable(join(dir, 'previous-checkpoint'), previous);
    await writeDurable(join(dir, 'new-checkpoint'), current);
    await writeDurable(
      join(dir, 'README.txt'),
      `${what}\n\nprevious-checkpoint: verified earlier by kura verify (state ${this.dir})\nnew-checkpoint:      served by ${server} on ${new Date().toISOString()}\n\n${explanation}\n`,
    );
    return dir;
  }

  /**
   * The leaf hashes of the last verified tree (size `size`, root `root`), from
   * the kept level-0 hash tiles; undefined if a tile is missing or they do not
   * reproduce the root (a damaged state directory is never trusted).
   */
  verifiedLeaves(size: number, root: Uint8Array): Uint8Array[] | undefined {
    const leaves: Uint8Array[] = [];
    for (let b = 0; b * TILE_WIDTH < size; b++) {
      const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
      const t = this.readTile('hash', 0, b, width);
      if (!t || t.length < width * 32) return undefined;
      for (let k = 0; k < width; k++) leaves.push(t.slice(k * 32, (k + 1) * 32));
    }
    return equal(rootFromLeafHashes(leaves), root) ? leaves : undefined;
  }

  // ------------------------------------------------------------ tile cache

  /**
   * The cached hash tile or bundle covering `width` entries/hashes: the exact
   * file, else a wider version (its prefix). Bundles are returned whole (the
   * caller takes the first `width` entries). undefined when not cached.
   */
  readTile(
    kind: 'hash' | 'entries',
    level: number,
    index: number,
    width: number,
  ): Uint8Array | undefined {
    const full = this.tileFile(kind, level, index, TILE_WIDTH);
    const candidates = [this.tileFile(kind, level, index, width)];
    if (width < TILE_WIDTH) candidates.push(full);
    for (const p of candidates) if (existsSync(p)) return new Uint8Array(readFileSync(p));
    // A wider partial version.
    const pdir = `${full}.p`;
    if (existsSync(pdir)) {
      const wider = readdirSync(pdir)
        .filter((w) => /^[1-9][0-9]*$/.test(w) && Number(w) > width)
        .sort((a, b) => Number(a) - Number(b));
      if (wider[0]) return new Uint8Array(readFileSync(join(pdir, wider[0])));
    }
    return undefined;
  }

  writeTile(
    kind: 'hash' | 'entries',
    level: number,
    index: number,
    width: number,
    data: Uint8Array,
  ): void {
    const file = this.tileFile(kind, level, index, width);
    // A later run fetches every tile again: one it kept already, byte for byte, is not rewritten.
    if (!sameFile(file, data)) writeAtomic(file, data);
    // Narrower versions of the same tile are prefixes of this one: drop them.
    const pdir = `${this.tileFile(kind, level, index, TILE_WIDTH)}.p`;
    if (!existsSync(pdir)) return;
    for (const w of readdirSync(pdir)) {
      if (/^[1-9][0-9]*$/.test(w) && Number(w) < width) rmSync(join(pdir, w), { force: true });
    }
    if (width === TILE_WIDTH) rmSync(pdir, { recursive: true, force: true });
  }

  dropTile(kind: 'hash' | 'entries', level: number, index: number): void {
    const full = this.tileFile(kind, level, index, TILE_WIDTH);
    rmSync(full, { force: true });
    rmSync(`${full}.p`, { recursive: true, force: true });
  }

  private tileFile(kind: 'hash' | 'entries', level: number, index: number, width: number): string {
    const rel =
      kind === 'entries' ? entryBundlePath(index, width) : tilePath({ level, index, width });
    return join(this.dir, ...rel.split('/'));
  }
}

function sameFile(path: string, data: Uint8Array): boolean {
  try {
    return statSync(path).size === data.length && readFileSync(path).equals(data);
  } catch {
    return false;
  }
}

// The verifier's state directory: what an earlier run verified, and the
// mirrored log.
//
//   state.json        origin, the pinned log key (and where it came from), the
//                     last verified tree size and root
//   checkpoint        the last verified signed checkpoint, byte for byte
//                     (evidence: keep it)
//   definition.json   the election definition entry 0 commits to
//   tile/...          hash tiles and entry bundles in the tlog-tiles layout
//                     (tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]), so the
//                     directory is itself a static mirror of the log
//   forks/<time>/     both signed checkpoints of a detected fork
//
// Files are written atomically (temporary file + rename). The mirrored tiles
// are a cache: every run recomputes the whole tree from the entries and checks
// it against a signed checkpoint, so a damaged or stale file is caught (and
// fetched again), never trusted.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { entryBundlePath, TILE_WIDTH, tilePath } from '../log/tiles.js';

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
}

const STATE = 'state.json';
const CHECKPOINT = 'checkpoint';
const DEFINITION = 'definition.json';

export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

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
  save(state: SavedState, note: string): void {
    writeAtomic(join(this.dir, CHECKPOINT), note);
    writeAtomic(join(this.dir, STATE), `${JSON.stringify(state, null, 2)}\n`);
  }

  readDefinition(): Uint8Array | null {
    const p = join(this.dir, DEFINITION);
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
  }

  writeDefinition(bytes: Uint8Array): void {
    writeAtomic(join(this.dir, DEFINITION), bytes);
  }

  /** Saves the two checkpoints of a fork; returns the directory. */
  saveFork(previous: string, current: string, server: string, explanation: string): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dir = join(this.dir, 'forks', stamp);
    writeAtomic(join(dir, 'previous-checkpoint'), previous);
    writeAtomic(join(dir, 'new-checkpoint'), current);
    writeAtomic(
      join(dir, 'README.txt'),
      `Two checkpoints of the same log, both validly signed by its key, that cannot both be true.\n\nprevious-checkpoint: verified earlier by kura verify (state ${this.dir})\nnew-checkpoint:      served by ${server} on ${new Date().toISOString()}\n\n${explanation}\n`,
    );
    return dir;
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
    writeAtomic(this.tileFile(kind, level, index, width), data);
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

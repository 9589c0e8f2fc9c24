// Which station pages can have changed since the last verified run
// (`kura verify` with a state directory): each station's digest of every
// fact of the fold a station page is held to (its devices, its counted
// result in each contest it takes part in, corrections included, and the
// agents' words on them; the definition's facts are fixed by entry 0). A page that was read and found equal to the log
// at the checkpoint verified before, and whose digest is the same now, says
// what it said then if the server did not change it; it is not read again
// in bulk. Only a random sample of such pages is read (views.ts), so a
// server that changes an old page without a log entry is caught by chance,
// or by a run with --all-views; everything the log changed is read.
import { hash } from 'node:crypto';
import { stationWords } from '../election/agent-views.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';

/** Station code → digest (base64, 128 bits of SHA-256) of the facts its page is held to. */
export type StationDigests = Map<string, string>;

/** The digests as the state directory keeps them (views.json). */
export interface SavedViewDigests {
  version: 1;
  /** The server whose pages were read (another server's pages are its own). */
  server: string;
  /** The checkpoint the pages were held to: the one state.json names. */
  size: number;
  root: string;
  /** Only the stations whose page was found equal to the log (a page with a finding is read again). */
  stations: Record<string, string>;
}

/** Every station's digest, from the fold. */
export function stationDigests(index: ElectionIndex, fold: TallyFold): StationDigests {
  const devices = new Map<string, string[]>();
  for (const d of fold.officials.devices.values()) {
    const list = devices.get(d.station) ?? [];
    list.push(`${d.id}=${d.publicKey}=${d.enrolledAt}=${d.revokedAt}`);
    devices.set(d.station, list);
  }
  const tables = [...index.contests.keys()].map((c) => [c, fold.results.get(c)] as const);
  const out: StationDigests = new Map();
  for (const code of index.stations.keys()) {
    let facts = (devices.get(code) ?? []).sort().join(' ');
    for (const [contest, table] of tables) {
      if (!index.raceFor(contest, code)) continue;
      // A result's version, not the result: made for 277,000 results it took seconds.
      facts += `\n${contest} ${table?.versionOf(code) ?? '-'}`;
      const words = stationWords(fold, contest, code);
      if (words.length) facts += ` ${JSON.stringify(words)}`;
    }
    // One-shot: no hash object per station.
    const digest = hash('sha256', facts, 'buffer');
    out.set(code, digest.subarray(0, 16).toString('base64'));
  }
  return out;
}

/**
 * The stations whose page must be read in bulk: those not found equal to the
 * log before (no saved digest) and those whose facts changed since.
 */
export function changedStations(now: StationDigests, before: Record<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [code, digest] of now)
    if (!Object.hasOwn(before, code) || before[code] !== digest) out.add(code);
  return out;
}

/**
 * The saved digests, if they can be used for this run: taken from the same
 * server's pages, at the checkpoint the state verified (which this run's is
 * consistent with).
 */
export function usableDigests(
  saved: SavedViewDigests | null,
  at: { server: string; size: number; root: string },
): SavedViewDigests | null {
  return saved && saved.server === at.server && saved.size === at.size && saved.root === at.root
    ? saved
    : null;
}

/**
 * The digests to keep after a run: a station's, if its page was found equal
 * to the log this run (read, and no finding names it) or before (saved with
 * the same digest, and not read again).
 */
export function digestsToKeep(
  now: StationDigests,
  o: {
    read: ReadonlySet<string> | null;
    before: Record<string, string> | null;
    flagged: ReadonlySet<string>;
  },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, digest] of now) {
    if (o.flagged.has(code)) continue;
    const read = o.read === null || o.read.has(code);
    if (read || (o.before !== null && o.before[code] === digest)) out[code] = digest;
  }
  return out;
}

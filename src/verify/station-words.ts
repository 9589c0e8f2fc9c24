// Holds the agents' words on a station page (attestations and dissents, with
// the dissents' figures) to the fold's, read with the function the server
// uses (election/agent-views.ts stationWords).
import { isDeepStrictEqual } from 'node:util';
import { stationWords } from '../election/agent-views.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import type { Findings } from './report.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as JSON carries it (null-prototype records and undefined members made plain). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null));
}

/** A station's words that cite an entry beyond the verified checkpoint (compare.ts's AheadView). */
export interface WordsAhead {
  what: string;
  entryIndex: number;
  contest: string;
  station: string;
}

/**
 * A station page's agents' words against the fold's: per contest, exactly
 * the attestations and dissents the log has on the counted result. Words
 * logged beyond the verified checkpoint are "ahead".
 */
export function compareStationWords(o: {
  index: ElectionIndex;
  fold: TallyFold;
  size: number;
  findings: Findings;
  code: string;
  page: Obj;
  where: string;
  onAhead: (a: WordsAhead) => void;
}): void {
  const { index, fold, code, findings } = o;
  const served = isObj(o.page.words) ? o.page.words : {};
  if (o.page.words !== undefined && !isObj(o.page.words))
    findings.error(
      'station-mismatch',
      `station ${code}: the page (${o.where}) has words that are not an object`,
      { station: code },
    );
  for (const contest of index.contests.keys()) {
    if (!index.raceFor(contest, code)) continue;
    const words = stationWords(fold, contest, code);
    const got = served[contest];
    // Most pages have no words: no JSON made to compare none with none.
    if (words.length === 0 && (got == null || (Array.isArray(got) && got.length === 0))) continue;
    const want = plain(words) as unknown[];
    if (isDeepStrictEqual(plain(got ?? []), want)) continue;
    const beyond = Array.isArray(got)
      ? got
          .map((w) => (isObj(w) ? w.entryIndex : undefined))
          .filter((i): i is number => typeof i === 'number' && i >= o.size)
      : [];
    if (beyond.length) {
      o.onAhead({
        what: `an agent's word on station ${code}'s ${contest} result`,
        entryIndex: Math.max(...beyond),
        contest,
        station: code,
      });
      continue;
    }
    findings.error(
      'station-mismatch',
      `station ${code}, ${contest}: the agents' words on the page (${o.where}) differ from the log: served ${JSON.stringify(got ?? null).slice(0, 400)}, the log has ${JSON.stringify(want).slice(0, 400)}`,
      { station: code, contest },
    );
  }
  for (const extra of Object.keys(served))
    if (!index.contests.has(extra) || !index.raceFor(extra, code))
      findings.error(
        'station-mismatch',
        `station ${code}: the page (${o.where}) shows agents' words on ${JSON.stringify(extra)}, a contest the station takes no part in`,
        { station: code, contest: extra },
      );
}

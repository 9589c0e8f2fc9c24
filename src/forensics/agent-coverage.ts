// The parties' agents in the forensic report: per contest and area (county,
// constituency), how many counted results no agent co-signed and how many an
// agent disputed, and every dissent with the agent's figures beside the
// device's. The log is folded with the fold's own code (the words are read
// with stationWords, as the server shows them); like the rest of the report
// it does not check results' signatures (kura verify does).

import { partyViews, stationWords } from '../election/agent-views.js';
import type { ElectionIndex } from '../election/election-index.js';
import { decodeEntry } from '../election/entries.js';
import { TallyFold } from '../election/fold.js';
import { loggedVerdict } from '../election/rules.js';

export interface AreaCoverage {
  /** The county's or constituency's code and name. */
  code: string;
  name: string;
  /** Counted results in the area. */
  reported: number;
  /** Of them: with at least one attestation. */
  cosigned: number;
  /** With no attestation and no dissent: no agent's word at all. */
  unsigned: number;
  /** With at least one dissent. */
  disputed: number;
}

export interface DissentRow {
  contest: string;
  station: string;
  stationName: string;
  county: string;
  constituency: string;
  party: string;
  agent: string;
  /** The dissent's log index, and the disputed result's. */
  entryIndex: number;
  resultIndex: number;
  official: { votes: Record<string, number>; rejected: number; totalValid: number };
  agentFigures: { votes: Record<string, number>; rejected: number; totalValid: number };
  reason: string;
}

export interface ContestCoverage {
  contest: string;
  title: string;
  reported: number;
  cosigned: number;
  unsigned: number;
  disputed: number;
  counties: AreaCoverage[];
  constituencies: AreaCoverage[];
}

export interface AgentCoverage {
  parties: Array<{ party: string; name: string }>;
  contests: ContestCoverage[];
  dissents: DissentRow[];
}

/** Folds the log's entries (results by their logged verdicts) as a reader's fold does. */
export function foldEntries(index: ElectionIndex, entries: readonly Uint8Array[]): TallyFold {
  const fold = new TallyFold(index);
  entries.forEach((bytes, i) => {
    const decoded = decodeEntry(bytes);
    if (decoded.ok && decoded.value.type === 'result')
      fold.applyPrechecked(i, decoded.value, loggedVerdict(index, decoded.value));
    else fold.applyBytes(i, bytes);
  });
  return fold;
}

export function agentCoverage(index: ElectionIndex, fold: TallyFold): AgentCoverage {
  const unitName = (code: string) => index.units.get(code)?.name ?? code;
  const dissents: DissentRow[] = [];
  const contests: ContestCoverage[] = [];
  for (const contest of index.definition.contests) {
    const counties = new Map<string, AreaCoverage>();
    const constituencies = new Map<string, AreaCoverage>();
    const area = (m: Map<string, AreaCoverage>, code: string) => {
      let a = m.get(code);
      if (!a) {
        a = { code, name: unitName(code), reported: 0, cosigned: 0, unsigned: 0, disputed: 0 };
        m.set(code, a);
      }
      return a;
    };
    const total = { reported: 0, cosigned: 0, unsigned: 0, disputed: 0 };
    for (const result of fold.results.get(contest.id)?.values() ?? []) {
      const words = stationWords(fold, contest.id, result.station);
      const cosigned = words.some((w) => w.kind === 'attestation');
      const disputed = words.some((w) => w.kind === 'dissent');
      const place = index.places.get(result.station);
      const targets = [
        total,
        ...(place ? [area(counties, place.county), area(constituencies, place.constituency)] : []),
      ];
      for (const t of targets) {
        t.reported++;
        if (cosigned) t.cosigned++;
        if (disputed) t.disputed++;
        if (!words.length) t.unsigned++;
      }
      for (const w of words)
        if (w.kind === 'dissent')
          dissents.push({
            contest: contest.id,
            station: result.station,
            stationName: place?.station.name ?? '',
            county: place ? unitName(place.county) : '',
            constituency: place ? unitName(place.constituency) : '',
            party: w.party,
            agent: w.agent,
            entryIndex: w.entryIndex,
            resultIndex: result.entryIndex,
            official: {
              votes: result.votes,
              rejected: result.rejected,
              totalValid: result.totalValid,
            },
            agentFigures: { votes: w.votes, rejected: w.rejected, totalValid: w.totalValid },
            reason: w.reason,
          });
    }
    const byUnsigned = (a: AreaCoverage, b: AreaCoverage) =>
      b.unsigned - a.unsigned || b.disputed - a.disputed || a.code.localeCompare(b.code);
    contests.push({
      contest: contest.id,
      title: contest.title,
      ...total,
      counties: [...counties.values()].sort(byUnsigned),
      constituencies: [...constituencies.values()].sort(byUnsigned),
    });
  }
  dissents.sort((a, b) => a.entryIndex - b.entryIndex);
  return {
    parties: partyViews(fold).map((p) => ({ party: p.party, name: p.name })),
    contests,
    dissents,
  };
}

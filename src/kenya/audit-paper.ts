// What the paper Form 34A of a Kenya 2022 station says, for the demo's
// risk-limiting audit (issue 14, `kura demo --audit`).
//
// The log holds the reconciled figures (presidential-votes.ts). At the 2,810
// stations where the reconciliation had to change a crowdsourced tally to make
// the county and Form 34C sums exact (source 'adjusted'), the crowdsourced
// reading of the form is the best record of the paper we have, so that is the
// "paper" an audit board would find. Everywhere else the paper agrees with the
// log: the crowdsourced tally was logged unchanged, or there was no tally and
// the logged figures are all there is.
//
// The crowdsourced data has no rejected ballots, so the paper's rejected figure
// is the logged one; its "total valid" is the paper's candidates' sum plus the
// form's own difference (totalValid − candidates' sum, non-zero at one KILIFI
// and one WEST POKOT station), which the reading leaves as it was.
import type { PresidentialTally } from './data.js';
import { loadKenya2022 } from './data.js';
import {
  PRESIDENTIAL_IDS,
  type PresidentialId,
  presidentialStationResults,
  type StationPresidential,
} from './presidential-votes.js';

export interface AuditPaper {
  code: string;
  votes: PresidentialTally;
  rejected: number;
  totalValid: number;
  /** 'crowdsourced': the crowdsourced Form 34A reading (the station was adjusted); 'logged': as logged. */
  source: 'crowdsourced' | 'logged';
}

export interface PaperDifferences {
  /** Stations whose paper differs from the log in at least one figure. */
  stations: number;
  /** Per candidate: paper minus log, summed over all stations. */
  net: PresidentialTally;
  /** Per candidate: |paper − log| summed over all stations. */
  absolute: PresidentialTally;
  /** The largest |paper − log| of one candidate at one station. */
  largest: { station: string; candidate: PresidentialId; paper: number; logged: number };
}

function candidatesSum(t: PresidentialTally): number {
  return t.odinga + t.ruto + t.wajackoyah + t.mwaure;
}

function votesOf(r: StationPresidential): PresidentialTally {
  return { odinga: r.odinga, ruto: r.ruto, wajackoyah: r.wajackoyah, mwaure: r.mwaure };
}

let papers: ReadonlyMap<string, AuditPaper> | null = null;

/** Every station's paper, by station code, in station order (computed once per process). */
export function auditPapers(): ReadonlyMap<string, AuditPaper> {
  if (papers) return papers;
  const stations = loadKenya2022().stations;
  const logged = presidentialStationResults('reconciled');
  const out = new Map<string, AuditPaper>();
  logged.forEach((r, i) => {
    const station = stations[i];
    if (station?.code !== r.code) throw new Error('audit paper: results are not in station order');
    const read = station.crowdsourced;
    if (r.source === 'adjusted' && read) {
      out.set(r.code, {
        code: r.code,
        votes: { ...read },
        rejected: r.rejected,
        totalValid: r.totalValid - candidatesSum(r) + candidatesSum(read),
        source: 'crowdsourced',
      });
    } else {
      out.set(r.code, {
        code: r.code,
        votes: votesOf(r),
        rejected: r.rejected,
        totalValid: r.totalValid,
        source: 'logged',
      });
    }
  });
  papers = out;
  return out;
}

/** The paper of one station; throws on a code that is not a Kenya 2022 station. */
export function auditPaper(code: string): AuditPaper {
  const p = auditPapers().get(code);
  if (!p) throw new Error(`audit paper: no Kenya 2022 station ${code}`);
  return p;
}

/** How the paper differs from the log, over all stations. */
export function paperDifferences(): PaperDifferences {
  const all = auditPapers();
  const net = { odinga: 0, ruto: 0, wajackoyah: 0, mwaure: 0 };
  const absolute = { ...net };
  let stations = 0;
  let largest: PaperDifferences['largest'] = {
    station: '',
    candidate: 'odinga',
    paper: 0,
    logged: 0,
  };
  for (const r of presidentialStationResults('reconciled')) {
    const p = all.get(r.code) as AuditPaper;
    let differs = p.rejected !== r.rejected || p.totalValid !== r.totalValid;
    for (const id of PRESIDENTIAL_IDS) {
      const d = p.votes[id] - r[id];
      if (d === 0) continue;
      differs = true;
      net[id] += d;
      absolute[id] += Math.abs(d);
      if (Math.abs(d) > Math.abs(largest.paper - largest.logged))
        largest = { station: r.code, candidate: id, paper: p.votes[id], logged: r[id] };
    }
    if (differs) stations++;
  }
  return { stations, net, absolute, largest };
}

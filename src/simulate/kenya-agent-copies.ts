// What the agents' copies of Kenya's 2022 Forms 34A read, for the demo's
// dissents: the crowdsourced reading of a station's presidential form where
// the reconciliation had to change it (src/kenya/presidential-votes.ts
// presidentialAdjustments()), the logged figures everywhere else. A reading
// no station could hold (more ballots than its registered voters, or than
// the per-stream cap) is a misread, not a copy: left out.
import { loadKenya2022, presidentialAdjustments } from '../kenya/kenya2022.js';
import type { Figures } from './agents-plan.js';

/**
 * The copy of a station's presidential form the agents hold, given the
 * figures logged there: null where it reads the same.
 */
export function kenyaAgentCopies(): (station: string, logged: Figures) => Figures | null {
  const facts = loadKenya2022();
  const cap = facts.perStationCap || 700;
  const registered = new Map(facts.stations.map((s) => [s.code, s.registeredVoters]));
  const byStation = new Map<string, Array<{ candidate: string; crowdsourced: number }>>();
  for (const a of presidentialAdjustments()) {
    const list = byStation.get(a.station) ?? [];
    list.push({ candidate: a.candidate, crowdsourced: a.crowdsourced });
    byStation.set(a.station, list);
  }
  return (station, logged) => {
    const changes = byStation.get(station);
    if (!changes) return null;
    const votes = { ...logged.votes };
    let totalValid = logged.totalValid;
    for (const c of changes) {
      totalValid += c.crowdsourced - (votes[c.candidate] ?? 0);
      votes[c.candidate] = c.crowdsourced;
    }
    const ballots = totalValid + logged.rejected;
    if (ballots > Math.min(cap, registered.get(station) ?? cap)) return null;
    return { votes, rejected: logged.rejected, totalValid };
  };
}

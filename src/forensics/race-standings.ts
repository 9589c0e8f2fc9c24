// Who leads each race: candidates ordered by their votes over the race's
// reporting stations (ties by candidate id, so the order is deterministic).
import type { CandidateId, UnitCode } from '../election/definition.js';
import type { StationFigures } from './station-figures.js';

/** Race unit ("" for a national contest) → its candidates, most votes first. */
export function raceStandings(figures: readonly StationFigures[]): Map<UnitCode, CandidateId[]> {
  const totals = new Map<UnitCode, Map<CandidateId, number>>();
  for (const f of figures) {
    const t = totals.get(f.race) ?? new Map<CandidateId, number>();
    for (const [c, n] of Object.entries(f.votes)) t.set(c, (t.get(c) ?? 0) + n);
    totals.set(f.race, t);
  }
  const out = new Map<UnitCode, CandidateId[]>();
  for (const [race, t] of totals)
    out.set(
      race,
      [...t.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([c]) => c),
    );
  return out;
}

// The contest and unit named in a tally or open-data path, checked the same
// way on every route: an unknown contest lists the known ones; an unknown unit
// is a 404 naming it.
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import { ApiError } from '../errors.js';

export function checkContestAndUnit(index: ElectionIndex, contest: string, unit: string): void {
  if (!index.contests.has(contest))
    throw new ApiError(
      'UNKNOWN_CONTEST',
      `no contest "${contest}"; contests: ${[...index.contests.keys()].join(', ')}`,
      'contest',
    );
  if (unit !== NATION && !index.units.has(unit))
    throw new ApiError(
      'NOT_FOUND',
      `no unit "${unit}" (a county, constituency or ward code)`,
      'unit',
    );
}

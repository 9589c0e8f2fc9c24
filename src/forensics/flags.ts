// What a forensic flag on a station's result can say. A flag is a reason to
// look at the station's form, never proof that anything went wrong.
import type { ContestId, StationCode } from '../election/definition.js';
import type { ResultFlag } from '../election/rules.js';

/**
 * The rule checks: the server's own plausibility flags, under the words the
 * log's tallies carry (FORMATS.md §7.2), and checks of forensics' own.
 */
export type RuleFlag =
  | ResultFlag
  | 'votes-over-registered'
  | 'serial-at-two-stations'
  | 'station-reported-twice';

export type StatisticalFlag = 'turnout-outlier' | 'fingerprint-corner';

export type ForensicFlag = RuleFlag | StatisticalFlag;

/** Rule checks first, in the order the report shows them. */
export const FLAG_ORDER: readonly ForensicFlag[] = [
  'over-cap',
  'over-registered',
  'votes-over-registered',
  'sum-mismatch',
  'serial-at-two-stations',
  'station-reported-twice',
  'turnout-outlier',
  'fingerprint-corner',
];

export const FLAG_TITLES: Record<ForensicFlag, string> = {
  'over-registered': 'More ballots than registered voters (turnout over 100%)',
  'votes-over-registered': 'More valid votes than registered voters',
  'over-cap': 'More ballots than the per-station cap',
  'sum-mismatch': 'Candidate votes do not add up to the valid total',
  'serial-at-two-stations': 'One device serial at two stations',
  'station-reported-twice': 'A station reporting twice',
  'turnout-outlier': 'Turnout outlier within its constituency',
  'fingerprint-corner': 'In the election fingerprint’s corner',
};

/** One flag on one result entry. */
export interface StationFlag {
  flag: ForensicFlag;
  contest: ContestId;
  station: StationCode;
  entryIndex: number;
  /** The figures behind the flag, in words (never starting with =, +, - or @). */
  detail: string;
  /** How far past the line the result is (larger: further), to order the report's tables. */
  magnitude: number;
}

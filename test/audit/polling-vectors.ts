// The ballot-polling sections of ../shared/vectors/rla/rla_vectors.json (Arlo's
// BRAVO tests and values, Arlo's Minerva tests on athena v0.8.3), typed for the
// tests that read them; see that directory's README.md for provenance.
import { readVectorJson } from '../log/vectors.js';

/** An Arlo contest: candidates' reported votes plus these fields. */
export type ArloContest = Record<string, number> & {
  ballots: number;
  numWinners?: number;
  votesAllowed?: number;
};

export interface ArloSizeOption {
  type: string | null;
  size: number;
  prob: number | null;
}

export interface BravoVectors {
  risk_limit_percent: number;
  contests: Record<
    string,
    {
      contest: ArloContest;
      round0_sample_sizes_risk10: Record<string, ArloSizeOption>;
      round1_sample: Record<string, number>;
      round1_p_values: Record<string, number>;
      round1_risk_limit_met: boolean;
    }
  >;
  bravo_sample_sizes_asserted: {
    p_w: number;
    p_r: number;
    sample_w: number;
    sample_r: number;
    p_completion: number;
    expected: number;
  }[];
  expected_prob_asserted: {
    alpha: number;
    p_w: number;
    p_r: number;
    asn: number;
    expected: number;
  };
  multi_pair_asserted: {
    contest: ArloContest;
    round1_sample_size: number;
    round1: Record<string, number>;
    expected: { asn: { prob: number; size: number }; '0.7': number; '0.8': number; '0.9': number };
  };
  not_found_ballots_snapshot: {
    contest: ArloContest;
    round1: Record<string, number>;
    not_found: number;
    expected_p: Record<string, number>;
  };
}

export interface MinervaVectors {
  risk_limit_percent: number;
  sample_size_cases: {
    tally: Record<string, number>;
    expected: { '0.7': number; '0.8': number; '0.9': number };
  }[];
  risk_cases: {
    tally: Record<string, number>;
    round_sizes: number[];
    sample: number[][];
    expected_p: number;
    met: boolean;
  }[];
}

interface PollingSections {
  arlo_bravo: BravoVectors;
  arlo_minerva_asserted: MinervaVectors;
}

export function pollingVectors(): PollingSections {
  return readVectorJson<PollingSections>('rla', 'rla_vectors.json');
}

/** Splits an Arlo contest into the reported tally and its other fields. */
export function splitContest(c: ArloContest) {
  const { ballots, numWinners, votesAllowed, ...reported } = c;
  return { reported: reported as Record<string, number>, ballots, numWinners: numWinners ?? 1 };
}

/** Arlo's pair key "w|l" as kura's pairKey "w>l". */
export const kuraPair = (arloPair: string) => arloPair.replace('|', '>');

/** |got − want| ≤ rel·|want| (exact when want is 0). */
export function closeRelative(got: number, want: number, rel: number): boolean {
  return want === 0 ? got === 0 : Math.abs(got - want) <= rel * Math.abs(want);
}

// The sampler sections of ../shared/vectors/rla/rla_vectors.json, typed for
// the tests that read them (see that directory's README.md for provenance).
import { readVectorJson } from '../log/vectors.js';

/** A sampler output as the reference prints it: [ticket, id, generation]. */
export type TicketTriple = [string, string, number];

export interface SamplerCase {
  name: string;
  id_strings: string[];
  seed_string: string;
  with_replacement: boolean;
  drop: number;
  take: number | null;
  digits: number;
  expected: TicketTriple[];
}

export interface RlaSamplingVectors {
  consistent_sampler_primitives: {
    sha256_hex: { input: string; expected: string }[];
    sha256_uniform: { input: string; expected: string }[];
    first_fraction: {
      id_string: string;
      seed_string: string;
      hash_input: string;
      expected: string;
    }[];
    next_fraction: { input: string; expected: string }[];
    trim: { input: string; digits: number; expected: string }[];
    make_ticket_heap_smallest3: {
      id_strings: string[];
      seed_string: string;
      expected_sorted: TicketTriple[];
    };
  };
  consistent_sampler_cases: SamplerCase[];
  consistent_sampler_stratified: {
    seed_string: string;
    expected_AB: TicketTriple[];
    expected_CD: TicketTriple[];
  };
  arlo_draw_sample: {
    seed_string: string;
    manifest: Record<string, number>;
    with_replacement: boolean;
    digits: number;
    hash_input_example: string;
    full_first_ticket_example: string;
    expected_take20: TicketTriple[];
    expected_round2_drop10_take10: TicketTriple[];
  };
  arlo_style_nested_ids_generated: {
    seed_string: string;
    with_replacement: boolean;
    digits: number;
    manifest: [[string, string | null, string], number][];
    expected_take12: TicketTriple[];
  };
  arlo_ppeb_batch_sample: {
    seed_string: string;
    expected_sample_size10: [string, string][];
  };
  colorado_rla_prng: {
    seed: string;
    min: number;
    max: number;
    with_replacement: boolean;
    expected_first47: number[];
  };
}

export function rlaVectors(): RlaSamplingVectors {
  return readVectorJson<RlaSamplingVectors>('rla', 'rla_vectors.json');
}

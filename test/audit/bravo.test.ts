// BRAVO ballot polling against every arlo_bravo vector of ../shared/vectors/rla
// (Arlo's test contests, its asserted sizes, and the p-values its bravo.py
// computes), then properties on seeded random contests. p-values agree with
// Arlo's (28-digit Decimal) within 1e-12 relative; sizes and the rounded
// probabilities exactly. Each vector check is also shown to turn red on a
// tampered input, so none of them can pass vacuously.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bravoExpectedProb,
  bravoOnePairSampleSize,
  bravoRisk,
  bravoSampleSizes,
  ceilDivBySum,
  pairKey,
  powerOfTwo,
  roundHalfEven2,
  scaleByPowerOfTwo,
} from '../../src/audit/bravo.js';
import { rng } from '../../src/simulate/random.js';
import { closeRelative, kuraPair, pollingVectors, splitContest } from './polling-vectors.js';

const vectors = pollingVectors().arlo_bravo;
const RISK = vectors.risk_limit_percent;
const REL = 1e-12;
const at = (t: Readonly<Record<string, number>>, k: string): number => t[k] ?? 0;

/** Every pair p-value of `got` within REL of the vector's (same pairs, no more, no less). */
function pValuesMatch(got: Record<string, number>, want: Record<string, number>): boolean {
  const keys = Object.keys(want).map(kuraPair);
  if (keys.length !== Object.keys(got).length) return false;
  return Object.entries(want).every(([k, v]) => {
    const g = got[kuraPair(k)];
    return g !== undefined && closeRelative(g, v, REL);
  });
}

describe('BRAVO p-values: Arlo test contests, round 1', () => {
  for (const [name, c] of Object.entries(vectors.contests)) {
    test(name, () => {
      const { reported, ballots, numWinners } = splitContest(c.contest);
      const r = bravoRisk(reported, numWinners, c.round1_sample, RISK, { ballots });
      assert.ok(pValuesMatch(r.pairs, c.round1_p_values), JSON.stringify(r.pairs));
      assert.equal(r.met, c.round1_risk_limit_met);
      assert.equal(r.pValue, Math.max(...Object.values(r.pairs)));
      // Tampered: one more sampled vote for each loser changes the figures.
      const ranked = Object.keys(reported).sort((a, b) => at(reported, b) - at(reported, a));
      const worse = { ...c.round1_sample };
      for (const l of ranked.slice(numWinners)) worse[l] = (worse[l] ?? 0) + 1;
      const t = bravoRisk(reported, numWinners, worse, RISK, { ballots });
      assert.ok(
        !pValuesMatch(t.pairs, c.round1_p_values),
        `${name}: tampered sample still matches`,
      );
    });
  }
});

describe('BRAVO sample sizes: Arlo test contests, round 0 (10% risk limit)', () => {
  for (const [name, c] of Object.entries(vectors.contests)) {
    test(name, () => {
      const { reported, ballots, numWinners } = splitContest(c.contest);
      const got = bravoSampleSizes(reported, numWinners, {}, RISK, ballots);
      const want = c.round0_sample_sizes_risk10;
      const asArlo = (s: typeof got) => {
        // Arlo gives only the ASN when there are several winners.
        const out: Record<string, unknown> = { asn: { size: s.asn.size, prob: s.asn.prob } };
        if (numWinners === 1) for (const q of ['0.7', '0.8', '0.9'] as const) out[q] = s[q];
        return out;
      };
      const wanted: Record<string, unknown> = {
        asn: { size: want.asn?.size, prob: want.asn?.prob },
      };
      for (const q of ['0.7', '0.8', '0.9']) if (want[q]) wanted[q] = want[q]?.size;
      assert.equal(got.allBallots, false);
      assert.deepEqual(asArlo(got), wanted);
      // Tampered: more reported votes for the strongest loser move some size.
      const ranked = Object.keys(reported).sort((a, b) => at(reported, b) - at(reported, a));
      const loser = ranked[numWinners] as string;
      const moved = { ...reported, [loser]: at(reported, loser) + Math.ceil(ballots / 50) };
      assert.notDeepEqual(asArlo(bravoSampleSizes(moved, numWinners, {}, RISK, ballots)), wanted);
    });
  }
});

describe("Arlo's asserted BRAVO estimates", () => {
  test('bravo_sample_sizes (alpha 0.1, 10,000 ballots)', () => {
    for (const a of vectors.bravo_sample_sizes_asserted) {
      const size = (pc: number) =>
        bravoOnePairSampleSize(0.1, a.p_w, a.p_r, a.sample_w, a.sample_r, pc, 10000);
      assert.equal(size(a.p_completion), a.expected, JSON.stringify(a));
      if (a.expected > 0) assert.notEqual(size(a.p_completion + 0.02), a.expected);
    }
  });

  test('expected_prob', () => {
    const e = vectors.expected_prob_asserted;
    assert.equal(bravoExpectedProb(e.alpha, e.p_w, e.p_r, 0, 0, e.asn), e.expected);
    assert.notEqual(bravoExpectedProb(e.alpha, e.p_w, e.p_r, 0, 0, e.asn + 10), e.expected);
  });

  test('every pair counts: round 2 sizes after a sample that met the closest pair only', () => {
    const m = vectors.multi_pair_asserted;
    const { reported, ballots } = splitContest(m.contest);
    const got = bravoSampleSizes(reported, 1, m.round1, RISK, ballots);
    const pick = (s: typeof got) => ({
      asn: s.asn,
      '0.7': s['0.7'],
      '0.8': s['0.8'],
      '0.9': s['0.9'],
    });
    assert.deepEqual(pick(got), m.expected);
    const fewer = { ...m.round1, candidate3: (m.round1.candidate3 ?? 0) - 20 };
    assert.notDeepEqual(pick(bravoSampleSizes(reported, 1, fewer, RISK, ballots)), m.expected);
  });

  test('not-found ballots count as votes for every loser (Arlo snapshot)', () => {
    const n = vectors.not_found_ballots_snapshot;
    const { reported, ballots, numWinners } = splitContest(n.contest);
    const found = bravoRisk(reported, numWinners, n.round1, RISK, { ballots });
    const r = bravoRisk(reported, numWinners, n.round1, RISK, { ballots, notFound: n.not_found });
    assert.ok(pValuesMatch(r.pairs, n.expected_p), JSON.stringify(r.pairs));
    assert.ok(!pValuesMatch(found.pairs, n.expected_p), 'without the not-found ballot it differs');
    for (const [k, p] of Object.entries(r.pairs)) assert.ok(p > (found.pairs[k] as number), k);
    // The rule itself: the same as adding the votes to each loser by hand.
    const byHand = {
      ...n.round1,
      cand3: at(n.round1, 'cand3') + 2,
      cand4: at(n.round1, 'cand4') + 2,
    };
    assert.deepEqual(
      bravoRisk(reported, numWinners, n.round1, RISK, { ballots, notFound: 2 }).pairs,
      bravoRisk(reported, numWinners, byHand, RISK, { ballots }).pairs,
    );
  });
});

describe('BRAVO edge cases (Arlo tests)', () => {
  test('a full hand count has risk 0', () => {
    const reported = { cand1: 500, cand2: 500 };
    assert.equal(bravoRisk(reported, 1, {}, RISK, { ballots: 1000 }).pairs['cand1>cand2'], 1);
    const full = bravoRisk(reported, 1, { cand1: 501, cand2: 499 }, RISK, { ballots: 1000 });
    assert.deepEqual(full, { pValue: 0, pairs: { 'cand1>cand2': 0 }, met: true });
  });

  test('a loser reported with no votes but seen in the sample: p = 1, not an error', () => {
    const reported = { cand1: 700, cand2: 200, cand3: 1, cand4: 0, cand5: 10 };
    const sample = { cand1: 7, cand2: 0, cand3: 0, cand4: 12, cand5: 3 };
    const r = bravoRisk(reported, 1, sample, 5, { ballots: 1000 });
    assert.equal(r.pairs['cand1>cand4'], 1);
    assert.equal(r.met, false);
  });

  test('a tie asks for every ballot; a landslide for one', () => {
    const tie = bravoSampleSizes({ a: 500, b: 500 }, 1, {}, RISK, 1000);
    assert.deepEqual(tie, {
      allBallots: true,
      asn: { size: 1000, prob: null },
      '0.7': 1000,
      '0.8': 1000,
      '0.9': 1000,
    });
    const slide = bravoSampleSizes({ a: 1000, b: 0 }, 1, {}, RISK, 1000);
    assert.deepEqual(slide.asn, { size: 1, prob: 1 });
  });

  test('large contests: a round of a quarter of the ballots suggests a full count', () => {
    const s = bravoSampleSizes({ a: 2471981, b: 2457924, c: 62058 }, 1, {}, RISK, 4992420);
    assert.equal(s.allBallots, true);
    assert.equal(s['0.9'], 4992420);
  });

  test('bad input is refused with the field named', () => {
    const reported = { a: 60, b: 40 };
    assert.throws(() => bravoRisk(reported, 2, {}, RISK), /numWinners/);
    assert.throws(() => bravoRisk(reported, 1, { c: 1 }, RISK), /sample\.c: not a candidate/);
    assert.throws(
      () => bravoRisk(reported, 1, { a: -1 }, RISK),
      /sample\.a: must be a non-negative integer/,
    );
    assert.throws(() => bravoRisk(reported, 1, { a: 1.5 }, RISK), /sample\.a/);
    assert.throws(() => bravoRisk({ a: 60, b: Number.NaN }, 1, {}, RISK), /reported\.b/);
    assert.throws(() => bravoRisk(reported, 1, {}, 0), /riskLimitPercent/);
    assert.throws(() => bravoRisk(reported, 1, {}, 100), /riskLimitPercent/);
    assert.throws(() => bravoRisk(reported, 1, {}, RISK, { notFound: -2 }), /notFound/);
    assert.throws(() => bravoSampleSizes(reported, 1, {}, RISK, 0), /totalBallots/);
    assert.throws(
      () => bravoRisk({ a: 5, b: 0, c: 0 }, 2, {}, RISK),
      /reported\.b: a reported winner needs at least one vote/,
    );
  });
});

describe('BRAVO exact arithmetic', () => {
  test('powers of two are built exactly', () => {
    assert.equal(powerOfTwo(0), 1);
    assert.equal(powerOfTwo(-1074), Number.MIN_VALUE);
    assert.equal(powerOfTwo(1023) * 2, Number.POSITIVE_INFINITY);
    assert.equal(powerOfTwo(-1022), 2.2250738585072014e-308);
    for (let k = -60; k <= 60; k++) assert.equal(powerOfTwo(k), k < 0 ? 1 / 2 ** -k : 2 ** k);
  });

  test('scaling by 2^k rounds once, into the subnormals', () => {
    assert.equal(scaleByPowerOfTwo(1.5, -1074), 2 * Number.MIN_VALUE); // 1.5 ulp: tie to even
    assert.equal(scaleByPowerOfTwo(1.25, -1074), Number.MIN_VALUE);
    assert.equal(scaleByPowerOfTwo(3, -1076), Number.MIN_VALUE); // 0.75 ulp
    assert.equal(scaleByPowerOfTwo(2 ** 200, -1400), 0); // far below the subnormals
    assert.equal(scaleByPowerOfTwo(2 ** 200, -1274), Number.MIN_VALUE);
    assert.equal(scaleByPowerOfTwo(0.75, -600), 0.75 * 2 ** -600);
  });

  test('extreme samples: no overflow, no NaN, p in [0, 1]', () => {
    const reported = { w: 1000, l: 1 };
    // True T = 1.998^1100 · 0.002^120 ≈ 10^6.6: the naive product overflows then underflows.
    const p = bravoRisk(reported, 1, { w: 1100, l: 120 }, RISK).pValue;
    assert.ok(p > 1e-8 && p < 1e-6, String(p));
    assert.equal(bravoRisk(reported, 1, { w: 1_000_000, l: 0 }, RISK).pValue, 0);
    assert.equal(bravoRisk(reported, 1, { w: 0, l: 1_000_000 }, RISK).pValue, 1);
  });

  test('agrees with exact rational arithmetic within 1e-14', () => {
    // V_w = 3, V_l = 1 make the factors dyadic (g = 3/2, h = 1/2), so the exact
    // p = 1/T = 2^(a+b) / 3^a is a ratio of integers.
    const reported = { w: 3, l: 1 };
    for (const [a, b] of [
      [10, 3],
      [300, 100],
      [1500, 200],
    ] as const) {
      const got = bravoRisk(reported, 1, { w: a, l: b }, RISK).pairs['w>l'] as number;
      const exact = ratio(2n ** BigInt(a + b), 3n ** BigInt(a));
      assert.ok(closeRelative(got, Math.min(1, exact), 1e-14), `${a},${b}: ${got} vs ${exact}`);
    }
  });

  test('ceil of a quotient by a sum of binary64s is exact (Arlo Decimal)', () => {
    // 0.36 + 0.32 is 0.6799999999999999 in binary64 but slightly above 0.68 − 7e-18 exactly.
    assert.equal(Math.ceil(1683 / (0.36 + 0.32)), 2475);
    assert.equal(ceilDivBySum(1683, 0.36, 0.32), 2476);
    assert.equal(ceilDivBySum(1000, 0.5, 0.5), 1000);
    assert.equal(ceilDivBySum(0, 0.3, 0.2), 0);
  });

  test("Python's round(x, 2): exact ties go to even", () => {
    assert.equal(roundHalfEven2(0.125), 0.12);
    assert.equal(roundHalfEven2(0.375), 0.38);
    assert.equal(roundHalfEven2(0.625), 0.62);
    assert.equal(roundHalfEven2(0.515), 0.52); // 0.515 is above the tie in binary
    assert.equal(roundHalfEven2(0.514999), 0.51);
  });
});

describe('BRAVO p-values are part of the log format', () => {
  // The worked examples of docs/FORMATS.md §15: a logged risk is String(p), and
  // an independent implementation of the spec must print the same digits. A
  // change of arithmetic order would break the verification of existing logs,
  // so these exact strings are pinned (an independent Python transcription of
  // the spec printed the same for 200 random contests during development).
  test('worked examples', () => {
    const p = (r: ReturnType<typeof bravoRisk>) => String(r.pValue);
    assert.equal(
      p(bravoRisk({ cand1: 600, cand2: 400 }, 1, { cand1: 72, cand2: 47 }, 10)),
      '0.07140372947931473',
    );
    assert.equal(
      p(bravoRisk({ a: 1000, b: 1 }, 1, { a: 1100, b: 120 }, 10)),
      '1.8749073634604492e-7',
    );
    const nf = bravoRisk(
      { cand1: 500, cand2: 200, cand3: 100, cand4: 100 },
      2,
      { cand1: 50, cand2: 20, cand3: 10, cand4: 12 },
      10,
      { notFound: 1 },
    );
    assert.deepEqual(Object.fromEntries(Object.entries(nf.pairs).map(([k, v]) => [k, String(v)])), {
      'cand1>cand3': '0.0000014318460345905051',
      'cand1>cand4': '0.000012886614311314537',
      'cand2>cand3': '0.2743020905011424',
      'cand2>cand4': '0.6171797036275704',
    });
  });
});

describe('BRAVO properties (seeded random contests)', () => {
  const next = rng('kura bravo properties');
  const int = (n: number) => Math.floor(next() * n);
  const contests = Array.from({ length: 60 }, () => {
    const k = 2 + int(4);
    const reported: Record<string, number> = {};
    for (let i = 0; i < k; i++) reported[`c${i}`] = 1 + int(50000);
    const sample: Record<string, number> = {};
    for (let i = 0; i < k; i++) sample[`c${i}`] = int(800);
    return { reported, numWinners: 1 + int(k - 1), sample };
  });

  test('one more sampled vote for a winner never raises a p-value; for a loser never lowers one', () => {
    for (const { reported, numWinners, sample } of contests) {
      const before = bravoRisk(reported, numWinners, sample, RISK);
      for (const c of Object.keys(reported)) {
        const after = bravoRisk(reported, numWinners, { ...sample, [c]: at(sample, c) + 1 }, RISK);
        for (const [pair, p] of Object.entries(after.pairs)) {
          const [w, l] = pair.split('>');
          const was = before.pairs[pair] as number;
          if (c === w) assert.ok(p <= was, `${pair} +${c}: ${p} > ${was}`);
          if (c === l) assert.ok(p >= was, `${pair} +${c}: ${p} < ${was}`);
          if (c !== w && c !== l) assert.equal(p, was);
        }
      }
    }
  });

  test('the risk is the largest pair p-value, in [0, 1]; met iff it is ≤ the limit', () => {
    for (const { reported, numWinners, sample } of contests) {
      const r = bravoRisk(reported, numWinners, sample, RISK);
      const ps = Object.values(r.pairs);
      assert.equal(ps.length, numWinners * (Object.keys(reported).length - numWinners));
      assert.ok(ps.every((p) => p >= 0 && p <= 1));
      assert.equal(r.pValue, Math.max(...ps));
      assert.equal(r.met, r.pValue <= RISK / 100);
    }
  });

  test('winners are the most voted, ties in the tally order', () => {
    const r = bravoRisk({ b: 10, a: 30, c: 30, d: 5 }, 2, {}, RISK);
    assert.deepEqual(Object.keys(r.pairs), [
      pairKey('a', 'b'),
      pairKey('a', 'd'),
      pairKey('c', 'b'),
      pairKey('c', 'd'),
    ]);
  });

  test('a better chance of finishing takes a larger round', () => {
    for (const { reported } of contests.slice(0, 20)) {
      const total = Object.values(reported).reduce((s, v) => s + v, 0);
      const first = bravoSampleSizes(reported, 1, {}, RISK, total);
      if (first.allBallots) continue;
      assert.ok(
        first['0.7'] <= first['0.8'] && first['0.8'] <= first['0.9'],
        JSON.stringify(first),
      );
    }
  });
});

/** num ÷ den as a binary64 (to 64 bits before the final rounding). */
function ratio(num: bigint, den: bigint): number {
  const shift = num.toString(2).length - den.toString(2).length - 64;
  const q = shift >= 0 ? num / (den << BigInt(shift)) : (num << BigInt(-shift)) / den;
  return Number(q) * 2 ** shift;
}

// Minerva ballot polling against every arlo_minerva_asserted vector of
// ../shared/vectors/rla (Arlo's tests, values from athena v0.8.3): risks within
// 1e-12 relative (athena takes binomial probabilities from scipy, kura computes
// them with + − × ÷ only; on 120 random multi-round audits run through athena
// the largest difference seen was 3e-14), sample sizes exactly. Then
// properties on seeded random audits; each vector check turns red when tampered.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bravoRisk } from '../../src/audit/bravo.js';
import {
  binomialTable,
  convolve,
  firstRoundSize,
  minervaRisk,
  minervaSampleSizes,
  pairShare,
  stoppingProbability,
  tails,
} from '../../src/audit/minerva.js';
import { rng } from '../../src/simulate/random.js';
import { closeRelative, pollingVectors } from './polling-vectors.js';

const vectors = pollingVectors().arlo_minerva_asserted;
const RISK = vectors.risk_limit_percent;
const REL = 1e-12;

/** Arlo's make_arlo_contest: "_undervote_" is ballots without a vote; ballots = everything. */
function arloContest(tally: Record<string, number>) {
  const { _undervote_, ...reported } = tally;
  const ballots = Object.values(tally).reduce((s, v) => s + v, 0);
  return { reported, ballots, names: Object.keys(reported) };
}

describe('Minerva risk: Arlo tests (athena v0.8.3 values)', () => {
  vectors.risk_cases.forEach((c, i) => {
    test(`case ${i + 1}: ${c.sample.length} round(s), expected ${c.expected_p}`, () => {
      const { reported, names } = arloContest(c.tally);
      const rounds = c.sample.map((row) =>
        Object.fromEntries(names.map((n, j) => [n, row[j] ?? 0])),
      );
      const sizes = c.round_sizes.slice(0, rounds.length);
      const r = minervaRisk(reported, rounds, sizes, RISK);
      assert.ok(closeRelative(r.pValue, c.expected_p, REL), `${r.pValue} vs ${c.expected_p}`);
      assert.equal(r.met, c.met);
      // Tampered: one sampled vote moved from the winner to the runner-up in the last round.
      const last = rounds.length - 1;
      const moved = rounds.map((row, j) =>
        j === last ? { ...row, a: (row.a ?? 0) - 1, b: (row.b ?? 0) + 1 } : row,
      );
      const t = minervaRisk(reported, moved, sizes, RISK);
      assert.ok(!closeRelative(t.pValue, c.expected_p, REL), 'tampered sample still matches');
    });
  });
});

describe('Minerva sample sizes: Arlo tests (athena v0.8.3 values, 10% risk limit)', () => {
  vectors.sample_size_cases.forEach((c, i) => {
    test(`case ${i + 1}: ${JSON.stringify(c.tally)}`, () => {
      const { reported, ballots } = arloContest(c.tally);
      assert.deepEqual(minervaSampleSizes(reported, [], RISK, { ballots }), c.expected);
      // Tampered: a closer runner-up needs more ballots.
      const at = (k: string) => reported[k] ?? 0;
      const [first, second] = Object.keys(reported).sort((x, y) => at(y) - at(x)) as [
        string,
        string,
      ];
      const extra = Math.ceil(at(first) / 20);
      const closer = { ...reported, [second]: at(second) + extra };
      const tampered = minervaSampleSizes(closer, [], RISK, { ballots: ballots + extra });
      assert.notDeepEqual(tampered, c.expected);
    });
  });

  test("Arlo's doctests: a 20% limit, and a second round (first × 1.5²)", () => {
    const c3 = { a: 600, b: 400, c: 100 };
    assert.deepEqual(minervaSampleSizes(c3, [], 20, { ballots: 1200 }), {
      '0.7': 87,
      '0.8': 110,
      '0.9': 156,
    });
    assert.deepEqual(minervaSampleSizes(c3, [100], RISK, { ballots: 1200 }), {
      '0.7': 225,
      '0.8': 225,
      '0.9': 225,
    });
  });

  test('a tie asks for every ballot', () => {
    assert.deepEqual(minervaSampleSizes({ a: 500, b: 500 }, [], RISK, { ballots: 1100 }), {
      '0.7': 1100,
      '0.8': 1100,
      '0.9': 1100,
    });
  });
});

describe('Minerva arithmetic', () => {
  test('binomial tables agree with exact rational probabilities (p = 3/4) within 1e-14', () => {
    const p = pairShare(3, 1);
    assert.equal(p, 0.75);
    for (const d of [0, 1, 7, 60, 400]) {
      const table = binomialTable(d, p);
      const total = 4n ** BigInt(d);
      for (let j = 0; j <= d; j++) {
        const exact = ratio(binomial(d, j) * 3n ** BigInt(j), total);
        assert.ok(closeRelative(table[j] as number, exact, 1e-13), `${d},${j}`);
      }
    }
  });

  test('the tied table is symmetric and a certain winner puts all mass on d', () => {
    const t = binomialTable(31, 0.5);
    for (let j = 0; j <= 31; j++) assert.equal(t[j], t[31 - j]);
    assert.deepEqual([...binomialTable(5, 1)], [0, 0, 0, 0, 0, 1]);
  });

  test('convolution adds independent draws; tails are upper sums', () => {
    const a = binomialTable(40, 0.6);
    const b = binomialTable(25, 0.6);
    const c = convolve(a, b);
    const direct = binomialTable(65, 0.6);
    for (let j = 0; j <= 65; j++)
      assert.ok(Math.abs((c[j] as number) - (direct[j] as number)) < 1e-15);
    const t = tails(new Float64Array([0.25, 0.5, 0.25]));
    assert.deepEqual([...t], [1, 0.75, 0.25, 0]);
  });

  test('skipping the zeros changes no bit: the convolution equals its definition', () => {
    // Large tables: their far tails underflow to exact zeros, which convolve skips.
    const a = binomialTable(3000, 0.52);
    a.fill(0, 1580); // truncated at a kmin, as between rounds
    const b = binomialTable(2500, 0.52);
    const c = convolve(a, b);
    for (let j = 0; j < c.length; j += 7) {
      let s = 0;
      for (let i = Math.max(0, j - b.length + 1); i <= Math.min(j, a.length - 1); i++) {
        s += (a[i] as number) * (b[j - i] as number);
      }
      assert.equal(c[j], s, `c[${j}]`);
    }
    assert.ok(b[0] === 0 && b[2500] === 0, 'the tails did underflow');
  });

  test('the first-round size is the fewest ballots whose stopping chance passes the goal, as found', () => {
    for (const margin of [0.2, 0.05]) {
      const p = (1 + margin) / 2;
      const n = firstRoundSize(margin, 0.1, 0.9);
      assert.ok(stoppingProbability(n, p, 0.1) > 0.9, `${margin}: ${n}`);
      assert.ok(
        stoppingProbability(n - 1, p, 0.1) <= 0.9 || stoppingProbability(n - 2, p, 0.1) <= 0.9,
      );
    }
  });
});

describe('Minerva risks are part of the log format', () => {
  // Worked examples of docs/FORMATS.md §15 (see bravo.test.ts: exact strings,
  // pinned because a logged risk is String(p) and verification recomputes it).
  test('worked examples', () => {
    const c = { a: 600, b: 400, c: 100 };
    const one = minervaRisk(c, [{ a: 56, b: 40, c: 3 }], [100], 10);
    assert.equal(String(one.pValue), '0.09339457998010706');
    const two = minervaRisk(
      c,
      [
        { a: 40, b: 40, c: 3 },
        { a: 70, b: 30, c: 10 },
      ],
      [83, 200],
      10,
    );
    assert.equal(String(two.pValue), '0.006382031505998124');
    assert.deepEqual(Object.keys(two.pairs), ['a>b']); // a>c was confirmed in round 1
  });
});

describe('Minerva input checks', () => {
  const reported = { a: 600, b: 400 };
  test('bad input is refused with the field named', () => {
    assert.throws(() => minervaRisk(reported, [], [], RISK), /sampleRounds: at least one round/);
    assert.throws(
      () => minervaRisk(reported, [{ a: 5 }], [], RISK),
      /roundSizes: one size per round/,
    );
    assert.throws(
      () => minervaRisk(reported, [{ a: 50, b: 40 }], [80], RISK),
      /roundSizes\[0\]: 80 ballots cannot hold 90 votes/,
    );
    assert.throws(
      () => minervaRisk(reported, [{ z: 5 }], [10], RISK),
      /sampleRounds\[0\]\.z: not a candidate/,
    );
    assert.throws(
      () => minervaRisk(reported, [{ a: 5 }], [10], RISK, { notFound: [1, 2] }),
      /notFound: one count per round/,
    );
    assert.throws(() => minervaRisk(reported, [{ a: 5 }], [10], 0), /riskLimitPercent/);
    assert.throws(
      () => minervaSampleSizes(reported, [], RISK, { ballots: 10 }),
      /ballots: 10 is fewer/,
    );
  });

  test('rounds after the audit met the limit are refused', () => {
    const done = { a: 95, b: 5 };
    assert.equal(minervaRisk(reported, [done], [100], RISK).met, true);
    assert.throws(
      () => minervaRisk(reported, [done, done], [100, 100], RISK),
      /already met the risk limit/,
    );
  });

  test('not-found ballots count for every loser (Arlo rule)', () => {
    const three = { a: 600, b: 400, c: 100 };
    const withMissing = minervaRisk(three, [{ a: 56, b: 40, c: 1 }], [100], RISK, {
      notFound: [2],
    });
    const byHand = minervaRisk(three, [{ a: 56, b: 42, c: 3 }], [102], RISK);
    assert.deepEqual(withMissing, byHand);
    assert.ok(
      withMissing.pValue > minervaRisk(three, [{ a: 56, b: 40, c: 1 }], [100], RISK).pValue,
    );
  });
});

describe('Minerva properties (seeded random audits)', () => {
  const next = rng('kura minerva properties');
  const int = (n: number) => Math.floor(next() * n);
  const audits = Array.from({ length: 40 }, () => {
    const k = 2 + int(3);
    const reported: Record<string, number> = {};
    for (let i = 0; i < k; i++) reported[`c${i}`] = 100 + int(5000);
    const rounds = Array.from({ length: 1 + int(3) }, () => {
      const row: Record<string, number> = {};
      for (let i = 0; i < k; i++) row[`c${i}`] = int(120);
      return row;
    });
    return {
      reported,
      rounds,
      sizes: rounds.map((r) => Object.values(r).reduce((s, v) => s + v, 0) + int(10)),
    };
  });
  /** The risk, or 0 when the audit already ended before the last round (it met the limit). */
  const riskOf = (a: (typeof audits)[number], rounds: Record<string, number>[]) => {
    try {
      return minervaRisk(a.reported, rounds, a.sizes, RISK).pValue;
    } catch (e) {
      if (String(e).includes('already met')) return 0;
      throw e;
    }
  };

  test('a sampled loser vote turned into a winner vote never raises the risk', () => {
    let checked = 0;
    for (const a of audits) {
      const ranked = Object.keys(a.reported).sort(
        (x, y) => (a.reported[y] ?? 0) - (a.reported[x] ?? 0),
      );
      const winner = ranked[0] as string;
      const before = riskOf(a, a.rounds);
      for (let r = 0; r < a.rounds.length; r++) {
        for (const loser of ranked.slice(1)) {
          const row = a.rounds[r] as Record<string, number>;
          if ((row[loser] ?? 0) === 0) continue;
          const swapped = a.rounds.map((x, j) =>
            j === r ? { ...x, [loser]: (x[loser] ?? 0) - 1, [winner]: (x[winner] ?? 0) + 1 } : x,
          );
          const after = riskOf(a, swapped);
          assert.ok(after <= before * (1 + 1e-12), `${after} > ${before}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `${checked}`);
  });

  test('one round: Minerva is never riskier than BRAVO on the same ballots', () => {
    for (const a of audits) {
      const first = a.rounds[0] as Record<string, number>;
      const m = minervaRisk(a.reported, [first], [a.sizes[0] as number], RISK);
      const b = bravoRisk(a.reported, 1, first, RISK);
      for (const [pair, risk] of Object.entries(m.pairs)) {
        assert.ok(
          risk <= (b.pairs[pair] as number) * (1 + 1e-12),
          `${pair}: ${risk} > ${b.pairs[pair]}`,
        );
      }
    }
  });

  test('the risk is in [0, 1]; met iff it is at most the limit', () => {
    for (const a of audits) {
      try {
        const r = minervaRisk(a.reported, a.rounds, a.sizes, RISK);
        assert.ok(r.pValue >= 0 && r.pValue <= 1);
        assert.equal(r.met, r.pValue <= RISK / 100);
        assert.equal(r.pValue, Math.min(1, Math.max(...Object.values(r.pairs))));
      } catch (e) {
        assert.match(String(e), /already met/);
      }
    }
  });

  test('sizes grow with the goal', () => {
    for (const a of audits.slice(0, 10)) {
      const s = minervaSampleSizes(a.reported, [], RISK);
      assert.ok(s['0.7'] <= s['0.8'] && s['0.8'] <= s['0.9'], JSON.stringify(s));
    }
  });
});

function binomial(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** num ÷ den as a binary64 (to 64 bits before the final rounding). */
function ratio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = num.toString(2).length - den.toString(2).length - 64;
  const q = shift >= 0 ? num / (den << BigInt(shift)) : (num << BigInt(-shift)) / den;
  return Number(q) * 2 ** shift;
}

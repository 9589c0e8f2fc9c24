// The statistical analyses on constructed data whose answer is known.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chiSquarePValue, lnGamma, upperGammaQ } from '../../src/forensics/chi-square.js';
import { CORNER, FINGERPRINT_BINS, fingerprint } from '../../src/forensics/fingerprint.js';
import { histogram, median } from '../../src/forensics/histogram.js';
import { lastDigitAnalysis, lastDigitTest, MIN_COUNT } from '../../src/forensics/last-digits.js';
import { raceStandings } from '../../src/forensics/race-standings.js';
import { robustZ, turnoutOutliers } from '../../src/forensics/turnout-outliers.js';
import { figure, seededRandom } from './fixtures.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not within ${tol} of ${b}`);

describe('chi-square p-values', () => {
  test('ln Γ at known points', () => {
    close(lnGamma(5), Math.log(24), 1e-12, 'ln Γ(5)');
    close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, 'ln Γ(1/2)');
    close(lnGamma(4.5), Math.log(11.631728396567448), 1e-12, 'ln Γ(4.5)');
  });

  test('the upper tail matches tables and closed forms', () => {
    // Two degrees of freedom: P(X ≥ x) = exp(−x/2) exactly.
    for (const x of [0.5, 2, 7, 30])
      close(chiSquarePValue(x, 2), Math.exp(-x / 2), 1e-12, `df 2, x ${x}`);
    // Critical values of the 9-d.f. distribution (standard tables).
    close(chiSquarePValue(16.919, 9), 0.05, 2e-4, '9 d.f. at 5%');
    close(chiSquarePValue(21.666, 9), 0.01, 5e-5, '9 d.f. at 1%');
    close(chiSquarePValue(27.877, 9), 0.001, 5e-6, '9 d.f. at 0.1%');
    close(chiSquarePValue(8.343, 9), 0.5, 5e-4, '9 d.f. median');
    assert.equal(chiSquarePValue(0, 9), 1);
    assert.ok(chiSquarePValue(500, 9) < 1e-90);
    // Q(1, x) = exp(−x) on both sides of the series/continued-fraction switch.
    for (const x of [0.3, 1.9, 2.1, 12])
      close(upperGammaQ(1, x), Math.exp(-x), 1e-12, `Q(1, ${x})`);
  });
});

describe('last-digit test', () => {
  test('exactly uniform last digits pass (chi-square 0, p = 1)', () => {
    const counts = Array.from({ length: 1000 }, (_, i) => 10 + i);
    const t = lastDigitTest('uniform', counts);
    assert.deepEqual(t.digits, new Array(10).fill(100));
    assert.equal(t.chiSquare, 0);
    assert.equal(t.pValue, 1);
    assert.equal(t.deviates, false);
  });

  test('a random sample of honest-sized counts passes', () => {
    const rand = seededRandom(2022);
    const counts = Array.from({ length: 5000 }, () => 20 + Math.floor(rand() * 400));
    const t = lastDigitTest('random', counts);
    assert.equal(t.n, 5000);
    assert.ok(t.pValue > 0.01, `p = ${t.pValue}`);
    assert.equal(t.deviates, false);
  });

  test('too many 0s and 5s fail', () => {
    const rand = seededRandom(7);
    // Half the counts rounded to a multiple of 5: as invented numbers often are.
    const counts = Array.from({ length: 2000 }, (_, i) => {
      const c = 20 + Math.floor(rand() * 400);
      return i % 2 ? c - (c % 5) : c;
    });
    const t = lastDigitTest('heaped', counts);
    assert.ok((t.digits[0] as number) > 400 && (t.digits[5] as number) > 400, String(t.digits));
    assert.ok(t.pValue < 1e-10, `p = ${t.pValue}`);
    assert.equal(t.deviates, true);
  });

  test('counts below the minimum are left out, and a small sample is not judged', () => {
    const t = lastDigitTest('small', [0, 1, 2, 9, MIN_COUNT - 1, 10, 20, 30, 40]);
    assert.equal(t.n, 4);
    assert.deepEqual(t.digits, [4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(t.enough, false);
    assert.equal(t.deviates, false, 'four zeros are too few to judge');
  });

  test('per place in the race: the winner’s counts tested on their own', () => {
    const rand = seededRandom(11);
    const figs = Array.from({ length: 400 }, (_, i) => {
      const a = 200 + Math.floor(rand() * 300);
      return figure(`S${i}`, {
        registered: 1000,
        // The winner's counts all end in 0; the runner-up's are honest.
        votes: { alpha: a - (a % 10), beta: 20 + Math.floor(rand() * 150) },
      });
    });
    const contest = {
      id: 'president',
      kind: 'president' as const,
      title: 'President',
      scope: 'nation' as const,
      forms: { station: 'A', constituency: 'B', declaration: 'C' },
      candidates: [
        { id: 'alpha', name: 'Asha Alpha', party: 'A', unit: null },
        { id: 'beta', name: 'Baraka Beta', party: 'B', unit: null },
      ],
    };
    const a = lastDigitAnalysis(contest, figs, raceStandings(figs));
    assert.equal(a.byRank.length, 2);
    assert.match(a.byRank[0]?.label ?? '', /^Asha Alpha \(placed 1\)/);
    assert.equal(a.byRank[0]?.digits[0], 400);
    assert.equal(a.byRank[0]?.deviates, true);
    assert.equal(a.byRank[1]?.deviates, false, `p = ${a.byRank[1]?.pValue}`);
    assert.equal(a.pooled.n, 800);
  });
});

describe('election fingerprint', () => {
  test('a ballot-stuffed cluster at 100% turnout and 100% for the winner shows in the corner', () => {
    const rand = seededRandom(5);
    const figs = [];
    for (let i = 0; i < 500; i++) {
      // The honest blob: turnout about 50–75%, winner share about 45–65%.
      const registered = 600;
      const ballots = Math.round(registered * (0.5 + 0.25 * rand()));
      const alpha = Math.round(ballots * (0.45 + 0.2 * rand()));
      figs.push(
        figure(`H${i}`, { registered, votes: { alpha, beta: ballots - alpha }, entryIndex: i + 1 }),
      );
    }
    for (let i = 0; i < 20; i++)
      figs.push(
        figure(`X${i}`, { registered: 500, votes: { alpha: 500, beta: 0 }, entryIndex: 1000 + i }),
      );
    const fp = fingerprint(figs, raceStandings(figs));
    const last = FINGERPRINT_BINS - 1;
    assert.equal(fp.stations, 520);
    assert.equal(fp.cells[last]?.[last], 20, 'the stuffed stations, all in the top-right cell');
    assert.equal(fp.corner.length, 20);
    assert.deepEqual(
      fp.flags.map((f) => f.station).sort(),
      Array.from({ length: 20 }, (_, i) => `X${i}`).sort(),
    );
    assert.ok(fp.flags.every((f) => f.flag === 'fingerprint-corner'));
    // The honest blob stays where it was put.
    let blob = 0;
    for (let t = 20; t < 40; t++) for (let s = 20; s < 35; s++) blob += fp.cells[t]?.[s] ?? 0;
    assert.equal(blob, 500);
    assert.equal(
      fp.cells.flat().reduce((a, b) => a + b, 0),
      520,
    );
  });

  test('over 100% turnout lands in the last column and is counted; no voters or no votes are left out', () => {
    const figs = [
      figure('A', { registered: 100, votes: { alpha: 80, beta: 70 } }), // 150%, share 53%
      figure('B', { registered: 0, votes: { alpha: 3, beta: 0 } }),
      figure('C', { registered: 100, votes: { alpha: 0, beta: 0 } }),
    ];
    const fp = fingerprint(figs, raceStandings(figs));
    assert.equal(fp.stations, 1);
    assert.equal(fp.excluded, 2);
    assert.equal(fp.overTurnout, 1);
    assert.equal(fp.cells[FINGERPRINT_BINS - 1]?.[Math.floor(0.5333 * FINGERPRINT_BINS)], 1);
    assert.equal(fp.corner.length, 0, `share 53% is not ≥ ${CORNER}`);
  });
});

describe('turnout outliers within a constituency', () => {
  test('robust z-scores: median, MAD and the fallback when MAD is 0', () => {
    const r = robustZ([1, 2, 3, 4, 100]);
    assert.equal(r.median, 3);
    assert.equal(r.mad, 1);
    close(r.z[4] as number, 0.6745 * 97, 1e-9, 'z of 100');
    const flat = robustZ([5, 5, 5, 5, 9]);
    assert.equal(flat.mad, 0);
    close(flat.z[4] as number, 4 / (1.253314 * 0.8), 1e-9, 'z by the mean absolute deviation');
    assert.deepEqual(robustZ([7, 7, 7]).z, [0, 0, 0]);
  });

  test('a station far above its neighbours is flagged; a constituency too small is not judged', () => {
    const turnouts = [0.6, 0.62, 0.58, 0.61, 0.59, 0.63, 0.6, 0.97];
    const figs = turnouts.map((t, i) =>
      figure(`S${i}`, {
        constituency: 'C1',
        registered: 1000,
        votes: { alpha: Math.round(t * 600), beta: Math.round(t * 1000) - Math.round(t * 600) },
        entryIndex: i + 1,
      }),
    );
    // A small constituency with one wild station: not judged.
    for (let i = 0; i < 3; i++)
      figs.push(
        figure(`T${i}`, {
          constituency: 'C2',
          registered: 1000,
          votes: { alpha: i === 2 ? 990 : 300, beta: 0 },
          entryIndex: 100 + i,
        }),
      );
    const a = turnoutOutliers(figs, (c) => `Constituency ${c}`);
    assert.deepEqual(
      a.flags.map((f) => f.station),
      ['S7'],
    );
    assert.match(
      a.flags[0]?.detail ?? '',
      /^turnout 97\.0% where the median of Constituency C1 is 60\.5% \(robust z 16\.4\)$/,
    );
    assert.equal(a.constituencies.length, 1);
    assert.equal(a.constituencies[0]?.outliers, 1);
    assert.equal(a.tooSmall, 1);
  });
});

describe('turnout outliers: a small difference is not flagged', () => {
  test('a high z-score three points from a tight median is not an outlier; fifteen points is', () => {
    const make = (last: number) =>
      [0.6, 0.601, 0.602, 0.599, 0.6, last].map((t, i) =>
        figure(`S${i}`, {
          registered: 1000,
          votes: { alpha: Math.round(t * 1000), beta: 0 },
          entryIndex: i + 1,
        }),
      );
    const small = turnoutOutliers(make(0.63));
    const z = small.constituencies[0]?.points[5]?.z ?? 0;
    assert.ok(z > 3.5, `z = ${z}`);
    assert.deepEqual(small.flags, []);
    assert.deepEqual(
      turnoutOutliers(make(0.75)).flags.map((f) => f.station),
      ['S5'],
    );
  });
});

describe('helpers', () => {
  test('histogram bins, overflow and flagged counts', () => {
    const h = histogram([-1, 0, 0.5, 1, 1.99, 2, 50], { from: 0, to: 2, width: 1 }, (v) => v >= 1);
    assert.deepEqual(
      h.bins.map((b) => [b.from, b.to, b.count, b.flagged]),
      [
        [0, 1, 3, 0],
        [1, 2, 2, 2],
        [2, Number.POSITIVE_INFINITY, 2, 2],
      ],
    );
    assert.equal(h.underflow, 1);
    assert.equal(h.overflow, 2);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});

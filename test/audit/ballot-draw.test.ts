// Ballot draws: exactly the consistent sampler's output over the ballot ids
// `${station}:${position}`, however the fast screening pass is tuned (one or
// two prefix digits force ties at the threshold), for ids of one and two
// SHA-256 blocks, in several rounds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BallotManifestEntry,
  drawBallots,
  drawBallotsScreened,
} from '../../src/audit/ballot-draw.js';
import { consistentSample } from '../../src/audit/consistent-sampler.js';

function manifest(n: number, label: (i: number) => string): BallotManifestEntry[] {
  return Array.from({ length: n }, (_, i) => ({ id: label(i), ballots: (i * 53) % 170 }));
}

/** The reference: consistentSample over every ballot id, drop fromDraw, take count. */
function reference(stations: BallotManifestEntry[], seed: string, fromDraw: number, count: number) {
  const ids = stations.flatMap((s) =>
    Array.from({ length: s.ballots }, (_, i) => `${s.id}:${i + 1}`),
  );
  return consistentSample(ids, seed, {
    withReplacement: true,
    drop: fromDraw,
    take: count,
    digits: 18,
  }).map((t, i) => {
    const cut = t.id.lastIndexOf(':');
    return {
      draw: fromDraw + i + 1,
      station: t.id.slice(0, cut),
      position: Number(t.id.slice(cut + 1)),
      ticket: t.ticket,
    };
  });
}

const STATIONS = manifest(30, (i) => `047/282/${1381 + (i % 7)}/${String(i).padStart(2, '0')}`);

describe('drawBallots', () => {
  test('a known answer, computed by an independent Python consistent sampler', () => {
    // python3: hashlib + heapq over the ids "<station>:<position>", seed hash hex + id,
    // reversed zero-padded decimal, next fraction of the full ticket, cut to 18 digits.
    const stations: BallotManifestEntry[] = [
      { id: '047/282/1381/01', ballots: 3 },
      { id: '022/113/0601/01', ballots: 2 },
      { id: '030/150/0777/01', ballots: 4 },
    ];
    const expected: [string, number, string][] = [
      ['030/150/0777/01', 3, '0.228908524556092397'],
      ['022/113/0601/01', 2, '0.314616679824156239'],
      ['047/282/1381/01', 1, '0.325814797113154962'],
      ['047/282/1381/01', 2, '0.389169935728319871'],
      ['030/150/0777/01', 2, '0.487144047768238069'],
      ['047/282/1381/01', 3, '0.504826069325680021'],
      ['047/282/1381/01', 1, '0.514532168535651379'],
      ['022/113/0601/01', 2, '0.555080100450615590'],
    ];
    assert.deepEqual(
      drawBallots(stations, '38475920184756301928', 0, 8),
      expected.map(([station, position, ticket], i) => ({
        draw: i + 1,
        station,
        position,
        ticket,
      })),
    );
  });

  for (const seed of ['38475920184756301928', '12345678901234567890'])
    test(`equals consistentSample over every ballot id (seed ${seed})`, () => {
      assert.ok(STATIONS.some((s) => s.ballots === 0));
      assert.deepEqual(drawBallots(STATIONS, seed, 0, 60), reference(STATIONS, seed, 0, 60));
      assert.deepEqual(drawBallots(STATIONS, seed, 25, 35), reference(STATIONS, seed, 25, 35));
    });

  test('prefix ties at the screening threshold change nothing', () => {
    const seed = '55555555555555555555';
    const expected = reference(STATIONS, seed, 10, 50);
    for (const digits of [1, 2, 3, 6, 9])
      assert.deepEqual(
        drawBallotsScreened(STATIONS, seed, 10, 50, digits),
        expected,
        `${digits} screening digits`,
      );
  });

  test('ids past one SHA-256 block, and non-ASCII station ids', () => {
    const long = manifest(6, (i) => `${'Kaunti ya Mombasa – Kituo '.repeat(2)}${i}`);
    const seed = '10293847561029384756';
    assert.ok(new TextEncoder().encode(`${long[0]?.id}:100`).length > 55);
    assert.deepEqual(drawBallots(long, seed, 0, 40), reference(long, seed, 0, 40));
  });

  test('more draws than ballots, and a sample with repeats', () => {
    const few: BallotManifestEntry[] = [
      { id: 'a', ballots: 2 },
      { id: 'b', ballots: 1 },
    ];
    const draws = drawBallots(few, '1', 0, 12);
    assert.deepEqual(draws, reference(few, '1', 0, 12));
    assert.ok(draws.some((d) => d.station === 'a' && d.position === 2));
  });

  test('the order of the stations does not matter', () => {
    const seed = '24681357902468135790';
    const reversed = [...STATIONS].reverse();
    const interleaved = [
      ...STATIONS.filter((_, i) => i % 2),
      ...STATIONS.filter((_, i) => !(i % 2)),
    ];
    const expected = drawBallots(STATIONS, seed, 0, 40);
    assert.deepEqual(drawBallots(reversed, seed, 0, 40), expected);
    assert.deepEqual(drawBallots(interleaved, seed, 0, 40), expected);
  });

  test('rounds continue one sequence', () => {
    const seed = '98765432109876543210';
    assert.deepEqual(
      [...drawBallots(STATIONS, seed, 0, 10), ...drawBallots(STATIONS, seed, 10, 20)],
      drawBallots(STATIONS, seed, 0, 30),
    );
  });

  test('refuses repeated stations, bad ballot counts, nothing to draw', () => {
    assert.throws(
      () =>
        drawBallots(
          [
            { id: 'x', ballots: 1 },
            { id: 'x', ballots: 2 },
          ],
          '1',
          0,
          1,
        ),
      /"x" is listed twice/,
    );
    assert.throws(() => drawBallots([{ id: 'x', ballots: -1 }], '1', 0, 1), /-1 ballots/);
    assert.throws(() => drawBallots([{ id: 'x', ballots: 0 }], '1', 0, 1), /no ballots/);
    assert.throws(() => drawBallots(STATIONS, '1', 0, -2), /count must be/);
    assert.deepEqual(drawBallots([{ id: 'x', ballots: 0 }], '1', 0, 0), []);
  });
});

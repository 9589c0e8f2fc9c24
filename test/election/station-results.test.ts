// The fold keeps its counted results packed (src/election/station-results.ts
// and counted-results.ts). A packed result must read back exactly as the
// StationResult that was counted, and one must cost little heap: the writer
// keeps one per form of the night.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { CountedResults } from '../../src/election/counted-results.js';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { checkDefinition, type ElectionIndex } from '../../src/election/election-index.js';
import { decodeEntry, encodeEntry, type ResultEntry } from '../../src/election/entries.js';
import { type StationResult, TallyFold } from '../../src/election/fold.js';
import { RESULT_FLAGS, workerVerdict } from '../../src/election/rules.js';
import {
  packTime,
  ResultPool,
  StationResultTable,
  unpackTime,
} from '../../src/election/station-results.js';
import { generateKey } from '../../src/log/note.js';
import { firstDifference } from '../../src/server/replay.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

function definition(stations: number): ElectionDefinition {
  return syntheticDefinition({
    electionId: `packed-${stations}`,
    stations,
    logOrigin: 'kura.test/packed',
    logKey: generateKey('kura.test/packed', SEED('log')).verifierKey,
    commissionKey: generateKey('kura.test-commission', SEED('commission')).verifierKey,
    presidentOnly: false,
  });
}

function indexOf(def: ElectionDefinition): ElectionIndex {
  const r = checkDefinition(def);
  assert.ok(r.ok, r.ok ? '' : r.error.join('; '));
  return r.value;
}

const index = indexOf(definition(40));
const codes = [...index.stations.keys()];
const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('hex'));
// Mostly what a device sends, and now and then what does not pack.
const count = fc.oneof(
  { weight: 8, arbitrary: fc.nat(100_000) },
  { weight: 1, arbitrary: fc.constantFrom(0xffff_ffff, 2 ** 32, Number.MAX_SAFE_INTEGER) },
);
const form = fc.oneof(
  { weight: 8, arbitrary: hex64 },
  { weight: 1, arbitrary: fc.constantFrom('', 'EF'.repeat(32)) },
);
const deviceTime = fc.oneof(
  fc
    .integer({ min: 0, max: 4_102_444_800_000 })
    .chain((ms) =>
      fc.constantFrom(
        new Date(ms).toISOString(),
        `${new Date(ms - (ms % 1000)).toISOString().slice(0, 19)}Z`,
      ),
    ),
  fc.constantFrom(
    '2022-08-09T18:00:00.5Z',
    '2022-08-09T18:00:00.123456789Z',
    '2022-02-30T18:00:00Z',
  ),
);
const flags = fc
  .subarray([...RESULT_FLAGS])
  .chain((f) => fc.shuffledSubarray(f, { minLength: f.length }));
const candidates = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', '10', '2', 'z-1'), {
  minLength: 1,
});
const figures = fc.record({
  votes: candidates.chain((ids) =>
    fc
      .tuple(...ids.map(() => count))
      .map(
        (n): Record<string, number> => Object.fromEntries(ids.map((id, i) => [id, n[i] as number])),
      ),
  ),
  rejected: count,
  totalValid: count,
  form,
  flags,
});
const result = fc.record({
  station: fc.constantFrom(...codes),
  entryIndex: count,
  device: fc.constantFrom('dev-1', 'dev-2', 'dev-3'),
  deviceTime,
  figures,
  corrections: fc.array(fc.tuple(figures, fc.nat(1000), fc.string()), { maxLength: 2 }),
});

/** A generated result as the fold counts it (before any correction). */
function countedOf(g: {
  station: string;
  entryIndex: number;
  device: string;
  deviceTime: string;
  figures: Omit<StationResult, 'contest' | 'station' | 'entryIndex' | 'device' | 'deviceTime'>;
}): StationResult {
  return {
    contest: 'president',
    station: g.station,
    entryIndex: g.entryIndex,
    device: g.device,
    votes: g.figures.votes,
    rejected: g.figures.rejected,
    totalValid: g.figures.totalValid,
    form: g.figures.form,
    deviceTime: g.deviceTime,
    flags: g.figures.flags,
  };
}

test('a packed table gives back exactly the results counted, corrected ones included, in the order counted', () => {
  fc.assert(
    fc.property(fc.array(result, { maxLength: 60 }), (generated) => {
      const table = new StationResultTable('president', new ResultPool(index));
      const plain = new Map<string, StationResult>();
      for (const g of generated) {
        if (plain.has(g.station)) continue;
        const counted = countedOf(g);
        table.add(structuredClone(counted));
        plain.set(g.station, counted);
        let now = counted;
        for (const [f, at, reason] of g.corrections) {
          const original = now.correction?.original ?? {
            votes: now.votes,
            rejected: now.rejected,
            totalValid: now.totalValid,
            form: now.form,
            flags: now.flags,
          };
          now = {
            ...now,
            ...f,
            correction: { entryIndex: at, inForceAt: at + 1, reason, original },
          };
          table.replace(structuredClone(now));
          plain.set(g.station, now);
        }
      }
      assert.equal(table.size, plain.size);
      assert.deepEqual([...table], [...plain]);
      assert.deepEqual([...table.keys()], [...plain.keys()]);
      // Key order too: a result is served as JSON.
      for (const [station, r] of plain) {
        const got = table.get(station);
        assert.deepEqual(got, r);
        assert.equal(JSON.stringify(got), JSON.stringify(r));
        assert.equal(table.entryIndexOf(station), r.entryIndex);
      }
      for (const station of codes.filter((c) => !plain.has(c)))
        assert.equal(table.get(station), undefined);
    }),
    { numRuns: 300 },
  );
});

test("a result's version changes whenever the result read back does (kura verify's station digests)", () => {
  fc.assert(
    fc.property(fc.array(result, { minLength: 1, maxLength: 30 }), (generated) => {
      const table = new StationResultTable('president', new ResultPool(index));
      const seen = new Map<string, string>();
      const check = (station: string) => {
        const json = JSON.stringify(table.get(station));
        const version = `${station} ${table.versionOf(station)}`;
        const before = seen.get(version);
        // One version, one result: a station's version never names two different results.
        if (before !== undefined) assert.equal(json, before);
        seen.set(version, json);
      };
      for (const g of generated) {
        if (table.has(g.station)) continue;
        assert.equal(table.versionOf(g.station), undefined);
        const counted = countedOf(g);
        table.add(structuredClone(counted));
        check(g.station);
        let now = counted;
        for (const [f, at, reason] of g.corrections) {
          now = {
            ...now,
            ...f,
            correction: { entryIndex: at, inForceAt: at + 1, reason, original: counted },
          };
          table.replace(structuredClone(now));
          check(g.station);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('a result read from the table is a copy: changing it changes nothing held', () => {
  const table = new StationResultTable('president', new ResultPool(index));
  const station = codes[0] as string;
  table.add({
    contest: 'president',
    station,
    entryIndex: 7,
    device: 'dev-1',
    votes: { a: 1 },
    rejected: 0,
    totalValid: 1,
    form: 'ab'.repeat(32),
    deviceTime: '2022-08-09T18:00:00Z',
    flags: ['over-cap'],
  });
  const r = table.get(station) as StationResult;
  r.votes.a = 99;
  r.flags.push('sum-mismatch');
  assert.deepEqual(table.get(station)?.votes, { a: 1 });
  assert.deepEqual(table.get(station)?.flags, ['over-cap']);
});

test('counted results are found by their hash and by no other', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(hex64, { minLength: 1, maxLength: 300 }),
      fc.string(),
      (hashes, other) => {
        const counted = new CountedResults(index);
        hashes.forEach((h, i) => {
          counted.add(h, {
            contest: 'president',
            station: codes[i % codes.length] as string,
            entryIndex: i,
          });
        });
        // The first result under a hash stays.
        counted.add(hashes[0] as string, {
          contest: 'president',
          station: codes[1] as string,
          entryIndex: 999,
        });
        hashes.forEach((h, i) => {
          assert.deepEqual(counted.get(h), {
            contest: 'president',
            station: codes[i % codes.length],
            entryIndex: i,
          });
          assert.equal(
            counted.get(h.toUpperCase()),
            h === h.toUpperCase() ? counted.get(h) : undefined,
          );
        });
        if (!hashes.includes(other)) assert.equal(counted.get(other), undefined);
      },
    ),
    { numRuns: 50 },
  );
});

test('a folded result costs little heap (the writer keeps one per form of the night)', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const big = indexOf(definition(3000));
  const deviceOf = new Map(big.definition.devices.map((d) => [d.station, d.id]));
  const fold = new TallyFold(big);
  fold.applyBytes(0, new TextEncoder().encode('{"type":"election"}'));
  // Only the JS heap is counted: the rows' typed arrays keep their elements
  // outside it (about 90 bytes a result, by construction), and what they free
  // as they grow is swept on a background thread, which no test can wait for.
  const used = () => process.memoryUsage().heapUsed;
  gc();
  const before = used();
  let n = 0;
  for (const s of big.definition.stations)
    for (const contest of big.contests.keys()) {
      const race = big.raceFor(contest, s.code);
      if (!race) continue;
      const votes = Object.fromEntries(race.candidates.map((c, i) => [c, (n * 31 + i * 7) % 400]));
      const entry: ResultEntry = {
        type: 'result',
        v: 1,
        election: big.definition.electionId,
        contest,
        station: s.code,
        device: deviceOf.get(s.code) as string,
        votes,
        rejected: n % 9,
        totalValid: Object.values(votes).reduce((a, k) => a + k, 0),
        form: (n * 7919).toString(16).padStart(64, 'f'),
        deviceTime: new Date(1_660_060_800_000 + n * 1000).toISOString().replace('.000', ''),
        sig: `${'A'.repeat(86)}==`,
      };
      // As the writer has it: decoded from the bytes a device sent.
      const bytes = encodeEntry(entry);
      const decoded = decodeEntry(bytes);
      assert.ok(decoded.ok && decoded.value.type === 'result');
      fold.applyPrechecked(fold.size, decoded.value, workerVerdict([]), bytes);
      n++;
    }
  gc();
  const each = (used() - before) / n;
  t.diagnostic(`${each.toFixed(0)} bytes of heap per folded result (${n} results)`);
  // Entry 0 (the placeholder election entry) is the only anomaly.
  assert.deepEqual(
    fold.anomalies.map((a) => a.entryIndex),
    [0],
  );
  assert.ok(n > 10_000, `${n} results`);
  // Objects, strings and maps per result cost 670 bytes of heap; packed rows next to nothing.
  assert.ok(each < 100, `${each.toFixed(0)} bytes of heap per folded result`);
});

/** packTime as it was before its digit-by-digit fast path: the reference it must agree with. */
function packTimeByDate(text: string): [number, number] | undefined {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  if (iso === text) return [ms, 1];
  if (ms % 1000 === 0 && `${iso.slice(0, 19)}Z` === text) return [ms, 0];
  return undefined;
}

test('a device time packs as Date.parse and toISOString would have it, and reads back exactly', () => {
  const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  const iso = fc.integer({ min: Date.UTC(-300, 0, 1), max: MAX_MS + 1000 }).chain((ms) => {
    const text = new Date(ms).toISOString();
    return fc.constantFrom(text, `${text.slice(0, 19)}Z`, `${text.slice(0, 19)}.000Z`);
  });
  // Near misses: each character of an ISO time swapped for a digit or a separator.
  const nearMiss = fc
    .tuple(iso, fc.nat(), fc.constantFrom(...'0123456789-:.TZ+ '))
    .map(([text, at, c]) => {
      const i = at % text.length;
      return text.slice(0, i) + c + text.slice(i + 1);
    });
  const edges = fc.constantFrom(
    '2022-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2000-02-29T00:00:00.000Z',
    '2022-04-31T00:00:00Z',
    '2022-13-01T00:00:00Z',
    '2022-00-01T00:00:00Z',
    '2022-08-00T00:00:00Z',
    '2022-08-09T24:00:00Z',
    '2022-08-09T23:60:00Z',
    '2022-08-09T23:59:60Z',
    '0099-08-09T10:00:00Z',
    '0100-01-01T00:00:00Z',
    '0000-01-01T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
    '2022-08-09T10:00:00',
    '2022-08-09 10:00:00Z',
    '2022-08-09T10:00:00.5Z',
    '2022-08-09T10:00:00.1234Z',
    '2022-08-09T10:00:00+00:00',
  );
  fc.assert(
    fc.property(fc.oneof(iso, nearMiss, edges, fc.string()), (text) => {
      const packed = packTime(text);
      assert.deepEqual(packed, packTimeByDate(text), text);
      if (packed) assert.equal(unpackTime(packed[0], packed[1]), text);
    }),
    { numRuns: 20_000 },
  );
});

test('a stored copy is the same as a packed result exactly when the start-up check finds no difference', () => {
  // A stored copy: the result through JSON, then perhaps one change a tampered row could carry.
  const change = fc.oneof(
    fc.constant((r: Record<string, unknown>) => r),
    fc
      .tuple(
        fc.constantFrom(
          'contest',
          'station',
          'entryIndex',
          'device',
          'votes',
          'rejected',
          'totalValid',
          'form',
          'deviceTime',
          'flags',
          'correction',
          'extra',
        ),
        fc.oneof(
          fc.jsonValue(),
          fc.constantFrom<unknown>(undefined, 'DELETE', 'AB'.repeat(32), '2022-08-09T18:00:00Z'),
        ),
      )
      .map(([key, v]) => (r: Record<string, unknown>) => {
        if (v === 'DELETE') delete r[key];
        else r[key] = v;
        return r;
      }),
    fc.constantFrom(
      // Votes in another order (the same JSON), one vote changed, one candidate more or fewer.
      (r: Record<string, unknown>) => {
        r.votes = Object.fromEntries(Object.entries(r.votes as object).reverse());
        return r;
      },
      (r: Record<string, unknown>) => {
        const votes = r.votes as Record<string, number>;
        const k = Object.keys(votes)[0] as string;
        votes[k] = (votes[k] as number) + 1;
        return r;
      },
      (r: Record<string, unknown>) => {
        (r.votes as Record<string, number>).q = 0;
        return r;
      },
      (r: Record<string, unknown>) => {
        const votes = r.votes as Record<string, number>;
        delete votes[Object.keys(votes)[0] as string];
        return r;
      },
      (r: Record<string, unknown>) => {
        r.flags = [...(r.flags as string[]), 'over-cap'];
        return r;
      },
      (r: Record<string, unknown>) => {
        r.flags = [...(r.flags as string[])].reverse();
        return r;
      },
      (r: Record<string, unknown>) => {
        r.form = (r.form as string).toUpperCase();
        return r;
      },
      // The same instant spelt the other way (with or without milliseconds), and a second later.
      (r: Record<string, unknown>) => {
        const t = r.deviceTime as string;
        r.deviceTime = t.length === 20 ? `${t.slice(0, 19)}.000Z` : `${t.slice(0, 19)}Z`;
        return r;
      },
      (r: Record<string, unknown>) => {
        const ms = Date.parse(r.deviceTime as string);
        if (Number.isFinite(ms)) r.deviceTime = new Date(ms + 1000).toISOString();
        return r;
      },
    ),
  );
  fc.assert(
    fc.property(result, change, (g, changed) => {
      const table = new StationResultTable('president', new ResultPool(index));
      table.add(countedOf(g));
      const folded = table.get(g.station);
      const stored = changed(JSON.parse(JSON.stringify(folded)));
      const same = table.sameAsStored(g.station, stored);
      // Results that do not pack are kept whole: the check then compares them in full.
      if (same === undefined) return;
      assert.equal(same, firstDifference(stored, folded) === null, JSON.stringify(stored));
    }),
    { numRuns: 5_000 },
  );
  const table = new StationResultTable('president', new ResultPool(index));
  assert.equal(table.sameAsStored(codes[0] as string, {}), undefined, 'no result: get decides');
});

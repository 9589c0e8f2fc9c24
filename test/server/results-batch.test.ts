// POST /api/v1/results/batch end to end, through Fastify inject() on a real
// store (PGlite and PostgreSQL): one device's contests in one request, each
// entry signed and checked on its own, a receipt per entry that verifies
// offline, exactly once per entry, and for every bad batch (generated) a
// precise 4xx naming the entry and field at fault that logs nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { ResultEntry } from '../../src/election/entries.js';
import { checkReceiptText } from '../../src/election/receipt-check.js';
import { MAX_BATCH_RESULTS } from '../../src/server/routes/result-routes.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const SEED = Number(process.env.KURA_FUZZ_SEED ?? 20261206);

for (const backend of await testBackends()) {
  describe(`result batches on ${backend}`, () => {
    let t: TestLog;
    const station = (i: number) => t.definition.stations[i]?.code as string;
    /** Every contest's result for a station (its races' candidates), signed by its device. */
    const allContests = (i: number): ResultEntry[] => {
      const index = t.running.sequencer?.index;
      assert.ok(index);
      return t.definition.contests.flatMap((c) => {
        const race = index.raceFor(c.id, station(i));
        if (!race) return [];
        const votes = Object.fromEntries(race.candidates.map((id, k) => [id, 10 * (k + 1)]));
        const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
        return [t.result(station(i), { votes, totalValid }, c.id)];
      });
    };

    before(async () => {
      t = await newTestLog(backend, { stations: 40, presidentOnly: false });
      assert.ok(t.definition.contests.length >= 2, 'the test election has several contests');
    });
    after(async () => t?.close());

    const post = (body: unknown) =>
      t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results/batch',
        headers: { 'content-type': 'application/json' },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const size = () => t.store.treeSize();
    const logged = (i: number) =>
      t.definition.contests.filter((c) => t.running.sequencer?.fold.result(c.id, station(i)))
        .length;

    test("a device's contests in one request: one receipt each, verifying offline, in order", async () => {
      const entries = allContests(0);
      const before = await size();
      const r = await post({ results: entries });
      assert.equal(r.statusCode, 201, r.body);
      const answers = r.json().results as Array<{
        index: number;
        duplicate: boolean;
        receipt: string;
      }>;
      assert.equal(answers.length, entries.length);
      answers.forEach((a, i) => {
        assert.equal(a.duplicate, false);
        const checked = checkReceiptText(a.receipt, t.definition.logKey, t.definition.logOrigin);
        assert.ok(checked.ok, checked.ok ? '' : checked.error);
        assert.equal(checked.value.index, a.index);
        assert.deepEqual(checked.value.entry, entries[i]);
      });
      assert.deepEqual(
        answers.map((a) => a.index),
        entries.map((_, i) => before + i),
        'stored together, in the order sent',
      );
      assert.equal(await size(), before + entries.length);
      assert.equal(logged(0), entries.length);
    });

    test('exactly once per entry: the batch again, a batch adding to logged entries, concurrent copies', async () => {
      const entries = allContests(1);
      const [first, ...rest] = entries;
      const one = await post({ results: [first] });
      assert.equal(one.statusCode, 201, one.body);
      const firstIndex = one.json().results[0].index;
      const all = await post({ results: entries });
      assert.equal(all.statusCode, 201, all.body);
      assert.equal(all.json().results[0].duplicate, true);
      assert.equal(all.json().results[0].index, firstIndex);
      assert.ok(
        all
          .json()
          .results.slice(1)
          .every((a: { duplicate: boolean }) => !a.duplicate),
      );
      const before = await size();
      const again = await post({ results: [...rest].reverse() });
      assert.equal(again.statusCode, 200, again.body);
      assert.ok(again.json().results.every((a: { duplicate: boolean }) => a.duplicate));
      assert.equal(await size(), before);

      const fresh = allContests(2);
      const copies = await Promise.all([1, 2, 3].map(() => post({ results: fresh })));
      assert.deepEqual(copies.map((c) => c.statusCode).sort(), [200, 200, 201]);
      const indexes = copies.map((c) =>
        JSON.stringify(c.json().results.map((a: { index: number }) => a.index)),
      );
      assert.equal(new Set(indexes).size, 1, 'every copy got the same indexes');
      assert.equal(await size(), before + fresh.length);
    });

    test('one entry differing from a logged result refuses the batch (409, its field) and logs none of it', async () => {
      const entries = allContests(3);
      const single = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: entries[1],
      });
      assert.equal(single.statusCode, 201, single.body);
      const before = await size();
      const changed = [...entries];
      changed[1] = t.result(
        station(3),
        { votes: entries[1]?.votes, totalValid: entries[1]?.totalValid, rejected: 7 },
        entries[1]?.contest,
      );
      const r = await post({ results: changed });
      assert.equal(r.statusCode, 409, r.body);
      assert.equal(r.json().error.code, 'ALREADY_REPORTED');
      assert.equal(r.json().error.field, 'results[1].station');
      assert.equal(await size(), before);
      assert.equal(logged(3), 1);
    });

    // Each way of spoiling a good batch of `n` entries, with the code and field it must get.
    type Spoil = { kind: string; at: number };
    const spoilt = (
      i: number,
      s: Spoil,
    ): { body: unknown; status: number; code: string; field: string | RegExp } => {
      const good: unknown[] = allContests(i);
      const at = s.at % good.length;
      const entry = good[at] as ResultEntry;
      const other = allContests(i + 1)[at] as ResultEntry;
      const put = (x: unknown) => good.map((e, k) => (k === at ? x : e));
      const f = (field: string) => `results[${at}]${field ? `.${field}` : ''}`;
      switch (s.kind) {
        case 'signature':
          return {
            body: { results: put({ ...entry, rejected: entry.rejected + 1 }) },
            status: 401,
            code: 'BAD_SIGNATURE',
            field: f('sig'),
          };
        case 'votes':
          return {
            body: { results: put({ ...entry, votes: { ...entry.votes, zz: -1 } }) },
            status: 400,
            code: 'INVALID_FIELD',
            field: f('votes.zz'),
          };
        case 'unknown member':
          return {
            body: { results: put({ ...entry, extra: 1 }) },
            status: 400,
            code: 'INVALID_FIELD',
            field: f('extra'),
          };
        case 'not an object':
          return { body: { results: put(7) }, status: 400, code: 'INVALID_FIELD', field: f('') };
        case 'not a result':
          return {
            body: { results: put({ ...entry, type: 'election' }) },
            status: 400,
            code: 'INVALID_FIELD',
            field: new RegExp(`^results\\[${at}\\]\\.`),
          };
        case 'unknown contest':
          return {
            body: { results: put(t.result(station(i), {}, 'mayor')) },
            status: 422,
            code: 'UNKNOWN_CONTEST',
            field: f('contest'),
          };
        case 'other station':
          return at === 0
            ? {
                body: { results: [entry, other] },
                status: 400,
                code: 'INVALID_FIELD',
                field: 'results[1].station',
              }
            : {
                body: { results: put(other) },
                status: 400,
                code: 'INVALID_FIELD',
                field: f('station'),
              };
        case 'repeated contest':
          return {
            body: { results: [...good, entry] },
            status: 400,
            code: 'INVALID_FIELD',
            field: `results[${good.length}].contest`,
          };
        case 'empty':
          return { body: { results: [] }, status: 400, code: 'INVALID_FIELD', field: 'results' };
        case 'too many':
          return {
            body: { results: Array.from({ length: MAX_BATCH_RESULTS + 1 }, () => entry) },
            status: 400,
            code: 'INVALID_FIELD',
            field: 'results',
          };
        case 'no list':
          return { body: { results: entry }, status: 400, code: 'INVALID_FIELD', field: 'results' };
        case 'extra member':
          return {
            body: { results: good, station: station(i) },
            status: 400,
            code: 'INVALID_FIELD',
            field: 'station',
          };
        default:
          return { body: good, status: 400, code: 'INVALID_FIELD', field: '' };
      }
    };
    const kinds = [
      'signature',
      'votes',
      'unknown member',
      'not an object',
      'not a result',
      'unknown contest',
      'other station',
      'repeated contest',
      'empty',
      'too many',
      'no list',
      'extra member',
      'bare list',
    ];

    test('generated bad batches: each gets its precise 4xx, naming the entry and field, and logs nothing', async () => {
      const before = await size();
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            kind: fc.constantFrom(...kinds),
            at: fc.nat({ max: 40 }),
            i: fc.integer({ min: 10, max: 30 }),
          }),
          async ({ kind, at, i }) => {
            const want = spoilt(i, { kind, at });
            const r = await post(want.body);
            assert.equal(r.statusCode, want.status, `${kind}: ${r.body}`);
            assert.equal(r.json().error.code, want.code, kind);
            if (want.field instanceof RegExp) assert.match(r.json().error.field, want.field, kind);
            else assert.equal(r.json().error.field, want.field, kind);
            assert.equal(logged(i), 0, `${kind}: nothing of the batch is logged`);
            assert.equal(logged(i + 1), 0);
          },
        ),
        { seed: SEED, numRuns: 150 },
      );
      assert.equal(await size(), before, 'the log did not grow');
    });
  });
}

// A reader (no sequencer: --read-only, a mirror) answers tally requests as the
// writer does (FORMATS §10.4): a unit no result has reached yet is the fold's
// starting point (zeros, the stations expected), not a 404, and it is listed
// among its parent's children.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

for (const backend of await testBackends()) {
  describe(`reader tallies on ${backend}`, () => {
    let t: TestLog;
    let reader: RunningLog;

    before(async () => {
      t = await newTestLog(backend, { stations: 12 });
      const station = t.definition.stations[0]?.code as string;
      const sent = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(station),
      });
      assert.equal(sent.statusCode, 201, sent.body);
      reader = await startLog({ store: t.store, signer: null });
    });
    after(async () => {
      await reader?.close();
      await t?.close();
    });

    test('every unit, with or without results, gets the same tally from the reader as from the writer', async () => {
      const index = t.running.election.index;
      const units = ['', ...index.units.keys()];
      // Wait (on the condition, not the clock) until the reader's store view holds the result.
      const nation = async (app: RunningLog['app']) =>
        (await app.inject({ method: 'GET', url: '/api/v1/tally/president' })).body;
      // The reader looks for a new checkpoint every second; a loaded machine may take a while.
      for (let i = 0; i < 3000 && (await nation(reader.app)) !== (await nation(t.running.app)); i++)
        await new Promise((r) => setTimeout(r, 20));
      let empty = 0;
      for (const unit of units) {
        const url = `/api/v1/tally/president/${encodeURIComponent(unit)}`;
        const w = await t.running.app.inject({ method: 'GET', url });
        const r = await reader.app.inject({ method: 'GET', url });
        assert.equal(r.statusCode, w.statusCode, `${url}: ${r.body}`);
        assert.deepEqual(r.json(), w.json(), url);
        if (w.statusCode === 200 && w.json().tally.lastEntry === -1) empty++;
      }
      assert.ok(empty > 0, 'some units have no result yet (the case in question)');
    });
  });
}

// The state directory across runs: a later run proves the new checkpoint
// consistent with the old, fetches everything the server serves again and
// checks the entries and tiles verified before against the leaf hashes kept
// from that run, checking only the new entries' signatures (the fold is
// recomputed from all); a damaged state file is said, never trusted; a server showing an older prefix of the same
// log is a rollback, an older tree that is not a prefix is a fork (both exit 2).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const STATIONS = 300; // more than one entry bundle (256 entries)
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-incr-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Logs a result for each station, concurrently (batched by the sequencer). */
async function post(t: TestLog, codes: string[], bump = 0): Promise<void> {
  await Promise.all(
    codes.map(async (code) => {
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(code, { rejected: 2 + bump }),
      });
      assert.equal(r.statusCode, 201, r.body);
    }),
  );
}

const explain = (r: VerifyReport) =>
  JSON.stringify({ incomplete: r.incomplete, findings: r.findings.map((f) => f.message) }, null, 2);

describe('kura verify across runs (state directory)', () => {
  let t: TestLog;
  let url = '';
  let codes: string[] = [];
  const stateDir = join(tmp, 'state');
  const verify = (server: string, extra: Partial<VerifyOptions> = {}) =>
    verifyServer({
      server,
      stateDir,
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      say: () => {},
      ...extra,
    });

  before(async () => {
    t = await newTestLog('pglite', { stations: STATIONS, sequencerPeriodMs: 2 });
    codes = t.definition.stations.map((s) => s.code);
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => t?.close());

  test('a later run proves the new checkpoint consistent and re-checks what was verified before', async () => {
    await post(t, codes.slice(0, 100));
    const first = await verify(url);
    assert.equal(first.exitCode, 0, explain(first));
    assert.equal(first.consistency, 'first-run');
    assert.equal(first.checkpoint?.size, 101);
    await post(t, codes.slice(100));
    const second = await verify(url);
    assert.equal(second.exitCode, 0, explain(second));
    assert.equal(second.consistency, 'extends');
    assert.equal(second.checkpoint?.size, STATIONS + 1);
    assert.equal(second.fold?.counted, STATIONS);
    assert.equal(second.mirror?.bundlesFetched, 2);
    assert.equal(second.mirror?.verifiedBefore, 101);
    // Only the new entries' signatures are checked; the fold is the same as a run from scratch.
    assert.equal(first.signatures?.checked, 100);
    assert.equal(second.signatures?.checked, STATIONS - 100, 'only the new results');
    assert.equal(second.signatures?.verifiedBefore, 101);
    const scratch = await verify(url, { stateDir: join(tmp, 'scratch') });
    assert.equal(scratch.signatures?.checked, STATIONS);
    assert.deepEqual(second.fold, scratch.fold);
    // The same tree again: what the server serves now is fetched and compared, not read from the state dir.
    const third = await verify(url);
    assert.equal(third.consistency, 'same');
    assert.equal(third.mirror?.bundlesFetched, 2);
    assert.equal(third.mirror?.bundlesCached, 0);
    assert.equal(third.mirror?.verifiedBefore, STATIONS + 1);
    assert.equal(third.exitCode, 0, explain(third));
    assert.equal(third.signatures?.checked, 0, 'nothing new to check');
    assert.deepEqual(third.fold, scratch.fold);
    // A state that does not say which entries were refused (an older one): every signature is checked.
    const statePath = join(stateDir, 'state.json');
    const saved = JSON.parse(readFileSync(statePath, 'utf8'));
    assert.deepEqual(saved.notCounted, []);
    delete saved.notCounted;
    writeFileSync(statePath, JSON.stringify(saved));
    const older = await verify(url);
    assert.equal(older.exitCode, 0, explain(older));
    assert.equal(older.signatures?.checked, STATIONS);
    assert.equal(older.signatures?.verifiedBefore, undefined);
  });

  test('a damaged file in the state directory is never trusted, and is replaced', async () => {
    const tile = join(stateDir, 'tile', '0', '000');
    const bundle = join(stateDir, 'tile', 'entries', '000');
    const damaged = [tile, bundle].map((f) => {
      const bytes = readFileSync(f);
      bytes[100] = (bytes[100] as number) ^ 1;
      writeFileSync(f, bytes);
      return bytes;
    });
    const r = await verify(url);
    assert.equal(r.exitCode, 0, explain(r));
    assert.notDeepEqual(readFileSync(tile), damaged[0], 'the damaged tile was replaced');
    assert.notDeepEqual(readFileSync(bundle), damaged[1], 'the damaged bundle was replaced');
  });

  test('an older prefix of the same log is a rollback; an older tree that is not a prefix is a fork', async () => {
    // Same election and key; one log with our first 50 results, one with 50 others.
    const same = await newTestLog('pglite', { stations: STATIONS, sequencerPeriodMs: 2 });
    const other = await newTestLog('pglite', { stations: STATIONS, sequencerPeriodMs: 2 });
    try {
      // The very entries 1-50 of our log, in order: its first 51 entries are ours.
      for (const e of await t.store.getEntries(1, 51)) {
        const r = await same.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: JSON.parse(new TextDecoder().decode(e.data)),
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      const sameUrl = await same.running.app.listen({ port: 0, host: '127.0.0.1' });
      const behind = await verify(sameUrl, { stationsSample: 5 });
      assert.equal(behind.exitCode, 2, explain(behind));
      assert.equal(behind.consistency, 'rollback');
      assert.match(
        behind.findings.find((f) => f.kind === 'rollback')?.message ?? '',
        /^ROLLBACK: the log has shrunk from 301 to 51 entries\. It is a prefix of the tree verified before/,
      );
      await post(other, codes.slice(0, 50), 1);
      const otherUrl = await other.running.app.listen({ port: 0, host: '127.0.0.1' });
      const forked = await verify(otherUrl);
      assert.equal(forked.exitCode, 2, explain(forked));
      assert.equal(forked.consistency, 'fork');
      assert.match(forked.findings[0]?.message ?? '', /is not a prefix of the tree of size 301/);
      // The state still holds our log.
      assert.equal(
        JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).size,
        STATIONS + 1,
      );
    } finally {
      await same.close();
      await other.close();
    }
  });
});

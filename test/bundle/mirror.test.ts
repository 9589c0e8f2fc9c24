// kura serve --from-bundle: the bundle served as a read-only mirror, which
// kura verify's own code accepts, and which refuses every write.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MirrorServer, startBundleMirror } from '../../src/server/bundle-mirror.js';
import { silentServerReporter } from '../../src/server/events.js';
import { verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { exportTo, type Fixture, formOf, logWithForms, sha256Hex } from './fixture.js';

const SIGNING_TIME = Date.parse('2022-08-16T12:00:00Z');

for (const backend of await testBackends()) {
  describe(`kura serve --from-bundle (exported from ${backend})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kura-bundle-mirror-'));
    let f: Fixture;
    let mirror: MirrorServer;
    let url = '';

    before(async () => {
      // The original re-signs its checkpoint at start and every 30 s, with the
      // time of signing: on a fixed clock a re-signed checkpoint is the same
      // bytes, so comparing the mirror's with the original's does not depend
      // on how long the test runs.
      f = await logWithForms(backend, 40, { now: () => SIGNING_TIME });
      const bundle = await exportTo(f.t, dir);
      mirror = await startBundleMirror({
        bundle,
        data: join(dir, 'mirror'),
        log: silentServerReporter,
      });
      url = await mirror.running.app.listen({ port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await mirror?.running.close();
      await mirror?.store.close();
      mirror?.cleanup();
      await f?.t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('kura verify accepts the mirror: log, tallies, station pages and forms', async () => {
      const r = await verifyServer({
        server: url,
        stateDir: join(dir, 'verify-state'),
        logKey: f.t.definition.logKey,
        commissionKey: f.t.definition.commissionKey,
        forms: true,
        threads: 1,
        progress: false,
        say: () => {},
      });
      assert.deepEqual(
        r.findings.filter((x) => x.severity !== 'warning'),
        [],
      );
      assert.equal(r.verdict, 'verified');
      assert.equal(r.exitCode, 0);
      assert.equal(r.checkpoint?.size, f.size);
      assert.equal(r.fold?.counted, 40);
      assert.equal(r.forms?.ok, 40);
      assert.equal(r.compare?.stations, 40);
    });

    test('the mirror serves what the original serves', async () => {
      for (const path of [
        '/log/checkpoint',
        '/api/v1/tally/president',
        `/api/v1/stations/${f.t.definition.stations[3]?.code}`,
        '/api/v1/entries/7',
        '/api/v1/election',
      ]) {
        const original = await f.t.running.app.inject({ url: path });
        const copy = await mirror.running.app.inject({ url: path });
        assert.equal(copy.statusCode, 200, `${path}: ${copy.body}`);
        // The same bytes, or the same JSON (a reader serves tallies from the store's jsonb, whose key order differs).
        if (path.startsWith('/api/v1/tally') || path.startsWith('/api/v1/stations'))
          assert.deepEqual(JSON.parse(copy.body), JSON.parse(original.body), path);
        else assert.equal(copy.body, original.body, path);
      }
      const form = formOf(f.t.definition.stations[0]?.code as string);
      const got = await mirror.running.app.inject({ url: `/api/v1/forms/${sha256Hex(form)}` });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(new Uint8Array(got.rawPayload), form);
    });

    test('the mirror is read-only: results and forms are refused and change nothing', async () => {
      const before = (await mirror.running.app.inject({ url: '/log/checkpoint' })).body;
      const r = await mirror.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: f.t.result(f.t.definition.stations[0]?.code as string),
      });
      assert.equal(r.statusCode, 405);
      assert.equal(JSON.parse(r.body).error.code, 'READ_ONLY');
      const put = await mirror.running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${sha256Hex(formOf('x'))}`,
        headers: { 'content-type': 'application/pdf' },
        payload: Buffer.from(formOf('x')),
      });
      assert.equal(put.statusCode, 405);
      assert.equal(JSON.parse(put.body).error.code, 'READ_ONLY');
      assert.equal(await mirror.store.treeSize(), f.size);
      assert.equal((await mirror.running.app.inject({ url: '/log/checkpoint' })).body, before);
    });

    test('starting again on the same --data reuses the loaded bundle; another store is refused', async () => {
      await mirror.running.close();
      await mirror.store.close();
      const bundle = join(dir, 'bundle.tar');
      mirror = await startBundleMirror({
        bundle,
        data: join(dir, 'mirror'),
        log: silentServerReporter,
      });
      assert.equal(await mirror.store.treeSize(), f.size);
      const other = await logWithForms('pglite', 3);
      const otherBundle = await exportTo(other.t, dir, 'other.tar');
      await other.t.close();
      await mirror.running.close();
      await mirror.store.close();
      await assert.rejects(
        startBundleMirror({
          bundle: otherBundle,
          data: join(dir, 'mirror'),
          log: silentServerReporter,
        }),
        /already holds another log \(41 entries\); give an empty store for --from-bundle/,
      );
      mirror = await startBundleMirror({
        bundle,
        data: join(dir, 'mirror'),
        log: silentServerReporter,
      });
    });
  });
}

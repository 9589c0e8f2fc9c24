// A server that shows a smaller tree than one an earlier run verified: an
// older copy of its database put behind the same URL, or its last rows
// deleted and a fresh, smaller checkpoint signed. A log only grows, so both
// are proof of misbehaviour (exit 2), printed with both signed notes and kept
// in the state directory as evidence; the state keeps the larger tree.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { leafHash, rootFromLeafHashes } from '../../src/log/merkle.js';
import { generateKey } from '../../src/log/note.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { startProxy, type TestProxy } from './proxy.js';

const STATIONS = 40;
const OLDER = 20; // results in the older copy of the database
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-rollback-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let stateCount = 0;
const freshState = () => join(tmp, `state-${stateCount++}`);

const explain = (r: VerifyReport) =>
  JSON.stringify({ incomplete: r.incomplete, findings: r.findings.map((f) => f.message) }, null, 2);

/** The test log's signer key (test/helpers/test-log.ts derives it from this seed). */
const LOG_SIGNER_KEY = generateKey(
  'kura.test/log',
  new TextEncoder().encode('log'.padEnd(32, '.')).slice(0, 32),
).signerKey;

for (const backend of await testBackends()) {
  describe(`kura verify: a smaller tree than one verified before (${backend})`, () => {
    let t: TestLog;
    let older: TestLog;
    let url = '';
    let olderUrl = '';
    let proxy: TestProxy;
    const said: string[] = [];
    const verify = (server: string, extra: Partial<VerifyOptions> = {}) =>
      verifyServer({
        server,
        stateDir: freshState(),
        logKey: t.definition.logKey,
        commissionKey: t.definition.commissionKey,
        concurrency: 4,
        threads: 2,
        say: (s) => said.push(s),
        ...extra,
      });

    before(async () => {
      t = await newTestLog(backend, { stations: STATIONS });
      older = await newTestLog(backend, { stations: STATIONS });
      for (const s of t.definition.stations) {
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: t.result(s.code),
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      // The older copy: the same entries 1..OLDER, in order (its first OLDER + 1 entries are the log's).
      for (const e of await t.store.getEntries(1, OLDER + 1)) {
        const r = await older.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: JSON.parse(new TextDecoder().decode(e.data)),
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
      olderUrl = await older.running.app.listen({ port: 0, host: '127.0.0.1' });
      proxy = await startProxy(url);
    });
    after(async () => {
      await proxy?.close();
      await older?.close();
      await t?.close();
    });

    /** The evidence directory a run saved, and its two notes. */
    function evidence(stateDir: string): { dir: string; previous: string; current: string } {
      const base = join(stateDir, 'evidence');
      const dirs = readdirSync(base);
      assert.equal(dirs.length, 1, dirs.join());
      const dir = join(base, dirs[0] as string);
      assert.match(dir, /-rollback$/);
      return {
        dir,
        previous: readFileSync(join(dir, 'previous-checkpoint'), 'utf8'),
        current: readFileSync(join(dir, 'new-checkpoint'), 'utf8'),
      };
    }

    test('an older copy of the database behind the same URL: exit 2, both notes printed and saved', async () => {
      const stateDir = freshState();
      proxy.upstream = url;
      proxy.override = undefined;
      const audit = await verify(proxy.url, { stateDir });
      assert.equal(audit.exitCode, 0, explain(audit));
      assert.equal(audit.checkpoint?.size, STATIONS + 1);

      proxy.upstream = olderUrl;
      said.length = 0;
      const r = await verify(proxy.url, { stateDir });
      assert.equal(r.exitCode, 2, explain(r));
      assert.equal(r.verdict, 'untrustworthy');
      assert.equal(r.consistency, 'rollback');
      assert.equal(r.checkpoint?.size, OLDER + 1);
      const bigNote = audit.checkpoint?.note as string;
      const smallNote = r.checkpoint?.note as string;
      const [text] = r.findings.filter((f) => f.kind === 'rollback').map((f) => f.message);
      assert.ok(text, explain(r));
      assert.match(
        text,
        new RegExp(
          `^ROLLBACK: the log has shrunk from ${STATIONS + 1} to ${OLDER + 1} entries\\. It is a prefix of the tree verified before`,
        ),
      );
      assert.ok(text.includes(bigNote.trimEnd()) && text.includes(smallNote.trimEnd()), text);
      assert.ok(said.some((s) => s.includes('ROLLBACK') && s.includes(bigNote.trimEnd())));
      const ev = evidence(stateDir);
      assert.equal(ev.previous, bigNote);
      assert.equal(ev.current, smallNote);
      assert.ok(text.includes(ev.dir), 'the finding says where the evidence is');
      assert.match(readFileSync(join(ev.dir, 'README.txt'), 'utf8'), /A log never shrinks/);
      // The state keeps the larger tree: the next run still holds the server to it.
      assert.equal(
        JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).size,
        STATIONS + 1,
      );
      assert.equal((await verify(proxy.url, { stateDir })).exitCode, 2);
      proxy.upstream = url;
      assert.equal((await verify(proxy.url, { stateDir })).exitCode, 0, 'the real log again');
    });

    test('the last rows deleted and a fresh, smaller checkpoint signed: exit 2, the later signature said', async () => {
      const stateDir = freshState();
      proxy.upstream = url;
      proxy.override = undefined;
      const audit = await verify(proxy.url, { stateDir });
      assert.equal(audit.exitCode, 0, explain(audit));
      // What the server signs once a DBA has deleted the entries from index 30 on
      // (and the tiles, head and checkpoints beyond): the first 30 entries' tree, signed an hour later.
      const kept = 30;
      const leaves = (await t.store.getEntries(0, kept)).map((e) => leafHash(e.data));
      const later = Math.floor(Date.now() / 1000) + 3600;
      const note = new CheckpointSigner(LOG_SIGNER_KEY, () => later).sign(
        t.definition.logOrigin,
        kept,
        rootFromLeafHashes(leaves),
      );
      proxy.override = (path) =>
        path === '/log/checkpoint' ? { status: 200, body: note } : undefined;
      try {
        const r = await verify(proxy.url, { stateDir });
        assert.equal(r.exitCode, 2, explain(r));
        assert.equal(r.consistency, 'rollback');
        const [text] = r.findings.filter((f) => f.kind === 'rollback').map((f) => f.message);
        assert.match(text ?? '', new RegExp(`shrunk from ${STATIONS + 1} to ${kept} entries`));
        assert.match(
          text ?? '',
          new RegExp(
            `entries ${kept}–${STATIONS}, which the log had signed .* are gone from what this server shows, and the log key signed the smaller tree after the larger one`,
          ),
        );
        assert.match(
          text ?? '',
          new RegExp(`size ${kept}, signed at ${new Date(later * 1000).toISOString()}`),
        );
        const ev = evidence(stateDir);
        assert.equal(ev.previous, audit.checkpoint?.note);
        assert.equal(ev.current, note);
      } finally {
        proxy.override = undefined;
      }
    });
  });
}

// `kura verify` against real servers (the store's engines, HTTP on a port):
// it passes on an honest server, and catches, with a message naming what
// changed, each way someone with the database could cheat: a changed vote
// count in the derived rows (station results, tallies), a changed, deleted,
// reordered or substituted log entry (with and without the state of an
// earlier audit), a swapped form image, and a forked history (a second
// server with the same entry 0 and log key but different later entries).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeEntry, type ResultEntry } from '../../src/election/entries.js';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { leafHash } from '../../src/log/merkle.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Finding, VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const STATIONS = 30;
const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let stateCount = 0;
const freshState = () => join(tmp, `state-${stateCount++}`);

/** A small PNG-looking scan, unique per station. */
function formFile(station: string, variant = ''): Buffer {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from(`form 34A of ${station}${variant}`),
  ]);
}

/** Logs a result for each station (uploading its form first); `votesFor` varies the counts. */
async function fill(t: TestLog, stations: string[], votesFor = (_i: number) => 0): Promise<void> {
  for (const [i, code] of stations.entries()) {
    const file = formFile(code);
    const sha = toHex(sha256(new Uint8Array(file)));
    const put = await t.uploadForm(code, new Uint8Array(file), 'image/png');
    assert.ok(put.statusCode === 201 || put.statusCode === 200, put.body);
    const candidates = t.definition.contests[0]?.candidates.map((c) => c.id) ?? [];
    const votes = Object.fromEntries(candidates.map((c, k) => [c, 100 + 10 * k + i + votesFor(i)]));
    const total = Object.values(votes).reduce((s, n) => s + n, 0);
    const r = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: t.result(code, { votes, totalValid: total, form: sha }),
    });
    assert.equal(r.statusCode, 201, r.body);
  }
}

async function listen(app: RunningLog['app']): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function messages(r: VerifyReport, kind?: Finding['kind']): string[] {
  return r.findings.filter((f) => !kind || f.kind === kind).map((f) => f.message);
}

function explain(r: VerifyReport): string {
  return JSON.stringify(
    { verdict: r.verdict, incomplete: r.incomplete, findings: messages(r) },
    null,
    2,
  );
}

for (const backend of await testBackends()) {
  describe(`kura verify on ${backend}`, () => {
    let t: TestLog;
    let writer = '';
    let reader: RunningLog;
    let readerUrl = '';
    let stations: string[] = [];
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

    const db = () => (t.store as SqlStore).db;
    /** Runs statements with triggers and foreign keys off, as someone with the database can. */
    async function tamper(
      fn: (q: (sql: string, p?: unknown[]) => Promise<unknown>) => Promise<unknown>,
    ) {
      await db().withTransaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await fn((sql, p) => tx.query(sql, p));
      });
    }
    async function entryRows(): Promise<Array<{ idx: string; data: Buffer; leaf_hash: Buffer }>> {
      return db().query(
        'SELECT idx, data, leaf_hash, kind, contest, station FROM entries ORDER BY idx',
      );
    }
    async function restoreEntries(rows: Array<Record<string, unknown>>): Promise<void> {
      await tamper(async (q) => {
        await q('DELETE FROM entries');
        for (const r of rows)
          await q(
            'INSERT INTO entries (idx, data, leaf_hash, kind, contest, station) VALUES ($1, $2, $3, $4, $5, $6)',
            [r.idx, r.data, r.leaf_hash, r.kind, r.contest, r.station],
          );
      });
    }

    before(async () => {
      t = await newTestLog(backend, { stations: STATIONS });
      stations = t.definition.stations.map((s) => s.code);
      await fill(t, stations);
      writer = await listen(t.running.app);
      // A read-only server on the same store: it serves tallies from the database's derived rows.
      reader = await startLog({ store: t.store, signer: null });
      readerUrl = await listen(reader.app);
    });
    after(async () => {
      await reader?.close();
      await t?.close();
    });

    test('an honest server verifies (writer and read-only mirror, with forms)', async () => {
      for (const [server, prefetchViews] of [
        [writer, true],
        [readerUrl, false],
      ] as const) {
        const r = await verify(server, { forms: true, prefetchViews });
        assert.equal(r.exitCode, 0, explain(r));
        assert.equal(r.verdict, 'verified');
        assert.equal(r.checkpoint?.size, STATIONS + 1);
        assert.equal(r.fold?.counted, STATIONS);
        assert.equal(r.compare?.stations, STATIONS);
        assert.ok((r.compare?.tallies ?? 0) > 4);
        // Every form is listed by the server (GET /api/v1/forms), so each is downloaded once.
        assert.deepEqual(r.forms, {
          checked: STATIONS,
          ok: STATIONS,
          missing: 0,
          mismatched: 0,
          downloaded: STATIONS,
        });
        assert.equal(r.signatures?.checked, STATIONS);
        // Demo device keys are public: worth a warning, never a pass without one.
        assert.match(messages(r, 'demo-device-keys')[0] ?? '', /PUBLIC demo keys/);
        assert.deepEqual(
          r.findings.filter((f) => f.severity !== 'warning'),
          [],
        );
      }
    });

    test('with nothing pinned, the first run trusts entry 0 and says so; later runs hold the server to it', async () => {
      const stateDir = freshState();
      said.length = 0;
      const first = await verify(writer, { stateDir, logKey: undefined, commissionKey: undefined });
      assert.equal(first.exitCode, 0, explain(first));
      assert.ok(
        said.some((s) => /TRUST ON FIRST USE/.test(s)),
        said.join('\n'),
      );
      assert.match(first.trust.logKeySource ?? '', /trust on first use/);
      const second = await verify(writer, {
        stateDir,
        logKey: undefined,
        commissionKey: undefined,
      });
      assert.equal(second.exitCode, 0, explain(second));
      assert.equal(second.consistency, 'same');
      assert.match(second.trust.logKeySource ?? '', /pinned in/);
      // The second run fetches what the server serves now and holds it to the leaf hashes verified before.
      assert.equal(second.mirror?.bundlesFetched, 1);
      assert.equal(second.mirror?.verifiedBefore, STATIONS + 1);
    });

    test('a changed vote count in station_results is a station mismatch naming station, contest and entry', async () => {
      const code = stations[4] as string;
      const [row] = await db().query<{
        result: { votes: Record<string, number>; entryIndex: number };
      }>("SELECT result FROM station_results WHERE station = $1 AND contest = 'president'", [code]);
      assert.ok(row);
      const cand = Object.keys(row.result.votes)[0] as string;
      const real = row.result.votes[cand] as number;
      await db().query(
        `UPDATE station_results SET result = jsonb_set(result, $2, to_jsonb($3::int)) WHERE station = $1 AND contest = 'president'`,
        [code, `{votes,${cand}}`, real + 500],
      );
      try {
        const r = await verify(writer);
        assert.equal(r.exitCode, 1, explain(r));
        const f = r.findings.filter((x) => x.kind === 'station-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.equal(f[0]?.station, code);
        assert.equal(f[0]?.contest, 'president');
        assert.equal(f[0]?.entryIndex, row.result.entryIndex);
        assert.match(
          f[0]?.message ?? '',
          new RegExp(`votes\\.${cand}: served ${real + 500}, log says ${real}`),
        );
      } finally {
        await db().query(
          `UPDATE station_results SET result = jsonb_set(result, $2, to_jsonb($3::int)) WHERE station = $1 AND contest = 'president'`,
          [code, `{votes,${cand}}`, real],
        );
      }
    });

    test('a changed vote count in a derived tally row is a tally mismatch (read-only server)', async () => {
      const [row] = await db().query<{ tally: { votes: Record<string, number> } }>(
        "SELECT tally FROM tallies WHERE contest = 'president' AND unit = ''",
      );
      assert.ok(row);
      const cand = Object.keys(row.tally.votes)[1] as string;
      const real = row.tally.votes[cand] as number;
      const set = (v: number) =>
        db().query(
          "UPDATE tallies SET tally = jsonb_set(tally, $1, to_jsonb($2::int)) WHERE contest = 'president' AND unit = ''",
          [`{votes,${cand}}`, v],
        );
      await set(real + 1000);
      // A read-only server started after the change (a running one may hold the tally's body in memory).
      // checkStore: false, or it would refuse the tampered store (a lying server is the point here).
      const cold = await startLog({ store: t.store, signer: null, checkStore: false });
      try {
        const r = await verify(await listen(cold.app));
        assert.equal(r.exitCode, 1, explain(r));
        const f = r.findings.filter((x) => x.kind === 'tally-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.equal(f[0]?.unit, '');
        assert.match(
          f[0]?.message ?? '',
          new RegExp(
            `president tally of the nation .*votes\\.${cand}: served ${real + 1000}, log says ${real}`,
          ),
        );
      } finally {
        await cold.close();
        await set(real);
      }
    });

    test('a changed byte in a logged entry breaks the tree: the entry is named', async () => {
      const rows = await entryRows();
      const victim = rows[7] as { data: Buffer };
      const text = victim.data.toString('utf8');
      const changed = Buffer.from(
        text.replace(/"rejected":(\d)/, (_m, d) => `"rejected":${(Number(d) + 1) % 10}`),
      );
      assert.notDeepEqual(changed, victim.data);
      await tamper((q) => q('UPDATE entries SET data = $1 WHERE idx = 7', [changed]));
      try {
        for (const server of [writer, readerUrl]) {
          const r = await verify(server);
          assert.equal(r.exitCode, 2, explain(r));
          const f = messages(r, 'entry-mismatch');
          assert.equal(f.length, 1, explain(r));
          assert.match(f[0] ?? '', /^entry 7 \(a president result of station \d+\) was changed/);
          assert.equal(r.fold, undefined, 'nothing is folded from a log that does not verify');
        }
      } finally {
        await restoreEntries(rows);
      }
      assert.equal((await verify(writer)).exitCode, 0, 'restored');
    });

    test('a deleted entry (later ones moved up) is named', async () => {
      const rows = await entryRows();
      await tamper(async (q) => {
        await q('DELETE FROM entries WHERE idx = 7');
        for (let i = 8; i < rows.length; i++)
          await q('UPDATE entries SET idx = $1 WHERE idx = $2', [i - 1, i]);
      });
      try {
        const r = await verify(readerUrl);
        assert.equal(r.exitCode, 2, explain(r));
        const f = messages(r, 'entry-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.match(
          f[0] ?? '',
          new RegExp(
            `^entry 7 was removed: the server serves the log's entries 8–${STATIONS} at indexes 7–${STATIONS - 1}, one place early, and nothing at index ${STATIONS}`,
          ),
        );
        assert.match(messages(r, 'entries-withheld')[0] ?? '', /not serve it whole/);
      } finally {
        await restoreEntries(rows);
      }
    });

    test('a deleted entry (a gap) is named', async () => {
      const rows = await entryRows();
      await tamper((q) => q('DELETE FROM entries WHERE idx = 12'));
      try {
        const r = await verify(writer);
        assert.equal(r.exitCode, 2, explain(r));
        const f = messages(r, 'entry-mismatch');
        assert.deepEqual(f, [
          'entry 12 is covered by the signed checkpoint, but the server does not serve it (deleted from its store)',
        ]);
      } finally {
        await restoreEntries(rows);
      }
    });

    test('two reordered entries are named', async () => {
      const rows = await entryRows();
      const a = rows[5] as { data: Buffer };
      const b = rows[9] as { data: Buffer };
      await tamper(async (q) => {
        await q('UPDATE entries SET data = $1 WHERE idx = 5', [b.data]);
        await q('UPDATE entries SET data = $1 WHERE idx = 9', [a.data]);
      });
      try {
        const r = await verify(writer);
        assert.equal(r.exitCode, 2, explain(r));
        const f = messages(r, 'entry-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.match(f[0] ?? '', /^entries 5 and 9 were swapped \(reordered\)/);
      } finally {
        await restoreEntries(rows);
      }
    });

    test('two adjacent entries swapped are described as a swap', async () => {
      const rows = await entryRows();
      const a = rows[5] as { data: Buffer };
      const b = rows[6] as { data: Buffer };
      await tamper(async (q) => {
        await q('UPDATE entries SET data = $1 WHERE idx = 5', [b.data]);
        await q('UPDATE entries SET data = $1 WHERE idx = 6', [a.data]);
      });
      try {
        const r = await verify(writer);
        assert.equal(r.exitCode, 2, explain(r));
        assert.deepEqual(
          r.findings.filter((f) => f.kind === 'entry-mismatch').map((f) => f.entryIndex),
          [5],
          explain(r),
        );
        assert.match(
          messages(r, 'entry-mismatch')[0] ?? '',
          /^entries 5 and 6 were swapped \(reordered\): the server serves the log's entry 5 \(a president result of station \d+\) at index 6, and its entry 6 \(a president result of station \d+\) at index 5$/,
        );
      } finally {
        await restoreEntries(rows);
      }
    });

    test('a different, validly signed entry at an old index after an audit: exit 2 naming it, with and without the audit state', async () => {
      const stateDir = freshState();
      const audit = await verify(writer, { stateDir });
      assert.equal(audit.exitCode, 0, explain(audit));
      const rows = await entryRows();
      const tiles = await db().query<{ data: Buffer }>(
        'SELECT data FROM tiles WHERE level = 0 AND idx = 0',
      );
      const tile0 = tiles[0]?.data as Buffer;
      assert.ok(tile0);
      // The station's device key signs other figures (demo keys are public): a valid entry, not the logged one.
      const victim = JSON.parse((rows[9] as { data: Buffer }).data.toString('utf8')) as ResultEntry;
      const votes = Object.fromEntries(
        Object.entries(victim.votes).map(([c, v], k) => [c, k === 0 ? v + 300 : v]),
      );
      const forged = Buffer.from(
        encodeEntry(
          t.result(victim.station, {
            votes,
            totalValid: victim.totalValid + 300,
            form: victim.form,
            deviceTime: victim.deviceTime,
          }),
        ),
      );
      const leaf = Buffer.from(leafHash(forged));
      await tamper((q) =>
        q('UPDATE entries SET data = $1, leaf_hash = $2 WHERE idx = 9', [forged, leaf]),
      );
      const named = (r: VerifyReport) => {
        assert.equal(r.exitCode, 2, explain(r));
        const f = r.findings.filter((x) => x.kind === 'entry-mismatch');
        assert.equal(f.length, 1, explain(r));
        assert.equal(f[0]?.entryIndex, 9);
        assert.match(
          f[0]?.message ?? '',
          new RegExp(`^entry 9 \\(a president result of station ${victim.station}\\) was changed`),
        );
      };
      try {
        named(await verify(writer, { stateDir }));
        named(await verify(writer));
        // The hash tile rewritten to match, as a careful DBA would: the served
        // tiles no longer reproduce the signed root, and only the leaf hashes
        // kept from the audit can name the entry.
        const covered = Buffer.from(tile0);
        leaf.copy(covered, 9 * 32);
        await tamper((q) => q('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [covered]));
        const r = await verify(writer, { stateDir });
        named(r);
        const tileFinding = r.findings.find((x) => x.kind === 'tile-mismatch');
        assert.equal(tileFinding?.severity, 'fatal', explain(r));
        assert.equal(tileFinding?.entryIndex, 9);
        assert.match(
          tileFinding?.message ?? '',
          /gives entry 9 the leaf hash .* but the log verified before has/,
        );
        // The audit's record is not overwritten by what a failed run fetched.
        assert.equal((await verify(writer, { stateDir })).exitCode, 2);
        // A damaged record is not trusted: said, and the entry is then not named from it.
        const kept = join(stateDir, 'tile', '0', `000.p/${STATIONS + 1}`);
        const keptBytes = readFileSync(kept);
        const damaged = Buffer.from(keptBytes);
        damaged[5] = (damaged[5] as number) ^ 1;
        writeFileSync(kept, damaged);
        const blind = await verify(writer, { stateDir });
        writeFileSync(kept, keptBytes);
        assert.equal(blind.exitCode, 2, explain(blind));
        assert.match(
          messages(blind, 'state-damaged')[0] ?? '',
          /do not reproduce the checkpoint verified before \(size 31\)/,
        );
        assert.match(
          messages(blind, 'root-mismatch')[0] ?? '',
          /^neither the entries nor the hash tiles/,
        );
        assert.equal(
          JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).size,
          STATIONS + 1,
        );
      } finally {
        await tamper((q) => q('UPDATE tiles SET data = $1 WHERE level = 0 AND idx = 0', [tile0]));
        await restoreEntries(rows);
      }
      assert.equal((await verify(writer, { stateDir })).exitCode, 0, 'restored');
    });

    test('a swapped form image is caught with --forms (a missing one is only a warning)', async () => {
      const [x, y, z] = [stations[2], stations[3], stations[6]] as [string, string, string];
      const shaOf = (code: string) => toHex(sha256(new Uint8Array(formFile(code))));
      await db().query('UPDATE blobs SET data = $1 WHERE sha256 = $2', [formFile(y), shaOf(x)]);
      const zRow = await db().query<{ sha256: string; content_type: string; data: Buffer }>(
        'SELECT sha256, content_type, data FROM blobs WHERE sha256 = $1',
        [shaOf(z)],
      );
      await db().query('DELETE FROM blobs WHERE sha256 = $1', [shaOf(z)]);
      try {
        const without = await verify(writer);
        assert.equal(without.exitCode, 0, 'forms are only checked with --forms');
        const r = await verify(writer, { forms: true });
        assert.equal(r.exitCode, 1, explain(r));
        const bad = r.findings.filter((f) => f.kind === 'form-mismatch');
        assert.equal(bad.length, 1, explain(r));
        assert.equal(bad[0]?.station, x);
        assert.match(
          bad[0]?.message ?? '',
          new RegExp(
            `^station ${x}, president \\(entry \\d+\\): the file served for SHA-256 ${shaOf(x)} hashes to ${shaOf(y)}: it is the form logged for station ${y}`,
          ),
        );
        const missing = r.findings.filter((f) => f.kind === 'form-missing');
        assert.equal(missing.length, 1);
        assert.equal(missing[0]?.severity, 'warning');
        assert.equal(missing[0]?.station, z);
        assert.deepEqual(r.forms, {
          checked: STATIONS,
          ok: STATIONS - 2,
          missing: 1,
          mismatched: 1,
          downloaded: STATIONS - 1,
        });
      } finally {
        await db().query('UPDATE blobs SET data = $1 WHERE sha256 = $2', [formFile(x), shaOf(x)]);
        const zr = zRow[0];
        if (zr)
          await db().query('INSERT INTO blobs (sha256, content_type, data) VALUES ($1, $2, $3)', [
            zr.sha256,
            zr.content_type,
            zr.data,
          ]);
      }
    });

    test('a forked history (same entry 0 and log key, other entries) is a fork, with both checkpoints', async () => {
      // Two logs of the same election, signed with the same log key: the first
      // has 10 results when the auditor first looks, the other 30 different ones.
      const a = await newTestLog(backend, { stations: STATIONS });
      const b = await newTestLog(backend, { stations: STATIONS });
      try {
        const codes = a.definition.stations.map((s) => s.code);
        await fill(a, codes.slice(0, 10));
        await fill(b, codes, (i) => (i === 3 ? 7 : 0));
        const aUrl = await listen(a.running.app);
        const bUrl = await listen(b.running.app);
        const stateDir = freshState();
        const first = await verify(aUrl, { stateDir });
        assert.equal(first.exitCode, 0, explain(first));
        said.length = 0;
        const r = await verify(bUrl, { stateDir });
        assert.equal(r.exitCode, 2, explain(r));
        assert.equal(r.consistency, 'fork');
        const [fork] = messages(r, 'fork');
        assert.ok(fork, explain(r));
        const aNote = first.checkpoint?.note as string;
        const bNote = r.checkpoint?.note as string;
        assert.notEqual(aNote, bNote);
        // Both signed checkpoints are printed as evidence, and saved.
        assert.ok(fork.includes(aNote.trimEnd()) && fork.includes(bNote.trimEnd()), fork);
        assert.match(fork, /does not begin with the tree of size 11 verified before/);
        assert.ok(said.some((s) => s.includes('FORK') && s.includes(aNote.trimEnd())));
        const forks = join(stateDir, 'evidence');
        const [dir] = readdirSync(forks);
        assert.ok(dir?.endsWith('-fork'), dir);
        assert.ok(dir);
        assert.equal(readFileSync(join(forks, dir, 'previous-checkpoint'), 'utf8'), aNote);
        assert.equal(readFileSync(join(forks, dir, 'new-checkpoint'), 'utf8'), bNote);
        // The state still holds the first history: the fork is not adopted.
        assert.equal(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).size, 11);

        // The same size, a different root: a fork at once.
        await fill(a, codes.slice(10));
        const full = freshState();
        assert.equal((await verify(aUrl, { stateDir: full })).exitCode, 0);
        const same = await verify(bUrl, { stateDir: full });
        assert.equal(same.exitCode, 2, explain(same));
        assert.match(
          messages(same, 'fork')[0] ?? '',
          /Both are for tree size 31, with different root hashes/,
        );
        assert.ok(existsSync(join(full, 'evidence')));
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

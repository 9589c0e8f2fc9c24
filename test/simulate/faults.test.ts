// `kura demo --synthetic 400 --faults --max-speed --exit --port 0`, run in
// this process with the server as a child process (`kura serve`, SIGKILLed at
// 40% of the night and restarted on the same store: the embedded one, and a
// PostgreSQL database, where the restarted writer must take the lease the
// killed one held): every injected fault must
// get the answer the API promises, no acknowledged result may be lost, the log
// must not fork, and the national tallies must equal the forms sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { demo } from '../../src/simulate/demo.js';
import { createTestDatabase, testBackends } from '../helpers/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'kura-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A bound, not a pace: about 100 s on a busy 2-core machine (each station also uploads its form).
for (const backend of await testBackends())
  test(`kura demo --synthetic 400 --faults on ${backend}: every fault answered correctly`, {
    timeout: 300_000,
  }, async (t) => {
    let store: { data: string } | { db: string };
    if (backend === 'pglite') store = { data: join(dir, 'data') };
    else {
      const db = await createTestDatabase();
      t.after(() => db.drop());
      store = { db: db.url };
    }
    await faultsNight(store);
  });

async function faultsNight(store: { data: string } | { db: string }): Promise<void> {
  let text = '';
  const report = await demo({
    synthetic: 400,
    faults: true,
    speed: Number.POSITIVE_INFINITY,
    exit: true,
    ...store,
    election: join(dir, 'election'),
    port: '0',
    progress: false,
    out: (s) => {
      text += s;
    },
    serverStderr: (s) => {
      text += `[server] ${s}`;
    },
  }).catch((e: Error) => {
    throw new Error(`${e.stack}\n--- the demo's output:\n${text}`);
  });
  const rows = report.faultRows;
  assert.ok(rows, text);
  const wrong = rows.filter((r) => !r.ok);
  assert.deepEqual(
    wrong.map((r) => `${r.fault}: ${r.seen}`),
    [],
    `faults answered wrongly:\n${text}`,
  );
  const row = (prefix: string) => {
    const r = rows.find((x) => x.fault.trim().startsWith(prefix));
    assert.ok(r, `no row "${prefix}"`);
    return r;
  };
  const count = (s: string) => Number(s.replace(/,/g, '').replace(/[^0-9].*$/, ''));
  // Every kind of fault was injected at least once.
  for (const p of [
    'retry:',
    'device not enrolled',
    'forged',
    'over-vote',
    'second, different',
    'late',
  ])
    assert.ok(count(row(p).injected) > 0, `${p} was not injected`);
  assert.match(row('retry:').seen, /201 x6\b/);
  assert.match(row('device not enrolled').seen, /^403 DEVICE_NOT_ENROLLED_AT_STATION x\d+$/);
  assert.match(row('forged').seen, /^401 BAD_SIGNATURE x\d+$/);
  assert.match(row('over-vote').seen, /flagged over-registered x3/);
  assert.match(row('second, different').seen, /^409 ALREADY_REPORTED x\d+; tallies unchanged$/);
  // The kill really cut requests off mid-way, and the log survived it.
  assert.match(row('server SIGKILL').seen, /^back in /);
  assert.ok(count(row('requests in flight').injected) > 0, 'no request was in flight at the kill');
  const acked = count(row('acknowledged before the kill').injected);
  assert.ok(acked > 500, `only ${acked} results acknowledged before the kill`);
  assert.match(
    row('acknowledged before the kill').seen,
    new RegExp(`^${acked.toLocaleString('en')} of `),
  );
  assert.match(row('no fork').seen, /verified/);
  assert.doesNotMatch(row('no fork').seen, /FAILED/);
  // The tallies are the forms sent: over-votes counted, conflicts not, nothing twice.
  assert.equal(report.comparisons.length, 6);
  for (const c of report.comparisons) {
    assert.ok(c.agree, `${c.contest}: ${c.differences.join('; ')}`);
    assert.equal(c.log.stationsReported, 400);
  }
  const overVoted = report.comparisons.reduce(
    (s, c) => s + (c.log.flagged['over-registered'] ?? 0),
    0,
  );
  assert.equal(overVoted, 3, 'the three over-votes are flagged in the tallies');
  assert.equal(
    report.comparisons.find((c) => c.contest === 'president')?.log.flagged['over-registered'],
    undefined,
  );
  // Every presidential send uploaded its form first, through the kill: stored once, or found stored.
  const uploads = report.summary.formsByStatus;
  assert.deepEqual(
    Object.keys(uploads).filter((k) => k !== '200' && k !== '201'),
    [],
    `form uploads refused: ${JSON.stringify(uploads)}`,
  );
  // 400 stations' forms, each stored once: answered 201, or, when the kill cut its answer
  // off, found stored (200) on the retry; how many depends on what was in flight at the kill.
  const stored = uploads['201'] ?? 0;
  const found = uploads['200'] ?? 0;
  assert.equal(stored + found, 400, `forms: ${JSON.stringify(uploads)}`);
  assert.ok(
    found <= count(row('requests in flight').injected),
    `${found} forms found stored, more than the requests in flight at the kill: ${text}`,
  );
  assert.ok(report.ok, text);
}

// A stateless reader (`kura serve --read-only --db ...`: no sequencer, its own
// connection to the writer's database) follows the writer within a second and
// serves everything public with the writer's bytes: the checkpoint, tallies,
// station pages with the devices official entries enrolled and a correction's
// approvals (so the portal can verify a corrected station in full), proofs,
// the directory, open data and the officials' public record. Writes get 405.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OfficialAct } from '../../src/election/official-entry.js';
import type { Account } from '../../src/election/officials.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';

/** Polls `check` until it holds; fails at `deadlineMs` saying what it waited for. */
async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs: number) {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > deadlineMs) assert.fail(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - start;
}

for (const backend of await testBackends()) {
  describe(`a reader beside the writer on ${backend}`, () => {
    let t: TestLog;
    let readerStore: Store | null = null;
    let reader: RunningLog;
    let station: string;
    let enrolled: string;

    const get = (app: RunningLog['app'], url: string) => app.inject({ method: 'GET', url });
    const checkpointOf = async (app: RunningLog['app']) => (await get(app, '/log/checkpoint')).body;

    before(async () => {
      t = await newTestLog(backend, { stations: 12, officials: true });
      // On PostgreSQL the reader has its own connection, as another process would.
      readerStore = t.databaseUrl ? await openStore({ url: t.databaseUrl }) : null;
      reader = await startLog({ store: readerStore ?? t.store, signer: null });

      const officials = t.running.officials;
      const sequencer = t.running.sequencer;
      assert.ok(officials && sequencer);
      const index = t.running.election.index;
      station = t.definition.stations[0]?.code as string;
      const constituency = index.places.get(station)?.constituency as string;
      for (const [account, role, scope] of [
        ['chair', 'commission-admin', ''],
        ['vice', 'commission-admin', ''],
        ['ro', 'returning-officer', constituency],
      ] as const)
        await officials.createAccount(null, { account, role, scope, password: PASSWORD });
      const as = (id: string) => sequencer.fold.officials.accounts.get(id) as Account;
      const act = async (actor: string, a: OfficialAct) => {
        officials.precheck(as(actor), a);
        return officials.act(as(actor), a);
      };

      const sent = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(station),
      });
      assert.equal(sent.statusCode, 201, sent.body);
      const result = sent.json() as { index: number };
      enrolled = 'kit-new-1';
      await act('chair', {
        kind: 'device-enrolled',
        device: enrolled,
        station,
        publicKey: toBase64(ed25519PublicKey(new Uint8Array(32).fill(7))),
        replaces: '',
      });
      const votes = t.result(station).votes;
      const first = Object.keys(votes)[0] as string;
      const corrected = { ...votes, [first]: (votes[first] as number) + 3 };
      const proposed = await act('chair', {
        kind: 'correction-proposed',
        contest: 'president',
        station,
        original: result.index,
        reason: 'transposed digits',
        form: 'cd'.repeat(32),
        votes: corrected,
        rejected: 2,
        totalValid: Object.values(corrected).reduce((s, n) => s + n, 0),
      });
      await act('ro', { kind: 'correction-approved', correction: proposed.index });
      await act('vice', { kind: 'correction-approved', correction: proposed.index });
    });
    after(async () => {
      await reader?.close();
      await readerStore?.close();
      await t?.close();
    });

    test('the reader follows the writer within a second', async () => {
      const ms = await waitFor(
        'the reader serves the writer’s checkpoint',
        async () => (await checkpointOf(reader.app)) === (await checkpointOf(t.running.app)),
        1000,
      );
      // And again after one more result, timed from the writer's receipt (durable and signed).
      const other = t.definition.stations[1]?.code as string;
      const sent = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(other),
      });
      assert.equal(sent.statusCode, 201, sent.body);
      const size = (sent.json() as { index: number }).index + 1;
      const lag = await waitFor(
        `the reader serves a checkpoint of size ${size}`,
        async () => {
          const r = await get(reader.app, `/api/v1/entries/${size - 1}`);
          return r.statusCode === 200;
        },
        1000,
      );
      assert.ok(ms >= 0 && lag >= 0);
    });

    test('the reader answers every public endpoint with the writer’s bytes', async () => {
      await waitFor(
        'the reader serves the writer’s checkpoint',
        async () => (await checkpointOf(reader.app)) === (await checkpointOf(t.running.app)),
        5000,
      );
      const index = t.running.election.index;
      const place = index.places.get(station);
      const urls = [
        '/log/checkpoint',
        '/log/key',
        '/log/tile/0/000.p/5',
        '/log/tile/entries/000.p/5',
        '/api/v1/election',
        '/api/v1/contests',
        '/api/v1/units',
        `/api/v1/units/${place?.county}`,
        '/api/v1/candidates/president',
        '/api/v1/search?q=st',
        `/api/v1/stations/${station}`,
        `/api/v1/stations?ward=${place?.ward}&contest=president`,
        '/api/v1/entries/1',
        '/api/v1/entries/2?size=3',
        '/api/v1/proof/consistency?from=1',
        '/api/v1/officials/acts',
        '/api/v1/officials/acts?failed=summary',
        '/api/v1/officials/accounts',
        '/api/v1/corrections',
        '/api/v1/declarations',
        `/api/v1/devices/${enrolled}`,
        '/api/v1/data/president?format=csv',
        '/api/v1/data/president?format=json',
        ...['', ...index.units.keys()].map(
          (u) => `/api/v1/tally/president/${encodeURIComponent(u)}`,
        ),
      ];
      for (const url of urls) {
        const w = await get(t.running.app, url);
        const r = await get(reader.app, url);
        assert.equal(r.statusCode, w.statusCode, `${url}: ${r.body}`);
        assert.equal(w.statusCode, 200, `${url}: ${w.body}`);
        assert.equal(r.body, w.body, url);
        assert.equal(r.headers.etag, w.headers.etag, `${url} ETag`);
      }
      // What the portal's Verify needs to prove a corrected station in full.
      const page = (await get(reader.app, `/api/v1/stations/${station}`)).json();
      assert.ok(
        page.devices.some((d: { id: string }) => d.id === enrolled),
        'enrolled device',
      );
      assert.equal(page.results.president.correction.approvals.length, 2, 'both approvals');
    });

    test('the response schemas serialise every field as JSON.stringify does (nothing dropped or changed)', async () => {
      const sequencer = t.running.sequencer;
      assert.ok(sequencer);
      const o = sequencer.fold.officials;
      const body = async (url: string) => (await get(t.running.app, url)).body;
      assert.equal(
        await body('/api/v1/corrections'),
        JSON.stringify({ corrections: [...o.corrections.values()] }),
      );
      assert.equal(
        await body('/api/v1/officials/accounts'),
        JSON.stringify({
          accounts: [...o.accounts.values()],
          proposals: [...o.accountProposals.values()],
        }),
      );
      assert.equal(
        await body(`/api/v1/devices/${enrolled}`),
        JSON.stringify(o.devices.get(enrolled)),
      );
      const acts = JSON.parse(await body('/api/v1/officials/acts'));
      assert.equal(JSON.stringify(acts.acts), JSON.stringify(o.acts));
      // A station page: the stored results as they are, a correction with its approvals added.
      const page = await body(`/api/v1/stations/${station}`);
      const [row] = (await t.store.getStationResults(station)).filter(
        (r) => r.contest === 'president',
      );
      const stored = row?.result as { correction: object };
      const approvals = [...o.corrections.values()][0]?.approvals.map((a) => a.entryIndex);
      const expected = { ...stored, correction: { ...stored.correction, approvals } };
      assert.deepEqual(JSON.parse(page).results.president, expected);
      const entry = JSON.parse(await body('/api/v1/entries/1'));
      const stored1 = await t.store.getEntry(1);
      assert.ok(stored1);
      assert.equal(
        Buffer.from(entry.entry, 'base64').toString(),
        Buffer.from(stored1.data).toString(),
      );
      assert.equal(
        JSON.stringify(entry.decoded),
        Buffer.from(stored1.data).toString(),
        'decoded as logged',
      );
    });

    test('the reader refuses every write with 405 READ_ONLY, before reading a body', async () => {
      for (const [method, url] of [
        ['POST', '/api/v1/results'],
        ['POST', '/api/v1/login'],
        ['POST', '/api/v1/corrections'],
        ['PUT', `/api/v1/forms/${'ab'.repeat(32)}`],
        ['GET', '/api/v1/session'],
      ] as const) {
        const r = await reader.app.inject({
          method,
          url,
          headers: { 'content-type': 'image/png' },
          payload: Buffer.alloc(16),
        });
        assert.equal(r.statusCode, 405, `${method} ${url}: ${r.body}`);
        assert.equal(r.json().error.code, 'READ_ONLY');
      }
    });
  });
}

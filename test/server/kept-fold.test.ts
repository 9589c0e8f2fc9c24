// The writer's kept fold (server/kept-fold.ts, FORMATS.md §10.7): at a clean
// stop the writer seals its fold of the durable log into the kept_fold row;
// its next start folds only what came after, and ends with the very fold a
// start from nothing makes. A kept fold that is not whole, not sealed with
// the log key or not of this tree is said (kept-fold-unused) and not used; a
// store the log does not account for is refused as without one; a reader
// never uses it; a writer fenced off keeps nothing.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { type RaceTally, TallyFold } from '../../src/election/fold.js';
import { foldToData } from '../../src/election/fold-snapshot.js';
import type { OfficialAct } from '../../src/election/official-entry.js';
import type { Account } from '../../src/election/officials.js';
import { toBase64 } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { rootFromLeafHashes } from '../../src/log/merkle.js';
import { generateKey } from '../../src/log/note.js';
import { encodeFoldFile } from '../../src/platform/fold-file.js';
import type { ReportFields } from '../../src/platform/reporter.js';
import { type EventId, silentServerReporter } from '../../src/server/events.js';
import { keepFold } from '../../src/server/kept-fold.js';
import { replayStoredLog, StoreIntegrityError } from '../../src/server/replay.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import type { Queryable } from '../../src/store/db.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { KeptFoldRow } from '../../src/store/store.js';
import { testBackends } from '../helpers/postgres.js';
import { tamper as tamperStore } from '../helpers/tamper.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
// The test election's log key (test/helpers/test-log.ts), and another one.
const LOG_KEY = generateKey('kura.test/log', new TextEncoder().encode('log'.padEnd(32, '.')));
const OTHER_KEY = generateKey('kura.test/log', new TextEncoder().encode('other'.padEnd(32, '.')));
const NOW = 1_700_000_000;

/** What one start (and its close) told its reporter. */
interface Told {
  events: Array<{ id: EventId; fields: ReportFields }>;
  warnings: string[];
  /** The start-up check's stats (null when the start was refused). */
  stats: {
    entries: number;
    keptEntries: number;
    tailEntries: number;
    derivedUnchanged: boolean;
  } | null;
}

const said = (told: Told, id: EventId) => told.events.filter((e) => e.id === id);

for (const backend of await testBackends()) {
  describe(`the writer's kept fold on ${backend}`, () => {
    let t: TestLog;
    const db = () => (t.store as SqlStore).db;
    const index = () => t.running.election.index;
    const definitionSha256 = () => t.running.election.entry.definitionSha256;
    const signer = (key = LOG_KEY) => new CheckpointSigner(key.signerKey, () => NOW);

    /** Runs SQL with triggers and foreign keys off, as an administrator set on tampering would. */
    const tamper = (fn: (q: Queryable) => Promise<unknown>) => tamperStore(t.store, fn);

    /** The servers a test started and has not closed (it failed): closed after it, so the next can start. */
    const stillOpen = new Set<RunningLog>();
    afterEach(async () => {
      for (const running of stillOpen) await running.close().catch(() => {});
    });

    /** Starts a writer (or, with signer null, a reader), telling `told` what it reports. */
    async function start(s: CheckpointSigner | null = signer()) {
      const told: Told = { events: [], warnings: [], stats: null };
      const log = {
        ...silentServerReporter,
        info(msg: string, fields?: ReportFields) {
          if (msg.startsWith('start-up check:'))
            told.stats = fields as unknown as NonNullable<Told['stats']>;
        },
        warn(msg: string) {
          told.warnings.push(msg);
        },
        event(id: EventId, fields: ReportFields = {}) {
          told.events.push({ id, fields });
        },
      };
      const running = await startLog({
        store: t.store,
        signer: s,
        log,
        signatureThreads: 0,
        sequencer: { periodMs: 5 },
      });
      const close = running.close.bind(running);
      running.close = async () => {
        stillOpen.delete(running);
        await close();
      };
      stillOpen.add(running);
      return { running, told };
    }

    /** A writer's (or reader's) start and stop; the fold it started with, as data. */
    async function startAndStop(s: CheckpointSigner | null = signer()) {
      const { running, told } = await start(s);
      let fold: unknown;
      const api: Record<string, unknown> = {};
      let corrections: string[] = [];
      try {
        fold = running.sequencer ? foldToData(running.sequencer.fold) : null;
        corrections = running.sequencer
          ? [...running.sequencer.fold.officials.corrections.values()].map((c) => c.status).sort()
          : [];
        for (const url of [
          '/api/v1/tallies/president',
          '/api/v1/tallies/governor',
          `/api/v1/stations/${t.definition.stations[0]?.code}`,
          '/api/v1/corrections',
        ]) {
          const r = await running.app.inject({ method: 'GET', url });
          assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
          api[url] = r.json();
        }
      } finally {
        await running.close();
      }
      return { told, fold, api, corrections };
    }

    /** A start that must be refused; its error and what it reported. */
    async function refusedStart(s: CheckpointSigner | null = signer()) {
      const told: Told = { events: [], warnings: [], stats: null };
      let started: RunningLog | undefined;
      const error = await startLog({
        store: t.store,
        signer: s,
        signatureThreads: 0,
        log: {
          ...silentServerReporter,
          event: (id, fields = {}) => told.events.push({ id, fields }),
        },
      }).then(
        (r) => {
          started = r;
          return undefined;
        },
        (e: unknown) => e,
      );
      await started?.close();
      assert.ok(
        error instanceof StoreIntegrityError,
        `the start must be refused; got ${error ? String(error) : 'a running server'}`,
      );
      return { error, told };
    }

    /** The fold of every stored entry, folded from entry 0 without any kept fold. */
    async function reference(): Promise<unknown> {
      const replayed = await replayStoredLog(t.store, index(), { threads: 0 });
      return foldToData(replayed.fold);
    }

    const keptRow = () => t.store.getKeptFold();
    const setKeptRow = (row: KeptFoldRow) =>
      tamper((q) =>
        q.query('UPDATE kept_fold SET size = $1, bytes = $2', [row.size, Buffer.from(row.bytes)]),
      );
    const writtenAt = async () =>
      (await db().query<{ at: string }>('SELECT written_at::text AS at FROM kept_fold'))[0]?.at;
    const deleteKeptRow = () => tamper((q) => q.query('DELETE FROM kept_fold'));

    /** The root of the tree at the latest checkpoint, as the log key signed it. */
    async function signedRoot(): Promise<{ size: number; root: Uint8Array }> {
      const note = (await t.store.latestCheckpoint())?.note as string;
      const opened = openCheckpoint(note, t.definition.logOrigin, [t.logVerifier]);
      assert.ok(opened.ok);
      return { size: opened.value.checkpoint.size, root: opened.value.checkpoint.rootHash };
    }

    /** A fold of the whole log, sealed with `key`'s seal key and bound to `root`. */
    async function sealedFold(opts: { key?: typeof LOG_KEY; root?: Uint8Array } = {}) {
      const replayed = await replayStoredLog(t.store, index(), { threads: 0 });
      const { size, root } = await signedRoot();
      assert.equal(replayed.size, size);
      return {
        size,
        bytes: encodeFoldFile(
          replayed.fold,
          { size, root: toBase64(opts.root ?? root), definitionSha256: definitionSha256() },
          signer(opts.key).foldSealKey(),
        ),
        fold: replayed.fold,
      };
    }

    /** A start that does not use the kept fold, says why, and ends with the fold from nothing. */
    async function startsWithoutIt(reason: RegExp) {
      const want = await reference();
      const size = await t.store.treeSize();
      const { told, fold } = await startAndStop();
      assert.equal(told.stats?.keptEntries, 0, 'the kept fold is not used');
      assert.equal(told.stats?.entries, size);
      const unused = said(told, 'kept-fold-unused');
      assert.equal(unused.length, 1, JSON.stringify(told.events));
      assert.match(String(unused[0]?.fields.reason), reason);
      assert.deepEqual(fold, want);
      // Having folded everything, its stop keeps a fold of its own.
      assert.deepEqual(
        said(told, 'fold-kept').map((e) => e.fields.size),
        [size],
      );
      return told;
    }

    /** A start that uses the kept fold of the whole log. */
    async function startsWithIt() {
      const size = await t.store.treeSize();
      const { told, fold } = await startAndStop();
      assert.equal(told.stats?.keptEntries, size, JSON.stringify(told.events));
      assert.deepEqual(said(told, 'kept-fold-unused'), []);
      assert.deepEqual(fold, await reference());
    }

    let resultAt: Map<string, number>;
    let official: number;

    before(async () => {
      t = await newTestLog(backend, {
        stations: 12,
        officials: true,
        presidentOnly: false,
        now: () => NOW * 1000,
        signatureThreads: 0,
      });
      const officials = t.running.officials;
      const sequencer = t.running.sequencer;
      assert.ok(officials && sequencer);
      const idx = t.running.election.index;
      const codes = t.definition.stations.map((s) => s.code);
      const [corrected, pending] = codes as [string, string];
      const constituencies = [
        ...new Set([corrected, pending].map((c) => idx.places.get(c)?.constituency as string)),
      ];
      for (const [account, role, scope] of [
        ['chair', 'commission-admin', ''],
        ['vice', 'commission-admin', ''],
        ...constituencies.map((c, k) => [`ro${k}`, 'returning-officer', c] as const),
      ] as const)
        await officials.createAccount(null, { account, role, scope, password: PASSWORD });
      const as = (id: string) => sequencer.fold.officials.accounts.get(id) as Account;
      const act = async (actor: string, a: OfficialAct) => {
        officials.precheck(as(actor), a);
        return officials.act(as(actor), a);
      };
      // Results in two contests at all stations but the last three (left for later tests).
      resultAt = new Map();
      for (const code of codes.slice(0, -3))
        for (const contest of ['president', 'governor']) {
          if (!idx.raceFor(contest, code)) continue;
          const r = await t.running.app.inject({
            method: 'POST',
            url: '/api/v1/results',
            payload: resultFor(code, contest),
          });
          assert.equal(r.statusCode, 201, r.body);
          resultAt.set(`${contest}/${code}`, (r.json() as { index: number }).index);
        }
      // A correction approved into force, and one proposed only.
      const propose = (station: string) => {
        const votes = t.result(station).votes;
        const first = Object.keys(votes)[0] as string;
        const fixed = { ...votes, [first]: (votes[first] as number) + 3 };
        return act('chair', {
          kind: 'correction-proposed',
          contest: 'president',
          station,
          original: resultAt.get(`president/${station}`) as number,
          reason: 'transposed digits',
          form: 'cd'.repeat(32),
          votes: fixed,
          rejected: 2,
          totalValid: Object.values(fixed).reduce((s, n) => s + n, 0),
        });
      };
      const inForce = await propose(corrected);
      const ro = `ro${constituencies.indexOf(idx.places.get(corrected)?.constituency as string)}`;
      await act(ro, { kind: 'correction-approved', correction: inForce.index });
      await act('vice', { kind: 'correction-approved', correction: inForce.index });
      official = inForce.index;
      await propose(pending);
      assert.equal(
        [...sequencer.fold.officials.corrections.values()].filter((c) => c.status === 'in-force')
          .length,
        1,
      );
      await t.running.close();
    });
    after(async () => {
      await t?.close();
    });

    /** A correctly signed result for a station in a contest, its candidates standing there. */
    function resultFor(code: string, contest: string) {
      const county = t.running.election.index.places.get(code)?.county;
      const standing = t.definition.contests
        .find((c) => c.id === contest)
        ?.candidates.filter((c) => c.unit === null || c.unit === county);
      const votes = Object.fromEntries((standing ?? []).map((c, k) => [c.id, 10 + 3 * k]));
      const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
      return t.result(code, { votes, totalValid }, contest);
    }

    async function post(running: RunningLog, code: string, contest = 'president') {
      const r = await running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: resultFor(code, contest),
      });
      return r;
    }

    test('a clean stop keeps the fold; the next start folds nothing again and ends with the same fold', async () => {
      const size = await t.store.treeSize();
      assert.ok(resultAt.size >= 10 && size > resultAt.size + 6, `a log of ${size} entries`);
      // From no kept fold: everything folded, and the stop keeps it.
      await deleteKeptRow();
      const first = await startAndStop();
      assert.equal(first.told.stats?.keptEntries, 0);
      assert.deepEqual(said(first.told, 'kept-fold-unused'), []);
      const row = await keptRow();
      assert.ok(row, 'the stop kept a fold');
      const keptAt = await writtenAt();
      assert.equal(row.size, size);
      const kept = said(first.told, 'fold-kept');
      assert.equal(kept.length, 1, JSON.stringify(first.told.events));
      assert.equal(kept[0]?.fields.size, size);
      assert.equal(kept[0]?.fields.bytes, row.bytes.length);
      assert.equal(typeof kept[0]?.fields.ms, 'number');

      // The next start uses it for every entry, and ends with the fold from nothing;
      // the derived rows' digest is the one sealed with it, so they are not compared again.
      const second = await startAndStop();
      assert.equal(second.told.stats?.keptEntries, size, JSON.stringify(second.told.events));
      assert.equal(second.told.stats?.derivedUnchanged, true);
      assert.equal(second.told.stats?.entries, size);
      assert.deepEqual(said(second.told, 'kept-fold-unused'), []);
      // Nothing new: its stop leaves the row as it was (not written again).
      assert.deepEqual(said(second.told, 'fold-kept'), []);
      assert.deepEqual(await keptRow(), row);
      assert.deepEqual(await writtenAt(), keptAt);

      // A start with the row gone folds everything: the same fold.
      await deleteKeptRow();
      const third = await startAndStop();
      assert.equal(third.told.stats?.keptEntries, 0);
      assert.deepEqual(second.fold, third.fold);
      assert.deepEqual(second.fold, first.fold);
      assert.deepEqual(second.fold, await reference());
      // What it serves is the same, the correction in force and the one proposed with it.
      assert.deepEqual(second.api, third.api);
      assert.deepEqual(second.corrections, ['awaiting-returning-officer', 'in-force']);
      assert.equal((await keptRow())?.size, size);
    });

    test('a kept fold older than the log: the start folds only the entries after it', async () => {
      const n = await t.store.treeSize();
      const rowN = (await keptRow()) as KeptFoldRow;
      assert.equal(rowN.size, n);
      const codes = t.definition.stations.map((s) => s.code);
      // A writer that goes on from the kept fold, appends, and dies before it keeps a fold.
      const { running, told } = await start();
      assert.equal(told.stats?.keptEntries, n);
      for (const code of codes.slice(-3, -1))
        assert.equal((await post(running, code)).statusCode, 201);
      assert.equal((await post(running, codes.at(-3) as string, 'governor')).statusCode, 201);
      const m = await t.store.treeSize();
      assert.equal(m, n + 3);
      t.store.putKeptFold = async () => {
        throw new Error('killed before it kept its fold');
      };
      try {
        await running.close();
      } finally {
        delete (t.store as { putKeptFold?: unknown }).putKeptFold;
      }
      assert.deepEqual(said(told, 'fold-kept'), []);
      assert.match(told.warnings.join('\n'), /the fold was not kept: killed before/);
      assert.equal((await keptRow())?.size, n, 'the fold kept at n is still there');

      // The next start takes the fold of the first n over and folds the 3 after.
      const want = await reference();
      const next = await startAndStop();
      assert.equal(next.told.stats?.keptEntries, n, JSON.stringify(next.told.events));
      assert.equal(next.told.stats?.entries, m);
      assert.deepEqual(said(next.told, 'kept-fold-unused'), []);
      assert.deepEqual(next.fold, want);
      // It folded something new, so its stop keeps the whole log's fold.
      assert.deepEqual(
        said(next.told, 'fold-kept').map((e) => e.fields.size),
        [m],
      );
      assert.equal((await keptRow())?.size, m);

      // The same with the fold of the first n put back in place of the newer one:
      // the very row the writer kept at n, and one folded and kept here.
      await setKeptRow(rowN);
      const again = await startAndStop();
      assert.equal(again.told.stats?.keptEntries, n);
      assert.deepEqual(again.fold, want);
      await keepFoldOf(n - 1);
      const tail = await startAndStop();
      assert.equal(tail.told.stats?.keptEntries, n - 1);
      assert.deepEqual(tail.fold, want);
      assert.equal((await keptRow())?.size, m);
    });

    /**
     * The fold of entries 0 .. size-1, folded here entry by entry (not by the
     * replay), kept as a writer keeps it (keepFold) in place of the row.
     */
    async function keepFoldOf(size: number): Promise<void> {
      const entries = await t.store.getEntries(0, size);
      assert.equal(entries.length, size);
      const fold = new TallyFold(index());
      for (const e of entries) fold.applyBytes(e.index, e.data);
      assert.deepEqual(fold.anomalies, []);
      await deleteKeptRow();
      await keepFold(
        t.store,
        { index: index(), definitionSha256: definitionSha256(), sealKey: signer().foldSealKey() },
        { fold, size, root: rootFromLeafHashes(entries.map((e) => e.leafHash)) },
        // A fold of a prefix is not the derived rows' fold: kept without their digest.
        async () => 'a fold of the first entries only',
      );
      assert.equal((await keptRow())?.size, size);
    }

    test('a kept fold with a byte changed: not used, said, and the start folds everything', async () => {
      const good = (await keptRow()) as KeptFoldRow;
      assert.equal(good.size, await t.store.treeSize());
      const head = 'kura-fold-sealed/v1\n'.length;
      // A byte of the seal, and a byte of the sealed payload.
      for (const at of [head + 5, head + 32 + Math.floor((good.bytes.length - head - 32) / 2)]) {
        const bytes = Uint8Array.from(good.bytes);
        bytes[at] = (bytes[at] as number) ^ 0x10;
        await setKeptRow({ size: good.size, bytes });
        await startsWithoutIt(/the kept fold is not used: its seal does not match/);
      }
      await startsWithIt();
    });

    test('a fold sealed with another key: not used; the same fold sealed with the log key is', async () => {
      const other = await sealedFold({ key: OTHER_KEY });
      await setKeptRow(other);
      await startsWithoutIt(/the kept fold is not used: its seal does not match/);
      const right = await sealedFold();
      await setKeptRow(right);
      await startsWithIt();
    });

    test('a fold sealed with the log key but bound to another root: not used', async () => {
      await setKeptRow(await sealedFold({ root: new Uint8Array(32).fill(7) }));
      await startsWithoutIt(
        /the kept fold is not used: the entries do not reproduce the root it was kept with at size \d+/,
      );
      await startsWithIt();
    });

    test('a fold sealed with the log key, of the right root, but not the log’s fold: the full replay decides', async () => {
      const wrong = await sealedFold();
      // Re-sealed after a change to the fold: the nation's tally, 7 votes more.
      const fold = wrong.fold;
      const nation = fold.tally('president') as RaceTally;
      const cand = Object.keys(nation.votes)[0] as string;
      nation.votes[cand] = (nation.votes[cand] as number) + 7;
      const { root } = await signedRoot();
      await setKeptRow({
        size: wrong.size,
        bytes: encodeFoldFile(
          fold,
          { size: wrong.size, root: toBase64(root), definitionSha256: definitionSha256() },
          signer().foldSealKey(),
        ),
      });
      await startsWithoutIt(new RegExp(`president tally of the nation differs .*votes\\.${cand}`));
      await startsWithIt();
    });

    test('an indexed column changed below the kept size: refused, naming the entry', async () => {
      const size = await t.store.treeSize();
      const good = (await keptRow()) as KeptFoldRow;
      assert.equal(good.size, size);
      const [president, governor] = ['president', 'governor'].map((c) =>
        [...resultAt.entries()].find(([k]) => k.startsWith(`${c}/`)),
      ) as [[string, number], [string, number]];
      const [row] = await db().query<{ kind: string; station: string; contest: string }>(
        'SELECT kind, contest, station FROM entries WHERE idx = $1',
        [official],
      );
      assert.ok(row && row.kind !== 'result');
      // A station no result has come from yet (a second row of one contest and station cannot be made).
      const unreported = t.definition.stations.at(-1)?.code as string;
      const cases: Array<{
        at: number;
        change: [string, unknown[]];
        undo: [string, unknown[]];
        reason: RegExp;
      }> = [
        // A result's station changed.
        {
          at: president[1],
          change: ['UPDATE entries SET station = $2 WHERE idx = $1', ['elsewhere']],
          undo: ['UPDATE entries SET station = $2 WHERE idx = $1', [president[0].split('/')[1]]],
          reason: /is indexed as the "president" result of station "elsewhere"/,
        },
        // A result's contest changed.
        {
          at: governor[1],
          change: ["UPDATE entries SET contest = 'senator' WHERE idx = $1", []],
          undo: ["UPDATE entries SET contest = 'governor' WHERE idx = $1", []],
          reason: /is indexed as the "senator" result of station/,
        },
        // A result no longer indexed as one.
        {
          at: president[1],
          change: ["UPDATE entries SET kind = 'official' WHERE idx = $1", []],
          undo: ["UPDATE entries SET kind = 'result' WHERE idx = $1", []],
          reason: /it counts \d+ results, and \d+ of the first \d+ entries are indexed as results/,
        },
        // An official act indexed as a counted result.
        {
          at: official,
          change: [
            "UPDATE entries SET kind = 'result', contest = 'president', station = $2 WHERE idx = $1",
            [unreported],
          ],
          undo: [
            'UPDATE entries SET kind = $2, contest = $3, station = $4 WHERE idx = $1',
            [row.kind, row.contest, row.station],
          ],
          reason: new RegExp(`is indexed as the "president" result of station "${unreported}"`),
        },
      ];
      for (const { at, change, undo, reason } of cases) {
        await tamper((q) => q.query(change[0], [at, ...change[1]]));
        try {
          const { error, told } = await refusedStart();
          assert.equal(error.problem, 'entry-columns', error.message);
          assert.equal(error.index, at, error.message);
          assert.match(error.message, new RegExp(`entry ${at} is indexed as`));
          const unused = said(told, 'kept-fold-unused');
          assert.equal(unused.length, 1, JSON.stringify(told.events));
          assert.match(String(unused[0]?.fields.reason), reason);
          // A refused start keeps nothing.
          assert.deepEqual(await keptRow(), good);
        } finally {
          await tamper((q) => q.query(undo[0], [at, ...undo[1]]));
        }
      }
      await startsWithIt();
    });

    test('a changed derived row with a kept fold of the whole log: refused as without one', async () => {
      const good = (await keptRow()) as KeptFoldRow;
      assert.equal(good.size, await t.store.treeSize());
      const [nation] = await db().query<{
        tally: { votes: Record<string, number>; lastEntry: number };
      }>("SELECT tally FROM tallies WHERE contest = 'president' AND unit = ''");
      assert.ok(nation);
      const cand = Object.keys(nation.tally.votes)[0] as string;
      const real = nation.tally.votes[cand] as number;
      const setNation = (v: number) =>
        tamper((q) =>
          q.query(
            "UPDATE tallies SET tally = jsonb_set(tally, $1, to_jsonb($2::int)) WHERE contest = 'president' AND unit = ''",
            [`{votes,${cand}}`, v],
          ),
        );
      await setNation(real + 500);
      try {
        const { error } = await refusedStart();
        assert.equal(error.problem, 'tally', error.message);
        assert.equal(error.index, nation.tally.lastEntry);
        assert.match(
          error.message,
          new RegExp(
            `president tally of the nation differs .*votes\\.${cand}: stored ${real + 500}, log says ${real}`,
          ),
        );
        assert.deepEqual(await keptRow(), good);
      } finally {
        await setNation(real);
      }

      const station = t.definition.stations[4]?.code as string;
      const [result] = await db().query<{ entry_idx: string; result: { rejected: number } }>(
        "SELECT entry_idx, result FROM station_results WHERE contest = 'president' AND station = $1",
        [station],
      );
      assert.ok(result);
      const setRejected = (v: number) =>
        tamper((q) =>
          q.query(
            "UPDATE station_results SET result = jsonb_set(result, '{rejected}', to_jsonb($2::int)) WHERE contest = 'president' AND station = $1",
            [station, v],
          ),
        );
      await setRejected(result.result.rejected + 40);
      try {
        const { error } = await refusedStart();
        assert.equal(error.problem, 'station-result', error.message);
        assert.equal(error.index, Number(result.entry_idx));
        assert.match(
          error.message,
          new RegExp(
            `president result of station ${station} \\(entry ${result.entry_idx}\\) differs .*rejected: stored ${result.result.rejected + 40}, log says ${result.result.rejected}`,
          ),
        );
        assert.deepEqual(await keptRow(), good);
      } finally {
        await setRejected(result.result.rejected);
      }
      await startsWithIt();
    });

    test('derived rows changed while the writer runs: the next start refuses, and a stop that keeps a fold says so', async () => {
      const station = t.definition.stations[5]?.code as string;
      const [before] = await db().query<{ result: { totalValid: number } }>(
        "SELECT result FROM station_results WHERE contest = 'president' AND station = $1",
        [station],
      );
      assert.ok(before);
      const setTotal = (v: number) =>
        tamper((q) =>
          q.query(
            "UPDATE station_results SET result = jsonb_set(result, '{totalValid}', to_jsonb($2::int)) WHERE contest = 'president' AND station = $1",
            [station, v],
          ),
        );
      const differs = new RegExp(
        `president result of station ${station} .*totalValid: stored ${before.result.totalValid + 9}`,
      );
      // Nothing appended: the stop keeps nothing new, and the digest sealed
      // at the last stop no longer matches, so the next start compares the rows.
      const quiet = await start();
      assert.equal(quiet.told.stats?.derivedUnchanged, true, JSON.stringify(quiet.told.stats));
      const row = await keptRow();
      await setTotal(before.result.totalValid + 9);
      try {
        await quiet.running.close();
        assert.deepEqual(said(quiet.told, 'fold-kept'), []);
        assert.deepEqual(await keptRow(), row);
        const { error } = await refusedStart();
        assert.equal(error.problem, 'station-result', error.message);
        assert.match(error.message, differs);
      } finally {
        await setTotal(before.result.totalValid);
      }
      // Something appended: the stop compares the rows before it seals their
      // digest, says they differ, and keeps the fold without it.
      const busy = await start();
      assert.equal(busy.told.stats?.derivedUnchanged, true);
      const [free] = await db().query<{ code: string }>(
        "SELECT s AS code FROM unnest($1::text[]) AS s WHERE s NOT IN (SELECT station FROM station_results WHERE contest = 'governor')",
        [t.definition.stations.map((x) => x.code)],
      );
      assert.ok(free, 'a station without a governor result');
      assert.equal((await post(busy.running, free.code, 'governor')).statusCode, 201);
      await setTotal(before.result.totalValid + 9);
      try {
        await busy.running.close();
        const differ = said(busy.told, 'derived-rows-differ');
        assert.equal(differ.length, 1, JSON.stringify(busy.told.events));
        assert.match(String(differ[0]?.fields.reason), differs);
        assert.equal(said(busy.told, 'fold-kept').length, 1);
        const { error } = await refusedStart();
        assert.equal(error.problem, 'station-result', error.message);
      } finally {
        await setTotal(before.result.totalValid);
      }
      // Put right: the next start takes the kept fold over, compares the rows
      // (no digest was sealed), and its stop seals their digest again.
      const again = await startAndStop();
      assert.equal(again.told.stats?.keptEntries, await t.store.treeSize());
      assert.equal(again.told.stats?.derivedUnchanged, false);
      assert.equal(said(again.told, 'fold-kept').length, 1);
      assert.deepEqual(said(again.told, 'derived-rows-differ'), []);
      const last = await startAndStop();
      assert.equal(last.told.stats?.derivedUnchanged, true);
    });

    test('a reader never uses the kept fold', async () => {
      const row = (await keptRow()) as KeptFoldRow;
      assert.equal(row.size, await t.store.treeSize());
      const { told } = await startAndStop(null);
      assert.equal(told.stats?.keptEntries, 0);
      assert.equal(told.stats?.entries, row.size);
      assert.deepEqual(
        told.events.filter((e) => /fold/.test(e.id)),
        [],
      );
      assert.deepEqual(await keptRow(), row);
    });

    test('a writer whose lease was taken over behind its back keeps no fold', async () => {
      const codes = t.definition.stations.map((s) => s.code);
      const row = (await keptRow()) as KeptFoldRow;
      const n = await t.store.treeSize();
      assert.equal(row.size, n);
      const bump = () => tamper((q) => q.query('UPDATE writer_lease SET token = token + 1'));

      // Fenced off after appending: its fold is ahead of the kept one, but the store refuses it.
      {
        const { running, told } = await start();
        assert.equal(told.stats?.keptEntries, n);
        assert.equal((await post(running, codes.at(-1) as string)).statusCode, 201);
        assert.equal(await t.store.treeSize(), n + 1);
        await bump();
        // It stops cleanly; the store refuses the fold it tries to keep.
        await running.close();
        assert.match(
          told.warnings.join('\n'),
          /the fold was not kept: .*another writer took the lease over/,
        );
        assert.deepEqual(said(told, 'fold-kept'), []);
        assert.deepEqual(await keptRow(), row, 'the row is as it was');
      }
      // Deposed by a refused append: its fold is not the store's, and it keeps none.
      {
        const { running, told } = await start();
        assert.equal(told.stats?.keptEntries, n, 'the fold kept at n, then 1 entry folded');
        await bump();
        const refused = await post(running, codes.at(-1) as string, 'governor');
        assert.equal(refused.statusCode, 503, refused.body);
        assert.equal(refused.json().error.code, 'WRITER_DEPOSED');
        // It stops cleanly and does not even try to keep a fold.
        await running.close();
        assert.equal(said(told, 'writer-deposed').length, 1);
        assert.deepEqual(told.warnings, []);
        assert.deepEqual(said(told, 'fold-kept'), []);
        assert.deepEqual(await keptRow(), row, 'the row is as it was');
      }
      // The next writer goes on from the fold kept at n.
      const want = await reference();
      const next = await startAndStop();
      assert.equal(next.told.stats?.keptEntries, n);
      assert.equal(next.told.stats?.entries, n + 1);
      assert.deepEqual(next.fold, want);
      assert.equal((await keptRow())?.size, n + 1);
    });
  });
}

// A fold kept as data (fold-snapshot.ts) and continued must be the fold of
// the whole log, field for field: results, tallies, anomalies, officials
// (accounts, corrections, audits), agents and their words. Each log below is
// cut after every entry; the prefix's fold goes through node:v8's serializer
// (as fold.bin keeps it), comes back and folds the rest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import type { ElectionIndex } from '../../src/election/election-index.js';
import { TallyFold } from '../../src/election/fold.js';
import { foldFromData, foldToData } from '../../src/election/fold-snapshot.js';
import { AgentLog, figures } from '../agents/agent-log.js';
import { auditOfficials, fillClearWinner, runMacroAudit } from '../helpers/audit-flow.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

function foldOf(index: ElectionIndex, entries: readonly Uint8Array[], upTo = entries.length) {
  const fold = new TallyFold(index);
  for (let i = 0; i < upTo; i++) fold.applyBytes(i, entries[i] as Uint8Array);
  return fold;
}

/** Every field of the two folds, deeply and strictly equal (prototypes and typed arrays included). */
function assertSameFold(actual: TallyFold, expected: TallyFold, where: string): void {
  const keys = Object.keys(expected);
  assert.deepEqual(Object.keys(actual), keys, where);
  for (const key of keys) {
    // Closures over the fold itself: each fold has its own.
    if (key === 'devices' || key === 'view') continue;
    assert.deepStrictEqual(
      (actual as unknown as Record<string, unknown>)[key],
      (expected as unknown as Record<string, unknown>)[key],
      `${where}: ${key}`,
    );
  }
}

/** Cuts the log after every entry: kept, restored and continued, it must equal the whole fold. */
function assertEveryCut(index: ElectionIndex, entries: readonly Uint8Array[]): void {
  const whole = foldOf(index, entries);
  for (let cut = 0; cut <= entries.length; cut++) {
    const kept = serialize(foldToData(foldOf(index, entries, cut)));
    const fold = foldFromData(index, deserialize(kept));
    assert.equal(fold.size, cut);
    for (let i = cut; i < entries.length; i++) fold.applyBytes(i, entries[i] as Uint8Array);
    assertSameFold(fold, whole, `kept after ${cut} of ${entries.length} entries`);
    // What the rest of the code reads of a fold, too.
    assert.deepEqual(fold.view.lastChange('president'), whole.view.lastChange('president'));
    assert.deepEqual(fold.tally('president'), whole.tally('president'));
  }
}

describe('a fold kept as data and continued is the fold of the whole log', () => {
  test('results, refusals, accounts, a correction in force, parties, agents and their words', () => {
    const log = new AgentLog({ stations: 6, presidentOnly: false });
    const [s0, s1, s2, s3] = log.stations as [string, string, string, string];
    const cands = log.candidates(s0);
    const r0 = log.result(s0, figures(cands, [120, 80, 7]));
    const r1 = log.result(s1, figures(cands, [90, 95, 3]));
    // Counted per candidate and, above their races, per party.
    for (const contest of ['governor', 'member-of-county-assembly']) {
      const c = log.candidates(s2, contest);
      log.result(
        s2,
        figures(
          c,
          c.map((_, i) => 40 + i),
        ),
        contest,
      );
    }
    log.append(log.entries[r1.index] as Uint8Array); // a duplicate result: an anomaly
    log.append(new TextEncoder().encode('{"not":"an entry"}')); // undecodable: an anomaly
    log.official('', {
      kind: 'account-created',
      account: 'ro',
      role: 'commission-admin',
      scope: '',
    });
    log.official('', {
      kind: 'account-created',
      account: 'ro2',
      role: 'commission-admin',
      scope: '',
    });
    const created = log.official('', {
      kind: 'account-created',
      account: 'returning',
      role: 'returning-officer',
      scope: log.index.rollup(s0)[2] as string,
    });
    assert.equal(created.refused, null, created.detail);
    log.enrolParty('A');
    log.enrolParty('B');
    log.enrolAgent('A', 'a1', s0);
    log.enrolAgent('B', 'b1', s0);
    log.enrolAgent('B', 'b2', s1);
    log.attest('A', 'a1', r0.hash);
    const d = log.dissent('B', 'b1', r0.hash, { station: s0 }, figures(cands, [100, 100, 10]));
    log.attest('B', 'b2', r1.hash);
    log.roster('B', { kind: 'agent-revoked', agent: 'b2', reason: 'phone lost' });
    const proposed = log.official('ro', {
      kind: 'correction-proposed',
      contest: 'president',
      station: s0,
      original: r0.index,
      reason: 'the form was misread',
      form: 'ef'.repeat(32),
      ...figures(cands, [100, 100, 10]),
      dissent: d.index,
    });
    for (const by of ['returning', 'ro2']) {
      const approved = log.official(by, {
        kind: 'correction-approved',
        correction: proposed.index,
      });
      assert.equal(approved.refused, null, approved.detail);
    }
    log.result(s3, figures(log.candidates(s3), [60, 61, 2]));
    const folded = log.fold;
    assert.ok(folded.anomalies.length >= 2, 'the log holds anomalies');
    assert.ok(folded.officials.corrections.size >= 1, 'the log holds a correction');
    assert.equal(folded.result('president', s0)?.correction?.inForceAt !== undefined, true);
    assertEveryCut(log.index, log.entries);
  });

  describe('a risk-limiting audit run to its end', () => {
    let t: TestLog;
    before(async () => {
      t = await newTestLog('pglite', { officials: true, stations: 12 });
      const votes = await fillClearWinner(t);
      const { tokens } = await auditOfficials(t);
      await runMacroAudit(t, tokens, votes, {
        id: 'a1',
        riskLimit: 10,
        seed: '12345678901234567890',
      });
    });
    after(async () => t?.close());

    test('every cut of its log', async () => {
      const size = await t.store.treeSize();
      const entries = (await t.store.getEntries(0, size)).map((e) => e.data);
      const { index } = t.running.election;
      const whole = foldOf(index, entries);
      assert.equal(whole.officials.audits.list().length, 1, 'the log holds an audit');
      assert.deepEqual(whole.anomalies, []);
      assertEveryCut(index, entries);
    });
  });

  test('what it could not restore exactly is refused, naming where', () => {
    const log = new AgentLog({ stations: 2 });
    const fold = log.fold as unknown as { anomalies: unknown[] };
    fold.anomalies.push({ entryIndex: 9, kind: 'x', detail: () => 1 });
    assert.throws(() => foldToData(log.fold), /anomalies\[0\]\.detail is a function/);
    fold.anomalies.pop();
    fold.anomalies.push(new (class Stranger {})());
    const data = foldToData(log.fold);
    assert.throws(() => foldFromData(log.index, data), /a Stranger, which no fold is made of/);
    fold.anomalies.pop();
    const sparse: unknown[] = [];
    sparse[2] = 1;
    fold.anomalies.push(sparse);
    assert.throws(() => foldToData(log.fold), /hole/);
    fold.anomalies.pop();
    assert.throws(() => foldFromData(log.index, ['kura-fold/v0', 0, []]), /not a kura-fold\/v1/);
    const good = foldToData(log.fold) as unknown as [string, number, unknown];
    assert.throws(() => foldFromData(log.index, [good[0], good[1] + 1, good[2]]), /size/);
  });
});

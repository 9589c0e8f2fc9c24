// The fold counts each result through a path made cheap for a restart's and
// kura verify's replay (issue 13): the contest looked up once, the station by
// its position, the tallies found by unit position, nothing packed twice. Here
// generated logs (results with odd figures and times, duplicates, agents'
// attestations and dissents, officials' corrections) are folded by it and by
// the fold as it was before (reference-fold.ts), both ways a log is replayed
// (every entry checked, and results on a logged verdict), and everything the
// fold holds or returns must be the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { decodeEntry, encodeEntry, type ResultEntry } from '../../src/election/entries.js';
import { type FoldChange, TallyFold } from '../../src/election/fold.js';
import { loggedVerdict } from '../../src/election/rules.js';
import { sha256 } from '../../src/log/crypto.js';
import { AgentLog, figures } from '../agents/agent-log.js';
import { ReferenceFold } from './reference-fold.js';

// As devices spell them; the last does not pack (the result is kept whole).
const TIMES = ['2022-08-09T17:00:00Z', '2022-08-09T17:00:00.250Z', '2022-08-09T17:00:00.5Z'];

const op = fc.record({
  kind: fc.constantFrom('result', 'result', 'result', 'attest', 'dissent', 'correct'),
  station: fc.nat(),
  contest: fc.nat(),
  counts: fc.array(
    fc.oneof(
      { weight: 12, arbitrary: fc.nat(400) },
      // Large counts (an entry's total may not pass 10^9): their sums in the tallies pass 32 bits.
      { weight: 1, arbitrary: fc.constant(300_000_000) },
    ),
    { minLength: 8, maxLength: 8 },
  ),
  rejected: fc.nat(20),
  // Now and then the total is not the candidates' sum (a flag).
  off: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(50) }),
  time: fc.nat(TIMES.length - 1),
  party: fc.constantFrom('A', 'B'),
  pick: fc.nat(),
});

interface Counted {
  index: number;
  hash: string;
  contest: string;
  station: string;
  dissent?: number;
}

/** A log made from the ops: every entry the AgentLog folded (its fold being the new one). */
function logOf(ops: Array<typeof op extends fc.Arbitrary<infer T> ? T : never>): AgentLog {
  const log = new AgentLog({ stations: 6, presidentOnly: false });
  const stations = log.stations;
  const contests = [...log.index.contests.keys()];
  for (const party of ['A', 'B']) {
    assert.equal(log.enrolParty(party).refused, null);
    for (const s of stations) log.enrolAgent(party, `${party}-${s}`, s);
  }
  for (const account of ['ro', 'ro2'])
    assert.equal(
      log.official('', { kind: 'account-created', account, role: 'commission-admin', scope: '' })
        .refused,
      null,
    );
  const counted: Counted[] = [];
  const d = log.election.definition;
  for (const o of ops) {
    const station = stations[o.station % stations.length] as string;
    const contest = contests[o.contest % contests.length] as string;
    const target = counted[o.pick % Math.max(counted.length, 1)];
    if (o.kind === 'result' || !target) {
      const cands = log.candidates(station, contest);
      if (cands.length === 0) continue;
      // Forms list the candidates in either order: the order is kept.
      const f = figures(o.pick % 3 ? cands : cands.slice().reverse(), o.counts, o.rejected);
      const device = d.devices.find((x) => x.station === station)?.id ?? '';
      const entry = signResult(
        {
          type: 'result',
          v: 1,
          election: d.electionId,
          contest,
          station,
          device,
          ...f,
          totalValid: f.totalValid + o.off,
          form: 'ab'.repeat(31) + (o.pick % 256).toString(16).padStart(2, '0'),
          deviceTime: TIMES[o.time] as string,
        },
        demoDeviceSeed(d.electionId, device),
      );
      const bytes = encodeEntry(entry);
      const folded = log.append(bytes);
      if (folded.refused === null)
        counted.push({
          index: folded.index,
          hash: Buffer.from(sha256(bytes)).toString('hex'),
          contest,
          station,
        });
    } else if (o.kind === 'attest') {
      log.attest(o.party, `${o.party}-${target.station}`, target.hash);
    } else if (o.kind === 'dissent') {
      const cands = log.candidates(target.station, target.contest);
      const r = log.dissent(
        o.party,
        `${o.party}-${target.station}`,
        target.hash,
        { contest: target.contest, station: target.station },
        figures(cands, o.counts.slice().reverse(), o.rejected),
      );
      if (r.refused === null) target.dissent ??= r.index;
    } else {
      const cands = log.candidates(target.station, target.contest);
      const proposed = log.official('ro', {
        kind: 'correction-proposed',
        contest: target.contest,
        station: target.station,
        original: target.index,
        reason: 'the form was misread',
        form: 'ef'.repeat(32),
        ...figures(cands, o.counts.slice(1), o.rejected + 1),
        ...(target.dissent === undefined ? {} : { dissent: target.dissent }),
      });
      if (proposed.refused === null)
        log.official('ro2', { kind: 'correction-approved', correction: proposed.index });
    }
  }
  return log;
}

type AnyFold = TallyFold | ReferenceFold;

/** Folds every entry of the log: from its bytes, or (prechecked) results on a logged verdict. */
function foldLog(fold: AnyFold, entries: readonly Uint8Array[], prechecked: boolean): FoldChange[] {
  return entries.map((bytes, i) => {
    const decoded = decodeEntry(bytes);
    if (prechecked && decoded.ok && decoded.value.type === 'result') {
      const entry = JSON.parse(new TextDecoder().decode(bytes)) as ResultEntry;
      // Canonical bytes list the candidates sorted; an entry handed over may list them in any order.
      if (i % 3 === 0) entry.votes = Object.fromEntries(Object.entries(entry.votes).reverse());
      return fold.applyPrechecked(
        i,
        entry,
        loggedVerdict(fold.index, entry),
        bytes,
        i % 2 ? sha256(bytes) : undefined,
      );
    }
    return fold.applyBytes(i, bytes);
  });
}

/** All a fold holds, as plain values. */
function stateOf(fold: AnyFold) {
  return {
    tallies: fold.tallies,
    results: [...fold.results].map(([contest, table]) => [
      contest,
      [...table],
      [...table.keys()].map((s) => [table.entryIndexOf(s), table.versionOf(s)]),
    ]),
    resultsJson: JSON.stringify([...fold.results].map(([c, t]) => [c, [...t]])),
    talliesJson: JSON.stringify([...fold.tallies].map(([c, u]) => [c, [...u]])),
    anomalies: fold.anomalies,
    officials: fold.officials,
    agents: fold.agents,
    size: fold.size,
    lastChange: [...fold.index.contests.keys()].map((c) => fold.view.lastChange(c)),
  };
}

test('the fold counts generated logs exactly as the fold before issue 13 did', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
      const log = logOf(ops);
      for (const prechecked of [false, true]) {
        const fold = new TallyFold(log.index);
        const reference = new ReferenceFold(log.index);
        const changes = foldLog(fold, log.entries, prechecked);
        const expected = foldLog(reference, log.entries, prechecked);
        assert.deepStrictEqual(changes, expected);
        assert.deepStrictEqual(stateOf(fold), stateOf(reference));
      }
      // The AgentLog's own fold (the new one, entry by entry as they were made) agrees too.
      const reference = new ReferenceFold(log.index);
      foldLog(reference, log.entries, false);
      assert.deepStrictEqual(stateOf(log.fold), stateOf(reference));
    }),
    { numRuns: 60 },
  );
});

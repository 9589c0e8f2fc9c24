// Each party's parallel tally (FORMATS.md §16.5), by property tests over
// generated nights (seeded): stations report, and each party's agent attests,
// dissents (with figures equal to or different from the device's) or stays
// away. The party's tally must be the sums its agents' figures give, at every
// unit, per candidate and per party; its differing stations exactly those
// whose figures differ; a dissent never changes the official tally; and a log
// without agents' words keeps its tallies byte for byte as before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { partyTally } from '../../src/election/agent-views.js';
import { partyKey } from '../../src/election/fold.js';
import type { Figures } from '../../src/election/official-entry.js';
import { AgentLog, figures } from './agent-log.js';

const CONTESTS = ['president', 'governor'] as const;
const PARTIES = ['A', 'B'] as const;
/** The members a tally had before party agents: an old log's tallies have exactly these. */
const OLD_MEMBERS = new Set([
  'contest',
  'unit',
  'votes',
  'races',
  'partyVotes',
  'totalValid',
  'rejected',
  'stationsReported',
  'stationsExpected',
  'registeredReported',
  'registeredExpected',
  'flagged',
  'lastEntry',
  'corrections',
]);

type Word =
  | { kind: 'none' }
  | { kind: 'attest' }
  | { kind: 'dissent'; same: boolean; shift: number };

interface Night {
  /** Per station and contest: the counts of the device, or null for no result. */
  counts: Array<Array<number[] | null>>;
  /** Per station, contest and party: what the party's agent does. */
  words: Word[][][];
}

const STATIONS = 12;
const word: fc.Arbitrary<Word> = fc.oneof(
  fc.constant<Word>({ kind: 'none' }),
  fc.constant<Word>({ kind: 'attest' }),
  fc.record({
    kind: fc.constant('dissent' as const),
    same: fc.boolean(),
    shift: fc.integer({ min: 1, max: 40 }),
  }),
);

function nightArb(withDissents: boolean): fc.Arbitrary<Night> {
  const w = withDissents ? word : word.filter((x) => x.kind !== 'dissent');
  return fc.record({
    counts: fc.array(
      fc.array(
        fc.option(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 6, maxLength: 6 }), {
          freq: 5,
        }),
        {
          minLength: CONTESTS.length,
          maxLength: CONTESTS.length,
        },
      ),
      { minLength: STATIONS, maxLength: STATIONS },
    ),
    words: fc.array(
      fc.array(fc.array(w, { minLength: PARTIES.length, maxLength: PARTIES.length }), {
        minLength: CONTESTS.length,
        maxLength: CONTESTS.length,
      }),
      { minLength: STATIONS, maxLength: STATIONS },
    ),
  });
}

/** Folds a night: results, then (unless `wordsToo` is false) parties, agents and their words. What each party signed, per station/contest. */
function foldNight(night: Night, wordsToo = true) {
  const log = new AgentLog({ stations: STATIONS, presidentOnly: false });
  const stations = log.stations;
  const official = new Map<string, Figures>();
  const hashes = new Map<string, string>();
  const signed = new Map<string, Figures>(); // `${party}|${contest}|${station}` → the party's figures
  stations.forEach((s, i) => {
    CONTESTS.forEach((c, k) => {
      const counts = night.counts[i]?.[k];
      const cands = log.candidates(s, c);
      if (!counts || cands.length === 0) return;
      const f = figures(cands, counts, counts[5] ?? 0);
      const r = log.result(s, f, c);
      official.set(`${c}|${s}`, f);
      hashes.set(`${c}|${s}`, r.hash);
    });
  });
  if (!wordsToo) return { log, official, signed };
  for (const p of PARTIES) assert.equal(log.enrolParty(p).refused, null);
  stations.forEach((s, i) => {
    for (const p of PARTIES) log.enrolAgent(p, `${p}-${i}`, s);
    CONTESTS.forEach((c, k) => {
      const f = official.get(`${c}|${s}`);
      const hash = hashes.get(`${c}|${s}`);
      if (!f || !hash) return;
      PARTIES.forEach((p, j) => {
        const w = night.words[i]?.[k]?.[j] ?? { kind: 'none' };
        if (w.kind === 'none') return;
        if (w.kind === 'attest') {
          assert.equal(log.attest(p, `${p}-${i}`, hash).refused, null);
          signed.set(`${p}|${c}|${s}`, f);
          return;
        }
        const cands = Object.keys(f.votes);
        const mine: Figures = w.same
          ? f
          : {
              votes: Object.fromEntries(
                cands.map((x, n) => [x, (f.votes[x] ?? 0) + (n === 0 ? w.shift : 0)]),
              ),
              rejected: f.rejected,
              totalValid: f.totalValid + w.shift,
            };
        const d = log.dissent(p, `${p}-${i}`, hash, { contest: c, station: s }, mine);
        assert.equal(d.refused, null, d.detail);
        signed.set(`${p}|${c}|${s}`, mine);
      });
    });
  });
  return { log, official, signed };
}

/** The plain JSON of a value (tallies keep null-prototype records). */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

/** Every unit with a tally of the contest: the nation, and each unit of some station that takes part. */
function unitsOf(log: AgentLog, contest: string): string[] {
  return [...(log.fold.tallies.get(contest)?.keys() ?? [])];
}

/** The party's tally as the model says: the sums of what the party signed over the unit's stations. */
function expected(
  log: AgentLog,
  signed: Map<string, Figures>,
  official: Map<string, Figures>,
  party: string,
  contest: string,
  unit: string,
) {
  const t = log.fold.tally(contest, unit);
  assert.ok(t);
  const byCandidate = t.votes !== undefined;
  const sums: Record<string, number> = {};
  for (const k of Object.keys(t.votes ?? t.partyVotes)) sums[k] = 0;
  const partyOf = new Map(
    log.index.contests.get(contest)?.candidates.map((c) => [c.id, partyKey(c.party)]),
  );
  let rejected = 0;
  let totalValid = 0;
  let attested = 0;
  let dissented = 0;
  let uncovered = 0;
  const differing: string[] = [];
  for (const s of [...log.stations].sort()) {
    const f = official.get(`${contest}|${s}`);
    if (!f || !(unit === '' || log.index.rollup(s).includes(unit))) continue;
    const mine = signed.get(`${party}|${contest}|${s}`);
    if (!mine) {
      uncovered++;
      continue;
    }
    const dissent = log.fold.agents.wordsOn(contest, s)?.dissents.has(party);
    if (dissent) dissented++;
    else attested++;
    for (const [c, n] of Object.entries(mine.votes)) {
      const k = byCandidate ? c : (partyOf.get(c) ?? '');
      sums[k] = (sums[k] ?? 0) + n;
    }
    rejected += mine.rejected;
    totalValid += mine.totalValid;
    if (JSON.stringify(mine) !== JSON.stringify(f)) differing.push(s);
  }
  return { byCandidate, sums, rejected, totalValid, attested, dissented, uncovered, differing };
}

describe('parallel tallies', () => {
  test('with no dissents, a party tally over its attested stations equals the official sums over them, at every unit', () => {
    fc.assert(
      fc.property(nightArb(false), (night) => {
        const { log, official, signed } = foldNight(night);
        for (const contest of CONTESTS)
          for (const unit of unitsOf(log, contest))
            for (const party of PARTIES) {
              const view = partyTally(log.fold, party, contest, unit);
              assert.ok(view);
              const want = expected(log, signed, official, party, contest, unit);
              // Attested figures are the official ones: nothing differs.
              assert.deepEqual(view.differing, []);
              assert.equal(view.stationsDissented, 0);
              assert.deepEqual(plain(want.byCandidate ? view.votes : view.partyVotes), want.sums);
              assert.equal(view.rejected, want.rejected);
              assert.equal(view.totalValid, want.totalValid);
              assert.equal(view.stationsAttested, want.attested);
              const t = log.fold.tally(contest, unit);
              assert.equal(view.stationsAttested + view.stationsUncovered, t?.stationsReported);
              // Every station attested: the party's tally is the official one.
              if (view.stationsUncovered === 0) {
                assert.deepEqual(
                  plain(view.votes ?? view.partyVotes),
                  plain(t?.votes ?? t?.partyVotes),
                );
                assert.equal(view.totalValid, t?.totalValid);
              }
            }
      }),
      { seed: 15_1, numRuns: 12 },
    );
  });

  test('with dissents: the sums of the agents’ figures, and differing is exactly the stations whose figures differ', () => {
    fc.assert(
      fc.property(nightArb(true), (night) => {
        const { log, official, signed } = foldNight(night);
        for (const contest of CONTESTS)
          for (const unit of unitsOf(log, contest))
            for (const party of PARTIES) {
              const view = partyTally(log.fold, party, contest, unit);
              assert.ok(view);
              const want = expected(log, signed, official, party, contest, unit);
              assert.deepEqual(plain(want.byCandidate ? view.votes : view.partyVotes), want.sums);
              assert.equal(want.byCandidate ? view.partyVotes : view.votes, undefined);
              assert.equal(view.rejected, want.rejected);
              assert.equal(view.totalValid, want.totalValid);
              assert.deepEqual(
                [view.stationsAttested, view.stationsDissented, view.stationsUncovered],
                [want.attested, want.dissented, want.uncovered],
              );
              assert.deepEqual(
                view.differing.map((d) => d.station),
                want.differing,
              );
              for (const d of view.differing) {
                assert.deepEqual(plain(d.official), plain(official.get(`${contest}|${d.station}`)));
                assert.deepEqual(
                  plain(d.party),
                  plain(signed.get(`${party}|${contest}|${d.station}`)),
                );
              }
            }
      }),
      { seed: 15_2, numRuns: 12 },
    );
  });

  test('a word never changes the official figures: the tallies equal those of the results alone, bar co-signed and disputed', () => {
    fc.assert(
      fc.property(nightArb(true), (night) => {
        const withWords = foldNight(night).log;
        const alone = foldNight(night, false).log;
        for (const contest of CONTESTS)
          for (const [unit, t] of withWords.fold.tallies.get(contest) ?? []) {
            const { cosigned, disputed, lastEntry: _a, ...figuresWith } = plain(t);
            const { lastEntry: _b, ...figuresAlone } = plain(alone.fold.tally(contest, unit));
            assert.deepEqual(figuresWith, figuresAlone);
            // Co-signed and disputed count stations, each once, and are absent at 0.
            const words = [...withWords.fold.agents.allWords()].filter(
              (w) =>
                w.contest === contest &&
                (unit === '' || withWords.index.rollup(w.station).includes(unit)),
            );
            const n = (k: 'attestations' | 'dissents') => words.filter((w) => w[k].size > 0).length;
            assert.equal(cosigned, n('attestations') || undefined);
            assert.equal(disputed, n('dissents') || undefined);
          }
        for (const contest of CONTESTS)
          for (const [station, r] of withWords.fold.results.get(contest) ?? [])
            assert.deepEqual(plain(r), plain(alone.fold.result(contest, station)));
      }),
      { seed: 15_3, numRuns: 8 },
    );
  });

  test('an old log (no agents’ words) keeps its tallies byte for byte: no new members, parties and rosters change nothing', () => {
    fc.assert(
      fc.property(nightArb(false), (night) => {
        const old = foldNight(night, false).log;
        const json = (log: AgentLog) =>
          JSON.stringify([...log.fold.tallies.values()].map((m) => [...m.values()]));
        const before = json(old);
        for (const m of old.fold.tallies.values())
          for (const t of m.values())
            for (const k of Object.keys(t)) assert.ok(OLD_MEMBERS.has(k), k);
        // Parties and rosters, but no word: the tallies stay as they were, byte for byte.
        assert.equal(old.enrolParty('A').refused, null);
        old.enrolAgent('A', 'a', old.stations[0] as string);
        assert.equal(json(old), before);
      }),
      { seed: 15_4, numRuns: 8 },
    );
  });

  test('the property tests can fail: a tampered party figure is told apart', () => {
    const night: Night = {
      counts: Array.from({ length: STATIONS }, () => [
        [10, 20, 30, 40, 50, 2],
        [5, 6, 7, 8, 9, 1],
      ]),
      words: Array.from({ length: STATIONS }, () => [
        [{ kind: 'attest' }, { kind: 'none' }],
        [{ kind: 'none' }, { kind: 'attest' }],
      ]),
    };
    const { log, official, signed } = foldNight(night);
    const view = partyTally(log.fold, 'A', 'president', '');
    assert.ok(view?.votes);
    const want = expected(log, signed, official, 'A', 'president', '');
    assert.deepEqual(plain(view.votes), want.sums);
    assert.equal(view.stationsAttested, STATIONS);
    // Change one of the party's signed figures in the model: the comparison must now fail.
    const [s0] = log.stations as [string];
    const f = signed.get(`A|president|${s0}`) as Figures;
    const first = Object.keys(f.votes)[0] as string;
    signed.set(`A|president|${s0}`, {
      ...f,
      votes: { ...f.votes, [first]: (f.votes[first] ?? 0) + 1 },
    });
    assert.notDeepEqual(
      plain(view.votes),
      expected(log, signed, official, 'A', 'president', '').sums,
    );
    assert.equal(partyTally(log.fold, 'nobody', 'president', ''), undefined);
    assert.equal(partyTally(log.fold, 'A', 'president', 'no-such-unit'), undefined);
  });
});

// Risk-limiting audits on the record (FORMATS.md §15), through the fold alone:
// a small generated election is counted, two administrators start a MACRO
// audit of its presidential contest, a public seed is logged, the rounds are
// drawn, audit boards enter and confirm what the paper says, and each round
// is closed with the risk the fold recomputes. Between the honest acts, a
// rogue server's acts are folded too, each of which the fold must refuse with
// its own code (a rigged sample, a risk that does not follow, an approval by
// the proposer, ...), leaving the audit as it was. Then `kura verify` against
// a real server that logged a rigged sample: not verified.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { drawBatches } from '../../src/audit/batch-draw.js';
import { ok } from '../../src/basics/result.js';
import {
  type AuditView,
  currentRisk,
  nextRoundSizes,
  roundSample,
  sampleSha256,
} from '../../src/election/audits.js';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, signResult } from '../../src/election/device.js';
import { checkDefinition, type ElectionIndex } from '../../src/election/election-index.js';
import { decodeEntry, encodeEntry, signingMessage } from '../../src/election/entries.js';
import { TallyFold } from '../../src/election/fold.js';
import {
  type Figures,
  NO_FORM,
  type OfficialAct,
  type OfficialEntry,
  type Role,
} from '../../src/election/official-entry.js';
import type { Account } from '../../src/election/officials.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519Sign } from '../../src/log/crypto.js';
import { verifyServer } from '../../src/verify/verify.js';
import { newTestLog, type TestLog, testElection } from '../helpers/test-log.js';

const SEED = '31415926535897932384626433832795';
const PHOTO = 'ab'.repeat(32);

/** Station i's figures: a clear winner nationally and in every county. */
function figuresOf(definition: ElectionDefinition, i: number): Figures {
  const [a, b, c] = definition.contests[0]?.candidates.map((x) => x.id) ?? [];
  const votes = {
    [a as string]: 150 + (i % 7) * 5,
    [b as string]: 80 + (i % 5) * 3,
    [c as string]: 20,
  };
  return { votes, rejected: 2, totalValid: Object.values(votes).reduce((s, n) => s + n, 0) };
}

/** A log folded entry by entry, with helpers to sign results and officials' acts. */
class FoldedLog {
  readonly fold: TallyFold;
  readonly index: ElectionIndex;
  private readonly roles = new Map<string, Role | ''>([['', '']]);

  constructor(readonly election: ReturnType<typeof testElection>) {
    const checked = checkDefinition(election.definition);
    assert.ok(checked.ok);
    this.index = checked.value;
    this.fold = new TallyFold(this.index);
    this.fold.applyBytes(0, election.genesis.entryBytes);
  }

  get size(): number {
    return this.fold.size;
  }

  get audits() {
    return this.fold.officials.audits;
  }

  result(station: string, f: Figures, contest = 'president'): void {
    const d = this.election.definition;
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
        form: PHOTO,
        deviceTime: deviceTime(new Date('2022-08-09T17:00:00Z')),
      },
      demoDeviceSeed(d.electionId, device),
    );
    this.fold.applyBytes(this.size, encodeEntry(entry));
  }

  /** Signs and folds an act; returns its index, or the refusal's code. */
  act(
    account: string,
    act: OfficialAct,
    role?: Role | '',
  ): { index: number; refused: string | null } {
    const unsigned = {
      type: 'official' as const,
      v: 1 as const,
      election: this.election.definition.electionId,
      account,
      role:
        role ?? this.roles.get(account) ?? this.fold.officials.accounts.get(account)?.role ?? '',
      at: '2022-08-10T09:00:00Z',
      act,
    };
    const entry: OfficialEntry = {
      ...unsigned,
      sig: toBase64(ed25519Sign(this.election.commissionSeed, signingMessage(unsigned))),
    };
    const bytes = encodeEntry(entry);
    // Every act must decode as a log entry does (FORMATS.md §15.1).
    assert.ok(decodeEntry(bytes).ok, JSON.stringify(decodeEntry(bytes)));
    const index = this.size;
    const before = this.fold.anomalies.length;
    this.fold.applyBytes(index, bytes);
    const anomaly = this.fold.anomalies[before];
    return { index, refused: anomaly ? (anomaly.detail.split(':')[0] as string) : null };
  }

  /** Folds an act that must pass. */
  ok(account: string, act: OfficialAct): number {
    const r = this.act(account, act);
    assert.equal(
      r.refused,
      null,
      `${act.kind} by ${account}: ${this.fold.anomalies.at(-1)?.detail}`,
    );
    return r.index;
  }

  /** Folds an act that must be refused with `code`, changing nothing of the audits. */
  refused(code: string, account: string, act: OfficialAct): void {
    const before = JSON.stringify(this.audits.list());
    const r = this.act(account, act);
    assert.equal(
      r.refused,
      code,
      `${act.kind} by ${account}: ${this.fold.anomalies.at(-1)?.detail}`,
    );
    assert.equal(
      JSON.stringify(this.audits.list()),
      before,
      `a refused ${act.kind} changed nothing`,
    );
  }

  audit(id: string): AuditView {
    const a = this.audits.get(id);
    assert.ok(a, `audit ${id}`);
    return a;
  }
}

/** The logged figures of a station, as an honest audit board reads its paper. */
function paperAct(
  log: FoldedLog,
  audit: string,
  round: number,
  station: string,
  over?: Partial<Figures>,
): Extract<OfficialAct, { kind: 'audit-paper' }> {
  const r = log.fold.result('president', station);
  assert.ok(r);
  return {
    kind: 'audit-paper',
    audit,
    round,
    station,
    paper: 'counted',
    votes: r.votes,
    rejected: r.rejected,
    totalValid: r.totalValid,
    form: PHOTO,
    ...over,
  };
}

describe('a MACRO audit of the presidential contest, through the fold', () => {
  const election = testElection({ stations: 40 });
  const log = new FoldedLog(election);
  const stations = election.definition.stations.map((s) => s.code);
  const last = stations.at(-1) as string;
  const county = log.index.unitOf(stations[0] as string, 'county') as string;
  const otherCounty = log.index.unitOf(last, 'county') as string;

  test('accounts: audit boards are made by two administrators (or the console), not by one', () => {
    for (const [i, s] of stations.slice(0, -1).entries())
      log.result(s, figuresOf(election.definition, i));
    const byConsole = (account: string, role: Role, scope = '') =>
      log.ok('', { kind: 'account-created', account, role, scope });
    byConsole('alpha', 'commission-admin');
    byConsole('beta', 'commission-admin');
    byConsole('board1', 'audit-board');
    byConsole('board2', 'audit-board');
    byConsole(`board-${otherCounty}`, 'audit-board', otherCounty);
    log.refused('TWO_PERSON_RULE', 'alpha', {
      kind: 'account-created',
      account: 'solo-board',
      role: 'audit-board',
      scope: '',
    });
    log.refused('BAD_SCOPE', '', {
      kind: 'account-created',
      account: 'ward-board',
      role: 'audit-board',
      scope: log.index.unitOf(stations[0] as string, 'constituency') as string,
    });
    // gamma: proposed by alpha, approved by beta; not independent of either.
    const p = log.ok('alpha', {
      kind: 'account-proposed',
      account: 'gamma',
      role: 'commission-admin',
      scope: '',
    });
    log.ok('beta', { kind: 'account-approved', proposal: p });
    const b = log.ok('alpha', {
      kind: 'account-proposed',
      account: 'board3',
      role: 'audit-board',
      scope: county,
    });
    log.refused('SELF_APPROVAL', 'alpha', { kind: 'account-approved', proposal: b });
    log.ok('beta', { kind: 'account-approved', proposal: b });
    const board3 = log.fold.officials.accounts.get('board3') as Account;
    assert.deepEqual(
      [board3.role, board3.scope, board3.createdBy],
      ['audit-board', county, ['alpha', 'beta']],
    );
    // An audit board approves nothing and declares nothing.
    log.refused('NOT_PERMITTED', 'board1', { kind: 'account-approved', proposal: p });
  });

  test('approval: two independent administrators, over complete results frozen since the checkpoint', () => {
    const propose = (audit: string, treeSize: number) =>
      log.ok('alpha', {
        kind: 'audit-proposed',
        audit,
        contest: 'president',
        method: 'macro',
        riskLimit: 10,
        treeSize,
      });
    log.refused('UNKNOWN_CONTEST', 'alpha', {
      kind: 'audit-proposed',
      audit: 'x',
      contest: 'governor',
      method: 'macro',
      riskLimit: 10,
      treeSize: 1,
    });
    log.refused('BAD_TREE_SIZE', 'alpha', {
      kind: 'audit-proposed',
      audit: 'x',
      contest: 'president',
      method: 'macro',
      riskLimit: 10,
      treeSize: log.size + 1,
    });
    log.refused('NOT_PERMITTED', 'board1', {
      kind: 'audit-proposed',
      audit: 'x',
      contest: 'president',
      method: 'macro',
      riskLimit: 10,
      treeSize: 1,
    });
    const early = propose('early', log.size);
    log.refused('AUDIT_EXISTS', 'alpha', {
      kind: 'audit-proposed',
      audit: 'early',
      contest: 'president',
      method: 'macro',
      riskLimit: 10,
      treeSize: log.size,
    });
    log.refused('RESULTS_INCOMPLETE', 'beta', { kind: 'audit-approved', proposal: early });
    log.result(last, figuresOf(election.definition, stations.length - 1));
    // The last result came after the audited checkpoint: the figures were not frozen there.
    log.refused('AUDIT_NOT_FROZEN', 'beta', { kind: 'audit-approved', proposal: early });
    assert.equal(log.audit('early').status, 'proposed');

    const p = propose('a1', log.size);
    log.refused('SELF_APPROVAL', 'alpha', { kind: 'audit-approved', proposal: p });
    log.refused('NOT_INDEPENDENT', 'gamma', { kind: 'audit-approved', proposal: p });
    log.refused('UNKNOWN_PROPOSAL', 'beta', { kind: 'audit-approved', proposal: p - 1 });
    log.refused('AUDIT_NOT_APPROVED', 'alpha', { kind: 'audit-seed', audit: 'a1', seed: SEED });
    log.ok('beta', { kind: 'audit-approved', proposal: p });
    log.refused('AUDIT_EXISTS', 'gamma', { kind: 'audit-approved', proposal: p });
    const a = log.audit('a1');
    assert.equal(a.status, 'awaiting-seed');
    assert.equal(a.approvedBy, 'beta');
    // Kenya's rule: more than half nationally, a quarter in (up to) 24 counties.
    const winner = election.definition.contests[0]?.candidates[0]?.id;
    assert.equal(a.assertions[0]?.id, `${winner}>1/2`);
    assert.deepEqual(
      a.assertions
        .slice(1)
        .map((x) => x.id)
        .sort(),
      [county, otherCounty].sort().map((c) => `${winner}>=1/4:${c}`),
    );
    for (const x of a.assertions) assert.ok(Number.isInteger(x.margin) && x.margin > 0, x.id);
    assert.ok(a.errorBound !== null && a.errorBound > 1);
  });

  test('the seed: once, by an administrator, before any sample', () => {
    log.refused('SEED_MISSING', 'alpha', {
      kind: 'audit-round',
      audit: 'a1',
      round: 1,
      draws: 3,
      sample: '00'.repeat(32),
    });
    log.refused('NOT_PERMITTED', 'board1', { kind: 'audit-seed', audit: 'a1', seed: SEED });
    log.refused('UNKNOWN_AUDIT', 'alpha', { kind: 'audit-seed', audit: 'nope', seed: SEED });
    log.ok('alpha', { kind: 'audit-seed', audit: 'a1', seed: SEED });
    log.refused('SEED_EXISTS', 'beta', { kind: 'audit-seed', audit: 'a1', seed: `${SEED}1` });
    assert.equal(log.audit('a1').status, 'sampling');
  });

  test('rounds until the risk limit is met: samples, papers, confirmations and risks the fold recomputes', () => {
    let round = 0;
    let risks: string[] = [];
    while (log.audit('a1').status === 'sampling') {
      round += 1;
      assert.ok(round <= 6, 'the audit ends within six rounds');
      const size = nextRoundSizes(log.audits, 'a1');
      assert.ok(size.ok);
      const draws = round === 1 ? 4 : Math.max(1, size.value['0.9']);
      const sample = roundSample(log.audits, 'a1', draws);
      assert.ok(sample.ok);
      const { sampleSha256: sha, draws: drawn } = sample.value;
      assert.equal(drawn[0]?.draw, log.audit('a1').rounds.flatMap((r) => r.draws).length + 1);

      // A rigged sample: another station in place of the first draw, or another count.
      const other = stations.find((s) => !drawn.some((d) => d.station === s)) as string;
      const rigged = sampleSha256('a1', round, [
        { ...(drawn[0] as (typeof drawn)[0]), station: other },
        ...drawn.slice(1),
      ]);
      log.refused('SAMPLE_MISMATCH', 'alpha', {
        kind: 'audit-round',
        audit: 'a1',
        round,
        draws,
        sample: rigged,
      });
      log.refused('NOT_PERMITTED', 'board1', {
        kind: 'audit-round',
        audit: 'a1',
        round,
        draws,
        sample: sha,
      });
      log.refused('SAMPLE_MISMATCH', 'alpha', {
        kind: 'audit-round',
        audit: 'a1',
        round,
        draws: draws + 1,
        sample: sha,
      });
      log.refused('ROUND_OUT_OF_ORDER', 'alpha', {
        kind: 'audit-round',
        audit: 'a1',
        round: round + 1,
        draws,
        sample: sha,
      });
      log.ok('alpha', { kind: 'audit-round', audit: 'a1', round, draws, sample: sha });
      log.refused('ROUND_OPEN', 'alpha', {
        kind: 'audit-round',
        audit: 'a1',
        round: round + 1,
        draws,
        sample: sha,
      });
      log.refused('SEED_EXISTS', 'alpha', { kind: 'audit-seed', audit: 'a1', seed: SEED });
      const view = log.audit('a1');
      assert.equal(view.status, 'round-open');
      assert.deepEqual(view.rounds.at(-1)?.draws, drawn);
      assert.equal(view.rounds.at(-1)?.sampleSha256, sha);

      const sampled = [...new Set(drawn.map((d) => d.station))];
      const fresh = sampled.filter(
        (s) => !view.rounds.slice(0, -1).some((r) => r.papers.some((p) => p.station === s)),
      );
      log.refused('NOT_IN_SAMPLE', 'board1', paperAct(log, 'a1', round, other));
      log.refused('NOT_PERMITTED', 'alpha', paperAct(log, 'a1', round, sampled[0] as string));
      const [first] = fresh;
      if (first && round === 1) {
        // The first paper of the audit differs from the log: 3 of the winner's votes were the runner-up's.
        const r = log.fold.result('president', first);
        const [w, l] = Object.keys(r?.votes ?? {});
        const votes = {
          ...r?.votes,
          [w as string]: (r?.votes[w as string] ?? 0) - 3,
          [l as string]: (r?.votes[l as string] ?? 0) + 3,
        };
        log.refused('BAD_PAPER', 'board1', {
          ...paperAct(log, 'a1', round, first),
          paper: 'not-found',
        });
        log.refused('BAD_PAPER', 'board1', { ...paperAct(log, 'a1', round, first), form: NO_FORM });
        const e = log.ok('board1', paperAct(log, 'a1', round, first, { votes }));
        const entered = log.audit('a1').rounds.at(-1)?.papers.at(-1);
        assert.deepEqual(
          entered?.differences.map((d) => d.field),
          [`votes.${w}`, `votes.${l}`].sort(),
        );
        log.refused('ROUND_INCOMPLETE', 'alpha', {
          kind: 'audit-round-closed',
          audit: 'a1',
          round,
          risk: '1',
          outcome: 'continue',
        });
        log.refused('SELF_APPROVAL', 'board1', { kind: 'audit-confirmed', entry: e });
        log.refused('NOT_PERMITTED', `board-${otherCounty}`, { kind: 'audit-confirmed', entry: e });
        log.ok('board2', { kind: 'audit-confirmed', entry: e });
        log.refused('ALREADY_CONFIRMED', 'board3', { kind: 'audit-confirmed', entry: e });
        log.refused('PAPER_EXISTS', 'board2', paperAct(log, 'a1', round, first));
      }
      for (const s of fresh) {
        if (s === first && round === 1) continue;
        const e = log.ok('board2', paperAct(log, 'a1', round, s));
        log.ok('board1', { kind: 'audit-confirmed', entry: e });
      }
      const now = currentRisk(log.audits, 'a1');
      assert.ok(now.ok);
      const { risk, outcome } = now.value;
      assert.ok(risk > 0 && risk <= 1);
      const other1 = String(risk * (1 + 2 ** -40));
      log.refused('RISK_MISMATCH', 'alpha', {
        kind: 'audit-round-closed',
        audit: 'a1',
        round,
        risk: other1,
        outcome,
      });
      log.refused('RISK_MISMATCH', 'alpha', {
        kind: 'audit-round-closed',
        audit: 'a1',
        round,
        risk: String(risk),
        outcome: outcome === 'continue' ? 'risk-limit-met' : 'continue',
      });
      log.ok('alpha', {
        kind: 'audit-round-closed',
        audit: 'a1',
        round,
        risk: String(risk),
        outcome,
      });
      risks = [...risks, String(risk)];
      assert.equal(log.audit('a1').risk, risk);
    }
    const a = log.audit('a1');
    assert.equal(a.status, 'risk-limit-met');
    assert.ok(a.risk <= 0.1);
    assert.ok(a.rounds.length >= 2, 'the discrepancy of round 1 needed a second round');
    assert.deepEqual(
      a.rounds.map((r) => r.risk),
      risks,
    );
    assert.equal(a.rounds[0]?.outcome, 'continue');
    log.refused('AUDIT_FINISHED', 'alpha', {
      kind: 'audit-full-count',
      audit: 'a1',
      round: a.rounds.length + 1,
    });
  });

  test('a full hand count is the last round: every station, a paper not found counts as the worst case', () => {
    const p = log.ok('alpha', {
      kind: 'audit-proposed',
      audit: 'full',
      contest: 'president',
      method: 'macro',
      riskLimit: 5,
      treeSize: log.size,
    });
    log.ok('beta', { kind: 'audit-approved', proposal: p });
    log.ok('alpha', { kind: 'audit-full-count', audit: 'full', round: 1 });
    assert.equal(log.audit('full').status, 'full-count');
    assert.equal(log.audit('full').rounds[0]?.draws.length, stations.length);
    const lost = stations.slice(0, 3);
    for (const s of stations) {
      const act = lost.includes(s)
        ? {
            ...paperAct(log, 'full', 1, s),
            paper: 'not-found' as const,
            rejected: 0,
            totalValid: 0,
            form: NO_FORM,
          }
        : paperAct(log, 'full', 1, s);
      if (act.paper === 'not-found')
        act.votes = Object.fromEntries(Object.keys(act.votes).map((c) => [c, 0]));
      const e = log.ok('board1', act);
      log.ok('board2', { kind: 'audit-confirmed', entry: e });
    }
    const now = currentRisk(log.audits, 'full');
    assert.ok(now.ok);
    assert.deepEqual(now.value, { risk: 0, outcome: 'confirmed' });
    log.refused('RISK_MISMATCH', 'alpha', {
      kind: 'audit-round-closed',
      audit: 'full',
      round: 1,
      risk: '0',
      outcome: 'overturned',
    });
    log.ok('alpha', {
      kind: 'audit-round-closed',
      audit: 'full',
      round: 1,
      risk: '0',
      outcome: 'confirmed',
    });
    assert.equal(log.audit('full').status, 'confirmed');
  });

  test('decoding: a seed of too few digits, a risk limit above 20 %, a risk not written as String() writes it', () => {
    const d = election.definition;
    const entry = (act: Record<string, unknown>) =>
      new TextEncoder().encode(
        JSON.stringify({
          account: 'alpha',
          act,
          at: '2022-08-10T09:00:00Z',
          election: d.electionId,
          role: 'commission-admin',
          sig: `${'A'.repeat(86)}==`,
          type: 'official',
          v: 1,
        }),
      );
    const fields = (act: Record<string, unknown>) => {
      const r = decodeEntry(
        entry(Object.fromEntries(Object.entries(act).sort(([x], [y]) => (x < y ? -1 : 1)))),
      );
      return r.ok ? [] : r.error.map((e) => e.field);
    };
    assert.deepEqual(fields({ kind: 'audit-seed', audit: 'a1', seed: '1234567890123456789' }), [
      'act.seed',
    ]);
    assert.deepEqual(fields({ kind: 'audit-seed', audit: 'a1', seed: '12345678901234567890' }), []);
    const proposal = {
      kind: 'audit-proposed',
      audit: 'a',
      contest: 'president',
      method: 'macro',
      treeSize: 1,
    };
    assert.deepEqual(fields({ ...proposal, riskLimit: 21 }), ['act.riskLimit']);
    assert.deepEqual(fields({ ...proposal, riskLimit: 0 }), ['act.riskLimit']);
    assert.deepEqual(fields({ ...proposal, riskLimit: 20, method: 'bayes' }), ['act.method']);
    const close = { kind: 'audit-round-closed', audit: 'a', round: 1, outcome: 'continue' };
    for (const risk of ['0.05', '1', '0', '1.2e-7', '0.000123'])
      assert.deepEqual(fields({ ...close, risk }), [], risk);
    for (const risk of ['0.050', '.05', '1.0', '5e-2', '2', '0.1e-7', 'NaN'])
      assert.deepEqual(fields({ ...close, risk }), ['act.risk'], risk);
    assert.deepEqual(
      fields({ kind: 'audit-round', audit: 'a', round: 1, draws: 0, sample: '00'.repeat(32) }),
      ['act.draws'],
    );
  });
});

describe('ballot-polling audits (BRAVO, Minerva), through the fold', () => {
  const election = testElection({ stations: 40 });
  const log = new FoldedLog(election);
  const stations = election.definition.stations.map((s) => s.code);
  const candidates = election.definition.contests[0]?.candidates.map((c) => c.id) ?? [];

  /** How the ballot at a position reads: the candidates' votes in order, then the rejected ballots. */
  const ballotAt = (station: string, position: number): string => {
    const r = log.fold.result('president', station);
    assert.ok(r);
    let end = 0;
    for (const c of candidates) {
      end += r.votes[c] ?? 0;
      if (position <= end) return c;
    }
    return 'invalid';
  };

  before(() => {
    for (const [i, s] of stations.entries()) log.result(s, figuresOf(election.definition, i));
    for (const [account, role] of [
      ['alpha', 'commission-admin'],
      ['beta', 'commission-admin'],
      ['board1', 'audit-board'],
      ['board2', 'audit-board'],
    ] as const)
      log.ok('', { kind: 'account-created', account, role, scope: '' });
  });

  for (const method of ['bravo', 'minerva'] as const)
    test(`${method}: rounds of sampled ballots until the risk limit is met`, () => {
      const id = `${method}-1`;
      const p = log.ok('alpha', {
        kind: 'audit-proposed',
        audit: id,
        contest: 'president',
        method,
        riskLimit: 5,
        treeSize: log.size,
      });
      log.ok('beta', { kind: 'audit-approved', proposal: p });
      log.ok('alpha', { kind: 'audit-seed', audit: id, seed: SEED });
      const limit = log.audit(id).assertions.length;
      assert.equal(limit, candidates.length - 1, 'one plurality assertion per loser');
      let round = 0;
      while (log.audit(id).status === 'sampling') {
        round += 1;
        assert.ok(round <= 5, 'the audit ends within five rounds');
        const size = nextRoundSizes(log.audits, id);
        assert.ok(size.ok, JSON.stringify(size));
        // A deliberately small first round, so that a second one is needed.
        const draws = round === 1 ? 10 : size.value['0.9'];
        const sample = roundSample(log.audits, id, draws);
        assert.ok(sample.ok);
        const drawn = sample.value.draws;
        assert.ok(drawn.every((d) => Number.isInteger(d.position) && (d.position as number) >= 1));
        const moved = drawn.map((d) => ({ ...d, position: (d.position as number) + 1 }));
        log.refused('SAMPLE_MISMATCH', 'alpha', {
          kind: 'audit-round',
          audit: id,
          round,
          draws,
          sample: sampleSha256(id, round, moved),
        });
        log.ok('alpha', {
          kind: 'audit-round',
          audit: id,
          round,
          draws,
          sample: sample.value.sampleSha256,
        });
        const byStation = new Map<string, Record<string, number>>();
        for (const d of drawn) {
          const read = byStation.get(d.station) ?? { invalid: 0 };
          const c = ballotAt(d.station, d.position as number);
          read[c] = (read[c] ?? 0) + 1;
          byStation.set(d.station, read);
        }
        let firstStation = true;
        for (const [station, read] of byStation) {
          const votes = Object.fromEntries(candidates.map((c) => [c, read[c] ?? 0]));
          const act = {
            kind: 'audit-ballots' as const,
            audit: id,
            round,
            station,
            votes,
            invalid: read.invalid ?? 0,
            notFound: 0,
            form: PHOTO,
          };
          if (firstStation) {
            log.refused('DRAWS_MISMATCH', 'board1', { ...act, invalid: act.invalid + 1 });
            log.refused('BAD_METHOD', 'board1', paperAct(log, id, round, station));
            firstStation = false;
          }
          const e = log.ok('board1', act);
          log.refused('SELF_APPROVAL', 'board1', { kind: 'audit-confirmed', entry: e });
          log.ok('board2', { kind: 'audit-confirmed', entry: e });
        }
        const now = currentRisk(log.audits, id);
        assert.ok(now.ok);
        const { risk, outcome } = now.value;
        log.refused('RISK_MISMATCH', 'alpha', {
          kind: 'audit-round-closed',
          audit: id,
          round,
          risk: String(risk / 2),
          outcome,
        });
        log.ok('alpha', {
          kind: 'audit-round-closed',
          audit: id,
          round,
          risk: String(risk),
          outcome,
        });
      }
      const a = log.audit(id);
      assert.equal(a.status, 'risk-limit-met');
      assert.ok(a.risk <= 0.05 && a.risk > 0);
      assert.ok(a.rounds.length >= 2, 'ten ballots were not enough');
      assert.equal(a.rounds[0]?.outcome, 'continue');
      assert.ok(Number(a.rounds[0]?.risk) > 0.05);
    });
});

describe('a MACRO audit of a contest with a race per constituency', () => {
  const election = testElection({ stations: 12, presidentOnly: false });
  const log = new FoldedLog(election);
  const contest = 'member-of-parliament';

  test('the plurality in each race, over its own stations; ballot polling refused', () => {
    for (const [account, role] of [
      ['alpha', 'commission-admin'],
      ['beta', 'commission-admin'],
    ] as const)
      log.ok('', { kind: 'account-created', account, role, scope: '' });
    const stationsOf = new Map<string, string[]>();
    for (const [i, s] of election.definition.stations.entries()) {
      const race = log.index.raceFor(contest, s.code);
      assert.ok(race);
      stationsOf.set(race.unit, [...(stationsOf.get(race.unit) ?? []), s.code]);
      // The race's second candidate wins, by 10 + i votes at each station.
      const [x, y] = race.candidates as [string, string];
      const votes = { [x]: 50, [y]: 60 + i };
      log.result(s.code, { votes, rejected: 1, totalValid: 110 + i }, contest);
    }
    log.refused('BAD_METHOD', 'alpha', {
      kind: 'audit-proposed',
      audit: 'mp-poll',
      contest,
      method: 'bravo',
      riskLimit: 10,
      treeSize: log.size,
    });
    const p = log.ok('alpha', {
      kind: 'audit-proposed',
      audit: 'mp',
      contest,
      method: 'macro',
      riskLimit: 10,
      treeSize: log.size,
    });
    log.ok('beta', { kind: 'audit-approved', proposal: p });
    const a = log.audit('mp');
    const expected = [...stationsOf.keys()].sort().map((unit) => {
      const [x, y] = (log.index.racesOf(contest).get(unit)?.candidates ?? []) as [string, string];
      const stations = stationsOf.get(unit) as string[];
      const margin = stations.reduce((t, s) => {
        const r = log.fold.result(contest, s);
        return t + (r?.votes[y] ?? 0) - (r?.votes[x] ?? 0);
      }, 0);
      return { id: `${unit}:${y}>${x}`, margin };
    });
    assert.deepEqual(
      a.assertions.map((x) => ({ id: x.id, margin: x.margin })),
      expected,
    );
    assert.equal(expected.length, 3);
    log.ok('alpha', { kind: 'audit-seed', audit: 'mp', seed: SEED });
    const sample = roundSample(log.audits, 'mp', 5);
    assert.ok(sample.ok);
    assert.ok(sample.value.draws.every((d) => log.fold.result(contest, d.station)));
    const tooMany = roundSample(log.audits, 'mp', 13);
    assert.equal(tooMany.ok ? '' : tooMany.error.code, 'TOO_MANY_DRAWS');
    log.refused('TOO_MANY_DRAWS', 'alpha', {
      kind: 'audit-round',
      audit: 'mp',
      round: 1,
      draws: 13,
      sample: sample.value.sampleSha256,
    });
    log.ok('alpha', {
      kind: 'audit-round',
      audit: 'mp',
      round: 1,
      draws: 5,
      sample: sample.value.sampleSha256,
    });
  });
});

test('the worked sample of FORMATS.md §15.4 is the one kura computes', () => {
  const doc = readFileSync(new URL('../../docs/FORMATS.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### 15.4 Samples'), doc.indexOf('### 15.5 Assertions'));
  const weights = [...section.matchAll(/`([0-9/]+)`\s+(0\.[0-9]+|0|1\.25)/g)].map((m) => ({
    id: m[1] as string,
    weight: Number(m[2]),
  }));
  assert.equal(weights.length, 8);
  const seed = /Seed `([0-9]+)`/.exec(section)?.[1] as string;
  const draws = drawBatches(weights, seed, 0, 4).map((d) => ({
    draw: d.draw,
    station: d.id,
    ticket: d.ticket,
  }));
  const json = /```\n(\{"audit":"a1".*\})\n```/.exec(section)?.[1];
  assert.equal(json, JSON.stringify({ audit: 'a1', draws, round: 1 }));
  const sha = /and `sample` is\n`([0-9a-f]{64})`/.exec(section)?.[1];
  assert.equal(sha, sampleSha256('a1', 1, draws));
});

describe('kura verify replays the audit acts', () => {
  let t: TestLog;
  const tmp = mkdtempSync(join(tmpdir(), 'kura-audit-verify-'));
  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
  });
  after(async () => {
    await t.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a server that logged a rigged sample is not verified', async () => {
    const officials = t.running.officials;
    const fold = t.running.sequencer?.fold;
    assert.ok(officials && fold);
    for (const [i, s] of t.definition.stations.entries()) {
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(s.code, figuresOf(t.definition, i)) as object,
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    for (const [account, role] of [
      ['alpha', 'commission-admin'],
      ['beta', 'commission-admin'],
    ] as const)
      await officials.createAccount(null, {
        account,
        role,
        scope: '',
        password: 'correct horse battery staple',
      });
    const o = fold.officials;
    const alpha = o.accounts.get('alpha') as Account;
    const beta = o.accounts.get('beta') as Account;
    await officials.act(alpha, {
      kind: 'audit-proposed',
      audit: 'a1',
      contest: 'president',
      method: 'macro',
      riskLimit: 10,
      treeSize: fold.size,
    });
    await officials.act(beta, { kind: 'audit-approved', proposal: fold.size - 1 });
    await officials.act(alpha, { kind: 'audit-seed', audit: 'a1', seed: SEED });
    const honest = roundSample(o.audits, 'a1', 3);
    assert.ok(honest.ok);
    // The honest server refuses the rigged sample before logging it ...
    const rigged = sampleSha256('a1', 1, honest.value.draws.slice().reverse());
    await assert.rejects(
      officials.act(alpha, {
        kind: 'audit-round',
        audit: 'a1',
        round: 1,
        draws: 3,
        sample: rigged,
      }),
      /SAMPLE_MISMATCH|sample/,
    );
    // ... a rogue one, its rules switched off, logs it.
    const check = o.check.bind(o);
    o.check = () => ok({ kind: 'none' });
    try {
      await officials.act(alpha, {
        kind: 'audit-round',
        audit: 'a1',
        round: 1,
        draws: 3,
        sample: rigged,
      });
    } finally {
      o.check = check;
    }
    const report = await verifyServer({
      server: await t.running.app.listen({ port: 0, host: '127.0.0.1' }),
      stateDir: join(tmp, 'state'),
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      concurrency: 4,
      threads: 1,
      say: () => {},
    });
    assert.notEqual(report.verdict, 'verified');
    const anomalies = report.findings.filter((f) => f.kind === 'anomaly').map((f) => f.message);
    assert.ok(
      anomalies.some((m) => /official-refused: SAMPLE_MISMATCH/.test(m)),
      anomalies.join('\n'),
    );
    assert.equal(anomalies.length, 1, anomalies.join('\n'));
  });
});

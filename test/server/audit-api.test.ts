// A whole batch-comparison (MACRO) audit through the HTTP API, on a small
// election with a real store: an administrator proposes it and another
// approves it, the dice are logged, each round's sample is drawn by the
// server (the default size), one audit board member enters every sampled
// station's paper (one differs from the log, one is not found, one photo is
// uploaded), another confirms them, the round is closed with the risk the
// server measured, until the risk limit is met. Every refusal on the way is
// precise and logs nothing (self-approval, the wrong role, a station not in
// the sample, closing before every paper is confirmed, confirming one's own
// entry …), generated bad inputs get 400 INVALID_FIELD naming the field, and a
// reader replaying the same log serves the same audit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { totp } from '../../src/accounts/totp.js';
import type {
  AuditAnswer,
  AuditRoundClosed,
  AuditRoundStarted,
  AuditsAnswer,
} from '../../src/api/contract.js';
import { auditAnswer } from '../../src/election/audit-progress.js';
import { currentRisk, sampleSha256 } from '../../src/election/audits.js';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
const SEED = '31415926535897932384626433';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in assertions
type Json = Record<string, any>;

describe('a batch-comparison audit through the API', () => {
  let t: TestLog;
  let reader: RunningLog;
  const tokens = new Map<string, string>();
  const secrets = new Map<string, string>();
  let calls = 0;
  let stations: string[] = [];
  const candidates = ['alpha', 'beta', 'gamma'];

  const inject = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    who?: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    calls += 1;
    const r = await t.running.app.inject({
      method,
      url,
      remoteAddress: `10.9.${calls >> 8}.${calls & 255}`,
      headers: { ...(who ? { authorization: `Bearer ${tokens.get(who)}` } : {}), ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const size = () => t.running.sequencer?.treeSize ?? -1;
  const fold = () => {
    const f = t.running.sequencer?.fold;
    assert.ok(f);
    return f;
  };
  const refused = async (
    what: string,
    call: Promise<{ status: number; body: Json }>,
    status: number,
    code: string,
    field?: string,
  ) => {
    const before = size();
    const r = await call;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, `${what}: ${JSON.stringify(r.body)}`);
    if (field !== undefined) assert.equal(r.body.error.field, field, what);
    assert.equal(size(), before, `${what}: nothing logged`);
  };
  const created = (what: string, r: { status: number; body: Json }) => {
    assert.equal(r.status, 201, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.index, 'number', what);
    assert.match(r.body.receipt, /^kura\.test\/log\n/m, what);
    return r.body;
  };
  const login = async (account: string) => {
    const secret = secrets.get(account);
    const r = await inject('POST', '/api/v1/login', undefined, {
      account,
      password: PASSWORD,
      ...(secret ? { totp: totp(secret, Date.now()) } : {}),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    tokens.set(account, r.body.token);
  };
  /** The frozen figures of a station, as the test sent them. */
  const figures = new Map<string, { votes: Record<string, number>; rejected: number }>();
  const audit = async (): Promise<AuditAnswer> => {
    const r = await inject('GET', '/api/v1/audits/a1');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as AuditAnswer;
  };

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
    reader = await startLog({ store: t.store, signer: null });
    stations = t.definition.stations.map((s) => s.code);
    // A clear winner: alpha about 80% of the valid votes at every station.
    for (const [i, station] of stations.entries()) {
      const votes = { alpha: 160 + 7 * i, beta: 25 + (i % 4), gamma: 10 + (i % 3) };
      figures.set(station, { votes, rejected: 2 });
      const r = await inject('POST', '/api/v1/results', undefined, t.result(station, { votes }));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const officials = t.running.officials;
    assert.ok(officials);
    for (const account of ['alpha-admin', 'beta-admin']) {
      const made = await officials.createAccount(null, {
        account,
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      secrets.set(account, made.totpSecret as string);
      await login(account);
    }
    await officials.createAccount(null, {
      account: 'board-1',
      role: 'audit-board',
      scope: '',
      password: PASSWORD,
    });
    await login('board-1');
    await officials.createAccount(null, {
      account: 'observer-1',
      role: 'observer',
      scope: '',
      password: PASSWORD,
    });
    await login('observer-1');
  });
  after(async () => {
    await reader?.close();
    await t?.close();
  });

  test('an audit board member is made by two administrators, as an approving role is', async () => {
    const proposed = await inject('POST', '/api/v1/accounts', 'alpha-admin', {
      account: 'board-2',
      role: 'audit-board',
      scope: '',
    });
    assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
    assert.equal(proposed.body.status, 'proposed');
    await refused(
      'approving its own audit board member',
      inject('POST', '/api/v1/accounts/board-2/approve', 'alpha-admin'),
      403,
      'SELF_APPROVAL',
    );
    const approved = await inject('POST', '/api/v1/accounts/board-2/approve', 'beta-admin');
    assert.equal(approved.status, 201, JSON.stringify(approved.body));
    const activated = await inject('POST', '/api/v1/accounts/board-2/activate', undefined, {
      proposerCode: proposed.body.activationCode,
      approverCode: approved.body.activationCode,
      password: PASSWORD,
    });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    await login('board-2');
  });

  test('proposal and approval: two administrators, the log frozen at a checkpoint', async () => {
    await refused(
      'an audit board member proposing an audit',
      inject('POST', '/api/v1/audits', 'board-1', {
        audit: 'a1',
        contest: 'president',
        method: 'macro',
        riskLimit: 10,
      }),
      403,
      'NOT_PERMITTED',
    );
    await refused(
      'an unknown method',
      inject('POST', '/api/v1/audits', 'alpha-admin', {
        audit: 'a1',
        contest: 'president',
        method: 'guess',
        riskLimit: 10,
      }),
      400,
      'INVALID_FIELD',
      'method',
    );
    const p = created(
      'propose',
      await inject('POST', '/api/v1/audits', 'alpha-admin', {
        audit: 'a1',
        contest: 'president',
        method: 'macro',
        riskLimit: 10,
      }),
    );
    assert.equal(p.status, 'proposed');
    assert.ok(p.treeSize > 12, `the checkpoint covers every result: ${p.treeSize}`);
    await refused(
      'the same id again',
      inject('POST', '/api/v1/audits', 'beta-admin', {
        audit: 'a1',
        contest: 'president',
        method: 'macro',
        riskLimit: 5,
      }),
      409,
      'AUDIT_EXISTS',
    );
    await refused(
      'self-approval',
      inject('POST', '/api/v1/audits/a1/approve', 'alpha-admin'),
      403,
      'SELF_APPROVAL',
    );
    await refused(
      'an audit board member approving',
      inject('POST', '/api/v1/audits/a1/approve', 'board-1'),
      403,
      'NOT_PERMITTED',
    );
    await refused(
      'an unknown audit',
      inject('POST', '/api/v1/audits/nope/approve', 'beta-admin'),
      404,
      'UNKNOWN_AUDIT',
    );
    await refused(
      'a seed before the approval',
      inject('POST', '/api/v1/audits/a1/seed', 'alpha-admin', { seed: SEED }),
      409,
      'AUDIT_NOT_APPROVED',
    );
    created('approve', await inject('POST', '/api/v1/audits/a1/approve', 'beta-admin'));
    const a = await audit();
    assert.equal(a.status, 'awaiting-seed');
    assert.equal(a.approvedBy, 'beta-admin');
    assert.ok(a.assertions.length >= 2, 'the half and the county quarter');
    assert.ok(a.errorBound !== null && a.errorBound > 0);
  });

  test('the seed, then rounds of the default size, papers by one member, confirmations by another, closed until the limit is met', async () => {
    await refused(
      'a sample before the seed',
      inject('POST', '/api/v1/audits/a1/rounds', 'alpha-admin', {}),
      409,
      'SEED_MISSING',
    );
    await refused(
      'too few digits',
      inject('POST', '/api/v1/audits/a1/seed', 'alpha-admin', { seed: '1234' }),
      400,
      'INVALID_FIELD',
      'seed',
    );
    await refused(
      'an observer logging the seed',
      inject('POST', '/api/v1/audits/a1/seed', 'observer-1', { seed: SEED }),
      403,
      'NOT_PERMITTED',
    );
    created('seed', await inject('POST', '/api/v1/audits/a1/seed', 'alpha-admin', { seed: SEED }));
    await refused(
      'a second seed',
      inject('POST', '/api/v1/audits/a1/seed', 'beta-admin', { seed: `${SEED}1` }),
      409,
      'SEED_EXISTS',
    );

    const photo = new TextEncoder().encode('%PDF-1.4\n% the paper form of a sampled station\n');
    const photoSha = toHex(sha256(photo));
    let rounds = 0;
    let differing = '';
    for (;;) {
      rounds += 1;
      assert.ok(rounds <= 6, 'the limit is met within six rounds');
      const started = created(
        `round ${rounds}`,
        await inject('POST', '/api/v1/audits/a1/rounds', 'alpha-admin', {}),
      ) as AuditRoundStarted;
      assert.equal(started.round, rounds);
      assert.ok(started.draws.length >= 1);
      // The hash in the entry is the canonical sample's: anyone recomputes it.
      assert.equal(started.sampleSha256, sampleSha256('a1', rounds, started.draws));
      await refused(
        'a second round while one is open',
        inject('POST', '/api/v1/audits/a1/rounds', 'alpha-admin', { draws: 1 }),
        409,
        'ROUND_OPEN',
      );
      const drawn = [...new Set(started.draws.map((d) => d.station))];
      const outside = stations.find((s) => !drawn.includes(s));
      if (outside)
        await refused(
          'a station not in the sample',
          inject('POST', '/api/v1/audits/a1/papers', 'board-1', {
            round: rounds,
            station: outside,
            paper: 'counted',
            ...figures.get(outside),
            totalValid: sum(figures.get(outside)?.votes),
            form: photoSha,
          }),
          422,
          'NOT_IN_SAMPLE',
        );
      await refused(
        'closing before any paper',
        inject('POST', `/api/v1/audits/a1/rounds/${rounds}/close`, 'alpha-admin'),
        409,
        'ROUND_INCOMPLETE',
      );
      const entries: number[] = [];
      for (const station of drawn) {
        // A station's paper is read once in a batch comparison: a later round's draw of it needs none.
        if (
          fold()
            .officials.audits.get('a1')
            ?.rounds.some((r) =>
              r.papers.some((p) => p.station === station && p.confirmedAt !== null),
            )
        )
          continue;
        const logged = figures.get(station);
        assert.ok(logged);
        let votes = logged.votes;
        if (!differing) {
          differing = station;
          votes = { ...votes, alpha: (votes.alpha as number) - 3 };
          const up = await inject(
            'PUT',
            `/api/v1/audits/a1/forms/${photoSha}?station=${station}`,
            'board-1',
            Buffer.from(photo),
            { 'content-type': 'application/pdf' },
          );
          assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
          for (const [who, where, status, code] of [
            ['observer-1', station, 403, 'NOT_PERMITTED'],
            ['board-1', outside, 422, 'NOT_IN_SAMPLE'],
          ] as const)
            if (where)
              await refused(
                `a photo by ${who} at ${where}`,
                inject(
                  'PUT',
                  `/api/v1/audits/a1/forms/${photoSha}?station=${where}`,
                  who,
                  Buffer.from(photo),
                  {
                    'content-type': 'application/pdf',
                  },
                ),
                status,
                code,
              );
        }
        const r = created(
          `paper of ${station}`,
          await inject('POST', '/api/v1/audits/a1/papers', 'board-1', {
            round: rounds,
            station,
            paper: 'counted',
            votes,
            rejected: logged.rejected,
            totalValid: sum(votes),
            form: photoSha,
          }),
        );
        if (station === differing)
          assert.deepEqual(
            r.differences.map((d: Json) => d.field),
            ['votes.alpha', 'totalValid'],
            'the paper against the log',
          );
        else assert.deepEqual(r.differences, []);
        entries.push(r.index);
      }
      for (const entry of entries) {
        await refused(
          'confirming one’s own entry',
          inject('POST', `/api/v1/audits/papers/${entry}/confirm`, 'board-1'),
          403,
          'SELF_APPROVAL',
        );
        await refused(
          'an administrator confirming a paper',
          inject('POST', `/api/v1/audits/papers/${entry}/confirm`, 'alpha-admin'),
          403,
          'NOT_PERMITTED',
        );
        created(
          'confirm',
          await inject('POST', `/api/v1/audits/papers/${entry}/confirm`, 'board-2'),
        );
        await refused(
          'confirming twice',
          inject('POST', `/api/v1/audits/papers/${entry}/confirm`, 'board-2'),
          409,
          'ALREADY_CONFIRMED',
        );
      }
      // The risk the server will log is the fold's own, from the same code.
      const expected = currentRisk(fold().officials.audits, 'a1');
      assert.ok(expected.ok);
      const closed = created(
        `close round ${rounds}`,
        await inject('POST', `/api/v1/audits/a1/rounds/${rounds}/close`, 'alpha-admin'),
      ) as AuditRoundClosed;
      assert.equal(closed.risk, String(expected.value.risk));
      assert.equal(closed.outcome, expected.value.outcome);
      const a = await audit();
      assert.equal(a.rounds.at(-1)?.risk, closed.risk);
      assert.equal(a.risk, Number(closed.risk));
      if (closed.outcome === 'risk-limit-met') {
        assert.ok(Number(closed.risk) <= 0.1);
        assert.equal(closed.nextRoundSizes, null);
        break;
      }
      assert.equal(closed.outcome, 'continue');
      assert.ok(closed.nextRoundSizes && closed.nextRoundSizes['0.9'] >= 1);
    }
    await refused(
      'a round after the limit was met',
      inject('POST', '/api/v1/audits/a1/rounds', 'alpha-admin', { draws: 2 }),
      409,
      'AUDIT_FINISHED',
    );
    const a = await audit();
    assert.equal(a.status, 'risk-limit-met');
    assert.ok(differing, 'one paper differed');
    // The view is the fold's, with the progress per county.
    const view = fold().officials.audits.get('a1');
    assert.ok(view);
    assert.deepEqual(a, JSON.parse(JSON.stringify(auditAnswer(t.running.election.index, view))));
    const drawnStations = new Set(a.rounds.flatMap((r) => r.draws.map((d) => d.station)));
    assert.equal(a.progress.total.stations, 12);
    assert.equal(a.progress.total.sampled, drawnStations.size);
    assert.equal(a.progress.total.confirmed, drawnStations.size);
    assert.equal(
      a.progress.counties.reduce((s, c) => s + c.sampled, 0),
      drawnStations.size,
    );
    // Each drawn station once, in the order first drawn, named as the definition names it,
    // with its county found up the definition's units (not the index the server used).
    assert.deepEqual(Object.keys(a.stations), [...drawnStations]);
    const units = new Map(t.definition.units.map((u) => [u.code, u]));
    const countyOf = (unit: string | null): string => {
      const u = unit === null ? undefined : units.get(unit);
      if (!u) return '';
      return u.level === 'county' ? u.code : countyOf(u.parent);
    };
    for (const s of t.definition.stations.filter((s) => drawnStations.has(s.code))) {
      const county = countyOf(s.ward);
      assert.notEqual(county, '', `station ${s.code} lies in a county`);
      assert.deepEqual(a.stations[s.code], { name: s.name, county }, s.code);
    }
    const list = (await inject('GET', '/api/v1/audits')).body as AuditsAnswer;
    assert.ok(!('stations' in (list.audits[0] ?? {})), 'the list names no stations');
    assert.deepEqual(
      list.audits.map((x) => [x.id, x.status, x.rounds.length]),
      [['a1', 'risk-limit-met', rounds]],
    );
    // The photo is served by its hash, like any form.
    const form = await t.running.app.inject({ method: 'GET', url: `/api/v1/forms/${photoSha}` });
    assert.equal(form.statusCode, 200);
    assert.equal(form.body, new TextDecoder().decode(photo));
  });

  test('a paper that cannot be found counts as the worst case; a full count is the last round', async () => {
    created(
      'propose a2',
      await inject('POST', '/api/v1/audits', 'beta-admin', {
        audit: 'a2',
        contest: 'president',
        method: 'macro',
        riskLimit: 5,
      }),
    );
    created('approve a2', await inject('POST', '/api/v1/audits/a2/approve', 'alpha-admin'));
    created(
      'seed a2',
      await inject('POST', '/api/v1/audits/a2/seed', 'beta-admin', { seed: `${SEED}7` }),
    );
    const round = created(
      'one draw',
      await inject('POST', '/api/v1/audits/a2/rounds', 'beta-admin', { draws: 1 }),
    ) as AuditRoundStarted;
    assert.equal(round.draws.length, 1);
    const lost = round.draws[0]?.station as string;
    const paper = created(
      'not found',
      await inject('POST', '/api/v1/audits/a2/papers', 'board-2', {
        station: lost,
        paper: 'not-found',
      }),
    );
    created(
      'confirm',
      await inject('POST', `/api/v1/audits/papers/${paper.index}/confirm`, 'board-1'),
    );
    const closed = created(
      'close',
      await inject('POST', '/api/v1/audits/a2/rounds/1/close', 'alpha-admin'),
    ) as AuditRoundClosed;
    assert.equal(closed.outcome, 'continue');
    assert.ok(Number(closed.risk) > 0.05);
    await refused(
      'draws with a full count',
      inject('POST', '/api/v1/audits/a2/rounds', 'beta-admin', { full: true, draws: 3 }),
      400,
      'INVALID_FIELD',
      'draws',
    );
    const full = created(
      'full count',
      await inject('POST', '/api/v1/audits/a2/rounds', 'beta-admin', { full: true }),
    ) as AuditRoundStarted;
    assert.equal(full.full, true);
    assert.equal(full.sampleSha256, null);
    assert.deepEqual([...new Set(full.draws.map((d) => d.station))].sort(), [...stations].sort());
    const entries: number[] = [];
    for (const station of stations) {
      if (station === lost) continue; // its paper was read (not found) and confirmed in round 1
      const logged = figures.get(station);
      assert.ok(logged);
      entries.push(
        created(
          `full count at ${station}`,
          await inject('POST', '/api/v1/audits/a2/papers', 'board-1', {
            station,
            paper: 'counted',
            votes: logged.votes,
            rejected: logged.rejected,
            totalValid: sum(logged.votes),
            form: 'ab'.repeat(32),
          }),
        ).index,
      );
    }
    await refused(
      'closing a full count with papers unconfirmed',
      inject('POST', '/api/v1/audits/a2/rounds/2/close', 'alpha-admin'),
      409,
      'ROUND_INCOMPLETE',
    );
    for (const entry of entries)
      created('confirm', await inject('POST', `/api/v1/audits/papers/${entry}/confirm`, 'board-2'));
    const done = created(
      'close the full count',
      await inject('POST', '/api/v1/audits/a2/rounds/2/close', 'alpha-admin'),
    ) as AuditRoundClosed;
    assert.equal(done.outcome, 'confirmed');
    assert.equal(done.risk, '0');
    const a2 = (await inject('GET', '/api/v1/audits/a2')).body as AuditAnswer;
    assert.equal(a2.status, 'confirmed');
    assert.equal(a2.progress.total.confirmed, 12);
  });

  test('ballot polling (BRAVO): each station’s sampled ballots read by one member, confirmed by another', async () => {
    created(
      'propose b1',
      await inject('POST', '/api/v1/audits', 'alpha-admin', {
        audit: 'b1',
        contest: 'president',
        method: 'bravo',
        riskLimit: 10,
      }),
    );
    created('approve b1', await inject('POST', '/api/v1/audits/b1/approve', 'beta-admin'));
    created(
      'seed b1',
      await inject('POST', '/api/v1/audits/b1/seed', 'alpha-admin', { seed: `${SEED}3` }),
    );
    /** How the ballot at a position reads: the candidates' votes in the definition's order, then the rejected. */
    const ballotAt = (station: string, position: number): string => {
      const logged = figures.get(station);
      assert.ok(logged);
      let end = 0;
      for (const c of candidates) {
        end += logged.votes[c] ?? 0;
        if (position <= end) return c;
      }
      return 'invalid';
    };
    for (let round = 1; ; round++) {
      assert.ok(round <= 4, 'met within four rounds');
      const started = created(
        `b1 round ${round}`,
        await inject('POST', '/api/v1/audits/b1/rounds', 'alpha-admin', {}),
      ) as AuditRoundStarted;
      assert.equal(started.sampleSha256, sampleSha256('b1', round, started.draws));
      const read = new Map<string, Record<string, number>>();
      for (const d of started.draws) {
        assert.ok(Number.isInteger(d.position) && (d.position as number) >= 1);
        const r = read.get(d.station) ?? {};
        const c = ballotAt(d.station, d.position as number);
        r[c] = (r[c] ?? 0) + 1;
        read.set(d.station, r);
      }
      let first = true;
      for (const [station, r] of read) {
        const body = {
          round,
          station,
          votes: Object.fromEntries(candidates.map((c) => [c, r[c] ?? 0])),
          invalid: r.invalid ?? 0,
          notFound: 0,
          form: 'cd'.repeat(32),
        };
        if (first) {
          first = false;
          await refused(
            'a paper entry in a ballot-polling audit',
            inject('POST', '/api/v1/audits/b1/papers', 'board-1', {
              station,
              paper: 'counted',
              ...figures.get(station),
              totalValid: sum(figures.get(station)?.votes),
              form: 'cd'.repeat(32),
            }),
            422,
            'BAD_METHOD',
          );
          await refused(
            'ballots that are not the station’s draws',
            inject('POST', '/api/v1/audits/b1/ballots', 'board-1', {
              ...body,
              invalid: body.invalid + 1,
            }),
            422,
            'DRAWS_MISMATCH',
          );
        }
        const entered = created(
          'ballots',
          await inject('POST', '/api/v1/audits/b1/ballots', 'board-1', body),
        );
        assert.deepEqual(entered.differences, []);
        created(
          'confirm',
          await inject('POST', `/api/v1/audits/papers/${entered.index}/confirm`, 'board-2'),
        );
      }
      const closed = created(
        `close b1 round ${round}`,
        await inject('POST', `/api/v1/audits/b1/rounds/${round}/close`, 'alpha-admin'),
      ) as AuditRoundClosed;
      const expected = fold().officials.audits.get('b1')?.rounds.at(-1)?.risk;
      assert.equal(closed.risk, expected);
      if (closed.outcome === 'risk-limit-met') break;
      assert.equal(closed.outcome, 'continue');
    }
    const b1 = (await inject('GET', '/api/v1/audits/b1')).body as AuditAnswer;
    assert.equal(b1.status, 'risk-limit-met');
    assert.ok(
      b1.rounds.every((r) =>
        r.papers.every((p) => p.paper === 'ballots' && p.confirmedBy === 'board-2'),
      ),
    );
    const csv = await t.running.app.inject({
      method: 'GET',
      url: '/api/v1/audits/b1/data?format=csv',
    });
    const lines = csv.body.trimEnd().split('\r\n');
    const col = (lines[0] as string).split(',').indexOf('ballot_position');
    assert.ok(col > 0);
    assert.ok(lines.slice(1).every((l) => /^[1-9][0-9]*$/.test(l.split(',')[col] as string)));
  });

  test('open data: one row per draw with the station, the ticket, the paper beside the log and the round’s risk', async () => {
    const a = await audit();
    const csv = await t.running.app.inject({
      method: 'GET',
      url: '/api/v1/audits/a1/data?format=csv',
    });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    const header = (lines[0] as string).split(',');
    const draws = a.rounds.flatMap((r) => r.draws);
    assert.equal(lines.length, 1 + draws.length);
    for (const c of candidates)
      assert.ok(header.includes(`paper:${c}`) && header.includes(`logged:${c}`));
    const col = (name: string) => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.deepEqual(
      rows.map((r) => [r[col('draw')], r[col('station')], r[col('ticket')]]),
      draws.map((d) => [String(d.draw), d.station, d.ticket]),
    );
    assert.ok(rows.every((r) => r[col('station_name')]?.startsWith('Station ')));
    assert.ok(rows.some((r) => r[col('differences')]?.includes('alpha')));
    assert.equal(rows.at(-1)?.[col('round_outcome')], 'risk-limit-met');
    const json = await t.running.app.inject({ method: 'GET', url: '/api/v1/audits/a1/data' });
    assert.equal(json.statusCode, 200);
    const table = json.json() as Json;
    assert.equal(table.rows.length, draws.length);
    assert.equal(table.audit.id, 'a1');
    assert.deepEqual(
      table.rounds.map((r: Json) => r.risk),
      a.rounds.map((r) => r.risk),
    );
    const again = await t.running.app.inject({
      method: 'GET',
      url: '/api/v1/audits/a1/data?format=csv',
      headers: { 'if-none-match': String(csv.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
    const bad = await t.running.app.inject({
      method: 'GET',
      url: '/api/v1/audits/a1/data?format=xls',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'format');
  });

  test('a reader replaying the same log serves the same audits, and refuses the acts', async () => {
    const want = size();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const cp = await reader.app.inject({ method: 'GET', url: '/log/checkpoint' });
      if (cp.statusCode === 200 && Number(cp.body.split('\n')[1]) >= want) break;
      if (Date.now() > deadline) assert.fail('the reader did not follow');
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const url of [
      '/api/v1/audits',
      '/api/v1/audits/a1',
      '/api/v1/audits/a1/data?format=csv',
      '/api/v1/audits/a1/data?format=json',
    ]) {
      const w = await t.running.app.inject({ method: 'GET', url });
      const r = await reader.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      assert.equal(r.body, w.body, url);
    }
    const unknown = await reader.app.inject({ method: 'GET', url: '/api/v1/audits/zz' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'UNKNOWN_AUDIT');
    const write = await reader.app.inject({
      method: 'POST',
      url: '/api/v1/audits/a1/rounds',
      payload: {},
    });
    assert.equal(write.statusCode, 405);
    assert.equal(write.json().error.code, 'READ_ONLY');
  });

  test('generated bad inputs: 400 INVALID_FIELD naming the field, nothing logged', async () => {
    const unstorable = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff');
    const badNumber = fc.constantFrom(-1, 1.5, 1e300, 2 ** 53, 1_000_000_001, -0.5);
    const wrongType = fc.constantFrom(null, true, [1], { x: -1 });
    const bad = fc.oneof(unstorable, badNumber, wrongType);
    const station = stations[0] as string;
    const cases: Array<{ url: string; who: string; body: Json; fields: string[] }> = [
      {
        url: '/api/v1/audits',
        who: 'alpha-admin',
        body: { audit: 'b1', contest: 'president', method: 'macro', riskLimit: 5, treeSize: 3 },
        fields: ['audit', 'contest', 'method', 'riskLimit', 'treeSize'],
      },
      { url: '/api/v1/audits/a1/seed', who: 'alpha-admin', body: { seed: SEED }, fields: ['seed'] },
      {
        url: '/api/v1/audits/a1/rounds',
        who: 'alpha-admin',
        body: { draws: 3 },
        fields: ['draws'],
      },
      {
        url: '/api/v1/audits/a1/papers',
        who: 'board-1',
        body: {
          round: 1,
          station,
          paper: 'counted',
          votes: { alpha: 1, beta: 1, gamma: 1 },
          rejected: 0,
          totalValid: 3,
          form: 'ab'.repeat(32),
        },
        fields: ['round', 'station', 'paper', 'votes', 'rejected', 'totalValid', 'form'],
      },
      {
        url: '/api/v1/audits/a1/ballots',
        who: 'board-1',
        body: {
          round: 1,
          station,
          votes: { alpha: 1, beta: 0, gamma: 0 },
          invalid: 0,
          notFound: 0,
          form: 'ab'.repeat(32),
        },
        fields: ['round', 'station', 'votes', 'invalid', 'notFound', 'form'],
      },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: cases.length - 1 }),
        fc.nat(),
        bad,
        async (which, pick, value) => {
          const c = cases[which] as (typeof cases)[number];
          const field = c.fields[pick % c.fields.length] as string;
          const before = size();
          const r = await inject('POST', c.url, c.who, { ...c.body, [field]: value });
          assert.equal(
            r.status,
            400,
            `${c.url} ${field}=${JSON.stringify(value)}: ${JSON.stringify(r.body)}`,
          );
          assert.equal(r.body.error.code, 'INVALID_FIELD');
          assert.ok(
            r.body.error.field === field || r.body.error.field.startsWith(`${field}`),
            `${c.url}: field ${r.body.error.field}, not ${field}`,
          );
          assert.equal(size(), before);
        },
      ),
      { numRuns: 150, seed: 20261206 },
    );
    // An unknown member, and an entry index that is no decimal.
    await refused(
      'an unknown member',
      inject('POST', '/api/v1/audits/a1/rounds', 'alpha-admin', { draws: 2, size: 9 }),
      400,
      'INVALID_FIELD',
      'size',
    );
    await refused(
      'an entry in hex',
      inject('POST', '/api/v1/audits/papers/0x10/confirm', 'board-2'),
      400,
      'BAD_QUERY',
      'entry',
    );
  });
});

function sum(votes: Record<string, number> | undefined): number {
  return Object.values(votes ?? {}).reduce((s, n) => s + n, 0);
}

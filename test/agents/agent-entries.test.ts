// Party agents through the fold (FORMATS.md §16): the commission enrols
// parties, each party's key enrols and revokes its agents (one station each),
// and agents attest or dissent from their station's counted result. Each kind
// of entry is folded good and bad (forged signature, wrong station, revoked
// agent, a second word, an unknown result, a roster signed by another key, …):
// each bad one is refused with its own code and changes nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stationWords } from '../../src/election/agent-views.js';
import { resultEntryHash } from '../../src/election/agents.js';
import { canonicalBytes } from '../../src/election/canonical.js';
import { decodeEntry, encodeEntry } from '../../src/election/entries.js';
import { AgentLog, figures, publicKeyOf } from './agent-log.js';

/** Everything the agents' entries can change: parties, agents, words, tallies. */
function state(log: AgentLog): string {
  const b = log.fold.agents;
  return JSON.stringify({
    parties: [...b.parties.values()],
    agents: [...b.allAgents()],
    words: [...b.allWords()].map((w) => ({
      ...w,
      attestations: [...w.attestations.values()],
      dissents: [...w.dissents.values()],
    })),
    tallies: [...log.fold.tallies.values()].map((m) => [...m.values()]),
  });
}

/** Folds an entry that must be refused with `code`, changing nothing. */
function refused(
  log: AgentLog,
  code: string,
  make: () => { refused: string | null; detail: string },
) {
  const before = state(log);
  const r = make();
  assert.equal(r.refused, code, r.detail || 'accepted');
  assert.equal(state(log), before, `a refused entry (${code}) changed nothing`);
}

/** A log with parties A and B, agents a1 (A) and b1 (B) at station 0, a2 (A) at station 1, and both stations counted. */
function setUp() {
  const log = new AgentLog();
  const [s0, s1, s2] = log.stations as [string, string, string];
  assert.equal(log.enrolParty('A').refused, null);
  assert.equal(log.enrolParty('B').refused, null);
  log.enrolAgent('A', 'a1', s0);
  log.enrolAgent('B', 'b1', s0);
  log.enrolAgent('A', 'a2', s1);
  const cands = log.candidates(s0);
  const r0 = log.result(s0, figures(cands, [120, 80, 10]));
  const r1 = log.result(s1, figures(cands, [90, 100, 5]));
  return { log, s0, s1, s2, cands, r0, r1 };
}

describe('party-enrolled (an official act)', () => {
  test('the console or an administrator enrols a party; a second one with the id or key is PARTY_EXISTS', () => {
    const log = new AgentLog();
    const first = log.enrolParty('kk', publicKeyOf('kk'), 'Kenya Kwanza');
    assert.equal(first.refused, null, first.detail);
    const p = log.fold.agents.party('kk');
    assert.deepEqual(p, {
      party: 'kk',
      name: 'Kenya Kwanza',
      publicKey: publicKeyOf('kk'),
      enrolledAt: first.index,
    });
    refused(log, 'PARTY_EXISTS', () => log.enrolParty('kk', publicKeyOf('other')));
    refused(log, 'PARTY_EXISTS', () => log.enrolParty('azimio', publicKeyOf('kk')));
    // A small-order point and a non-canonical base64 key are not usable keys.
    refused(log, 'WEAK_PARTY_KEY', () => log.enrolParty('x', `${'A'.repeat(43)}=`));
    // Non-canonical base64: the last digit before "=" carries bits beyond the 32 bytes.
    refused(log, 'WEAK_PARTY_KEY', () => log.enrolParty('x', `${publicKeyOf('x').slice(0, 42)}B=`));
    assert.equal(log.fold.officials.acts.at(-1)?.kind, 'party-enrolled');
  });

  test('an observer may not enrol a party (NOT_PERMITTED); a forged act is BAD_COMMISSION_SIGNATURE', () => {
    const log = new AgentLog();
    assert.equal(
      log.official('', { kind: 'account-created', account: 'obs', role: 'observer', scope: '' })
        .refused,
      null,
    );
    refused(log, 'NOT_PERMITTED', () =>
      log.official('obs', {
        kind: 'party-enrolled',
        party: 'p',
        name: 'P',
        publicKey: publicKeyOf('p'),
      }),
    );
    // The same act with its signature's bytes changed.
    const unsigned = encodeEntry({
      type: 'official',
      v: 1,
      election: log.electionId,
      account: '',
      role: '',
      at: '2022-08-09T06:00:00Z',
      act: { kind: 'party-enrolled', party: 'p', name: 'P', publicKey: publicKeyOf('p') },
      sig: `${'A'.repeat(86)}==`,
    });
    refused(log, 'BAD_COMMISSION_SIGNATURE', () => log.append(unsigned));
  });

  test('decoding: name 1 to 200 characters without controls, the key as base64 of 32 bytes, no other member', () => {
    const base = {
      type: 'official',
      v: 1,
      election: 'e',
      account: '',
      role: '',
      at: '2022-08-09T06:00:00Z',
      sig: `${'A'.repeat(86)}==`,
    };
    const decode = (act: object) => decodeEntry(canonicalBytes({ ...base, act }));
    const good = { kind: 'party-enrolled', party: 'p', name: 'P', publicKey: publicKeyOf('p') };
    assert.ok(decode(good).ok);
    assert.ok(decode({ ...good, name: 'x'.repeat(200) }).ok);
    const fields = (act: object) => {
      const d = decode(act);
      return d.ok ? [] : d.error.map((e) => e.field);
    };
    assert.deepEqual(fields({ ...good, name: '' }), ['act.name']);
    assert.deepEqual(fields({ ...good, name: 'x'.repeat(201) }), ['act.name']);
    assert.deepEqual(fields({ ...good, name: 'a\nb' }), ['act.name']);
    assert.deepEqual(fields({ ...good, publicKey: 'abc' }), ['act.publicKey']);
    assert.deepEqual(fields({ ...good, party: '-p' }), ['act.party']);
    assert.deepEqual(fields({ ...good, extra: 1 }), ['act.extra']);
  });
});

describe('roster', () => {
  test('enrol: the agent is on the record at its station; revoke; replace revokes the replaced', () => {
    const { log, s0, s1 } = setUp();
    const a1 = log.fold.agents.agent('A', 'a1');
    assert.equal(a1?.station, s0);
    assert.equal(a1?.revokedAt, null);
    assert.equal(a1?.publicKey, publicKeyOf('A/a1'));
    // Another party may use the same agent id: agents are (party, agent).
    log.enrolAgent('B', 'a2', s1);
    const rep = log.enrolAgent('A', 'a1-new', s0, 'a1');
    assert.equal(log.fold.agents.agent('A', 'a1')?.revokedAt, rep);
    assert.equal(log.fold.agents.agent('A', 'a1')?.revokedReason, 'replaced by a1-new');
    assert.equal(log.fold.agents.agent('A', 'a1-new')?.replaces, 'a1');
    const rev = log.roster('A', { kind: 'agent-revoked', agent: 'a2', reason: 'phone lost' });
    assert.equal(rev.refused, null, rev.detail);
    assert.equal(log.fold.agents.agent('A', 'a2')?.revokedAt, rev.index);
    assert.equal(log.fold.agents.agent('A', 'a2')?.revokedReason, 'phone lost');
  });

  test('refusals: forged by another key, unknown party, wrong election, station, taken id or key, weak key, replace rules', () => {
    const { log, s0, s1, s2 } = setUp();
    const enrol = (
      agent: string,
      station: string,
      key = publicKeyOf(`A/${agent}`),
      replaces = '',
    ) => ({ kind: 'agent-enrolled', agent, station, publicKey: key, replaces }) as const;
    // Party B's key, an agent's key, a stranger's key: none is party A's.
    refused(log, 'BAD_PARTY_SIGNATURE', () => log.roster('A', enrol('x', s2), 'B'));
    refused(log, 'BAD_PARTY_SIGNATURE', () => log.roster('A', enrol('x', s2), 'A/a1'));
    refused(log, 'BAD_PARTY_SIGNATURE', () =>
      log.roster('A', { kind: 'agent-revoked', agent: 'a1', reason: 'r' }, 'mallory'),
    );
    refused(log, 'UNKNOWN_PARTY', () => log.roster('Z', enrol('x', s2), 'Z'));
    refused(log, 'WRONG_ELECTION', () =>
      log.roster('A', enrol('x', s2), 'A', { election: 'other' }),
    );
    refused(log, 'UNKNOWN_STATION', () => log.roster('A', enrol('x', '999999999999999')));
    refused(log, 'AGENT_EXISTS', () => log.roster('A', enrol('a1', s2)));
    refused(log, 'AGENT_EXISTS', () => log.roster('A', enrol('x', s2, publicKeyOf('B/b1'))));
    refused(log, 'WEAK_AGENT_KEY', () => log.roster('A', enrol('x', s2, `${'A'.repeat(43)}=`)));
    refused(log, 'UNKNOWN_AGENT', () => log.roster('A', enrol('x', s0, undefined, 'nobody')));
    // b1 is B's agent, not A's.
    refused(log, 'UNKNOWN_AGENT', () => log.roster('A', enrol('x', s0, undefined, 'b1')));
    refused(log, 'AGENT_NOT_AT_STATION', () => log.roster('A', enrol('x', s1, undefined, 'a1')));
    refused(log, 'UNKNOWN_AGENT', () =>
      log.roster('A', { kind: 'agent-revoked', agent: 'nobody', reason: 'r' }),
    );
    assert.equal(
      log.roster('A', { kind: 'agent-revoked', agent: 'a2', reason: 'gone' }).refused,
      null,
    );
    refused(log, 'AGENT_REVOKED', () =>
      log.roster('A', { kind: 'agent-revoked', agent: 'a2', reason: 'again' }),
    );
    refused(log, 'AGENT_REVOKED', () => log.roster('A', enrol('x', s1, undefined, 'a2')));
    // A revoked agent's key stays its own.
    refused(log, 'AGENT_EXISTS', () => log.roster('A', enrol('y', s1, publicKeyOf('A/a2'))));
  });
});

describe('attestation', () => {
  test('good: the word is on the station, the tallies count it co-signed once, the votes stay', () => {
    const { log, s0, r0 } = setUp();
    const before = structuredClone(log.fold.tally('president'));
    const lastChange = log.fold.view.lastChange('president');
    const a = log.attest('A', 'a1', r0.hash);
    // A word changes no figure: an audit of the contest still sees it frozen since the last result.
    assert.equal(log.fold.view.lastChange('president'), lastChange);
    assert.equal(a.refused, null, a.detail);
    const after = log.fold.tally('president');
    assert.equal(after?.cosigned, 1);
    assert.equal(after?.disputed, undefined);
    assert.equal(after?.lastEntry, a.index);
    assert.deepEqual({ ...after?.votes }, { ...before?.votes });
    assert.equal(after?.totalValid, before?.totalValid);
    for (const unit of log.index.rollup(s0))
      assert.equal(log.fold.tally('president', unit)?.cosigned, 1);
    // A second party's attestation: the same station, still one co-signed station.
    const b = log.attest('B', 'b1', r0.hash);
    assert.equal(b.refused, null, b.detail);
    assert.equal(log.fold.tally('president')?.cosigned, 1);
    assert.deepEqual(
      stationWords(log.fold, 'president', s0).map((w) => [
        w.kind,
        w.party,
        w.agent,
        w.entryIndex,
        w.result,
      ]),
      [
        ['attestation', 'A', 'a1', a.index, r0.index],
        ['attestation', 'B', 'b1', b.index, r0.index],
      ],
    );
  });

  test('refusals: forged, wrong station, revoked, second word, unknown result, unknown agent or party', () => {
    const { log, s0, r0, r1 } = setUp();
    refused(log, 'BAD_AGENT_SIGNATURE', () => log.attest('A', 'a1', r0.hash, 'A/a2'));
    refused(log, 'BAD_AGENT_SIGNATURE', () => log.attest('A', 'a1', r0.hash, 'A'));
    // a2 is station 1's agent; r0 is station 0's result.
    refused(log, 'AGENT_NOT_AT_STATION', () => log.attest('A', 'a2', r0.hash));
    refused(log, 'UNKNOWN_RESULT', () => log.attest('A', 'a1', 'ee'.repeat(32)));
    // The hash of the result's bytes with one byte changed names no counted result.
    const changed = r0.bytes.slice();
    changed[changed.length - 3] = (changed[changed.length - 3] as number) ^ 1;
    refused(log, 'UNKNOWN_RESULT', () => log.attest('A', 'a1', resultEntryHash(changed)));
    refused(log, 'UNKNOWN_AGENT', () => log.attest('A', 'b1', r0.hash, 'B/b1'));
    refused(log, 'UNKNOWN_PARTY', () => log.attest('Z', 'a1', r0.hash, 'A/a1'));
    refused(log, 'WRONG_ELECTION', () =>
      log.attest('A', 'a1', r0.hash, undefined, { election: 'other' }),
    );
    assert.equal(log.attest('A', 'a1', r0.hash).refused, null);
    // The same party again: by the same agent, or (after a replacement) by another.
    refused(log, 'ALREADY_SIGNED', () =>
      log.attest('A', 'a1', r0.hash, undefined, { agentTime: '2022-08-09T18:00:00Z' }),
    );
    log.enrolAgent('A', 'a1b', s0, 'a1');
    refused(log, 'AGENT_REVOKED', () => log.attest('A', 'a1', r0.hash));
    refused(log, 'ALREADY_SIGNED', () => log.attest('A', 'a1b', r0.hash));
    refused(log, 'ALREADY_SIGNED', () =>
      log.dissent('A', 'a1b', r0.hash, { station: s0 }, figures(log.candidates(s0), [1, 2, 3])),
    );
    // The replaced agent's word stays.
    assert.equal(log.fold.agents.wordsOn('president', s0)?.attestations.get('A')?.agent, 'a1');
    // r1 is station 1's: a2 attests it.
    assert.equal(log.attest('A', 'a2', r1.hash).refused, null);
  });

  test('a result that was refused (a duplicate) cannot be attested', () => {
    const { log, s0, cands } = setUp();
    const before = log.fold.anomalies.length;
    const d = log.election.definition;
    // A second result for station 0: a duplicate, not counted.
    const dup = structuredClone(decodeEntry(log.entries[log.entries.length - 2] as Uint8Array));
    assert.ok(dup.ok && dup.value.type === 'result');
    assert.ok(d && cands.length);
    const bytes = encodeEntry({ ...dup.value, deviceTime: '2022-08-09T19:00:00Z' });
    log.append(bytes);
    assert.equal(log.fold.anomalies.length, before + 1);
    refused(log, 'UNKNOWN_RESULT', () => log.attest('A', 'a1', resultEntryHash(bytes)));
    assert.equal(s0, log.stations[0]);
  });
});

describe('dissent', () => {
  test('good: the agent figures are on the station, the tallies count it disputed, the votes stay', () => {
    const { log, s0, r0, cands } = setUp();
    const before = structuredClone(log.fold.tally('president'));
    const mine = figures(cands, [100, 100, 10]);
    const d = log.dissent('B', 'b1', r0.hash, { station: s0 }, mine);
    assert.equal(d.refused, null, d.detail);
    const after = log.fold.tally('president');
    assert.equal(after?.disputed, 1);
    assert.equal(after?.cosigned, undefined);
    assert.deepEqual({ ...after?.votes }, { ...before?.votes });
    assert.equal(log.fold.result('president', s0)?.votes[cands[0] as string], 120);
    const [w] = stationWords(log.fold, 'president', s0);
    assert.equal(w?.kind, 'dissent');
    assert.deepEqual(w?.kind === 'dissent' ? w.votes : null, mine.votes);
    // Party A agrees at the same station: co-signed and disputed both.
    assert.equal(log.attest('A', 'a1', r0.hash).refused, null);
    assert.equal(log.fold.tally('president')?.cosigned, 1);
    assert.equal(log.fold.tally('president')?.disputed, 1);
    assert.deepEqual(log.fold.agents.dissentIndexes('president', s0), [d.index]);
  });

  test('refusals: forged, wrong station, mismatched result, candidates, revoked, second word', () => {
    const { log, s0, s1, r0, r1, cands } = setUp();
    const mine = figures(cands, [100, 100, 10]);
    refused(log, 'BAD_AGENT_SIGNATURE', () =>
      log.dissent('B', 'b1', r0.hash, { station: s0 }, mine, 'A/a1'),
    );
    // Changing the figures after signing breaks the signature too.
    refused(log, 'BAD_AGENT_SIGNATURE', () =>
      log.append(
        encodeEntry({
          ...(
            decodeEntry(
              encodeEntry({
                type: 'dissent',
                v: 1,
                election: log.electionId,
                party: 'B',
                agent: 'b1',
                result: r0.hash,
                contest: 'president',
                station: s0,
                ...mine,
                form: 'cd'.repeat(32),
                reason: '',
                agentTime: '2022-08-09T17:06:00Z',
                sig: `${'A'.repeat(86)}==`,
              }),
            ) as { ok: true; value: object }
          ).value,
        } as never),
      ),
    );
    refused(log, 'AGENT_NOT_AT_STATION', () =>
      log.dissent('B', 'b1', r1.hash, { station: s1 }, mine),
    );
    refused(log, 'AGENT_NOT_AT_STATION', () =>
      log.dissent('A', 'a2', r0.hash, { station: s0 }, mine),
    );
    // Station 1's result named from station 0: the dissent's station is not the result's.
    refused(log, 'DISSENT_MISMATCH', () => log.dissent('B', 'b1', r1.hash, { station: s0 }, mine));
    refused(log, 'DISSENT_MISMATCH', () =>
      log.dissent('B', 'b1', r0.hash, { station: s0, contest: 'governor' }, mine),
    );
    refused(log, 'UNKNOWN_RESULT', () =>
      log.dissent('B', 'b1', 'ee'.repeat(32), { station: s0 }, mine),
    );
    const [c0, c1, c2] = cands as [string, string, string];
    refused(log, 'UNKNOWN_CANDIDATE', () =>
      log.dissent(
        'B',
        'b1',
        r0.hash,
        { station: s0 },
        { ...mine, votes: { ...mine.votes, zz: 1 } },
      ),
    );
    refused(log, 'MISSING_CANDIDATE', () =>
      log.dissent('B', 'b1', r0.hash, { station: s0 }, { ...mine, votes: { [c0]: 1, [c2]: 1 } }),
    );
    assert.ok(c1);
    assert.equal(log.dissent('B', 'b1', r0.hash, { station: s0 }, mine).refused, null);
    refused(log, 'ALREADY_SIGNED', () =>
      log.dissent('B', 'b1', r0.hash, { station: s0 }, figures(cands, [1, 1, 1])),
    );
    refused(log, 'ALREADY_SIGNED', () => log.attest('B', 'b1', r0.hash));
    assert.equal(
      log.roster('B', { kind: 'agent-revoked', agent: 'b1', reason: 'r' }).refused,
      null,
    );
    log.enrolAgent('A', 'a3', s1);
    refused(log, 'AGENT_REVOKED', () => log.dissent('B', 'b1', r1.hash, { station: s1 }, mine));
  });

  test('decoding: every member checked, named, in table order', () => {
    const good = {
      type: 'dissent',
      v: 1,
      election: 'e',
      party: 'p',
      agent: 'a',
      result: 'ab'.repeat(32),
      contest: 'president',
      station: '001',
      votes: { x: 1 },
      rejected: 0,
      totalValid: 1,
      form: 'cd'.repeat(32),
      reason: '',
      agentTime: '2022-08-09T17:06:00Z',
      sig: `${'A'.repeat(86)}==`,
    };
    const fields = (o: object) => {
      const d = decodeEntry(canonicalBytes(o));
      return d.ok ? [] : d.error.map((e) => e.field);
    };
    assert.deepEqual(fields(good), []);
    assert.deepEqual(fields({ ...good, reason: 'x'.repeat(500) }), []);
    assert.deepEqual(fields({ ...good, reason: 'x'.repeat(501) }), ['reason']);
    assert.deepEqual(
      fields({
        ...good,
        extra: 1,
        v: 2,
        result: 'AB'.repeat(32),
        votes: { x: -1 },
        form: '',
        agentTime: 'now',
      }),
      ['extra', 'v', 'result', 'votes.x', 'form', 'agentTime'],
    );
    const { sig: _s, ...noSig } = good;
    assert.deepEqual(fields(noSig), ['sig']);
    const att = {
      type: 'attestation',
      v: 1,
      election: 'e',
      party: 'p',
      agent: 'a',
      result: 'ab'.repeat(32),
      agentTime: '2022-08-09T17:06:00Z',
      sig: good.sig,
    };
    assert.deepEqual(fields(att), []);
    assert.deepEqual(fields({ ...att, station: '001' }), ['station']);
    assert.deepEqual(fields({ ...att, result: 'ab' }), ['result']);
    const roster = {
      type: 'roster',
      v: 1,
      election: 'e',
      party: 'p',
      at: '2022-08-09T17:06:00Z',
      sig: good.sig,
    };
    const enrol = {
      kind: 'agent-enrolled',
      agent: 'a',
      station: '001',
      publicKey: publicKeyOf('k'),
      replaces: '',
    };
    assert.deepEqual(fields({ ...roster, act: enrol }), []);
    assert.deepEqual(fields({ ...roster, act: { ...enrol, replaces: '-' } }), ['act.replaces']);
    assert.deepEqual(
      fields({ ...roster, act: { kind: 'agent-revoked', agent: 'a', reason: '' } }),
      ['act.reason'],
    );
    assert.deepEqual(fields({ ...roster, act: { kind: 'agent-fired', agent: 'a' } }), ['act.kind']);
    assert.deepEqual(fields({ ...roster, act: 'x' }), ['act']);
  });
});

describe('corrections cite dissents', () => {
  test('a correction at a disputed station must cite its dissent (DISSENT_NOT_CITED, NOT_A_DISSENT); elsewhere it must not', () => {
    const { log, s0, s1, r0, r1, cands } = setUp();
    const d = log.dissent('B', 'b1', r0.hash, { station: s0 }, figures(cands, [100, 100, 10]));
    assert.equal(d.refused, null, d.detail);
    assert.equal(
      log.official('', {
        kind: 'account-created',
        account: 'ro',
        role: 'commission-admin',
        scope: '',
      }).refused,
      null,
    );
    const correction = (station: string, original: number, dissent?: number) =>
      log.official('ro', {
        kind: 'correction-proposed',
        contest: 'president',
        station,
        original,
        reason: 'the form was misread',
        form: 'ef'.repeat(32),
        ...figures(cands, [100, 100, 10]),
        ...(dissent === undefined ? {} : { dissent }),
      });
    refused(log, 'DISSENT_NOT_CITED', () => correction(s0, r0.index));
    refused(log, 'NOT_A_DISSENT', () => correction(s0, r0.index, r0.index));
    refused(log, 'NOT_A_DISSENT', () => correction(s1, r1.index, d.index));
    const ok = correction(s0, r0.index, d.index);
    assert.equal(ok.refused, null, ok.detail);
    assert.equal(log.fold.officials.corrections.get(ok.index)?.dissent, d.index);
    const plain = correction(s1, r1.index);
    assert.equal(plain.refused, null, plain.detail);
    assert.equal('dissent' in (log.fold.officials.corrections.get(plain.index) ?? {}), false);
  });
});

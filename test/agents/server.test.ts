// Party agents through the HTTP API, on a real server with a real store: the
// commission enrols a party (a commission-admin session), the party enrols
// its agents (roster entries), the agents co-sign or dissent from the
// stations' results, and the party's parallel tally is served beside the
// official one. Every refusal is precise and changes nothing; every entry is
// logged exactly once, in parallel bursts too; a reader serves the writer's
// answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../src/accounts/totp.js';
import { signingMessage } from '../../src/election/entries.js';
import {
  FORM_AGENT_HEADER,
  FORM_PARTY_HEADER,
  FORM_SIGNATURE_HEADER,
  formUploadMessage,
} from '../../src/election/form-upload.js';
import { fromBase64, toBase64, toHex } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../../src/log/crypto.js';
import { replayStoredLog } from '../../src/server/replay.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const PASSWORD = 'correct horse battery staple';
const seed = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
const PARTY_SEED = seed('party kk');
const OTHER_PARTY_SEED = seed('party az');
const agentSeed = (agent: string) => seed(`agent ${agent}`);
const pub = (s: Uint8Array) => toBase64(ed25519PublicKey(s));
/** A PNG (by its first bytes): an agent's photo of its copy of the form. */
const photo = (text: string) =>
  Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(text));
/** The photo every dissent here cites. */
const CITED_PHOTO = photo('our copy of Form 34A');
const HOUR = 3_600_000;

type Json = Record<string, unknown>;

function sign<T extends Json>(unsigned: T, key: Uint8Array): T & { sig: string } {
  return { ...unsigned, sig: toBase64(ed25519Sign(key, signingMessage(unsigned as never))) };
}

for (const backend of await testBackends()) {
  describe(`party agents through the API on ${backend}`, () => {
    let t: TestLog;
    let token = '';
    let electionId = '';
    let stations: string[] = [];
    /** The SHA-256 of each station's logged result entry, by station. */
    const resultHash = new Map<string, string>();
    const size = () => t.running.sequencer?.treeSize ?? -1;
    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      t.running.app.inject({ method: 'POST', url, payload: payload as Json, headers });
    const get = (app: RunningLog['app'], url: string) => app.inject({ method: 'GET', url });

    const roster = (act: Json, key = PARTY_SEED, party = 'kk', at = '2022-08-09T18:00:00Z') =>
      sign({ type: 'roster', v: 1, election: electionId, party, at, act }, key);
    const enrolment = (agent: string, station: string, replaces = '') => ({
      kind: 'agent-enrolled',
      agent,
      station,
      publicKey: pub(agentSeed(agent)),
      replaces,
    });
    const attestation = (agent: string, station: string, over: Json = {}) =>
      sign(
        {
          type: 'attestation',
          v: 1,
          election: electionId,
          party: 'kk',
          agent,
          result: resultHash.get(station) as string,
          agentTime: '2022-08-09T18:05:00Z',
          ...over,
        },
        agentSeed(agent),
      );
    const dissent = (agent: string, station: string, over: Json = {}) =>
      sign(
        {
          type: 'dissent',
          v: 1,
          election: electionId,
          party: 'kk',
          agent,
          result: resultHash.get(station) as string,
          contest: 'president',
          station,
          votes: { alpha: 5, beta: 40, gamma: 30 },
          rejected: 1,
          totalValid: 75,
          form: toHex(sha256(CITED_PHOTO)),
          reason: 'our copy of the form says otherwise',
          agentTime: '2022-08-09T18:06:00Z',
          ...over,
        },
        agentSeed(agent),
      );

    /** The answer's error code, field and status, for refusals. */
    const refusal = (r: { statusCode: number; json(): unknown }) => {
      const e = (r.json() as { error: { code: string; field?: string } }).error;
      return { status: r.statusCode, code: e.code, field: e.field };
    };

    /** The form uploads' clock: moved on to expire uploads. */
    let formClock = Date.now();
    /** An agent's upload of a photo, signed (by default) with its key for `station`. */
    const upload = (
      data: Uint8Array,
      agent: string,
      station: string,
      over: { party?: string; key?: Uint8Array; url?: string; headers?: Json } = {},
    ) => {
      const hash = over.url ?? toHex(sha256(data));
      const message = formUploadMessage(electionId, station, hash);
      return t.running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${hash}`,
        payload: Buffer.from(data),
        headers: {
          'content-type': 'image/png',
          [FORM_PARTY_HEADER]: over.party ?? 'kk',
          [FORM_AGENT_HEADER]: agent,
          [FORM_SIGNATURE_HEADER]: toBase64(ed25519Sign(over.key ?? agentSeed(agent), message)),
          ...(over.headers as Record<string, string>),
        },
      });
    };

    before(async () => {
      t = await newTestLog(backend, {
        officials: true,
        stations: 12,
        server: { rateLimits: false },
        formUploads: { perDeviceForms: 2, now: () => new Date(formClock) },
      });
      electionId = t.definition.electionId;
      const officials = t.running.officials;
      assert.ok(officials);
      const made = await officials.createAccount(null, {
        account: 'chair',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      const login = await post('/api/v1/login', {
        account: 'chair',
        password: PASSWORD,
        totp: totp(made.totpSecret as string, Date.now()),
      });
      assert.equal(login.statusCode, 200, login.body);
      token = login.json().token;
      stations = t.definition.stations.slice(0, 6).map((s) => s.code);
      for (const station of stations.slice(0, 5)) {
        const r = await post('/api/v1/results', t.result(station));
        assert.equal(r.statusCode, 201, r.body);
        const entry = await get(t.running.app, `/api/v1/entries/${r.json().index}`);
        resultHash.set(station, toHex(sha256(fromBase64(entry.json().entry) as Uint8Array)));
      }
    });
    after(async () => t?.close());

    test('the commission enrols a party (a commission-admin session); refusals name the field', async () => {
      const body = { party: 'kk', name: 'Kenya Kwanza', publicKey: pub(PARTY_SEED) };
      const anonymous = await post('/api/v1/parties', body);
      assert.equal(anonymous.statusCode, 401, anonymous.body);
      const before = size();
      const made = await post('/api/v1/parties', body, { authorization: `Bearer ${token}` });
      assert.equal(made.statusCode, 201, made.body);
      assert.equal(made.json().index, before);
      const again = await post('/api/v1/parties', body, { authorization: `Bearer ${token}` });
      assert.equal(refusal(again).code, 'PARTY_EXISTS');
      const sameKey = await post(
        '/api/v1/parties',
        { ...body, party: 'kk2' },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(refusal(sameKey).code, 'PARTY_EXISTS');
      const weak = await post(
        '/api/v1/parties',
        { party: 'weak', name: 'Weak', publicKey: toBase64(new Uint8Array(32)) },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(refusal(weak).code, 'WEAK_PARTY_KEY');
      const nul = await post(
        '/api/v1/parties',
        { ...body, party: 'az', name: 'Azimio\u0000' },
        { authorization: `Bearer ${token}` },
      );
      assert.deepEqual(refusal(nul), { status: 400, code: 'INVALID_FIELD', field: 'name' });
      const extra = await post(
        '/api/v1/parties',
        { ...body, party: 'az', colour: 'orange' },
        { authorization: `Bearer ${token}` },
      );
      assert.deepEqual(refusal(extra), { status: 400, code: 'INVALID_FIELD', field: 'colour' });
      const other = await post(
        '/api/v1/parties',
        { party: 'az', name: 'Azimio', publicKey: pub(OTHER_PARTY_SEED) },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(other.statusCode, 201, other.body);
      assert.equal(size(), before + 2, 'two parties, nothing from the refusals');
      const parties = await get(t.running.app, '/api/v1/parties');
      assert.deepEqual(
        parties.json().parties.map((p: Json) => [p.party, p.name, p.agents]),
        [
          ['kk', 'Kenya Kwanza', 0],
          ['az', 'Azimio', 0],
        ],
      );
    });

    test('a party enrols its agents once; a forged, unknown or second enrolment is refused', async () => {
      const [a, b, c, d] = stations as [string, string, string, string];
      const start = size();
      const first = roster(enrolment('ag-a', a));
      const r1 = await post('/api/v1/roster', first);
      assert.equal(r1.statusCode, 201, r1.body);
      const retry = await post('/api/v1/roster', first);
      assert.equal(retry.statusCode, 200, retry.body);
      assert.equal(retry.json().index, r1.json().index);
      assert.equal(retry.json().duplicate, true);
      for (const [agent, station] of [
        ['ag-b', b],
        ['ag-c', c],
        ['ag-d', d],
      ] as const) {
        const r = await post('/api/v1/roster', roster(enrolment(agent, station)));
        assert.equal(r.statusCode, 201, r.body);
      }
      const logged = size();
      assert.equal(logged, start + 4);

      const refusals: Array<[string, unknown, { code: string; field?: string }]> = [
        [
          'the same agent again, another time',
          roster(enrolment('ag-a', a), PARTY_SEED, 'kk', '2022-08-09T18:01:00Z'),
          { code: 'AGENT_EXISTS', field: 'act.agent' },
        ],
        [
          'a taken key under a new id',
          roster({ ...enrolment('ag-x', a), publicKey: pub(agentSeed('ag-a')) }),
          { code: 'AGENT_EXISTS', field: 'act.publicKey' },
        ],
        [
          'signed by another party’s key',
          roster(enrolment('ag-y', a), OTHER_PARTY_SEED),
          { code: 'BAD_PARTY_SIGNATURE', field: 'sig' },
        ],
        [
          'an unknown party',
          roster(enrolment('ag-y', a), PARTY_SEED, 'nobody'),
          { code: 'UNKNOWN_PARTY', field: 'party' },
        ],
        [
          'an unknown station',
          roster(enrolment('ag-y', 'no-such-station')),
          { code: 'UNKNOWN_STATION', field: 'act.station' },
        ],
        [
          'a small-order key',
          roster({ ...enrolment('ag-y', a), publicKey: toBase64(new Uint8Array(32)) }),
          { code: 'WEAK_AGENT_KEY', field: 'act.publicKey' },
        ],
        [
          'another election',
          { ...roster(enrolment('ag-y', a)), election: 'other' },
          { code: 'WRONG_ELECTION', field: 'election' },
        ],
        [
          'an attestation on the roster endpoint',
          attestation('ag-a', a),
          { code: 'INVALID_FIELD', field: 'type' },
        ],
        [
          'a NUL in the agent id',
          roster(enrolment('ag\u0000y', a)),
          { code: 'INVALID_FIELD', field: 'act.agent' },
        ],
        [
          'a lone surrogate in the reason',
          // Unsignable as it stands: the signature of a sound revocation, the reason swapped after.
          (() => {
            const sound = roster({ kind: 'agent-revoked', agent: 'ag-a', reason: 'x' });
            return { ...sound, act: { ...sound.act, reason: 'x\ud800' } };
          })(),
          { code: 'INVALID_FIELD', field: 'act.reason' },
        ],
        [
          'a number for the party',
          { ...roster(enrolment('ag-y', a)), party: 7 },
          { code: 'INVALID_FIELD', field: 'party' },
        ],
      ];
      for (const [what, body, want] of refusals) {
        const r = await post('/api/v1/roster', body);
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${what}: ${r.statusCode} ${r.body}`);
        const got = refusal(r);
        assert.equal(got.code, want.code, `${what}: ${r.body}`);
        assert.equal(got.field, want.field, `${what}: ${r.body}`);
      }
      assert.equal(size(), logged, 'no refusal logged anything');
    });

    test('an agent co-signs its station’s result exactly once; a second word from the party is ALREADY_SIGNED', async () => {
      const [a, b] = stations as [string, string];
      const start = size();
      const word = attestation('ag-a', a);
      const first = await post('/api/v1/attestations', word);
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().index, start);
      const again = await post('/api/v1/attestations', word);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().index, start);
      const other = await post(
        '/api/v1/attestations',
        attestation('ag-a', a, { agentTime: '2022-08-09T18:09:00Z' }),
      );
      assert.deepEqual(refusal(other), { status: 409, code: 'ALREADY_SIGNED', field: 'party' });
      const turned = await post('/api/v1/dissents', dissent('ag-a', a));
      assert.equal(refusal(turned).code, 'ALREADY_SIGNED');
      const elsewhere = await post('/api/v1/attestations', attestation('ag-a', b));
      assert.equal(refusal(elsewhere).code, 'AGENT_NOT_AT_STATION');
      const forged = await post('/api/v1/attestations', {
        ...attestation('ag-b', b),
        sig: attestation('ag-a', b).sig,
      });
      assert.deepEqual(refusal(forged), {
        status: forged.statusCode,
        code: 'BAD_AGENT_SIGNATURE',
        field: 'sig',
      });
      const unknownResult = await post(
        '/api/v1/attestations',
        attestation('ag-b', b, { result: 'cd'.repeat(32) }),
      );
      assert.deepEqual(refusal(unknownResult).code, 'UNKNOWN_RESULT');
      const unknownAgent = await post('/api/v1/attestations', attestation('ag-zz', b));
      assert.equal(refusal(unknownAgent).code, 'UNKNOWN_AGENT');
      assert.equal(size(), start + 1, 'one attestation logged, once');
    });

    test('a dissent gives the agent’s figures; bad figures are refused field by field', async () => {
      const [, b] = stations as [string, string];
      const start = size();
      for (const [over, want] of [
        [{ votes: { alpha: 5, beta: 40 } }, { code: 'MISSING_CANDIDATE', field: 'votes.gamma' }],
        [
          { votes: { alpha: 5, beta: 40, gamma: 30, delta: 1 } },
          { code: 'UNKNOWN_CANDIDATE', field: 'votes.delta' },
        ],
        [
          { votes: { alpha: 1e300, beta: 40, gamma: 30 } },
          { code: 'INVALID_FIELD', field: 'votes.alpha' },
        ],
        [{ rejected: -1 }, { code: 'INVALID_FIELD', field: 'rejected' }],
        [{ totalValid: '75' }, { code: 'INVALID_FIELD', field: 'totalValid' }],
        [{ station: stations[2] }, { code: 'AGENT_NOT_AT_STATION', field: 'station' }],
        [{ contest: 'senator' }, { code: 'DISSENT_MISMATCH', field: 'contest' }],
        [{ reason: 'x'.repeat(501) }, { code: 'INVALID_FIELD', field: 'reason' }],
      ] as Array<[Json, { code: string; field: string }]>) {
        // Each change after signing (some values cannot be signed): the signature is checked last.
        const r = await post('/api/v1/dissents', { ...dissent('ag-b', b), ...over });
        const got = refusal(r);
        assert.deepEqual([got.code, got.field], [want.code, want.field], JSON.stringify(over));
      }
      assert.equal(size(), start);
      const r = await post('/api/v1/dissents', dissent('ag-b', b));
      assert.equal(r.statusCode, 201, r.body);
      const retry = await post('/api/v1/dissents', dissent('ag-b', b));
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.json().index, r.json().index);
    });

    test('a revoked agent’s words are refused; its replacement signs', async () => {
      const [, , c] = stations as [string, string, string];
      const revoke = roster({ kind: 'agent-revoked', agent: 'ag-c', reason: 'lost the phone' });
      const r = await post('/api/v1/roster', revoke);
      assert.equal(r.statusCode, 201, r.body);
      assert.equal((await post('/api/v1/roster', revoke)).statusCode, 200, 'the revocation again');
      const refused = await post('/api/v1/attestations', attestation('ag-c', c));
      assert.equal(refusal(refused).code, 'AGENT_REVOKED');
      const replaced = await post('/api/v1/roster', roster(enrolment('ag-c2', c)));
      assert.equal(replaced.statusCode, 201, replaced.body);
      const signed = await post('/api/v1/attestations', attestation('ag-c2', c));
      assert.equal(signed.statusCode, 201, signed.body);
    });

    test('an agent uploads the photo its dissent cites, within its own quota; refusals are precise and store nothing; the cited photo outlives the sweep', async () => {
      const [, b, c] = stations as [string, string, string];
      const cited = toHex(sha256(CITED_PHOTO));
      const stored = async (hash: string) =>
        (await get(t.running.app, `/api/v1/forms/${hash}`)).statusCode;
      const other = photo('a second look');
      const otherHash = toHex(sha256(other));
      for (const [r, want] of [
        [
          await upload(CITED_PHOTO, 'ag-b', b, { key: agentSeed('ag-a') }),
          ['BAD_SIGNATURE', 'kura-form-signature', 401],
        ],
        // Signed by its key, but for a station it is not enrolled at.
        [await upload(CITED_PHOTO, 'ag-b', c), ['BAD_SIGNATURE', 'kura-form-signature', 401]],
        [await upload(CITED_PHOTO, 'ag-b', b, { party: 'zz' }), ['UNKNOWN_PARTY', 'kura-party']],
        [await upload(CITED_PHOTO, 'ag-zz', b), ['UNKNOWN_AGENT', 'kura-agent']],
        [await upload(CITED_PHOTO, 'ag-c', c), ['AGENT_REVOKED', 'kura-agent']],
        [
          await upload(CITED_PHOTO, 'ag-b', b, { headers: { [FORM_SIGNATURE_HEADER]: '' } }),
          ['FORM_NOT_SIGNED', 'kura-form-signature'],
        ],
        [
          await upload(CITED_PHOTO, 'ag-b', b, { headers: { [FORM_PARTY_HEADER]: '' } }),
          ['FORM_NOT_SIGNED', 'kura-party'],
        ],
        // Signed for the URL's hash, but the bytes are another photo's.
        [
          await upload(CITED_PHOTO, 'ag-b', b, { url: otherHash }),
          ['FORM_HASH_MISMATCH', 'sha256'],
        ],
      ] as Array<[Awaited<ReturnType<typeof upload>>, [string, string, number?]]>) {
        const got = refusal(r);
        assert.deepEqual([got.code, got.field], want.slice(0, 2), r.body);
        if (want[2]) assert.equal(got.status, want[2]);
      }
      assert.equal(await stored(cited), 404, 'no refusal stored the photo');
      assert.equal(await stored(otherHash), 404);

      const made = await upload(CITED_PHOTO, 'ag-b', b);
      assert.equal(made.statusCode, 201, made.body);
      assert.equal(made.json().stored, 'new');
      const served = await get(t.running.app, `/api/v1/forms/${cited}`);
      assert.equal(served.statusCode, 200);
      assert.equal(served.headers['content-type'], 'image/png');
      assert.deepEqual(new Uint8Array(served.rawPayload), CITED_PHOTO);
      assert.equal((await upload(CITED_PHOTO, 'ag-b', b)).statusCode, 200, 'the same photo again');

      // The quota (two here) is the agent's own: its third photo is refused, another agent's is not.
      assert.equal((await upload(other, 'ag-b', b)).statusCode, 201);
      const third = await upload(photo('a third'), 'ag-b', b);
      assert.deepEqual(
        [refusal(third).code, refusal(third).field],
        ['FORM_QUOTA_EXCEEDED', 'kura-agent'],
      );
      const uncitedHash = toHex(sha256(photo('from the replacement')));
      assert.equal((await upload(photo('from the replacement'), 'ag-c2', c)).statusCode, 201);

      // Past the expiry, the photo a dissent cites stays; the uncited ones go.
      const uploads = t.running.app.formUploads;
      assert.ok(uploads);
      formClock += 49 * HOUR;
      const swept = await uploads.sweep();
      assert.deepEqual(swept.expired.map((f) => f.sha256).sort(), [otherHash, uncitedHash].sort());
      assert.equal(await stored(cited), 200, 'the cited photo is kept');
      assert.equal(await stored(otherHash), 404);
      assert.equal(await stored(uncitedHash), 404);
    });

    test('parallel bursts: the same word twenty times is logged once; different words from one party, one wins', async () => {
      const [, , , d, e] = stations as [string, string, string, string, string];
      const start = size();
      const word = attestation('ag-d', d);
      const same = await Promise.all(
        Array.from({ length: 20 }, () => post('/api/v1/attestations', word)),
      );
      const indexes = new Set(same.map((r) => r.json().index));
      assert.deepEqual([...indexes], [start], same.map((r) => r.body).join('\n'));
      assert.equal(same.filter((r) => r.statusCode === 201).length, 1);
      assert.ok(same.every((r) => r.statusCode === 201 || r.statusCode === 200));
      // Agent ag-e (same party, station e) races its own attestation against a dissent.
      assert.equal((await post('/api/v1/roster', roster(enrolment('ag-e', e)))).statusCode, 201);
      const mid = size();
      const words = [
        ...Array.from({ length: 5 }, (_, i) =>
          attestation('ag-e', e, { agentTime: `2022-08-09T18:1${i}:00Z` }),
        ),
        ...Array.from({ length: 5 }, (_, i) =>
          dissent('ag-e', e, { agentTime: `2022-08-09T18:2${i}:00Z` }),
        ),
      ];
      const raced = await Promise.all(
        words.map((w) =>
          post(w.type === 'dissent' ? '/api/v1/dissents' : '/api/v1/attestations', w),
        ),
      );
      assert.equal(
        raced.filter((r) => r.statusCode === 201).length,
        1,
        raced.map((r) => r.body).join('\n'),
      );
      for (const r of raced.filter((x) => x.statusCode !== 201))
        assert.deepEqual(refusal(r).code, 'ALREADY_SIGNED', r.body);
      assert.equal(size(), mid + 1);
      // e's word was one of the two: put it back to an attestation-free state for the tally test.
      const won = raced.find((r) => r.statusCode === 201);
      assert.ok(won);
    });

    test('the party’s parallel tally beside the official one, the station’s words and the tallies’ counts', async () => {
      const [a, b, c, d, e] = stations as [string, string, string, string, string];
      const fold = t.running.sequencer?.fold;
      assert.ok(fold);
      const eWord = fold.agents.wordsOn('president', e);
      const eDissented = (eWord?.dissents.size ?? 0) > 0;
      const r = await get(t.running.app, '/api/v1/parties/kk/tally/president/nation');
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json();
      assert.equal(body.party, 'kk');
      assert.equal(body.unit, '');
      assert.deepEqual(body.official, JSON.parse(JSON.stringify(fold.tally('president', ''))));
      const tally = body.tally;
      assert.equal(tally.stationsAttested, eDissented ? 3 : 4, JSON.stringify(tally));
      assert.equal(tally.stationsDissented, eDissented ? 2 : 1);
      // The device's figures at the co-signed stations, the agent's at the disputed ones.
      const official = (s: string) => fold.result('president', s);
      const attested = [a, c, d, ...(eDissented ? [] : [e])];
      const dissented = [b, ...(eDissented ? [e] : [])];
      const sum = (cand: string) =>
        attested.reduce((n, s) => n + (official(s)?.votes[cand] ?? 0), 0) +
        dissented.length *
          (({ alpha: 5, beta: 40, gamma: 30 } as Record<string, number>)[cand] ?? 0);
      assert.deepEqual(
        { ...tally.votes },
        { alpha: sum('alpha'), beta: sum('beta'), gamma: sum('gamma') },
      );
      assert.deepEqual(
        tally.differing.map((x: { station: string }) => x.station).sort(),
        [...dissented].sort(),
      );
      const diff = tally.differing.find((x: { station: string }) => x.station === b);
      assert.deepEqual({ ...diff.party.votes }, { alpha: 5, beta: 40, gamma: 30 });
      assert.deepEqual({ ...diff.official.votes }, { ...official(b)?.votes });

      const page = (await get(t.running.app, `/api/v1/stations/${b}`)).json();
      const words = page.words.president as Array<Json>;
      assert.equal(words.length, 1);
      assert.equal(words[0]?.party, 'kk');
      assert.equal(words[0]?.agent, 'ag-b');
      const quiet = (await get(t.running.app, `/api/v1/stations/${stations[5]}`)).json();
      assert.equal(quiet.words, undefined, 'a station without words has none on its page');

      const nation = (await get(t.running.app, '/api/v1/tally/president')).json().tally;
      assert.equal(nation.cosigned, attested.length);
      assert.equal(nation.disputed, dissented.length);

      const agents = (await get(t.running.app, `/api/v1/parties/kk/agents?station=${c}`)).json();
      assert.deepEqual(
        agents.agents.map((x: Json) => [x.agent, x.revokedAt === null]),
        [
          ['ag-c', false],
          ['ag-c2', true],
        ],
      );
      const parties = (await get(t.running.app, '/api/v1/parties')).json().parties;
      assert.deepEqual(
        parties.map((p: Json) => [p.party, p.agents, p.agentsRevoked]),
        [
          ['kk', 5, 1],
          ['az', 0, 0],
        ],
      );
      for (const [url, code, field] of [
        ['/api/v1/parties/nobody/tally/president/nation', 'NOT_FOUND', 'party'],
        ['/api/v1/parties/kk/tally/senator/nation', 'UNKNOWN_CONTEST', 'contest'],
        ['/api/v1/parties/kk/tally/president/no-such-unit', 'NOT_FOUND', 'unit'],
        ['/api/v1/parties/nobody/agents', 'NOT_FOUND', 'party'],
        ['/api/v1/parties/kk/agents?station=nowhere', 'BAD_QUERY', 'station'],
      ] as const) {
        const got = refusal(await get(t.running.app, url));
        assert.deepEqual([got.code, got.field], [code, field], url);
      }
    });

    test('a reader serves the writer’s answers, and refuses writes', async () => {
      let readerStore: Store | null = null;
      readerStore = t.databaseUrl ? await openStore({ url: t.databaseUrl }) : null;
      const reader = await startLog({ store: readerStore ?? t.store, signer: null });
      try {
        const urls = [
          '/api/v1/parties',
          '/api/v1/parties/kk/agents',
          `/api/v1/parties/kk/agents?station=${stations[2]}`,
          '/api/v1/parties/kk/tally/president/nation',
          '/api/v1/parties/az/tally/president/nation',
          `/api/v1/stations/${stations[1]}`,
          `/api/v1/stations/${stations[0]}`,
          '/api/v1/tally/president',
        ];
        // The reader follows the checkpoint: wait until it serves the writer's.
        const writerCheckpoint = (await get(t.running.app, '/log/checkpoint')).body;
        for (let i = 0; (await get(reader.app, '/log/checkpoint')).body !== writerCheckpoint; i++) {
          assert.ok(i < 500, 'the reader did not catch up');
          await new Promise((r) => setTimeout(r, 10));
        }
        for (const url of urls) {
          const w = await get(t.running.app, url);
          const r = await get(reader.app, url);
          assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
          assert.deepEqual(r.json(), w.json(), url);
        }
        const write = await reader.app.inject({
          method: 'POST',
          url: '/api/v1/attestations',
          payload: attestation('ag-a', stations[0] as string),
        });
        assert.equal(refusal(write).code, 'READ_ONLY');
      } finally {
        await reader.close();
        await readerStore?.close();
      }
    });

    test('the stored log replays to the same parties, agents and words, without an anomaly', async () => {
      const fold = t.running.sequencer?.fold;
      assert.ok(fold);
      const replayed = await replayStoredLog(t.store, t.running.election.index);
      assert.equal(replayed.fold.anomalies.length, 0, JSON.stringify(replayed.fold.anomalies));
      const agents = (f: typeof fold) =>
        [...f.agents.allAgents()].map((a) => [a.party, a.agent, a.station, a.revokedAt]);
      assert.deepEqual(agents(replayed.fold), agents(fold));
      const words = (f: typeof fold) =>
        JSON.stringify(
          [...f.agents.allWords()].map((w) => [
            w.station,
            [...w.attestations.values()],
            [...w.dissents.values()],
          ]),
        );
      assert.equal(words(replayed.fold), words(fold));
      assert.deepEqual(
        JSON.parse(JSON.stringify(replayed.fold.tally('president', ''))),
        JSON.parse(JSON.stringify(fold.tally('president', ''))),
      );
    });
  });
}

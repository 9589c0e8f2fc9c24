// `kura agent` end to end against a real server on a port: a party's key
// made with `kura agent keygen` and enrolled by the commission, its agents
// enrolled and revoked with the party key, an attestation (from the server's
// record and from the device's QR text) and a dissent signed with the agents'
// keys, each receipt checked against the pinned log key; refusals say why on
// one line and exit 2; the party's parallel tally printed beside the official.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canonicalBytes } from '../../src/election/canonical.js';
import { resultQrText } from '../../src/election/result-qr.js';
import { fromBase64, toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { kuraIn } from '../helpers/kura-cli.js';
import { newTestLog, type TestLog, testElection } from '../helpers/test-log.js';

describe('kura agent against a server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-agent-cli-'));
  let t: TestLog;
  let url = '';
  let stations: string[] = [];
  const agent = (...args: string[]) => kuraIn(dir, 'agent', ...args);
  const common = () => ['--server', url, '--election', 'el'];

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 8 });
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    // The election directory the CLI pins the log key from (as `kura election` writes it).
    mkdirSync(join(dir, 'el'));
    writeFileSync(join(dir, 'el/definition.json'), canonicalBytes(t.definition));
    writeFileSync(join(dir, 'el/entry0.json'), testElection().genesis.entryBytes);
    stations = t.definition.stations.slice(0, 3).map((s) => s.code);
    for (const s of stations) {
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(s),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('keygen, enrol, attest (record and QR), dissent, revoke, tally; refusals exit 2', async () => {
    const [s1, s2, s3] = stations as [string, string, string];
    const party = await agent('keygen', '--out', 'party.key');
    assert.equal(party.code, 0, party.stderr);
    const partyKey = party.stdout.trim();
    assert.equal(fromBase64(partyKey)?.length, 32);
    assert.equal(JSON.parse(readFileSync(join(dir, 'party.key'), 'utf8')).publicKey, partyKey);
    // The commission enrols the party (here from the server's console).
    const officials = t.running.officials;
    assert.ok(officials);
    const act = {
      kind: 'party-enrolled',
      party: 'kk',
      name: 'Kenya Kwanza',
      publicKey: partyKey,
    } as const;
    officials.precheck(null, act);
    await officials.act(null, act);

    for (const a of ['a1', 'a2', 'a3'])
      assert.equal((await agent('keygen', '--out', `${a}.key`)).code, 0);
    const enrol = (a: string, station: string) =>
      agent(
        'enrol',
        ...common(),
        '--party',
        'kk',
        '--party-key',
        'party.key',
        '--agent',
        a,
        '--station',
        station,
        '--agent-key',
        `${a}.key`,
      );
    const e1 = await enrol('a1', s1);
    assert.equal(e1.code, 0, e1.stderr);
    assert.match(e1.stdout, /agent a1 at station .*: logged as entry \d+; receipt verified/);
    assert.equal((await enrol('a2', s2)).code, 0);
    assert.equal((await enrol('a3', s3)).code, 0);
    const twice = await agent(
      'enrol',
      ...common(),
      '--party',
      'kk',
      '--party-key',
      'a1.key',
      '--agent',
      'a9',
      '--station',
      s1,
      '--agent-key',
      'a3.key',
    );
    assert.equal(twice.code, 2, twice.stdout);
    assert.match(twice.stderr, /^refused: HTTP 401 BAD_PARTY_SIGNATURE: .* \(field sig\)\n$/);

    const attest = (a: string, ...how: string[]) =>
      agent(
        'attest',
        ...common(),
        '--party',
        'kk',
        '--agent',
        a,
        '--agent-key',
        `${a}.key`,
        '--agent-time',
        '2022-08-09T18:00:00Z',
        ...how,
      );
    const at1 = await attest('a1', '--contest', 'president', '--station', s1);
    assert.equal(at1.code, 0, at1.stderr);
    assert.match(
      at1.stdout,
      /the device's president result at station .*: alpha 10, beta 20, gamma 30/,
    );
    assert.match(at1.stdout, /attestation logged as entry (\d+)/);
    const index = /attestation logged as entry (\d+)/.exec(at1.stdout)?.[1];
    const again = await attest('a1', '--contest', 'president', '--station', s1);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`attestation already logged as entry ${index}`));
    const wrong = await attest('a1', '--contest', 'president', '--station', s2);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /AGENT_NOT_AT_STATION/);

    // The device's QR text carries the result entry's bytes: the agent signs what it scanned.
    const logged = t.running.sequencer?.fold.result('president', s3);
    assert.ok(logged);
    const entry = await t.store.getEntry(logged.entryIndex);
    assert.ok(entry);
    const qr = resultQrText(JSON.parse(new TextDecoder().decode(entry.data)));
    const at3 = await attest('a3', '--qr', qr);
    assert.equal(at3.code, 0, at3.stderr);
    const badQr = await attest('a3', '--qr', 'kura-result:!!');
    assert.equal(badQr.code, 64);
    assert.match(badQr.stderr, /^kura agent: --qr: /);

    // A JPEG by its first bytes: uploaded (signed with the agent key) before the dissent that cites it.
    const copy = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('the agent’s photo of its copy of Form 34A'),
    ]);
    writeFileSync(join(dir, 'copy.jpg'), copy);
    writeFileSync(join(dir, 'notes.txt'), 'not a photo');
    const dissentArgs = (form: string) => [
      ...common(),
      '--party',
      'kk',
      '--agent',
      'a2',
      '--agent-key',
      'a2.key',
      '--contest',
      'president',
      '--station',
      s2,
      '--votes',
      'alpha=9,beta=20,gamma=30',
      '--rejected',
      '2',
      '--form',
      form,
      '--reason',
      'alpha had 9',
    ];
    const notPhoto = await agent('dissent', ...dissentArgs('notes.txt'));
    assert.equal(notPhoto.code, 64, notPhoto.stderr);
    assert.match(notPhoto.stderr, /notes\.txt is not a JPEG, PNG or PDF/);
    const d2 = await agent('dissent', ...dissentArgs('copy.jpg'));
    assert.equal(d2.code, 0, d2.stderr);
    const copyHash = toHex(sha256(new Uint8Array(copy)));
    assert.match(
      d2.stdout,
      new RegExp(`photo ${copyHash} uploaded \\(${copy.length} bytes, image/jpeg\\)`),
    );
    const served = await fetch(`${url}/api/v1/forms/${copyHash}`);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), copy);
    assert.match(d2.stdout, /dissent logged as entry \d+/);

    const revoke = await agent(
      'revoke',
      ...common(),
      '--party',
      'kk',
      '--party-key',
      'party.key',
      '--agent',
      'a3',
      '--reason',
      'phone lost',
    );
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /revocation of agent a3: logged/);

    const tally = await agent('tally', '--server', url, '--party', 'kk', '--contest', 'president');
    assert.equal(tally.code, 0, tally.stderr);
    assert.match(
      tally.stdout,
      /official: alpha 30, beta 60, gamma 90; rejected 6; total valid 180 \(3 stations reported\)/,
    );
    assert.match(tally.stdout, /kk: +alpha 29, beta 60, gamma 90; rejected 6; total valid 179/);
    assert.match(tally.stdout, /stations co-signed 2, disputed 1, without an agent's word 0/);
    assert.match(
      tally.stdout,
      new RegExp(`stations where they differ: 1\\n +${s2}: official alpha 10`),
    );
    const none = await agent(
      'tally',
      '--server',
      url,
      '--party',
      'nobody',
      '--contest',
      'president',
    );
    assert.equal(none.code, 2);
    assert.match(none.stderr, /NOT_FOUND/);
  });

  test('usage errors are one line and exit 64', async () => {
    for (const [args, message] of [
      [[], /say keygen, enrol, revoke, attest, dissent or tally/],
      [['frob'], /unknown action "frob"/],
      [['keygen'], /--out is required/],
      [
        [
          'attest',
          '--server',
          'http://127.0.0.1:1',
          '--election',
          'el',
          '--party',
          'kk',
          '--agent',
          'a1',
          '--agent-key',
          'nope.key',
        ],
        /--agent-key: nope.key is not a key file/,
      ],
      [['dissent', '--votes', 'alpha=x'], /--votes must be a whole number/],
    ] as const) {
      const r = await agent(...args);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});

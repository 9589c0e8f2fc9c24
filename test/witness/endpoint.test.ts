// The witness's add-checkpoint endpoint (c2sp.org/tlog-witness): every bad
// input gets its status code and body and changes nothing; good ones are
// cosigned; the state survives a restart; concurrent requests are serialised.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { formatAddCheckpoint } from '../../src/log/add-checkpoint.js';
import { toBase64, utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import {
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignatureVerifierKey,
  cosigner,
} from '../../src/log/cosignature.js';
import { MerkleTree } from '../../src/log/merkle.js';
import {
  ed25519Signer,
  generateKey,
  type NoteSigner,
  openNote,
  parseVerifierKey,
  signNote,
} from '../../src/log/note.js';
import { buildWitnessServer } from '../../src/witness/http.js';
import { WitnessStateDir } from '../../src/witness/state-dir.js';
import { Witness } from '../../src/witness/witness.js';

const ORIGIN = 'example.com/log';
const seed = (s: string) => utf8(s.padEnd(32, '.')).slice(0, 32);
const logKey = generateKey(ORIGIN, seed('log'));
const logSigner = ed25519Signer(ORIGIN, seed('log'));
const logVerifier = (() => {
  const v = parseVerifierKey(logKey.verifierKey);
  if (!v.ok) throw v.error;
  return v.value;
})();
const WITNESS = 'witness.example/w1';
const witnessSigner = cosigner(WITNESS, seed('witness'), () => Math.floor(Date.now() / 1000));
const witnessVerifier = cosignatureVerifier(WITNESS, witnessSigner.publicKey);

/** A tree of `n` entries; `tag` makes a different history. */
function tree(n: number, tag = 'a'): MerkleTree {
  const t = new MerkleTree();
  for (let i = 0; i < n; i++) t.appendEntry(utf8(`${tag}-${i}`));
  return t;
}

function note(t: MerkleTree, size: number, signers: NoteSigner[] = [logSigner], origin = ORIGIN) {
  return signNote(
    formatCheckpoint({ origin, size, rootHash: t.root(size), extensions: [] }),
    signers,
  );
}

function body(old: number, proof: Uint8Array[], n: string): string {
  return formatAddCheckpoint({ oldSize: old, proof, note: n });
}

describe('witness add-checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-witness-'));
  let state: WitnessStateDir;
  let app: FastifyInstance;
  const logged: string[] = [];
  const a = tree(40);

  const start = async () => {
    state = await WitnessStateDir.open(dir);
    const witness = new Witness(
      witnessSigner,
      [{ origin: ORIGIN, verifiers: [logVerifier] }],
      state,
      (m) => logged.push(m),
    );
    app = await buildWitnessServer(witness, {
      verifierKey: cosignatureVerifierKey(WITNESS, witnessSigner.publicKey),
    });
  };
  const stop = async () => {
    await app.close();
    state.close();
  };
  const post = (payload: string | Buffer, contentType = 'text/plain') =>
    app.inject({
      method: 'POST',
      url: '/add-checkpoint',
      payload,
      headers: { 'content-type': contentType },
    });
  const stored = () => state.latest(ORIGIN);

  before(start);
  after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a first checkpoint (old 0) is cosigned with a timestamped cosignature/v1 line', async () => {
    const n5 = note(a, 5);
    const before = Math.floor(Date.now() / 1000);
    const r = await post(body(0, [], n5));
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /^\u2014 witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/);
    const text = n5.slice(0, n5.indexOf('\n\n') + 1);
    const opened = openNote(`${text}\n${r.body}`, [witnessVerifier]);
    assert.ok(opened.ok, 'the cosignature verifies over the checkpoint text');
    const t = cosignatureTimestamp(opened.value.verified[0] as { signature: Uint8Array });
    assert.ok(t !== undefined && t >= before && t <= Math.floor(Date.now() / 1000) + 1);
    assert.equal(await stored(), n5, 'the note is the state, byte for byte');
  });

  test('old size not the one cosigned: 409, text/x.tlog.size, the witness size', async () => {
    for (const old of [0, 3, 9]) {
      const r = await post(body(old, old ? a.consistencyProof(old, 20) : [], note(a, 20)));
      assert.equal(r.statusCode, 409, `old ${old}: ${r.body}`);
      assert.equal(r.headers['content-type'], 'text/x.tlog.size');
      assert.equal(r.body, '5\n');
    }
    assert.equal(await stored(), note(a, 5));
  });

  test('a consistent extension is cosigned; the same checkpoint again too', async () => {
    const r = await post(body(5, a.consistencyProof(5, 20), note(a, 20)));
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await stored(), note(a, 20));
    const again = await post(body(20, [], note(a, 20)));
    assert.equal(again.statusCode, 200, again.body);
  });

  test('a proof that does not verify: 422, kept as evidence, state unchanged', async () => {
    const proof = a.consistencyProof(20, 30);
    const bad = proof.map((h, i) => (i === 0 ? h.map((b, j) => (j === 0 ? b ^ 1 : b)) : h));
    const r = await post(body(20, bad, note(a, 30)));
    assert.equal(r.statusCode, 422, r.body);
    assert.match(r.body, /not consistent with the checkpoint of size 20/);
    // A forked history: same origin and key, other entries.
    const b = tree(30, 'b');
    const fork = await post(body(20, b.consistencyProof(20, 30), note(b, 30)));
    assert.equal(fork.statusCode, 422, fork.body);
    // The same size with another root: 409 with the witness's size.
    const same = await post(body(20, [], note(b, 20)));
    assert.equal(same.statusCode, 409, same.body);
    assert.equal(same.body, '20\n');
    // An empty proof where one is needed, and one where none is.
    assert.equal((await post(body(20, [], note(a, 30)))).statusCode, 422);
    assert.equal((await post(body(20, a.consistencyProof(5, 20), note(a, 20)))).statusCode, 422);
    assert.equal(await stored(), note(a, 20));
    const evidence = readdirSync(join(dir, 'evidence'));
    assert.equal(evidence.length, 5, evidence.join());
    const kept = evidence.map((f) => readFileSync(join(dir, 'evidence', f), 'utf8')).join('\n');
    assert.ok(kept.includes(note(b, 30)), 'the forked checkpoint is kept');
    assert.ok(logged.some((m) => m.includes('refused a checkpoint signed by log')));
  });

  test('malformed requests: 400, naming what is wrong', async () => {
    const good = note(a, 30);
    const proof = a.consistencyProof(20, 30).map((h) => `${toBase64(h)}\n`);
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['empty body', '', /no "old <size>" line/],
      ['no old line', `20\n\n${good}`, /first line must be "old <size>"/],
      ['leading zero', `old 020\n${proof.join('')}\n${good}`, /canonical decimal/],
      ['negative', `old -1\n\n${good}`, /canonical decimal/],
      ['no blank line', `old 20\n${proof.join('')}`, /no empty line/],
      ['bad proof line', `old 20\nnot-base64\n\n${good}`, /proof line 1 is not a base64/],
      ['short hash', `old 20\n${toBase64(new Uint8Array(31))}\n\n${good}`, /proof line 1/],
      [
        '64 proof lines',
        `old 20\n${`${toBase64(new Uint8Array(32))}\n`.repeat(64)}\n${good}`,
        /more than 63/,
      ],
      ['no checkpoint', 'old 20\n\n', /no checkpoint/],
      ['not UTF-8', Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0xff]), /UTF-8/],
      ['note without signatures', `old 20\n\n${good.slice(0, good.indexOf('\n\n') + 1)}`, /note/],
      [
        'signed text that is not a checkpoint',
        body(20, [], signNote('example.com/log\nten\nxyz\n', [logSigner])),
        /malformed checkpoint: /,
      ],
      ['old above the size', body(31, [], good), /old size 31 is above the checkpoint's size 30/],
      ['a proof with old 0', body(0, a.consistencyProof(5, 30), good), /old size 0/],
    ];
    for (const [what, payload, why] of cases) {
      const r = await post(payload);
      assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
      assert.match(r.body, why, what);
    }
    assert.equal(await stored(), note(a, 20));
  });

  test('unknown origin: 404; no valid signature by the log key: 403', async () => {
    const other = generateKey('example.com/other', seed('other'));
    const otherSigner = ed25519Signer('example.com/other', seed('other'));
    assert.ok(other.verifierKey);
    const unknown = await post(body(0, [], note(a, 30, [otherSigner], 'example.com/other')));
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.match(unknown.body, /unknown log origin "example.com\/other"/);
    // The known origin, signed by another key: ignored, so no signature verifies.
    const impostor = await post(body(20, [], note(a, 30, [otherSigner])));
    assert.equal(impostor.statusCode, 403, impostor.body);
    // Signed by a key with the log's name but another key: not the log's key ID.
    const sameName = ed25519Signer(ORIGIN, seed('impostor'));
    assert.equal((await post(body(20, [], note(a, 30, [sameName])))).statusCode, 403);
    // The log's own signature, altered.
    const good = note(a, 30);
    const sigAt = good.lastIndexOf(' ') + 1;
    const flipped = `${good.slice(0, sigAt + 10)}${good[sigAt + 10] === 'A' ? 'B' : 'A'}${good.slice(sigAt + 11)}`;
    const forged = await post(body(20, a.consistencyProof(20, 30), flipped));
    assert.equal(forged.statusCode, 403, forged.body);
    assert.match(forged.body, /invalid signature by the log's key/);
    assert.equal(await stored(), note(a, 20));
  });

  test('other signatures on the checkpoint are ignored; any content type is read', async () => {
    const stranger = ed25519Signer('someone.else', seed('stranger'));
    const r = await post(
      body(20, a.consistencyProof(20, 30), note(a, 30, [stranger, logSigner])),
      'application/octet-stream',
    );
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await stored(), note(a, 30, [stranger, logSigner]));
  });

  test('concurrent requests for one log are serialised: no rollback', async () => {
    const requests = [35, 32, 38, 31].map((n) => body(30, a.consistencyProof(30, n), note(a, n)));
    const answers = await Promise.all(requests.map((p) => post(p)));
    const statuses = answers.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409]);
    const winner = [35, 32, 38, 31][answers.findIndex((r) => r.statusCode === 200)] as number;
    for (const r of answers) if (r.statusCode === 409) assert.equal(r.body, `${winner}\n`);
    assert.equal(await stored(), note(a, winner));
    // Bring it to 38 for what follows.
    if (winner !== 38)
      assert.equal(
        (await post(body(winner, a.consistencyProof(winner, 38), note(a, 38)))).statusCode,
        200,
      );
  });

  test('a restarted witness keeps its state; a second process cannot open it', async () => {
    await assert.rejects(WitnessStateDir.open(dir), /in use/);
    await stop();
    await start();
    const r = await post(body(0, [], note(a, 40)));
    assert.equal(r.statusCode, 409);
    assert.equal(r.body, '38\n');
    // It still refuses a fork of what it cosigned before the restart.
    const b = tree(40, 'b');
    assert.equal((await post(body(38, b.consistencyProof(38, 40), note(b, 40)))).statusCode, 422);
    assert.equal((await post(body(38, a.consistencyProof(38, 40), note(a, 40)))).statusCode, 200);
  });

  test('GET / names the witness and its key', async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 200);
    assert.ok(r.body.includes(cosignatureVerifierKey(WITNESS, witnessSigner.publicKey)));
    assert.ok(r.body.includes(ORIGIN));
    const wrong = await app.inject({ method: 'GET', url: '/add-checkpoint' });
    assert.equal(wrong.statusCode, 404);
  });
});

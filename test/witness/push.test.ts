// The server's witness push: a witness that is down never holds up sequencing
// or receipts; it is retried with backoff and caught up when it comes back;
// a cosignature that does not verify is never served.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { cosignatureVerifierKey, cosigner } from '../../src/log/cosignature.js';
import { parseNote } from '../../src/log/note.js';
import { parseWitnessTarget } from '../../src/server/witness-push.js';
import { eventually, ORIGIN, startWitness, startWitnessedLog } from './witnessed-log.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function signers(note: string): string[] {
  const p = parseNote(note);
  return p.ok ? p.value.signatures.map((s) => s.name) : [];
}

describe('witness push', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test('a witness that is down holds nothing up, and is caught up when it comes back', async () => {
    const up = await startWitness('up');
    cleanup.push(() => up.stop());
    const port = await freePort();
    // A witness whose key we know, not running: stopped at once.
    const down = await startWitness('late');
    await down.stop();
    const downUrl = `http://127.0.0.1:${port}`;
    const log = await startWitnessedLog([up.target, { url: downUrl, vkey: down.vkey }]);
    cleanup.push(() => log.close());
    // Readers learn the witnesses' keys (to check the cosignatures they are shown).
    const keys = await log.running.app.inject({ method: 'GET', url: '/log/witnesses' });
    assert.equal(keys.statusCode, 200);
    assert.equal(keys.body, `${up.vkey}\n${down.vkey}\n`);
    const codes = log.definition.stations.map((s) => s.code);
    // Receipts come back while one witness is down (no wall-clock bound: a loaded machine is slow anyway).
    await log.submit(codes.slice(0, 4));
    const note = await eventually('the live witness cosigning size 5', async () => {
      const n = await log.checkpoint();
      return n.startsWith(`${ORIGIN}\n5\n`) && signers(n).includes('up') ? n : undefined;
    });
    assert.deepEqual(signers(note), [ORIGIN, ORIGIN, 'up']);
    assert.ok(
      log.logged.some((m) => /witness push: witness late \(.*\): .*retrying in \d+ s/.test(m)),
      log.logged.join('\n'),
    );
    // It comes back (same key, same state directory, on the configured port).
    const back = await startWitness('late', down.stateDir, port);
    cleanup.push(() => back.stop());
    const caught = await eventually(
      'the returning witness cosigning',
      async () => {
        const n = await log.checkpoint();
        return signers(n).includes('late') ? n : undefined;
      },
      15_000,
    );
    assert.deepEqual(signers(caught), [ORIGIN, ORIGIN, 'up', 'late']);
    await log.submit(codes.slice(4, 6));
    await eventually('both witnesses at size 7', async () => {
      const n = await log.checkpoint();
      return n.startsWith(`${ORIGIN}\n7\n`) && signers(n).length === 4 ? n : undefined;
    });
  });

  test('a server without witnesses serves an empty witness key list', async () => {
    const log = await startWitnessedLog([]);
    cleanup.push(() => log.close());
    const keys = await log.running.app.inject({ method: 'GET', url: '/log/witnesses' });
    assert.equal(keys.statusCode, 200);
    assert.equal(keys.body, '');
    assert.match(String(keys.headers['content-type']), /^text\/plain/);
  });

  test('a witness answering with a bad or foreign cosignature is not served', async () => {
    const liar = Fastify();
    const other = cosigner('liar', new Uint8Array(32).fill(9), () => 1);
    const liarKey = cosignatureVerifierKey('liar', other.publicKey);
    const impostor = cosigner('liar', new Uint8Array(32).fill(8), () => 1);
    let calls = 0;
    liar.post('/add-checkpoint', async (req, reply) => {
      calls++;
      const body = String(req.body);
      const text = body.slice(body.indexOf('\n\n') + 2, body.lastIndexOf('\n\n') + 1);
      // Signed with another key under the same name.
      const sig = impostor.sign(new TextEncoder().encode(text));
      const raw = Buffer.concat([Buffer.alloc(4), Buffer.from(sig)]);
      raw.writeUInt32BE(impostor.keyId);
      return reply.type('text/plain').send(`\u2014 liar ${raw.toString('base64')}\n`);
    });
    const url = await liar.listen({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => liar.close());
    const log = await startWitnessedLog([{ url, vkey: liarKey }]);
    cleanup.push(() => log.close());
    await log.submit([log.definition.stations[0]?.code as string]);
    await eventually('the push to be refused', async () =>
      log.logged.find((m) => m.includes('200 without a valid cosignature')),
    );
    assert.ok(calls >= 1);
    assert.deepEqual(signers(await log.checkpoint()), [ORIGIN, ORIGIN]);
  });

  test('--witness URL=VKEY is checked', () => {
    const vkey = cosignatureVerifierKey('w', new Uint8Array(32).fill(1));
    assert.deepEqual(parseWitnessTarget(`http://127.0.0.1:9/=${vkey}`), {
      url: 'http://127.0.0.1:9/',
      vkey,
    });
    assert.throws(() => parseWitnessTarget('http://x'), /want URL=VKEY/);
    assert.throws(() => parseWitnessTarget(`ftp://x=${vkey}`), /http or https/);
    assert.throws(() => parseWitnessTarget(`nothing=${vkey}`), /not a URL/);
    const plain = 'w+00000000+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE';
    assert.throws(() => parseWitnessTarget(`http://x=${plain}`), /not a cosignature\/v1/);
  });
});

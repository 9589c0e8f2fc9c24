// The `kura witness` command: prints its cosignature/v1 key, serves
// add-checkpoint on the address it prints, and keeps its state in --state.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatAddCheckpoint } from '../../src/log/add-checkpoint.js';
import { utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { parseCosignatureVerifierKey } from '../../src/log/cosignature.js';
import { MerkleTree } from '../../src/log/merkle.js';
import { generateKey, openNote, parseSignerKey, signNote } from '../../src/log/note.js';
import { KURA_ARGS, kura } from '../helpers/kura-cli.js';

describe('kura witness (command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-witness-cli-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const keyFile = join(dir, 'w.key');
  const witnessKey = generateKey('observers.example/w', new Uint8Array(32).fill(3));
  writeFileSync(keyFile, `${witnessKey.signerKey}\n`);
  const log = generateKey('example.com/log', new Uint8Array(32).fill(4));

  test('--print-vkey prints the cosignature/v1 key; bad arguments are usage errors', async () => {
    const r = await kura('witness', '--key', keyFile, '--print-vkey');
    assert.equal(r.code, 0, r.stderr);
    const vkey = r.stdout.trim();
    const v = parseCosignatureVerifierKey(vkey);
    assert.ok(v.ok, vkey);
    assert.equal(v.value.name, 'observers.example/w');
    const bad = await kura(
      'witness',
      '--key',
      keyFile,
      '--state',
      join(dir, 's0'),
      '--log',
      'example.com/log=not-a-key',
    );
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--log example.com\/log=not-a-key: not an Ed25519/);
  });

  test('serves add-checkpoint on the printed address and keeps its state', async () => {
    const child = spawn(
      process.execPath,
      [
        ...KURA_ARGS,
        'witness',
        '--key',
        `env:KURA_TEST_WITNESS_KEY`,
        '--log',
        log.verifierKey,
        '--state',
        join(dir, 'state'),
        '--listen',
        '127.0.0.1:0',
      ],
      { env: { ...process.env, KURA_TEST_WITNESS_KEY: witnessKey.signerKey } },
    );
    children.push(child);
    let out = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /on (http:\/\/\S+), witnessing example\.com\/log\n {2}verifier key {2}(\S+)/.exec(
          out,
        );
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const vkey = /verifier key {2}(\S+)/.exec(out)?.[1] as string;
    const verifier = parseCosignatureVerifierKey(vkey);
    assert.ok(verifier.ok);
    const tree = new MerkleTree();
    for (let i = 0; i < 3; i++) tree.appendEntry(utf8(`e${i}`));
    const signer = parseSignerKey(log.signerKey);
    assert.ok(signer.ok);
    const text = formatCheckpoint({
      origin: 'example.com/log',
      size: 3,
      rootHash: tree.root(),
      extensions: [],
    });
    const note = signNote(text, [signer.value]);
    const res = await fetch(`${address}/add-checkpoint`, {
      method: 'POST',
      body: formatAddCheckpoint({ oldSize: 0, proof: [], note }),
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.ok(openNote(`${text}\n${body}`, [verifier.value]).ok);
    const conflict = await fetch(`${address}/add-checkpoint`, {
      method: 'POST',
      body: formatAddCheckpoint({ oldSize: 0, proof: [], note }),
    });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.headers.get('content-type'), 'text/x.tlog.size');
    assert.equal(await conflict.text(), '3\n');
    assert.equal(readdirSync(join(dir, 'state', 'checkpoints')).length, 1);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
  });
});

// The one Ed25519 pool: jobs answered on its worker threads, a bad signature
// refused, a job it cannot do refused with its reason, and close() ends the
// workers (their threads leave the process) and refuses later jobs.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ed25519PublicKey, ed25519Sign, randomBytes } from '../../src/log/crypto.js';
import { SignaturePool } from '../../src/platform/signature-pool.js';

/** The process's OS threads (a worker thread is one). */
const osThreads = () => readdirSync('/proc/self/task').length;

function signed(i: number) {
  const seed = randomBytes(32);
  const message = new TextEncoder().encode(`result ${i}`);
  return { publicKey: ed25519PublicKey(seed), message, signature: ed25519Sign(seed, message) };
}

test('the pool verifies signatures on its workers, refuses bad ones, and its workers end on close', async () => {
  // libuv starts its thread pool on first use: start it now, so the count below sees only workers.
  await readFile(import.meta.filename);
  const before = osThreads();
  const pool = await SignaturePool.start({ threads: 2 });
  try {
    assert.equal(pool.threads, 2);
    assert.ok(osThreads() >= before + 2);

    const items = Array.from({ length: 100 }, (_, i) => signed(i));
    // One event-loop turn: one batch, split over both workers.
    const good = await Promise.all(
      items.map((s) => pool.verify(s.publicKey, s.message, s.signature)),
    );
    assert.deepEqual(
      good,
      items.map(() => true),
    );

    const s = items[0] as (typeof items)[number];
    const tampered = Uint8Array.from(s.signature);
    tampered[5] = (tampered[5] as number) ^ 1;
    const other = items[1] as (typeof items)[number];
    const bad = await Promise.all([
      pool.verify(s.publicKey, s.message, tampered),
      pool.verify(other.publicKey, s.message, s.signature),
      pool.verify(s.publicKey, s.message, s.signature.subarray(0, 63)),
      pool.verify(s.publicKey.subarray(0, 31), s.message, s.signature),
    ]);
    assert.deepEqual(bad, [false, false, false, false]);
    // Packed into one buffer per worker: each verdict lands on its own item, whatever the lengths.
    const mixed = await Promise.all([
      pool.verify(s.publicKey, s.message, s.signature),
      pool.verify(s.publicKey.subarray(0, 31), s.message, s.signature),
      pool.verify(other.publicKey, other.message, other.signature),
      pool.verify(s.publicKey, new Uint8Array(0), s.signature),
      pool.verify(other.publicKey, other.message, other.signature),
    ]);
    assert.deepEqual(mixed, [true, false, true, false, true]);

    // Without an election, the entry checks are refused with the reason.
    await assert.rejects(pool.checkEntries([new Uint8Array([123])]), /without an election/);
    // The workers keep serving after a refused job.
    assert.equal(await pool.verify(s.publicKey, s.message, s.signature), true);

    const rate = await pool.ed25519Rate({ mode: 'prepared', ms: 50 });
    assert.equal(rate.threads, 2);
    assert.ok(rate.perSecond > 0);
  } finally {
    await pool.close();
  }
  assert.equal(osThreads(), before);
  await assert.rejects(pool.checkEntries([new Uint8Array([123])]), /closed/);
  await assert.rejects(
    pool.verify(new Uint8Array(32), new Uint8Array(1), new Uint8Array(64)),
    /closed/,
  );
});

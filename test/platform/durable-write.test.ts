// The one file writer kura keeps its keys, receipts and evidence with: the
// content replaces the old whole, with the mode asked for, in directories it
// makes, and leaves no temporary file behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeAtomic, writeDurable } from '../../src/platform/durable-write.js';

const dir = mkdtempSync(join(tmpdir(), 'kura-durable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('writeDurable replaces a file whole, with its mode, and leaves no temporary file', async () => {
  const path = join(dir, 'keys', 'log.key');
  await writeDurable(path, 'first\n', 0o600);
  await writeDurable(path, 'second\n', 0o600);
  assert.equal(readFileSync(path, 'utf8'), 'second\n');
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'keys')), ['log.key']);
});

test('writeDurable makes the missing directories, and writes bytes as given', async () => {
  const path = join(dir, 'a', 'b', 'c', 'evidence');
  const bytes = new Uint8Array([0, 1, 2, 255]);
  await writeDurable(path, bytes);
  assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
});

test('writeDurable fails, and keeps the old file, when it cannot write', async () => {
  const path = join(dir, 'kept');
  writeFileSync(path, 'old');
  // A file where the parent directory should be: the write fails.
  await assert.rejects(writeDurable(join(path, 'child'), 'new'));
  assert.equal(readFileSync(path, 'utf8'), 'old');
});

test('writeAtomic (for caches) replaces a file whole too', () => {
  const path = join(dir, 'tile', '0', '000');
  writeAtomic(path, 'x');
  writeAtomic(path, 'y');
  assert.equal(readFileSync(path, 'utf8'), 'y');
  assert.deepEqual(readdirSync(join(dir, 'tile', '0')), ['000']);
});

// The state directory's mirrored tiles: a later run, which fetches every tile
// again, leaves a kept tile that is byte for byte the same as it is, and
// replaces one that differs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StateDir } from '../../src/verify/state.js';

test('writeTile keeps an identical tile and replaces one that differs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-state-'));
  try {
    const state = new StateDir(dir);
    const tile = Uint8Array.from({ length: 256 * 32 }, (_, i) => i & 0xff);
    state.writeTile('hash', 0, 0, 256, tile);
    const file = join(dir, 'tile', '0', '000');
    const first = statSync(file).ino;

    state.writeTile('hash', 0, 0, 256, tile.slice());
    assert.equal(statSync(file).ino, first, 'the same bytes: the kept file is not rewritten');

    const changed = tile.slice();
    changed[100] = 255 - (changed[100] as number);
    state.writeTile('hash', 0, 0, 256, changed);
    assert.notEqual(statSync(file).ino, first, 'different bytes: the file is replaced');
    assert.deepEqual(new Uint8Array(readFileSync(file)), changed);

    const shorter = changed.subarray(0, 255 * 32);
    state.writeTile('hash', 0, 0, 256, shorter);
    assert.deepEqual(new Uint8Array(readFileSync(file)), shorter, 'a different length: replaced');
    assert.deepEqual(state.readTile('hash', 0, 0, 256), shorter);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The public night's audit (src/bench/night-audit.ts) on a log built here:
// receipts and checkpoints signed with a real log key, tiles and entry
// bundles of the final tree. A faithful log passes; a lost entry, a receipt
// for an index past the end, a second history and a rollback are each caught.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AcknowledgedResult,
  auditNight,
  busiestWindow,
  memoTiles,
} from '../../src/bench/night-audit.js';
import { utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { leafHash, MerkleTree } from '../../src/log/merkle.js';
import { ed25519Signer, generateKey, parseVerifierKey, signNote } from '../../src/log/note.js';
import { formatReceipt } from '../../src/log/receipt.js';
import { buildTiles, encodeEntryBundle, TILE_WIDTH, type TileReader } from '../../src/log/tiles.js';

const ORIGIN = 'bench.test/night';
const SEED = new Uint8Array(32).fill(7);
const signer = ed25519Signer(ORIGIN, SEED);
const parsedKey = parseVerifierKey(generateKey(ORIGIN, SEED).verifierKey);
if (!parsedKey.ok) throw new Error('test key');
const logKey = parsedKey.value;

const entryOf = (i: number, history = 'a') => utf8(`{"entry":${i},"history":"${history}"}`);

/** A log of `size` entries (history tag `history`), with what a server would serve of it. */
function makeLog(size: number, history = 'a') {
  const entries = Array.from({ length: size }, (_, i) => entryOf(i, history));
  const tree = new MerkleTree(entries.map(leafHash));
  const note = (n: number) =>
    signNote(
      formatCheckpoint({ origin: ORIGIN, size: n, rootHash: tree.root(n), extensions: [] }),
      [signer],
    );
  const receipt = (index: number, n: number) =>
    formatReceipt({ index, proof: tree.inclusionProof(index, n), checkpoint: note(n) });
  const tiles = buildTiles(entries.map(leafHash));
  const readTile: TileReader = async (level, index, width) => {
    const t = tiles.find((x) => x.level === level && x.index === index);
    if (!t || t.width < width) throw new Error(`no tile ${level}/${index}/${width}`);
    return t.data.subarray(0, width * 32);
  };
  const readBundle = async (index: number, width: number) =>
    encodeEntryBundle(entries.slice(index * TILE_WIDTH, index * TILE_WIDTH + width));
  return { entries, note, receipt, readTile, readBundle };
}

const SIZE = 700;
const log = makeLog(SIZE);
/** Results acknowledged at several moments of the night (receipts against growing checkpoints). */
const acknowledged: AcknowledgedResult[] = [3, 255, 256, 300, 511, 650, 699].map((i) => ({
  entry: log.entries[i] as Uint8Array,
  receipt: log.receipt(i, Math.min(SIZE, i + 1 + (i % 40))),
}));
const base = {
  origin: ORIGIN,
  logKey,
  finalNote: log.note(SIZE),
  seenNotes: [log.note(1), log.note(256), log.note(257), log.note(600), log.note(SIZE)],
  acknowledged,
  readTile: memoTiles(log.readTile),
  readBundle: log.readBundle,
};

describe('the public night audit', () => {
  test('a faithful log: nothing lost, no fork, every checkpoint checked', async () => {
    const a = await auditNight(base);
    assert.deepEqual(
      { lost: a.lost, forks: a.forks, acknowledged: a.acknowledged, finalSize: a.finalSize },
      { lost: 0, forks: 0, acknowledged: 7, finalSize: SIZE },
      JSON.stringify([a.lostSamples, a.forkSamples]),
    );
    // 5 sampled notes and the receipts' own (some shared with the samples).
    assert.ok(a.checkpoints >= 7, String(a.checkpoints));
  });

  test('an acknowledged result whose index holds another entry is lost', async () => {
    const other = { entry: entryOf(5000), receipt: log.receipt(10, 20) };
    const a = await auditNight({ ...base, acknowledged: [...acknowledged, other] });
    assert.equal(a.lost, 1);
    assert.match(a.lostSamples[0] ?? '', /index 10 holds another entry/);
  });

  test('a receipt past the end of the final log is lost, and its checkpoint is a rollback', async () => {
    const longer = makeLog(SIZE + 5);
    const past = {
      entry: longer.entries[SIZE + 2] as Uint8Array,
      receipt: longer.receipt(SIZE + 2, SIZE + 5),
    };
    const a = await auditNight({ ...base, acknowledged: [...acknowledged, past] });
    assert.equal(a.lost, 1);
    assert.match(a.lostSamples[0] ?? '', /beyond the final log/);
    assert.equal(a.forks, 1);
    assert.match(a.forkSamples[0] ?? '', /size 705 was signed, the final log has 700/);
  });

  test('a checkpoint of another history is a fork, found by its consistency proof', async () => {
    const forked = makeLog(600, 'b');
    const a = await auditNight({
      ...base,
      seenNotes: [...base.seenNotes.slice(0, 3), forked.note(400)],
    });
    assert.equal(a.forks, 1);
    assert.match(a.forkSamples[0] ?? '', /size 400 is not a prefix of the final 700/);
    // And two roots for one size are a split view even before any proof.
    const split = await auditNight({ ...base, seenNotes: [...base.seenNotes, forked.note(600)] });
    assert.ok(split.forks >= 1);
    assert.ok(split.forkSamples.some((s) => /two roots signed for size 600/.test(s)));
  });

  test('a checkpoint signed by another key counts against the log', async () => {
    const stranger = ed25519Signer(ORIGIN, new Uint8Array(32).fill(9));
    const text = formatCheckpoint({
      origin: ORIGIN,
      size: 10,
      rootHash: new MerkleTree(log.entries.slice(0, 10).map(leafHash)).root(),
      extensions: [],
    });
    const a = await auditNight({ ...base, seenNotes: [signNote(text, [stranger])] });
    assert.equal(a.forks, 1);
    assert.match(a.forkSamples[0] ?? '', /not signed by the log key/);
  });
});

describe('busiestWindow', () => {
  test('counts the fullest window, wherever it starts', () => {
    assert.deepEqual(busiestWindow([100, 10, 50, 69, 70, 71, 129, 130], 60), {
      count: 5,
      start: 50,
    });
    assert.deepEqual(busiestWindow([], 60), { count: 0, start: null });
    // A window is half-open: t and t + 60 are not in the same one.
    assert.deepEqual(busiestWindow([0, 60], 60), { count: 1, start: 0 });
  });
});

// Interop with Go's golang.org/x/mod/sumdb/note and sumdb/tlog, both ways:
// Go verifies kura's signed checkpoints and proofs (and rejects tampered
// ones), and kura verifies notes, checkpoints and proofs made by Go.
// Needs `go` (Debian golang-go) and golang.org/x/mod in GOPATH form (Debian
// golang-golang-x-mod-dev, /usr/share/gocode); built offline in GOPATH mode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Result } from '../../src/basics/result.js';
import { fromBase64, toBase64, utf8 } from '../../src/log/bytes.js';
import { formatCheckpoint, openCheckpoint } from '../../src/log/checkpoint.js';
import { leafHash, MerkleTree } from '../../src/log/merkle.js';
import {
  generateKey,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/log/note.js';
import { verifyConsistency, verifyInclusion } from '../../src/log/proof.js';
import type { Tile } from '../../src/log/tiles.js';
import {
  proveConsistencyFromTiles,
  proveInclusionFromTiles,
  TiledLogBuilder,
} from '../../src/log/tiles.js';
import { skipIfMissing } from '../helpers/required.js';

const here = dirname(fileURLToPath(import.meta.url));
const GOPATH = process.env.KURA_GOPATH ?? '/usr/share/gocode';
const goFound = !spawnSync('go', ['version'], { encoding: 'utf8' }).error;
const SKIP = skipIfMissing(goFound, 'go (Debian golang-go)');

let workDir = '';
let binary = '';

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH,
    GOCACHE: join(workDir, 'cache'),
    GOFLAGS: '',
    GOPROXY: 'off',
    CGO_ENABLED: '0',
  };
}

before(() => {
  if (!goFound) return;
  if (!existsSync(join(GOPATH, 'src/golang.org/x/mod/sumdb/note'))) {
    throw new Error(
      `golang.org/x/mod not found under ${GOPATH}/src (install golang-golang-x-mod-dev or set KURA_GOPATH)`,
    );
  }
  workDir = mkdtempSync(join(tmpdir(), 'kura-go-interop-'));
  binary = join(workDir, 'kura-interop');
  const r = spawnSync('go', ['build', '-o', binary, join(here, 'go', 'main.go')], {
    env: goEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`go build failed:\n${r.stderr}${r.stdout}`);
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function runGo(mode: 'verify' | 'generate', input?: unknown): unknown {
  const r = spawnSync(binary, [mode], {
    input: input === undefined ? '' : JSON.stringify(input),
    encoding: 'utf8',
    env: goEnv(),
  });
  if (r.status !== 0) throw new Error(`kura-interop ${mode} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function must<T>(r: Result<T, { message: string }>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function flip(b: Uint8Array, i = 0): Uint8Array {
  const c = b.slice();
  c[i % c.length] = (c[i % c.length] as number) ^ 0x20;
  return c;
}

interface GoVerifyOutput {
  verifierOk: boolean;
  signerOk: boolean;
  checkpoints: {
    ok: boolean;
    err?: string;
    origin?: string;
    size: number;
    root?: string;
    sigs: number;
    parseTree: boolean;
    resignedIdentical: boolean;
  }[];
  inclusion: { ok: boolean; err?: string }[];
  consistency: { ok: boolean; err?: string }[];
}

test('Go (x/mod sumdb note + tlog) verifies kura notes and proofs, and rejects tampered ones', {
  skip: SKIP,
}, async () => {
  const origin = 'kura.example/interop';
  const { signerKey, verifierKey } = generateKey(
    origin,
    new Uint8Array(32).map((_, i) => i + 100),
  );
  const signer = must(parseSignerKey(signerKey));
  // 600 entries through the sequencer's builder; proofs read from its tiles.
  const records = Array.from({ length: 600 }, (_, i) => utf8(`kura entry ${i} — ünïcode`));
  const builder = TiledLogBuilder.empty();
  const store = new Map<string, Tile>();
  const roots = new Map<number, Uint8Array>();
  for (const [lo, hi] of [
    [0, 300],
    [300, 600],
  ] as const) {
    const r = builder.append(records.slice(lo, hi).map(leafHash));
    for (const t of r.changedTiles) store.set(`${t.level}/${t.index}`, t);
    roots.set(hi, r.root);
  }
  const read = async (level: number, index: number, width: number) =>
    (store.get(`${level}/${index}`) as Tile).data.subarray(0, width * 32);
  const cp = (o: string, size: number) =>
    signNote(
      formatCheckpoint({
        origin: o,
        size,
        rootHash: roots.get(size) as Uint8Array,
        extensions: [],
      }),
      [signer],
    );
  const cp300 = cp(origin, 300);
  const cp600 = cp(origin, 600);
  const sumdbStyle = cp('go.sum database tree', 600);
  const tamperedNote = cp600.replace('\n600\n', '\n601\n');
  const checkpoints = [cp300, cp600, sumdbStyle, tamperedNote];

  const incl = async (index: number, size: number) =>
    must(await proveInclusionFromTiles(index, size, read));
  const b64 = (l: readonly Uint8Array[]) => l.map(toBase64);
  const p17 = await incl(17, 600);
  const p599 = await incl(599, 600);
  const p299 = await incl(299, 300);
  const inclusion = [
    { checkpoint: 1, index: 17, record: toBase64(records[17] as Uint8Array), proof: b64(p17) },
    { checkpoint: 1, index: 599, record: toBase64(records[599] as Uint8Array), proof: b64(p599) },
    { checkpoint: 0, index: 299, record: toBase64(records[299] as Uint8Array), proof: b64(p299) },
    { checkpoint: 2, index: 17, record: toBase64(records[17] as Uint8Array), proof: b64(p17) },
    // Tampered: a flipped proof byte, the wrong record, the wrong index, a truncated proof.
    {
      checkpoint: 1,
      index: 17,
      record: toBase64(records[17] as Uint8Array),
      proof: b64(p17.map((h, i) => (i === 3 ? flip(h, 9) : h))),
    },
    { checkpoint: 1, index: 17, record: toBase64(records[18] as Uint8Array), proof: b64(p17) },
    { checkpoint: 1, index: 16, record: toBase64(records[17] as Uint8Array), proof: b64(p17) },
    {
      checkpoint: 1,
      index: 17,
      record: toBase64(records[17] as Uint8Array),
      proof: b64(p17.slice(1)),
    },
  ];
  const c300 = must(await proveConsistencyFromTiles(300, 600, read));
  const consistency = [
    { old: 0, new: 1, proof: b64(c300) },
    { old: 0, new: 1, proof: b64(c300.map((h, i) => (i === c300.length - 1 ? flip(h) : h))) },
    { old: 0, new: 1, proof: b64(c300.slice(0, -1)) },
    { old: 1, new: 0, proof: b64(c300) },
  ];

  const out = runGo('verify', {
    vkey: verifierKey,
    skey: signerKey,
    checkpoints,
    inclusion,
    consistency,
  }) as GoVerifyOutput;
  assert.ok(out.verifierOk && out.signerOk, 'Go accepts kura key strings');
  const [g300, g600, gSum, gTampered] = out.checkpoints;
  assert.deepEqual(
    [g300?.ok, g300?.origin, g300?.size, g300?.root, g300?.sigs],
    [true, origin, 300, toBase64(roots.get(300) as Uint8Array), 1],
  );
  assert.deepEqual(
    [g600?.ok, g600?.size, g600?.root],
    [true, 600, toBase64(roots.get(600) as Uint8Array)],
  );
  assert.ok(
    g300?.resignedIdentical && g600?.resignedIdentical,
    'Go re-signs kura notes byte for byte',
  );
  assert.ok(gSum?.ok && gSum.parseTree, 'tlog.ParseTree accepts the kura checkpoint');
  assert.equal(gTampered?.ok, false);
  assert.match(gTampered?.err ?? '', /invalid signature/);
  assert.deepEqual(
    out.inclusion.map((r) => r.ok),
    [true, true, true, true, false, false, false, false],
    JSON.stringify(out.inclusion),
  );
  assert.deepEqual(
    out.consistency.map((r) => r.ok),
    [true, false, false, false],
    JSON.stringify(out.consistency),
  );
});

interface GoGenerated {
  skey: string;
  vkey: string;
  origin: string;
  records: number;
  recordFormat: string;
  text: string;
  textNote: string;
  checkpoints: { size: number; root: string; note: string }[];
  inclusion: { index: number; size: number; proof: string[] | null }[];
  consistency: { size1: number; size2: number; proof: string[] | null }[];
}

test('kura verifies notes, checkpoints and proofs generated by Go', { skip: SKIP }, () => {
  const g = runGo('generate') as GoGenerated;
  const v = must(parseVerifierKey(g.vkey));
  const s = must(parseSignerKey(g.skey));
  assert.equal(s.keyId, v.keyId);
  // Go's note with a blank line and non-ASCII text; kura's signature over it is identical.
  const opened = must(openNote(g.textNote, [v]));
  assert.equal(opened.text, g.text);
  assert.equal(signNote(g.text, [s]), g.textNote);

  assert.equal(g.recordFormat, 'go record %d');
  const records = Array.from({ length: g.records }, (_, i) => utf8(`go record ${i}`));
  const tree = new MerkleTree(records.map(leafHash));
  const roots = new Map<number, Uint8Array>();
  assert.ok(g.checkpoints.length >= 5);
  for (const c of g.checkpoints) {
    const o = must(openCheckpoint(c.note, g.origin, [v]));
    assert.equal(o.checkpoint.size, c.size);
    assert.deepEqual(o.checkpoint.rootHash, tree.root(c.size), `root at ${c.size}`);
    roots.set(c.size, o.checkpoint.rootHash);
    assert.equal(openNote(flipNote(c.note), [v]).ok, false, 'tampered Go note');
  }
  const hashes = (l: string[] | null) => (l ?? []).map((x) => fromBase64(x) as Uint8Array);
  for (const p of g.inclusion) {
    const proof = hashes(p.proof);
    const root = roots.get(p.size) as Uint8Array;
    const leaf = leafHash(records[p.index] as Uint8Array);
    assert.ok(
      verifyInclusion(leaf, p.index, p.size, proof, root),
      `inclusion ${p.index}/${p.size}`,
    );
    assert.deepEqual(proof, tree.inclusionProof(p.index, p.size));
    if (proof.length > 0)
      assert.ok(
        !verifyInclusion(
          leaf,
          p.index,
          p.size,
          [flip(proof[0] as Uint8Array), ...proof.slice(1)],
          root,
        ),
      );
    assert.ok(!verifyInclusion(leafHash(utf8('not a record')), p.index, p.size, proof, root));
  }
  for (const p of g.consistency) {
    const proof = hashes(p.proof);
    const r1 = roots.get(p.size1) as Uint8Array;
    const r2 = roots.get(p.size2) as Uint8Array;
    assert.ok(
      verifyConsistency(p.size1, p.size2, proof, r1, r2),
      `consistency ${p.size1}->${p.size2}`,
    );
    assert.deepEqual(proof, tree.consistencyProof(p.size1, p.size2));
    if (proof.length > 0)
      assert.ok(
        !verifyConsistency(
          p.size1,
          p.size2,
          proof.map((h) => flip(h)),
          r1,
          r2,
        ),
      );
  }
});

/** A note whose signature line is intact but whose text is not: opening must fail. */
function flipNote(note: string): string {
  return note.replace(/^(.)/, (c) => (c === 'x' ? 'y' : 'x'));
}

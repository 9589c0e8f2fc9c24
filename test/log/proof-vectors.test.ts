// All transparency-dev/merkle proof vectors: verify(...) === !wantErr.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64 } from '../../src/log/bytes.js';
import { verifyConsistency, verifyInclusion } from '../../src/log/proof.js';
import { listVectorJson, readVectorJson } from './vectors.js';

const b64 = (s: string): Uint8Array => {
  const b = fromBase64(s);
  // The vectors contain only canonical base64 (some deliberately of the wrong length).
  assert.ok(b, `vector base64 ${s}`);
  return b;
};

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const base = 'transparency-dev-merkle/testdata';

test('transparency-dev merkle vectors: there are 196 of them', () => {
  const n = listVectorJson(base, 'inclusion').length + listVectorJson(base, 'consistency').length;
  assert.equal(n, 196);
});

test('transparency-dev inclusion vectors', () => {
  const files = listVectorJson(base, 'inclusion');
  assert.ok(files.length > 50);
  let happy = 0;
  for (const f of files) {
    const c = readVectorJson<InclusionCase>(f);
    const got = verifyInclusion(
      b64(c.leafHash),
      c.leafIdx,
      c.treeSize,
      (c.proof ?? []).map(b64),
      b64(c.root),
    );
    assert.equal(got, !c.wantErr, `${f}: ${c.desc}`);
    if (got) happy++;
  }
  assert.ok(happy >= 5, 'some vectors must verify');
});

test('transparency-dev consistency vectors', () => {
  const files = listVectorJson(base, 'consistency');
  assert.ok(files.length > 50);
  let happy = 0;
  for (const f of files) {
    const c = readVectorJson<ConsistencyCase>(f);
    const got = verifyConsistency(
      c.size1,
      c.size2,
      (c.proof ?? []).map(b64),
      b64(c.root1),
      b64(c.root2),
    );
    assert.equal(got, !c.wantErr, `${f}: ${c.desc}`);
    if (got) happy++;
  }
  assert.ok(happy >= 5, 'some vectors must verify');
});

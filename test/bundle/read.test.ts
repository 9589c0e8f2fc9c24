// openBundle: the strict reader other tools (forensics) use.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BundleIntegrityError, type OpenedBundle, openBundle } from '../../src/bundle/read.js';
import {
  exportTo,
  type Fixture,
  formOf,
  logWithForms,
  rewriteBundle,
  sha256Hex,
} from './fixture.js';

async function collect(b: OpenedBundle): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const e of b.entries()) out.push(e);
  return out;
}

describe('openBundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-bundle-read-'));
  let f: Fixture;
  let bundle = '';
  before(async () => {
    f = await logWithForms('pglite', 12);
    bundle = await exportTo(f.t, dir);
  });
  after(async () => {
    await f?.t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('gives the manifest, entry 0, the definition, every entry in order, checkpoints and forms', async () => {
    const opened = await openBundle(bundle);
    assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
    const b = opened.value;
    try {
      assert.equal(b.manifest.treeSize, 13);
      assert.equal(b.manifest.electionId, f.t.definition.electionId);
      const stored = await f.t.store.getEntries(0, 13);
      assert.deepEqual(
        await collect(b),
        stored.map((e) => e.data),
      );
      assert.deepEqual(b.entry0Bytes, stored[0]?.data);
      assert.equal(sha256Hex(b.definitionBytes), b.manifest.definitionSha256);
      const sizes = b.checkpoints.map((c) => c.size);
      assert.deepEqual(
        sizes,
        [...sizes].sort((x, y) => x - y),
      );
      assert.deepEqual(b.checkpoints.at(-1), await f.t.store.latestCheckpoint());
      assert.equal(b.formHashes.length, 12);
      const form = formOf(f.t.definition.stations[2]?.code as string);
      assert.deepEqual(await b.form(sha256Hex(form)), {
        data: form,
        contentType: 'application/pdf',
      });
      assert.equal(await b.form('0'.repeat(64)), null);
    } finally {
      await b.close();
    }
  });

  test('refuses an altered member; unchecked, entries() still refuses entries that are not the signed log', async () => {
    const out = join(dir, 'altered.tar');
    await rewriteBundle(bundle, out, (name, data) => {
      if (name !== 'tile/entries/000.p/13') return data;
      const copy = new Uint8Array(data);
      const at = Buffer.from(copy).lastIndexOf('"rejected":2');
      copy[at + 11] = 0x33; // "rejected":3
      return copy;
    });
    const strict = await openBundle(out);
    assert.equal(strict.ok, false);
    if (!strict.ok) {
      assert.equal(strict.error.code, 'MEMBER_INVALID');
      assert.equal(strict.error.member, 'tile/entries/000.p/13');
      assert.match(strict.error.message, /^member tile\/entries\/000\.p\/13 has SHA-256 /);
    }
    const loose = await openBundle(out, { checkHashes: false });
    assert.ok(loose.ok);
    try {
      await assert.rejects(
        collect(loose.value),
        (e) =>
          e instanceof BundleIntegrityError &&
          e.message ===
            "the bundle's 13 entries do not reproduce the root of its signed checkpoint of size 13",
      );
    } finally {
      await loose.value.close();
    }
  });

  test('refuses a bundle with a member missing, and a file that is not a bundle', async () => {
    const out = join(dir, 'no-checkpoint.tar');
    await rewriteBundle(bundle, out, (name, data) => (name === 'checkpoints/13' ? null : data));
    const r = await openBundle(out);
    assert.deepEqual(r.ok ? null : r.error, {
      code: 'MEMBER_INVALID',
      message: 'member checkpoints/13 is listed in the manifest but is not in the archive',
      member: 'checkpoints/13',
    });
    const none = await openBundle(join(dir, 'nothing.tar'));
    assert.equal(none.ok ? null : none.error.code, 'UNREADABLE');
  });
});

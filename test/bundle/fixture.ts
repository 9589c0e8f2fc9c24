// A small real log with scanned forms, exported to a bundle, and a way to
// rewrite a bundle member by member (for tampering tests).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { exportBundle } from '../../src/bundle/export.js';
import { readMemberData, readTarIndex, TarWriter } from '../../src/bundle/tar.js';
import { StoreLogReader } from '../../src/verify/store-reader.js';
import { type Backend, newTestLog, type TestLog } from '../helpers/test-log.js';

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A PDF-looking scan, distinct per station. */
export function formOf(station: string): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n% the signed form of station ${station}\n`);
}

export interface Fixture {
  t: TestLog;
  /** The log's checkpoint after the first batch of results ("seen on election night"). */
  earlyCheckpoint: string;
  size: number;
}

/**
 * Every station reports president with its own uploaded form; a checkpoint is kept midway.
 * `now` fixes the log's clock (its checkpoints' timestamps).
 */
export async function logWithForms(
  backend: Backend,
  stations: number,
  opts: { now?: () => number } = {},
): Promise<Fixture> {
  const t = await newTestLog(backend, { stations, now: opts.now });
  const codes = t.definition.stations.map((s) => s.code);
  const chunk = 100;
  let earlyCheckpoint = '';
  for (let i = 0; i < codes.length; i += chunk) {
    await Promise.all(
      codes.slice(i, i + chunk).map(async (code) => {
        const form = formOf(code);
        const put = await t.uploadForm(code, form, 'application/pdf');
        assert.equal(put.statusCode < 300, true, put.body);
        const r = await t.running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: t.result(code, { form: sha256Hex(form) }),
        });
        assert.equal(r.statusCode, 201, r.body);
      }),
    );
    if (!earlyCheckpoint)
      earlyCheckpoint = (await t.running.app.inject({ url: '/log/checkpoint' })).body;
  }
  return { t, earlyCheckpoint, size: codes.length + 1 };
}

export async function exportTo(t: TestLog, dir: string, name = 'bundle.tar'): Promise<string> {
  const out = join(dir, name);
  await exportBundle({
    source: new StoreLogReader(t.store),
    out,
    now: new Date('2022-08-16T12:00:00Z'),
  });
  return out;
}

/**
 * Copies a bundle member by member: `change` returns the new bytes, or null to
 * leave the member out. The manifest is copied like any other member.
 */
export async function rewriteBundle(
  from: string,
  to: string,
  change: (name: string, data: Uint8Array) => Uint8Array | null,
): Promise<void> {
  const fh = await open(from, 'r');
  try {
    const index = await readTarIndex(fh, (await fh.stat()).size);
    if (!index.ok) throw new Error(index.error);
    const tar = new TarWriter(createWriteStream(to), 0);
    for (const m of index.value) {
      const data = change(m.name, await readMemberData(fh, m));
      if (data) await tar.add(m.name, data);
    }
    await tar.finish();
  } finally {
    await fh.close();
  }
}

/** All members of a bundle, by name. */
export async function readMembers(path: string): Promise<Map<string, Uint8Array>> {
  const fh = await open(path, 'r');
  try {
    const index = await readTarIndex(fh, (await fh.stat()).size);
    if (!index.ok) throw new Error(index.error);
    const out = new Map<string, Uint8Array>();
    for (const m of index.value) out.set(m.name, await readMemberData(fh, m));
    return out;
  } finally {
    await fh.close();
  }
}

/** The manifest with one member's SHA-256 (and length) set to match `data`. */
export function manifestWith(manifest: Uint8Array, updates: Map<string, Uint8Array>): Uint8Array {
  const m = JSON.parse(new TextDecoder().decode(manifest)) as {
    members: Array<{ path: string; sha256: string; size: number }>;
  };
  for (const x of m.members) {
    const d = updates.get(x.path);
    if (d) {
      x.sha256 = sha256Hex(d);
      x.size = d.length;
    }
  }
  return new TextEncoder().encode(JSON.stringify(m));
}

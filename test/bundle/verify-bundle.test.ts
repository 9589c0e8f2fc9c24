// kura export, then kura verify-bundle: an honest bundle verifies offline;
// every kind of tampering is named precisely.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BundleReport } from '../../src/bundle/report.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { toBase64 } from '../../src/log/bytes.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { generateKey, parseSignerKey, signNote } from '../../src/log/note.js';
import { decodeEntryBundle } from '../../src/log/tiles.js';
import {
  exportTo,
  type Fixture,
  formOf,
  logWithForms,
  manifestWith,
  readMembers,
  rewriteBundle,
  sha256Hex,
} from './fixture.js';

const STATIONS = 300; // 301 entries: a full tile, a partial one, and level 1

const quiet = { say: () => {}, threads: 1 };

function kinds(r: BundleReport, severity?: string): string[] {
  return r.findings.filter((f) => !severity || f.severity === severity).map((f) => f.kind);
}

describe('kura verify-bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-bundle-test-'));
  let f: Fixture;
  let bundle = '';
  let members: Map<string, Uint8Array>;

  before(async () => {
    f = await logWithForms('pglite', STATIONS);
    bundle = await exportTo(f.t, dir);
    members = await readMembers(bundle);
  });
  after(async () => {
    await f?.t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an exported bundle holds the whole record, and standard tar lists it', async () => {
    const names = [...members.keys()];
    assert.equal(names[0], 'README.txt');
    assert.equal(names.at(-1), 'manifest.json');
    for (const n of [
      'election/definition.json',
      'election/entry0.json',
      'keys/log.vkey',
      'keys/commission.vkey',
      'checkpoint',
      `checkpoints/${f.size}`,
      'tile/entries/000',
      'tile/entries/001.p/45',
      'tile/0/000',
      'tile/0/001.p/45',
      'tile/1/000.p/1',
      `forms/${sha256Hex(formOf(f.t.definition.stations[0]?.code ?? ''))}`,
    ])
      assert.ok(members.has(n), `missing ${n}`);
    assert.equal(names.filter((n) => n.startsWith('forms/')).length, STATIONS);
    // Several checkpoints: one per batch.
    assert.ok(names.filter((n) => n.startsWith('checkpoints/')).length >= 3);
    const first = decodeEntryBundle(members.get('tile/entries/000') as Uint8Array);
    assert.ok(first.ok);
    assert.deepEqual(first.value[0], members.get('election/entry0.json'));
    const manifest = JSON.parse(new TextDecoder().decode(members.get('manifest.json'))) as {
      treeSize: number;
      members: Array<{ path: string; sha256: string; size: number }>;
    };
    assert.equal(manifest.treeSize, f.size);
    assert.equal(manifest.members.length, names.length - 1);
    for (const m of manifest.members) {
      const data = members.get(m.path) as Uint8Array;
      assert.equal(sha256Hex(data), m.sha256, m.path);
      assert.equal(data.length, m.size, m.path);
    }
    const listed = await promisify(execFile)('tar', ['-tf', bundle]);
    assert.deepEqual(listed.stdout.trim().split('\n'), names);
  });

  test('an honest bundle verifies offline (exit 0), with the commission key pinned', async () => {
    const r = await verifyBundle({
      path: bundle,
      commissionKey: f.t.definition.commissionKey,
      checkpoints: [{ file: 'early.txt', note: f.earlyCheckpoint }],
      ...quiet,
    });
    assert.deepEqual(kinds(r, 'fatal'), []);
    assert.deepEqual(kinds(r, 'error'), []);
    assert.deepEqual(kinds(r), ['demo-device-keys']);
    assert.equal(r.verdict, 'verified');
    assert.equal(r.exitCode, 0);
    assert.equal(r.entries, f.size);
    assert.equal(r.trust.commissionKeySource, '--commission-key');
    assert.equal(r.checkpoint?.size, f.size);
    assert.ok((r.checkpoints?.verified ?? 0) >= 3);
    assert.equal(r.checkpoints?.verified, r.checkpoints?.stored);
    assert.equal(r.given[0]?.result, 'consistent');
    assert.ok((r.given[0]?.size ?? 0) < f.size);
    assert.equal(r.signatures?.checked, STATIONS);
    assert.equal(r.fold?.counted, STATIONS);
    assert.equal(r.fold?.anomalies, 0);
    assert.equal(r.forms?.ok, STATIONS);
    assert.equal(r.forms?.mismatched, 0);
    // The recomputed national tally is the server's.
    const served = JSON.parse(
      (await f.t.running.app.inject({ url: '/api/v1/tally/president' })).body,
    ) as { tally?: { votes: Record<string, number> }; votes?: Record<string, number> };
    const servedVotes = served.tally?.votes ?? served.votes;
    assert.deepEqual({ ...r.tallies?.president?.votes }, servedVotes);
    assert.equal(r.tallies?.president?.stationsReported, STATIONS);
  });

  test('without a pinned commission key it says so (trust on first use), still exit 0', async () => {
    const r = await verifyBundle({ path: bundle, ...quiet });
    assert.equal(r.exitCode, 0);
    assert.ok(kinds(r).includes('trust-on-first-use'));
  });

  test('a changed byte in an entry: the member and the entry are named (exit 2)', async () => {
    const out = join(dir, 'changed-entry.tar');
    const target = f.t.definition.stations[4]?.code as string;
    await rewriteBundle(bundle, out, (name, data) => {
      if (name !== 'tile/entries/000') return data;
      const text = Buffer.from(data).toString('latin1');
      // Entry 5 is somewhere in the bundle: change one vote digit of station `target`'s result.
      const at = text.indexOf(`"station":"${target}"`);
      assert.ok(at > 0);
      // Canonical JSON: "votes" follows "station" in the same entry.
      const votes = text.indexOf('"votes":{', at);
      const digit = text.slice(votes).search(/[0-9]/) + votes;
      const copy = new Uint8Array(data);
      copy[digit] = copy[digit] === 0x31 ? 0x32 : 0x31;
      return copy;
    });
    const r = await verifyBundle({ path: out, ...quiet });
    assert.equal(r.exitCode, 2);
    assert.equal(r.verdict, 'untrustworthy');
    const member = r.findings.find((x) => x.kind === 'member-mismatch');
    assert.match(
      member?.message ?? '',
      /^member tile\/entries\/000 has SHA-256 [0-9a-f]{64}; the manifest says [0-9a-f]{64} \(the member was altered\)$/,
    );
    const entry = r.findings.find((x) => x.kind === 'entry-mismatch');
    assert.match(
      entry?.message ?? '',
      new RegExp(`^entry \\d+ \\(a president result of station ${target}\\) was changed`),
    );
  });

  test('a member missing: named as missing (exit 2)', async () => {
    const out = join(dir, 'missing.tar');
    await rewriteBundle(bundle, out, (name, data) =>
      name === 'tile/entries/001.p/45' ? null : data,
    );
    const r = await verifyBundle({ path: out, ...quiet });
    assert.equal(r.exitCode, 2);
    const missing = r.findings.filter((x) => x.kind === 'bundle-invalid');
    assert.equal(
      missing[0]?.message,
      'member tile/entries/001.p/45 is listed in the manifest but is not in the archive',
    );
    assert.ok(kinds(r, 'fatal').includes('entries-withheld'));
  });

  test('a member left out of the manifest too: still missing (exit 2)', async () => {
    const out = join(dir, 'missing-unlisted.tar');
    const m = JSON.parse(new TextDecoder().decode(members.get('manifest.json'))) as {
      members: Array<{ path: string }>;
    };
    m.members = m.members.filter((x) => x.path !== 'tile/0/001.p/45');
    await rewriteBundle(bundle, out, (name, data) =>
      name === 'tile/0/001.p/45'
        ? null
        : name === 'manifest.json'
          ? new TextEncoder().encode(JSON.stringify(m))
          : data,
    );
    const r = await verifyBundle({ path: out, ...quiet });
    assert.equal(r.exitCode, 2);
    assert.match(
      r.findings.find((x) => x.kind === 'bundle-invalid')?.message ?? '',
      /^member tile\/0\/001\.p\/45 is missing: every bundle of 301 entries holds it/,
    );
  });

  test('a wrong hash in the manifest: the member is named (exit 2)', async () => {
    const out = join(dir, 'manifest-hash.tar');
    const def = members.get('election/definition.json') as Uint8Array;
    const manifest = manifestWith(
      members.get('manifest.json') as Uint8Array,
      new Map([['election/definition.json', new Uint8Array(def.length)]]),
    );
    await rewriteBundle(bundle, out, (name, data) => (name === 'manifest.json' ? manifest : data));
    const r = await verifyBundle({ path: out, ...quiet });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(
      r.findings.filter((x) => x.severity === 'fatal').map((x) => x.message),
      [
        `member election/definition.json has SHA-256 ${sha256Hex(def)}; the manifest says ${sha256Hex(new Uint8Array(def.length))} (the member was altered)`,
      ],
    );
  });

  test('two form images swapped (manifest recomputed to match): each form is named (exit 1)', async () => {
    const out = join(dir, 'swapped-forms.tar');
    const [x, y] = f.t.definition.stations.map((s) => s.code) as [string, string];
    const fx = `forms/${sha256Hex(formOf(x))}`;
    const fy = `forms/${sha256Hex(formOf(y))}`;
    const manifest = manifestWith(
      members.get('manifest.json') as Uint8Array,
      new Map([
        [fx, formOf(y)],
        [fy, formOf(x)],
      ]),
    );
    await rewriteBundle(bundle, out, (name, data) =>
      name === fx
        ? formOf(y)
        : name === fy
          ? formOf(x)
          : name === 'manifest.json'
            ? manifest
            : data,
    );
    const r = await verifyBundle({ path: out, ...quiet });
    assert.deepEqual(kinds(r, 'fatal'), []);
    assert.equal(r.exitCode, 1);
    assert.equal(r.verdict, 'findings');
    const bad = r.findings.filter((x) => x.kind === 'form-mismatch').map((x) => x.message);
    assert.equal(bad.length, 2);
    assert.ok(
      bad.some((m) =>
        new RegExp(
          `^station ${x}, president \\(entry \\d+\\): the file served for SHA-256 ${sha256Hex(formOf(x))} hashes to ${sha256Hex(formOf(y))}: it is the form logged for station ${y}`,
        ).test(m),
      ),
      bad.join('\n'),
    );
    assert.equal(r.forms?.mismatched, 2);
  });

  test('a checkpoint from a forked log, given with --checkpoint: a loud fork (exit 2)', async () => {
    // The log key signs a different tree of size 100: what a split view hands one observer.
    const signer = parseSignerKey(
      generateKey('kura.test/log', new TextEncoder().encode('log'.padEnd(32, '.'))).signerKey,
    );
    assert.ok(signer.ok);
    const forkRoot = new Uint8Array(32).fill(7);
    const forked = signNote(
      formatCheckpoint({ origin: 'kura.test/log', size: 100, rootHash: forkRoot, extensions: [] }),
      [signer.value],
    );
    const file = join(dir, 'forked-checkpoint.txt');
    writeFileSync(file, forked);
    const said: string[] = [];
    const r = await verifyBundle({
      path: bundle,
      checkpoints: [{ file, note: forked }],
      threads: 1,
      say: (s) => said.push(s),
    });
    assert.equal(r.exitCode, 2);
    assert.equal(r.given[0]?.result, 'fork');
    const fork = r.findings.find((x) => x.kind === 'fork');
    assert.match(
      fork?.message ?? '',
      new RegExp(
        `^FORK: the log has signed two histories that cannot both be true\\. The checkpoint in ${file.replace(/[.]/g, '\\.')} \\(size 100\\) has root ${toBase64(forkRoot).replace(/[+/]/g, '\\$&')}, but the first 100 entries of the log in the bundle have root `,
      ),
    );
    assert.ok(fork?.message.includes(forked.trimEnd()), 'the evidence carries the forked note');
    assert.ok(
      said.some((s) => s.includes('FORK')),
      'said loudly',
    );
  });

  test('a checkpoint of another log, or beyond the bundle, is named', async () => {
    const other = generateKey('kura.test/log', new TextEncoder().encode('other'.padEnd(32, '.')));
    const os = parseSignerKey(other.signerKey);
    const signer = parseSignerKey(
      generateKey('kura.test/log', new TextEncoder().encode('log'.padEnd(32, '.'))).signerKey,
    );
    assert.ok(os.ok && signer.ok);
    const cp = (size: number) =>
      formatCheckpoint({
        origin: 'kura.test/log',
        size,
        rootHash: new Uint8Array(32),
        extensions: [],
      });
    const later = signNote(cp(f.size + 50), [signer.value]);
    const r = await verifyBundle({
      path: bundle,
      checkpoints: [
        { file: 'other-key.txt', note: signNote(cp(10), [os.value]) },
        { file: 'later.txt', note: later },
      ],
      ...quiet,
    });
    assert.deepEqual(
      r.given.map((g) => g.result),
      ['invalid', 'beyond'],
    );
    assert.equal(r.exitCode, 2);
    assert.match(
      r.findings.find((x) => x.kind === 'checkpoint-invalid')?.message ?? '',
      /^the checkpoint in other-key\.txt is not a checkpoint of this bundle's log/,
    );
    const beyond = r.findings.find((x) => x.kind === 'bundle-incomplete')?.message ?? '';
    assert.equal(
      beyond.split('\n')[0],
      `the checkpoint in later.txt is signed for ${f.size + 50} entries, but the bundle holds only ${f.size}: it cannot show that the log you saw is the one in the bundle (ask for a bundle exported after that checkpoint)`,
    );
    assert.ok(beyond.includes(later.trimEnd()), 'both notes are shown');
    assert.ok(beyond.includes(r.checkpoint?.note.trimEnd() as string), 'both notes are shown');
  });

  test('a bundle whose checkpoint the log key signed after a larger one it signed before: a rollback, exit 2 with both notes', async () => {
    const logSkey = generateKey(
      'kura.test/log',
      new TextEncoder().encode('log'.padEnd(32, '.')),
    ).signerKey;
    // Signed (timestamp in the log's cosignature line) a day before the bundle's checkpoint.
    const earlier = new CheckpointSigner(
      logSkey,
      () => Math.floor(Date.now() / 1000) - 86_400,
    ).sign('kura.test/log', f.size + 5, new Uint8Array(32));
    const r = await verifyBundle({
      path: bundle,
      checkpoints: [{ file: 'election-night.txt', note: earlier }],
      ...quiet,
    });
    assert.equal(r.exitCode, 2);
    const text = r.findings.find((x) => x.kind === 'rollback')?.message ?? '';
    assert.match(
      text,
      new RegExp(`^ROLLBACK: the log has shrunk from ${f.size + 5} to ${f.size} entries`),
    );
    assert.ok(text.includes(earlier.trimEnd()), text);
    assert.ok(text.includes(r.checkpoint?.note.trimEnd() as string), text);
    assert.match(text, /the log key signed the smaller tree after the larger one/);
  });

  test('not a bundle at all: one precise fatal finding', async () => {
    const junk = join(dir, 'junk.tar');
    writeFileSync(junk, 'this is not a tar archive'.padEnd(2048, '.'));
    const r = await verifyBundle({ path: junk, ...quiet });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(
      r.findings.map((x) => x.message),
      [
        `${junk} is not a readable bundle: the header at byte 0 has a bad checksum: not a tar archive, or damaged`,
      ],
    );
  });
});

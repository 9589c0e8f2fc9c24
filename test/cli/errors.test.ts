// Every CLI error is one line and exit 64 (issue 18, item 5): an unknown flag is
// named, for every command; a bundle that cannot be opened is not "a log that
// cannot be trusted"; a --data holding no store is refused by the commands that
// only read one, and kura serve makes a new store only where nothing is, and says so.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { KURA_ARGS, kuraIn } from '../helpers/kura-cli.js';

/** The command names `kura --help` lists. */
async function commands(cwd: string): Promise<string[]> {
  const r = await kuraIn(cwd, '--help');
  assert.equal(r.code, 0, r.stderr);
  return [...r.stdout.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1] as string);
}

/** Runs main() here, capturing what it writes and the exit code it sets. */
async function inProcess(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((s: string) => {
    out.stdout += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    out.stderr += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    await main(argv);
    return { code: process.exitCode ?? 0, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = 0;
  }
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `want one line, got:\n${stderr}`);
  return lines[0] as string;
}

describe('kura CLI errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-cli-errors-'));
  before(async () => {
    const made = await kuraIn(dir, 'election', 'synthetic', '--stations', '5', '--out', 'el');
    assert.equal(made.code, 0, made.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every command: --help documents every flag; an unknown flag is one line naming it, exit 64', async () => {
    // In this process (main() as bin/kura.js calls it): twelve commands, twice each, without twenty-four tsx starts.
    const names = await commands(dir);
    assert.ok(names.length >= 12, `commands: ${names}`);
    assert.ok(names.includes('admin') && names.includes('verify-bundle'));
    for (const name of names) {
      // parse() refuses to run a command whose options lack a help line (exit 1).
      const help = await inProcess(name, '--help');
      assert.equal(help.code, 0, `${name} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`kura ${name}`));
      const bad = await inProcess(name, '--no-such-flag', 'x');
      assert.equal(bad.code, 64, `${name}: ${bad.stderr}`);
      assert.equal(bad.stdout, '');
      assert.equal(
        oneLine(bad.stderr),
        `kura ${name}: unknown option --no-such-flag (see kura ${name} --help)`,
      );
    }
    const missing = await kuraIn(dir, 'verify', '--state');
    assert.equal(missing.code, 64);
    assert.match(oneLine(missing.stderr), /--state needs a value/);
    // --db names the store: an embedded store's --fresh or --data beside it is a usage error, found before anything is made.
    const fresh = await inProcess('demo', '--db', 'postgres://127.0.0.1:1/none', '--fresh');
    assert.equal(fresh.code, 64, fresh.stderr);
    assert.match(
      oneLine(fresh.stderr),
      /--fresh deletes an embedded store; with --db give a new, empty database/,
    );
    const both = await inProcess('demo', '--db', 'postgres://127.0.0.1:1/none', '--data', 'd');
    assert.equal(both.code, 64, both.stderr);
    assert.match(oneLine(both.stderr), /--db and --data each name a store: give one/);
    // The audit's options, checked before anything is made.
    for (const [args, message] of [
      [['--risk-limit', '5'], /--risk-limit and --audit-seed go with --audit/],
      [
        ['--audit', '--risk-limit', '50'],
        /--risk-limit must be a whole number of percent from 1 to 20/,
      ],
      [['--audit', '--audit-seed', '1234'], /--audit-seed must be 20 to 100 decimal digits/],
      [['--audit', '--synthetic', '5'], /--audit audits Kenya's presidential contest/],
      [['--audit', '--faults'], /--audit and --faults are separate runs/],
    ] as const) {
      const r = await inProcess('demo', ...args);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), message);
    }
    const unknown = await kuraIn(dir, 'frobnicate');
    assert.equal(unknown.code, 64);
    assert.match(oneLine(unknown.stderr), /unknown command "frobnicate"/);
  });

  test('verify-bundle on a file that is not there: cannot open it, exit 64 (not 2)', async () => {
    const r = await kuraIn(dir, 'verify-bundle', join(dir, 'nonexistent.tar'));
    assert.equal(r.code, 64, r.stderr);
    assert.match(oneLine(r.stderr), /cannot open .*nonexistent\.tar: no such file/);
    assert.doesNotMatch(r.stderr + r.stdout, /TRUST/);
  });

  test('export and admin create refuse a --data that holds no store, and create nothing', async () => {
    writeFileSync(join(dir, 'pw'), 'a long enough password\n');
    const typo = join(dir, 'kura-dta');
    const exported = await kuraIn(dir, 'export', '--out', 'b.tar', '--data', typo);
    assert.equal(exported.code, 64);
    assert.equal(
      oneLine(exported.stderr),
      `kura export: no kura store at ${typo} (give the --data DIR kura serve was given)`,
    );
    const created = await kuraIn(
      dir,
      'admin',
      'create',
      '--election',
      'el',
      '--data',
      typo,
      '--account',
      'chair',
      '--password-file',
      'pw',
    );
    assert.equal(created.code, 64);
    assert.match(oneLine(created.stderr), /^kura admin: no kura store at /);
    assert.equal(existsSync(typo), false);
    assert.equal(existsSync(join(dir, 'b.tar')), false);
  });

  test('serve: no new store without --election, none in a folder holding other things', async () => {
    const typo = join(dir, 'kura-dta');
    const bare = await kuraIn(dir, 'serve', '--data', typo, '--port', '0');
    assert.equal(bare.code, 64);
    assert.match(
      oneLine(bare.stderr),
      /no kura store at .*kura-dta \(to create one there, give --election DIR\)/,
    );
    assert.equal(existsSync(typo), false);
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'notes.txt'), 'not a store');
    const foreign = await kuraIn(dir, 'serve', '--election', 'el', '--data', 'docs', '--port', '0');
    assert.equal(foreign.code, 64);
    assert.match(oneLine(foreign.stderr), /docs is not a kura store and not empty/);
    // A read-only server creates nothing, even when given an election.
    const reader = await kuraIn(
      dir,
      'serve',
      '--read-only',
      '--election',
      'el',
      '--data',
      typo,
      '--port',
      '0',
    );
    assert.equal(reader.code, 64);
    assert.equal(
      oneLine(reader.stderr),
      `kura serve: no kura store at ${typo} (give the --data DIR kura serve was given)`,
    );
    assert.equal(existsSync(typo), false);
  });

  test('serve with --election in a new directory says it creates a store', async () => {
    const server = spawn(
      process.execPath,
      [...KURA_ARGS, 'serve', '--election', 'el', '--data', 'fresh', '--port', '0'],
      { cwd: dir },
    );
    let stderr = '';
    server.stderr.on('data', (b: Buffer) => {
      stderr += b;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (b: Buffer) => {
          out += b;
          if (/API\s+http:/.test(out)) resolve();
        });
        server.on('exit', (c) => reject(new Error(`server exited ${c}: ${stderr}`)));
      });
      assert.match(stderr, /kura: creating a new store at fresh \(none there yet\)/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });
});

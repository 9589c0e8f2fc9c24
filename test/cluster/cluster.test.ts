// `kura cluster` on a fresh PostgreSQL database (issue 13, item 3): the nginx
// front sends results to the writer and reads to the readers, keeps a full
// tile for good, a tally for its max-age, gzip bodies as the readers made
// them, and after kill -9 of the writer sends results to the standby, which
// signs a log consistent with every checkpoint seen before.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { ElectionDefinition } from '../../src/election/definition.js';
import type { ResultEntry } from '../../src/election/entries.js';
import { equal } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { parseVerifierKey } from '../../src/log/note.js';
import { parseReceipt } from '../../src/log/receipt.js';
import { kuraCommand } from '../../src/simulate/server-process.js';
import { proveConsistent, serverTileReader } from '../../src/verify/checkpoint.js';
import { HttpLogReader } from '../../src/verify/http-reader.js';
import { demoPresidentResult } from '../helpers/demo-result.js';
import { kuraIn } from '../helpers/kura-cli.js';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.js';

function nginxInstalled(): boolean {
  for (const p of [
    ...(process.env.PATH ?? '').split(':').map((d) => `${d}/nginx`),
    '/usr/sbin/nginx',
  ]) {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

// In CI both are installed (.ci/run), and a missing one is a failure.
const missing = process.env.CI
  ? false
  : !(await postgresAvailable())
    ? 'no PostgreSQL'
    : !nginxInstalled()
      ? 'no nginx (apt-get install nginx)'
      : false;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request, the body as sent (fetch would decompress it). */
function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Polls `check` until it holds, failing with `what` after `ms` (a bound for a hung run, not a timing). */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('kura cluster: the nginx front', { skip: missing }, () => {
  let dir: string;
  let def: ElectionDefinition;
  let db: { url: string; drop(): Promise<void> };
  let cluster: ChildProcess;
  let output = '';
  /** name ("writer", "reader 1", ...) -> address and pid, as kura cluster printed them. */
  const members = new Map<string, { url: string; hostPort: string; pid: number }>();
  let front: string;
  let frontDir: string;
  let next = 0;

  const readerHostPorts = () =>
    [...members].filter(([n]) => n.startsWith('reader')).map(([, m]) => m.hostPort);
  const member = (name: string) => {
    const m = members.get(name);
    assert.ok(m, `kura cluster printed no line for the ${name}`);
    return m;
  };

  /** The front's access log, one parsed line per request. */
  function accessLog() {
    return readFileSync(join(frontDir, 'logs/access.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const m = /"(\S+) (\S+) [^"]*" (\d+) \d+ cache=(\S+) upstream=(\S+)/.exec(line);
        assert.ok(m, `an access log line: ${line}`);
        return {
          method: m[1] as string,
          uri: m[2] as string,
          status: Number(m[3]),
          cache: m[4] as string,
          upstream: m[5] as string,
        };
      });
  }

  /** The access log once `ready` holds for it (nginx logs a request just after it answers). */
  const accessLogWhen = (what: string, ready: (lines: ReturnType<typeof accessLog>) => boolean) =>
    waitFor(what, async () => {
      const lines = accessLog();
      return ready(lines) && lines;
    });

  function result(i: number): ResultEntry {
    const d = def.devices[i];
    if (!d) throw new Error(`no device ${i}`);
    return demoPresidentResult(def, d, i % 5);
  }

  const post = (entry: ResultEntry) =>
    http(`${front}/api/v1/results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entry),
    });

  /** Sends results first..first+n-1 through the front, 8 at a time; each must get a receipt. */
  async function sendResults(n: number): Promise<void> {
    const last = next + n;
    const worker = async () => {
      while (next < last) {
        const i = next++;
        const res = await post(result(i));
        assert.equal(res.status, 201, `result ${i}: ${res.body}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  const frontSize = async () =>
    Number((await http(`${front}/log/checkpoint`)).body.toString().split('\n')[1]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kura-cluster-'));
    const made = await kuraIn(
      dir,
      'election',
      'synthetic',
      '--stations',
      '400',
      '--president-only',
      '--out',
      'el',
    );
    assert.equal(made.code, 0, made.stderr);
    def = JSON.parse(readFileSync(join(dir, 'el/definition.json'), 'utf8')) as ElectionDefinition;
    db = await createTestDatabase();
    cluster = spawn(
      process.execPath,
      [...kuraCommand(), 'cluster', '--db', db.url, '--election', join(dir, 'el'), '--port', '0'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cluster.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    cluster.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    const exited = new Promise<never>((_, reject) =>
      cluster.once('exit', (code) =>
        reject(new Error(`kura cluster exited (${code}):\n${output}`)),
      ),
    );
    await Promise.race([
      exited,
      waitFor('kura cluster serves', async () => /serving on http/.test(output), 600_000),
    ]);
    for (const m of output.matchAll(
      /^kura cluster: (front|writer|standby|reader \d+) +(http:\/\/(\S+)) +pid (\d+)/gm,
    ))
      members.set(m[1] as string, {
        url: m[2] as string,
        hostPort: m[3] as string,
        pid: Number(m[4]),
      });
    front = member('front').url;
    frontDir = /the front's config, cache and access log: (\S+)/.exec(output)?.[1] as string;
    assert.ok(frontDir, output);
    assert.deepEqual(
      [...members.keys()].sort(),
      ['front', 'reader 1', 'reader 2', 'standby', 'writer'],
      'one line per process, with its role',
    );
  });

  after(async () => {
    if (cluster && cluster.exitCode === null) {
      const done = new Promise((r) => cluster.once('exit', r));
      cluster.kill('SIGTERM');
      await done;
    }
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a result sent to the front gets its receipt from the writer', async () => {
    const entry = result(next++);
    const sent = await post(entry);
    assert.equal(sent.status, 201, sent.body.toString());
    const body = JSON.parse(sent.body.toString()) as { index: number; receipt: string };
    assert.equal(body.index, 1);
    const receipt = parseReceipt(body.receipt);
    assert.ok(receipt.ok);
    const vkey = parseVerifierKey(def.logKey);
    assert.ok(vkey.ok);
    assert.ok(openCheckpoint(receipt.value.checkpoint, def.logOrigin, [vkey.value]).ok);
    // The same signed bytes again: the same index (what makes a retry safe).
    const again = await post(entry);
    assert.equal(again.status, 200, again.body.toString());
    assert.equal(JSON.parse(again.body.toString()).index, 1);
    const isPost = (l: { method: string }) => l.method === 'POST';
    const posts = (
      await accessLogWhen('both logged', (log) => log.filter(isPost).length >= 2)
    ).filter(isPost);
    assert.equal(posts.length, 2);
    for (const p of posts)
      assert.equal(p.upstream, member('writer').hostPort, 'sent to the writer');
  });

  test("a device's batch goes to the writer through the front, and again gets the same indexes", async () => {
    const entry = result(next++);
    const send = () =>
      http(`${front}/api/v1/results/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ results: [entry] }),
      });
    const sent = await send();
    assert.equal(sent.status, 201, sent.body.toString());
    const [first] = JSON.parse(sent.body.toString()).results as Array<{ index: number }>;
    const again = await send();
    assert.equal(again.status, 200, again.body.toString());
    assert.equal(JSON.parse(again.body.toString()).results[0].index, first?.index);
    const batches = (log: ReturnType<typeof accessLog>) =>
      log.filter((l) => l.method === 'POST' && l.uri === '/api/v1/results/batch');
    const logged = batches(await accessLogWhen('both logged', (log) => batches(log).length >= 2));
    for (const l of logged)
      assert.equal(l.upstream, member('writer').hostPort, 'sent to the writer');
  });

  test('reads through the front come from the readers, never the writer', async () => {
    await waitFor('the readers show the result', async () => (await frontSize()) >= 2);
    const paths = [
      '/api/v1/tally/president',
      '/api/v1/election',
      '/api/v1/contests',
      '/log/key',
      '/',
      '/api/v1/units',
      `/api/v1/candidates/president`,
    ];
    for (const p of paths) {
      const viaFront = await http(`${front}${p}`);
      assert.ok(viaFront.status < 500, `${p}: ${viaFront.status}`);
    }
    const reads = (
      await accessLogWhen('the reads logged', (log) =>
        paths.every((p) => log.some((l) => l.uri === p)),
      )
    ).filter((l) => paths.includes(l.uri) && l.upstream !== '-');
    assert.ok(reads.length >= 5, `${reads.length} reads reached an upstream`);
    for (const r of reads)
      assert.ok(
        readerHostPorts().includes(r.upstream),
        `${r.uri} was read from ${r.upstream}, not a reader (${readerHostPorts()})`,
      );
    assert.deepEqual(
      [...new Set(reads.map((r) => r.upstream))].sort(),
      readerHostPorts().sort(),
      'both readers serve',
    );
  });

  test('a full tile is a miss, then a hit, and never fetched again', async () => {
    await sendResults(300);
    await waitFor('the readers show 257 entries', async () => (await frontSize()) >= 257);
    const tile = '/log/tile/0/000';
    const first = await http(`${front}${tile}`);
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache-status'], 'MISS');
    assert.equal(first.body.length, 256 * 32);
    const direct = await http(`${member('reader 1').url}${tile}`);
    assert.ok(equal(first.body, direct.body), 'the bytes the reader serves');
    for (let i = 0; i < 3; i++) {
      const again = await http(`${front}${tile}`);
      assert.equal(again.status, 200);
      assert.equal(again.headers['x-cache-status'], 'HIT');
      assert.ok(equal(again.body, first.body));
    }
    const requests = (
      await accessLogWhen('the four logged', (log) => log.filter((l) => l.uri === tile).length >= 4)
    ).filter((l) => l.uri === tile);
    assert.deepEqual(
      requests.map((l) => l.cache),
      ['MISS', 'HIT', 'HIT', 'HIT'],
    );
    assert.equal(requests.filter((l) => l.upstream !== '-').length, 1, 'fetched once, then never');
  });

  test('a tally is served from the cache within its max-age and refreshed after it', async () => {
    const url = `${front}/api/v1/tally/president`;
    const gz = { 'accept-encoding': 'gzip' };
    let observed = false;
    for (let attempt = 0; attempt < 20 && !observed; attempt++) {
      // A fresh copy in the front's cache (a miss, or an expired entry fetched again).
      const filled = await waitFor('a fill of the tally', async () => {
        const r = await http(url, { headers: gz });
        return r.headers['x-cache-status'] !== 'HIT' && r;
      });
      const filledAt = performance.now();
      const maxAge = Number(/max-age=(\d+)/.exec(String(filled.headers['cache-control']))?.[1]);
      assert.ok(maxAge > 0, String(filled.headers['cache-control']));
      const oldTag = filled.headers.etag;
      // A client that holds this version is told so (the ETag), without the body.
      const notModified = await http(url, {
        headers: { ...gz, 'if-none-match': String(oldTag) },
      });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.body.length, 0);
      // A new result changes the tally: the readers have it at once ...
      const sent = await post(result(next++));
      assert.equal(sent.status, 201);
      await waitFor('a reader shows the new tally', async () => {
        const r = await http(`${member('reader 1').url}/api/v1/tally/president`);
        return r.headers.etag !== oldTag;
      });
      const cached = await http(url, { headers: gz });
      // ... the front does not, while the copy it holds is fresh. A check that
      // took longer than the max-age proves nothing either way: try again.
      if (performance.now() - filledAt > maxAge * 1000 * 0.75) continue;
      assert.equal(cached.headers['x-cache-status'], 'HIT');
      assert.equal(cached.headers.etag, oldTag, 'the cached version');
      assert.ok(equal(cached.body, filled.body));
      observed = true;
      // After the max-age the front fetches the new version.
      const refreshed = await waitFor('the front shows the new tally', async () => {
        const r = await http(url, { headers: gz });
        return r.headers.etag !== oldTag && r;
      });
      assert.notEqual(refreshed.headers['x-cache-status'], 'HIT', 'fetched from a reader');
      assert.ok(performance.now() - filledAt >= maxAge * 1000 * 0.5, 'not before the max-age');
    }
    assert.ok(observed, 'the front was never checked within the max-age (20 tries)');
  });

  test('gzip: the readers made it, the front keeps it, and it decompresses to the same bytes', async () => {
    const url = `${front}/api/v1/tally/president`;
    const zipped = await http(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers.vary), /accept-encoding/i);
    const plain = await waitFor('the same version, uncompressed', async () => {
      const r = await http(url, { headers: { 'accept-encoding': 'identity' } });
      return r.headers.etag === zipped.headers.etag && r;
    });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(gunzipSync(zipped.body), plain.body);
    JSON.parse(plain.body.toString());
    // gzip;q=0 refuses gzip: the plain body.
    const refused = await http(url, { headers: { 'accept-encoding': 'gzip;q=0, deflate' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    // The portal's built script (npm test builds it): gzipped once by the
    // reader, then served from the front's cache with the same bytes inside.
    const page = (await http(`${front}/`)).body.toString();
    const script = /\/assets\/[^"]+\.js/.exec(page)?.[0];
    assert.ok(script, 'the portal page names its script (is the portal built?)');
    const gzipped = [];
    for (let i = 0; i < 2; i++)
      gzipped.push(await http(`${front}${script}`, { headers: { 'accept-encoding': 'gzip' } }));
    const scriptPlain = await http(`${front}${script}`);
    assert.deepEqual(
      gzipped.map((r) => [r.headers['content-encoding'], r.headers['x-cache-status']]),
      [
        ['gzip', 'MISS'],
        ['gzip', 'HIT'],
      ],
    );
    assert.deepEqual(gzipped[0]?.body, gzipped[1]?.body);
    assert.deepEqual(gunzipSync(gzipped[1]?.body as Buffer), scriptPlain.body);
    assert.equal(scriptPlain.headers['content-encoding'], undefined);
  });

  test('live updates stream through the front from a reader, unbuffered, as results arrive', async () => {
    let text = '';
    let wake = () => {};
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const req = request(`${front}/log/events`, (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        wake();
      });
    });
    req.end();
    /** The tree sizes of the checkpoint events received so far (their ids). */
    const ids = () => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    try {
      // The first event comes at once: nginx passes the stream through as it comes.
      await until(() => ids().length >= 1);
      assert.equal(status, 200);
      assert.match(String(headers['content-type']), /^text\/event-stream/);
      assert.equal(headers['x-cache-status'], undefined, 'never through the cache');
      const first = ids()[0] as number;
      const sent = await post(result(next++));
      assert.equal(sent.status, 201);
      await until(() => ids().some((id) => id > first));
      const streamed = accessLog().filter((l) => l.uri === '/log/events');
      // The stream is still open, so nginx has not logged it yet: the upstream is checked by its close.
      assert.equal(streamed.length, 0);
    } finally {
      req.destroy();
    }
    const logged = (
      await accessLogWhen('the stream logged', (log) => log.some((l) => l.uri === '/log/events'))
    ).filter((l) => l.uri === '/log/events');
    assert.ok(readerHostPorts().includes(logged[0]?.upstream as string), 'streamed by a reader');
  });

  test('every kura server queues 4,096 connections', () => {
    // A listening socket's Send-Q is its backlog (iproute2's ss). A full queue
    // drops the handshake, and the client then waits out a SYN retransmit.
    const backlog = (hostPort: string) => {
      const port = hostPort.split(':').at(-1);
      const r = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return Number(r.stdout.trim().split(/\s+/)[2]);
    };
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    for (const name of ['writer', 'reader 1', 'reader 2'])
      assert.equal(backlog(member(name).hostPort), Math.min(4096, somaxconn), name);
  });

  test('kill -9 of the writer: the standby takes over behind the front, no fork', async () => {
    const before = (await http(`${front}/log/checkpoint`)).body.toString();
    const vkey = parseVerifierKey(def.logKey);
    assert.ok(vkey.ok);
    const seen = openCheckpoint(before, def.logOrigin, [vkey.value]);
    assert.ok(seen.ok);
    process.kill(member('writer').pid, 'SIGKILL');

    // The same front, no reconfiguration: a result goes through once the standby serves.
    const entry = result(next++);
    const logged = await waitFor('a receipt after the failover', async () => {
      const r = await post(entry);
      if (r.status === 201 || r.status === 200) return r;
      assert.ok([502, 503].includes(r.status), `${r.status}: ${r.body}`);
      return false;
    });
    const receipt = parseReceipt(JSON.parse(logged.body.toString()).receipt);
    assert.ok(receipt.ok);
    const lastPost = (log: ReturnType<typeof accessLog>) =>
      log.filter((l) => l.method === 'POST').at(-1);
    const last = lastPost(
      await accessLogWhen('the receipt logged', (log) =>
        [200, 201].includes(lastPost(log)?.status ?? 0),
      ),
    );
    assert.equal(
      last?.upstream.split(', ').at(-1),
      member('standby').hostPort,
      'the standby signed it',
    );
    const now = openCheckpoint(receipt.value.checkpoint, def.logOrigin, [vkey.value]);
    assert.ok(now.ok, 'the new writer signs with the log key');
    const m = seen.value.checkpoint;
    const n = now.value.checkpoint;
    assert.ok(n.size > m.size);
    // The consistency proof, from tiles read through the front once the readers follow.
    await waitFor('the readers follow the new writer', async () => (await frontSize()) >= n.size);
    const proof = await proveConsistent(
      m.size,
      m.rootHash,
      n.size,
      n.rootHash,
      serverTileReader(new HttpLogReader(front)),
    );
    assert.ok(proof.ok, `no fork between ${m.size} and ${n.size}: ${proof.ok || proof.error}`);
    await waitFor('kura cluster says so', async () => /took over as the writer/.test(output));
    // Started again once the new writer answers promptly, or after the cap on a machine so
    // loaded that it does not (prompt-wait.test.ts holds each ending to its cause).
    await waitFor('the old writer stands by again', async () =>
      /the old writer stands by again \(pid \d+\), the new writer (answering promptly|still slow) after/.test(
        output,
      ),
    );
    assert.match(
      output,
      /took over as the writer\n(?:.*\n)*?kura cluster: the old writer stands by again once the new one answers promptly \(at most 30 s\)\n/,
    );
  });
});

// The public night's reads through Debian's wrk (src/bench/wrk.ts): a real wrk
// against a real HTTP server here, which counts what it was asked. Every path
// is asked in turn with the headers given, a 404 is counted as non-2xx, wrk's
// CPU is read, cut connections are errors, and a run that prints no totals (a
// broken script: wrk then asks for "/" and exits 0) is an error, not a run of
// zeros.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { findWrk, parseWrkTotals, runWrk, wrkScript } from '../../src/bench/wrk.js';

const wrk = findWrk();

/** The niceness of each running process named wrk (field 19 of /proc/<pid>/stat). */
function wrkNiceness(): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes(' (wrk) ')) continue;
      found.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // gone
    }
  }
  return found;
}
// In CI wrk is installed (.ci/run), and a missing one is a failure.
const missing = !process.env.CI && !wrk && 'no wrk (apt-get install wrk)';

/** Runs `use` against an HTTP server answering with `handler` on a free port, then closes it. */
async function withServer<T>(
  handler: Parameters<typeof createServer>[1],
  use: (url: string) => Promise<T>,
): Promise<T> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await use(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('the reads through wrk', { skip: missing }, () => {
  test('asks every path in turn with the headers, and counts what the server answered', async () => {
    const asked = new Map<string, number>();
    let niceness: number[] | undefined;
    let gzip = 0;
    let all = 0;
    const server = createServer((req, res) => {
      all++;
      niceness ??= wrkNiceness();
      asked.set(req.url ?? '', (asked.get(req.url ?? '') ?? 0) + 1);
      if (req.headers['accept-encoding'] === 'gzip, br') gzip++;
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(100));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const connections = 4;
    try {
      const w = await runWrk({
        wrk: wrk as string,
        url: `http://127.0.0.1:${port}`,
        paths: ['/a', '/b?c=%2F', '/missing'],
        connections,
        seconds: 1,
        headers: { 'accept-encoding': 'gzip, br' },
        // At nice 19 on a machine busy with other tests wrk may get too little CPU to count on.
        nice: 0,
      });
      assert.deepEqual(niceness, [0]);
      assert.ok(w.requests > 30, `wrk answered ${w.requests}`);
      // wrk counts the answers it read; the server may have answered a few more as the run ended.
      assert.ok(all >= w.requests && all <= w.requests + connections, `${all} vs ${w.requests}`);
      assert.equal(gzip, all, 'every request carries the header');
      assert.deepEqual([...asked.keys()].sort(), ['/a', '/b?c=%2F', '/missing']);
      const counts = [...asked.values()];
      // Round robin: each connection's requests cycle through the paths.
      assert.ok(Math.max(...counts) - Math.min(...counts) <= connections, String(counts));
      const missingAnswers = asked.get('/missing') ?? 0;
      assert.ok(
        w.non2xx <= missingAnswers && w.non2xx >= missingAnswers - connections,
        `${w.non2xx} non-2xx, ${missingAnswers} asked`,
      );
      assert.deepEqual(w.errors, { connect: 0, read: 0, write: 0, timeout: 0 });
      assert.ok(w.seconds >= 0.9 && w.seconds < 5, `${w.seconds} s`);
      assert.ok(w.bytes >= w.requests * 100, 'bytes read');
      assert.ok(w.latencyMs.p50 <= w.latencyMs.p99 && w.latencyMs.p99 <= w.latencyMs.max);
      // A second of wrk at full speed uses CPU (clock ticks of 10 ms).
      assert.ok(w.cpuSeconds > 0, `wrk's CPU: ${w.cpuSeconds} s`);
    } finally {
      server.close();
    }
  });

  test('runs at the niceness asked', async () => {
    let niceness: number[] | undefined;
    const w = await withServer(
      (_req, res) => {
        niceness ??= wrkNiceness();
        res.end('ok');
      },
      (url) =>
        runWrk({ wrk: wrk as string, url, paths: ['/'], connections: 1, seconds: 1, nice: 19 }),
    );
    assert.ok(w.requests > 0, 'at least one answer');
    assert.deepEqual(niceness, [19]);
  });

  test('a run without its totals line fails', async () => {
    await assert.rejects(
      runWrk({
        wrk: wrk as string,
        url: 'http://127.0.0.1:1',
        paths: [],
        connections: 1,
        seconds: 1,
      }),
      /at least one path/,
    );
    assert.throws(
      () => parseWrkTotals('Running 1s test @ http://127.0.0.1:1\nRequests/sec: 0\n', 0),
      /printed no totals/,
    );
  });

  test('cut connections are counted as errors; a server that refuses from the start fails the run', async () => {
    let cut = 0;
    const server = createServer((req, res) => {
      if (req.url === '/cut') {
        cut++;
        req.socket.destroy();
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const w = await runWrk({
        wrk: wrk as string,
        url: `http://127.0.0.1:${port}`,
        paths: ['/a', '/cut'],
        connections: 2,
        seconds: 1,
      });
      assert.ok(cut > 0);
      const { connect, read, write, timeout } = w.errors;
      assert.ok(connect + read + write + timeout > 0, JSON.stringify(w.errors));
      assert.equal(w.non2xx, 0);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    // Now nothing listens on that port.
    await assert.rejects(
      runWrk({
        wrk: wrk as string,
        url: `http://127.0.0.1:${port}`,
        paths: ['/'],
        connections: 1,
        seconds: 1,
      }),
      /wrk exited with 1: unable to connect/,
    );
  });
});

describe("wrk's script", () => {
  test('holds the paths and headers as Lua strings, and refuses what it cannot spell', () => {
    const s = wrkScript(['/t/"q"', '/u\\v'], { 'x-a': 'b' });
    assert.match(s, /"\/t\/\\"q\\""/);
    assert.match(s, /"\/u\\\\v"/);
    assert.match(s, /\["x-a"\] = "b"/);
    assert.throws(() => wrkScript(['/é'], {}), /printable ASCII/);
    assert.throws(() => wrkScript(['/a\n'], {}), /printable ASCII/);
  });
});

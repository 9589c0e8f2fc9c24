// untilPrompt, against a real HTTP server that holds its answers while the
// test says so: no prompt end while answers are held, a prompt end once they
// come at once, a streak broken by a slow answer starts again, the cap ends a
// wait on a server that never answers promptly, and an abort ends it at once.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type PromptWaitOptions, untilPrompt } from '../../src/cluster/prompt-wait.js';

/** Answers each request at once, or holds it (the answer never comes) as `answer` says. */
class ProbedServer {
  requests = 0;
  answer: (n: number) => boolean = () => true;
  private readonly held: ServerResponse[] = [];
  private server: Server = createServer((_req, res) => {
    this.requests++;
    if (this.answer(this.requests)) res.end('ok');
    else this.held.push(res);
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/log/checkpoint`;
  }
  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
  /** Resolves once the server has seen `n` requests in all. */
  async seen(n: number): Promise<void> {
    while (this.requests < n) await new Promise((r) => setTimeout(r, 5));
  }
}

const FAST: PromptWaitOptions = { promptMs: 50, inARow: 3, everyMs: 5, capMs: 600_000 };

describe('untilPrompt: the old writer waits for the new one to answer promptly', () => {
  const server = new ProbedServer();
  before(() => server.start());
  after(() => server.close());

  test('no end while the answers are held; prompt once they come at once', async () => {
    server.requests = 0;
    server.answer = () => false;
    let settled = false;
    const wait = untilPrompt(server.url, FAST, new AbortController().signal).then((end) => {
      settled = true;
      return end;
    });
    await server.seen(5);
    assert.equal(settled, false, 'five slow probes, and still waiting');
    const slow = server.requests;
    server.answer = () => true;
    const end = await wait;
    assert.equal(end.kind, 'prompt');
    assert.ok(end.probes >= slow + FAST.inARow, `${end.probes} probes after ${slow} slow ones`);
  });

  test('a slow answer starts the streak again: every third held, three in a row never come', async () => {
    server.requests = 0;
    server.answer = (n) => n % 3 !== 0;
    const end = await untilPrompt(
      server.url,
      { ...FAST, capMs: 400 },
      new AbortController().signal,
    );
    assert.equal(end.kind, 'cap');
    assert.ok(end.probes >= 3, `${end.probes} probes`);
    assert.ok(end.waitedMs >= 400);
  });

  test('two in a row are enough when two are asked for', async () => {
    server.requests = 0;
    server.answer = (n) => n % 3 !== 0;
    const end = await untilPrompt(server.url, { ...FAST, inARow: 2 }, new AbortController().signal);
    assert.deepEqual([end.kind, end.probes], ['prompt', 2]);
  });

  test('a refused connection is not prompt: the cap ends the wait', async () => {
    const closed = new ProbedServer();
    await closed.start();
    const url = closed.url;
    await closed.close();
    const end = await untilPrompt(url, { ...FAST, capMs: 200 }, new AbortController().signal);
    assert.equal(end.kind, 'cap');
  });

  test('an abort ends the wait at once, even mid-probe', async () => {
    server.requests = 0;
    server.answer = () => false;
    const stop = new AbortController();
    const wait = untilPrompt(server.url, { ...FAST, promptMs: 600_000 }, stop.signal);
    await server.seen(1);
    stop.abort();
    const end = await wait;
    assert.deepEqual([end.kind, end.probes], ['aborted', 1]);
  });
});

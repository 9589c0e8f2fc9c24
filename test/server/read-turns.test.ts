// A writer's public reads take turns with its ingest (src/server/read-turns.ts):
// at most so many reads a pass of the event loop, the rest in arrival order in
// the passes after, with I/O that became ready meanwhile run between; and a
// writer passes its GETs and HEADs through the turns, never its POSTs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ReadTurns } from '../../src/server/read-turns.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

/** Resolves in the check phase of the pass after the turns already queued (setImmediate order). */
const nextPass = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('read turns', () => {
  test('at most perTurn reads run in a pass; the rest run in the passes after, in order', async () => {
    const turns = new ReadTurns(3);
    const ran: number[] = [];
    for (let i = 0; i < 10; i++) turns.admit(() => ran.push(i));
    assert.deepEqual(ran, [0, 1, 2]);
    assert.equal(turns.queued, 7);
    // The three that ran at once spent this pass's budget: its turn serves none.
    await nextPass();
    assert.deepEqual(ran, [0, 1, 2]);
    await nextPass();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
    await nextPass();
    assert.equal(ran.length, 9);
    await nextPass();
    assert.deepEqual(
      ran,
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(turns.queued, 0);
  });

  test('a pass with budget left gives it to those waiting, at its end', async () => {
    const turns = new ReadTurns(4);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) turns.admit(() => ran.push(name));
    await nextPass(); // a-d ran at once; the pass's turn served none
    await nextPass(); // e and f: half of the next pass's budget
    assert.deepEqual(ran, ['a', 'b', 'c', 'd', 'e', 'f']);
    // Later in that pass (this check phase), two more turns are left, and nobody waits.
    turns.admit(() => ran.push('g'));
    turns.admit(() => ran.push('h'));
    assert.deepEqual(ran.slice(6), ['g', 'h']);
  });

  test('a read that arrives while others wait queues behind them, though the pass has turns left', async () => {
    const turns = new ReadTurns(2);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) turns.admit(() => ran.push(name));
    await nextPass(); // a and b spent the first pass's budget; c and d wait
    assert.deepEqual(ran, ['a', 'b']);
    // A new pass's budget, but c and d wait: e and f queue behind them.
    turns.admit(() => ran.push('e'));
    turns.admit(() => ran.push('f'));
    assert.deepEqual(ran, ['a', 'b']);
    await nextPass();
    assert.deepEqual(ran, ['a', 'b', 'c', 'd']);
    await nextPass();
    assert.deepEqual(ran, ['a', 'b', 'c', 'd', 'e', 'f']);
    // Nobody waits: the next read runs at once.
    await nextPass();
    turns.admit(() => ran.push('g'));
    assert.equal(ran.at(-1), 'g');
  });

  test('socket traffic that becomes ready runs between turns, not after every read', async () => {
    // An echo over a real TCP connection: each round trip needs the event loop's I/O phase.
    const server = createServer((s: Socket) => {
      s.on('data', (d) => s.write(d));
      // The client may hang up with an echo in flight: that is its end, not a failure.
      s.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = new Socket();
    client.connect(port, '127.0.0.1');
    await once(client, 'connect');
    let echoes = 0;
    let reading = true;
    client.on('data', () => {
      echoes++;
      if (reading) client.write('x');
    });
    try {
      const turns = new ReadTurns(2);
      let served = 0;
      let echoesWhenHalfServed = -1;
      const reads = 200;
      const done = new Promise<void>((resolve) => {
        for (let i = 0; i < reads; i++)
          turns.admit(() => {
            served++;
            if (served === reads / 2) echoesWhenHalfServed = echoes;
            if (served === reads) resolve();
          });
      });
      client.write('x');
      await done;
      reading = false;
      assert.ok(
        echoesWhenHalfServed > 0,
        `the echo ran ${echoesWhenHalfServed} times while the first ${reads / 2} reads were served`,
      );
    } finally {
      reading = false;
      client.end();
      await once(client, 'close');
      server.close();
      await once(server, 'close');
    }
  });

  test('perTurn must be a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new ReadTurns(bad), /whole number/);
  });
});

/** Counts what the writer passes through its turns. */
class CountedTurns extends ReadTurns {
  admitted = 0;
  mostQueued = 0;
  override admit(go: () => void): void {
    this.admitted++;
    super.admit(go);
    this.mostQueued = Math.max(this.mostQueued, this.queued);
  }
}

describe('a writer serves its reads in turns', () => {
  let t: TestLog;
  const turns = new CountedTurns(2);
  before(async () => {
    t = await newTestLog('pglite', { server: { readTurns: turns } });
  });
  after(async () => t?.close());

  test('GET and HEAD take turns; a result sent in does not', async () => {
    const get = await t.running.app.inject({ method: 'GET', url: '/api/v1/tally/president' });
    assert.equal(get.statusCode, 200);
    const head = await t.running.app.inject({ method: 'HEAD', url: '/log/checkpoint' });
    assert.equal(head.statusCode, 200);
    assert.equal(turns.admitted, 2);
    const station = t.definition.stations[0]?.code as string;
    const post = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: t.result(station),
    });
    assert.equal(post.statusCode, 201, post.body);
    assert.equal(turns.admitted, 2);
  });

  test('reads sent together wait their turns and all get their answer', async () => {
    const before = turns.admitted;
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.running.app.inject({ method: 'GET', url: '/api/v1/tally/president' }),
      ),
    );
    assert.equal(turns.admitted - before, 40);
    assert.ok(turns.mostQueued > 0, 'some reads waited for a later pass');
    assert.equal(turns.queued, 0);
    const bodies = new Set(answers.map((a) => `${a.statusCode} ${a.body}`));
    assert.equal(bodies.size, 1);
    assert.match([...bodies][0] as string, /^200 /);
  });
});

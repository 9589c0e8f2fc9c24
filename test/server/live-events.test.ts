// Live updates over real HTTP: GET /log/events streams the served checkpoint
// at connect and again as results arrive, from the writer and from a
// read-only reader following the store; past the cap a client gets 503 with
// Retry-After; heartbeats keep an idle stream open past the idle timeout; the
// streams end when the server closes. And /log/checkpoint's cache headers:
// a short max-age and an ETag that answers 304.
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

interface ServerEvent {
  id: string;
  event: string;
  data: string;
}

/** An open event stream, parsed as EventSource would. */
interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  events: ServerEvent[];
  comments: number;
  retry: number | null;
  ended: Promise<void>;
  /** Resolves with the first event (seen or to come) that satisfies `pred`. */
  next(pred: (e: ServerEvent) => boolean): Promise<ServerEvent>;
  /** Resolves once `pred` holds of the stream (checked on every chunk). */
  until(pred: () => boolean): Promise<void>;
  close(): void;
}

function openStream(base: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/log/events`, { headers }, (res) => {
      let buffer = '';
      const waiters: Array<() => void> = [];
      const wake = () => {
        for (const w of waiters.splice(0)) w();
      };
      let endedResolve = () => {};
      const s: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        comments: 0,
        retry: null,
        ended: new Promise((r) => {
          endedResolve = r;
        }),
        async next(pred) {
          for (;;) {
            const found = s.events.find(pred);
            if (found) return found;
            await new Promise<void>((r) => waiters.push(r));
          }
        },
        async until(pred) {
          while (!pred()) await new Promise<void>((r) => waiters.push(r));
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        s.body += chunk;
        buffer += chunk;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const e: ServerEvent = { id: '', event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) s.comments++;
            else if (line.startsWith('retry: ')) s.retry = Number(line.slice(7));
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) s.events.push({ ...e, data: `${data.join('\n')}\n` });
        }
        wake();
      });
      res.on('end', () => {
        endedResolve();
        wake();
      });
      res.on('error', () => endedResolve());
      resolve(s);
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function checkpointNote(app: FastifyInstance): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/log/checkpoint' })).body;
}

describe('live updates (GET /log/events) and the checkpoint cache headers', () => {
  let t: TestLog;
  let reader: RunningLog;
  let writerUrl: string;
  let readerUrl: string;
  let next = 0;

  async function submit(): Promise<void> {
    const station = t.definition.stations[next++]?.code as string;
    const r = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: t.result(station),
    });
    assert.equal(r.statusCode, 201, r.body);
  }

  before(async () => {
    t = await newTestLog('pglite', {
      stations: 12,
      server: {
        liveEvents: { maxStreams: 3, heartbeatMs: 40, watchMs: 20 },
        // A silent connection is closed after 300 ms: only the heartbeat keeps a stream open.
        timeouts: { idleMs: 300 },
      },
    });
    writerUrl = await listen(t.running.app);
    reader = await startLog({
      store: t.store,
      signer: null,
      server: { liveEvents: { watchMs: 20 } },
    });
    readerUrl = await listen(reader.app);
  });
  after(async () => {
    await reader?.close();
    await t?.close();
  });

  test('the writer streams its checkpoint at connect, then each new one as results arrive', async () => {
    const s = await openStream(writerUrl);
    try {
      assert.equal(s.status, 200);
      assert.match(String(s.headers['content-type']), /^text\/event-stream/);
      assert.equal(s.headers['cache-control'], 'no-store, no-transform');
      assert.equal(s.headers['x-accel-buffering'], 'no');
      // The security headers are there, though the stream bypasses the reply.
      assert.equal(s.headers['x-content-type-options'], 'nosniff');
      const first = await s.next(() => true);
      assert.equal(first.event, 'checkpoint');
      const note = await checkpointNote(t.running.app);
      assert.equal(first.data, note);
      assert.equal(first.id, note.split('\n')[1]);
      assert.equal(s.retry, 5000);
      await submit();
      const grown = await s.next((e) => Number(e.id) > Number(first.id));
      assert.equal(grown.event, 'checkpoint');
      assert.equal(grown.data, await checkpointNote(t.running.app));
      assert.equal(grown.id, grown.data.split('\n')[1]);
    } finally {
      s.close();
    }
  });

  test('a read-only reader streams too: it learns of growth from the store', async () => {
    const s = await openStream(readerUrl, { 'last-event-id': '1' });
    try {
      assert.equal(s.status, 200);
      const first = await s.next(() => true);
      // Whatever the client last saw, the current checkpoint comes first.
      assert.equal(first.data, await checkpointNote(reader.app));
      await submit();
      const size = Number((await checkpointNote(t.running.app)).split('\n')[1]);
      const grown = await s.next((e) => Number(e.id) >= size);
      assert.ok(Number(grown.id) > Number(first.id));
      assert.equal(grown.data, await checkpointNote(reader.app));
    } finally {
      s.close();
    }
  });

  test('heartbeats keep an idle stream open past the idle timeout', async () => {
    const s = await openStream(writerUrl);
    let ended = false;
    void s.ended.then(() => {
      ended = true;
    });
    try {
      // 20 heartbeats 40 ms apart: well past the 300 ms a silent socket lives.
      await s.until(() => s.comments >= 20 || ended);
      assert.equal(ended, false, 'the stream was closed');
      assert.ok(s.body.includes(': heartbeat\n\n'));
    } finally {
      s.close();
    }
  });

  test('past the cap a client gets 503 with Retry-After, and a stream again once one closes', async () => {
    const open = [await openStream(writerUrl), await openStream(writerUrl)];
    open.push(await openStream(writerUrl));
    try {
      for (const s of open) assert.equal(s.status, 200);
      const refused = await openStream(writerUrl);
      await refused.ended;
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '60');
      assert.equal(JSON.parse(refused.body).error.code, 'LIVE_STREAMS_FULL');
      // A result is still taken and receipted while the streams are full.
      await submit();
      (open.shift() as Stream).close();
      // The server sees the close a moment later: ask until it has.
      let again = await openStream(writerUrl);
      while (again.status === 503) {
        await again.ended;
        await new Promise((r) => setTimeout(r, 20));
        again = await openStream(writerUrl);
      }
      assert.equal(again.status, 200);
      open.push(again);
    } finally {
      for (const s of open) s.close();
    }
  });

  test('GET /log/checkpoint: a short max-age and an ETag of the note; If-None-Match gets 304', async () => {
    const a = await t.running.app.inject({ method: 'GET', url: '/log/checkpoint' });
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['cache-control'], 'public, max-age=2');
    const etag = String(a.headers.etag);
    const size = a.body.split('\n')[1];
    assert.match(etag, new RegExp(`^"${size}-[0-9a-f]{16}"$`));
    const b = await t.running.app.inject({
      method: 'GET',
      url: '/log/checkpoint',
      headers: { 'if-none-match': etag },
    });
    assert.equal(b.statusCode, 304);
    assert.equal(b.body, '');
    assert.equal(b.headers.etag, etag);
    // A new checkpoint is a new tag, and the old one gets the new note.
    await submit();
    let c = await t.running.app.inject({
      method: 'GET',
      url: '/log/checkpoint',
      headers: { 'if-none-match': etag },
    });
    while (c.statusCode === 304) {
      await new Promise((r) => setTimeout(r, 20));
      c = await t.running.app.inject({
        method: 'GET',
        url: '/log/checkpoint',
        headers: { 'if-none-match': etag },
      });
    }
    assert.equal(c.statusCode, 200);
    assert.notEqual(c.headers.etag, etag);
    assert.ok(Number(c.body.split('\n')[1]) > Number(size));
    // The reader, once it has followed the store to the same note, tags it the same way.
    let r = await reader.app.inject({ method: 'GET', url: '/log/checkpoint' });
    while (r.body !== c.body) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      r = await reader.app.inject({ method: 'GET', url: '/log/checkpoint' });
    }
    assert.equal(r.headers.etag, c.headers.etag);
  });

  test('closing the server ends every stream, and close does not wait for them', async () => {
    const other = await startLog({ store: t.store, signer: null });
    const url = await listen(other.app);
    const streams = [await openStream(url), await openStream(url)];
    for (const s of streams) await s.next(() => true);
    const started = performance.now();
    await other.close();
    // Well under the 30 s keep-alive an ended stream's connection would otherwise hold.
    assert.ok(performance.now() - started < 10_000, 'close waited for the streams');
    await Promise.all(streams.map((s) => s.ended));
    for (const s of streams) assert.equal(s.status, 200);
  });
});

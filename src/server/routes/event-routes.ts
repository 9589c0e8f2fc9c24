// Live updates as server-sent events: GET /log/events streams the signed
// checkpoint this process serves, at once on connect and again whenever it
// changes (the tree grew, or it was re-signed or cosigned). Each event carries
// the whole note, with the tree size as its id, so a client that reconnects
// (EventSource sends Last-Event-ID) has missed nothing: the first event it
// gets is the current state. Every stream hangs off one shared watcher
// (checkpoint-watch.ts) and one heartbeat timer; their number is capped per
// process, and beyond the cap a client gets 503 with Retry-After and polls
// /log/checkpoint instead (a CDN can answer that), so the public's streams
// can never take a station's receipt's share of the process.
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { StoredCheckpoint } from '../../store/store.js';
import type { CheckpointWatch } from '../checkpoint-watch.js';
import { ApiError } from '../errors.js';

export interface LiveEventOptions {
  /** Streams open at once in this process; one more is answered 503. */
  maxStreams: number;
  /** A comment line this often keeps idle proxies and the server's idle timeout from closing a stream. */
  heartbeatMs: number;
  /** How long a refused client should wait before it asks for a stream again (Retry-After). */
  retryAfterS: number;
  /** How long EventSource waits before reconnecting a dropped stream (the "retry:" field). */
  reconnectMs: number;
}

export const DEFAULT_LIVE_EVENTS: LiveEventOptions = {
  maxStreams: 2000,
  heartbeatMs: 15_000,
  retryAfterS: 60,
  reconnectMs: 5_000,
};

/** One checkpoint as an event: the note's lines as data lines, the tree size as the id. */
export function checkpointEvent(cp: StoredCheckpoint): string {
  const lines = cp.note.replace(/\n$/, '').split('\n');
  return `id: ${cp.size}\nevent: checkpoint\n${lines.map((l) => `data: ${l}\n`).join('')}\n`;
}

export const eventRoutes: FastifyPluginAsync<{
  watch: CheckpointWatch;
  options: LiveEventOptions;
}> = async (app, { watch, options }) => {
  const streams = new Set<ServerResponse>();
  let heartbeat: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;

  // A client that does not read what it is sent is dropped, not buffered for.
  const send = (res: ServerResponse, text: string) => {
    if (!res.write(text)) res.destroy();
  };
  const broadcast = (text: string) => {
    for (const res of streams) send(res, text);
  };
  const forget = (res: ServerResponse) => {
    if (!streams.delete(res) || streams.size > 0) return;
    unsubscribe?.();
    unsubscribe = null;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
  };

  app.get('/log/events', (_req, reply) => {
    if (streams.size >= options.maxStreams) {
      const e = new ApiError('LIVE_STREAMS_FULL');
      return reply
        .code(e.status)
        .header('retry-after', String(options.retryAfterS))
        .header('cache-control', 'no-store')
        .send(e.toJSON());
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      // nginx (and proxies that follow it) pass the stream through unbuffered.
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    res.on('close', () => forget(res));
    unsubscribe ??= watch.subscribe((cp) => broadcast(checkpointEvent(cp)));
    heartbeat ??= setInterval(() => broadcast(': heartbeat\n\n'), options.heartbeatMs).unref();
    const cp = watch.current();
    send(res, `retry: ${options.reconnectMs}\n\n${cp ? checkpointEvent(cp) : ''}`);
  });

  // A stream never ends by itself: close ends them all, so the server can stop.
  app.addHook('preClose', (done) => {
    for (const res of [...streams]) {
      // Not kept alive for another request: the server is closing.
      res.end(() => res.socket?.destroy());
      forget(res);
    }
    done();
  });
};

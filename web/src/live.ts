// Live updates, cheaply: the server pushes each new signed checkpoint (a few
// hundred bytes) as a server-sent event (/log/events); when it refuses a
// stream the portal polls /log/checkpoint instead, backing off while nothing
// changes (live-schedule.ts). Pages refetch their figures only when the tree
// has grown. The checkpoint also gives the log status shown on
// every page: tree size, how long ago the log signed, which witnesses cosigned.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { pollDelay, streamRetryDelay } from './live-schedule';
import type { LogStatus } from './log-status';
import { compiledTrustRoot } from './trust-root';

export type { LogStatus };

export interface Live {
  status: LogStatus | null;
  /** Grows whenever the tree grows: pages refetch on change. */
  version: number;
  online: boolean;
  /** Seconds since this page last heard from the server, for "signed … ago". */
  now: number;
}

export const LiveContext = createContext<Live>({ status: null, version: 0, online: true, now: 0 });
export const useLive = () => useContext(LiveContext);

export function useLiveFeed(): Live {
  const [live, setLive] = useState<Live>({
    status: null,
    version: 0,
    online: true,
    now: Date.now() / 1000,
  });
  useEffect(() => {
    let stopped = false;
    let logKey: string | null = null;
    let lastSize = -1;
    let pollTimer = 0;
    let streamTimer = 0;
    let polling = false;
    let quiet = 0;
    let source: EventSource | null = null;
    // The page's trust root names the log key; a page without one asks the server.
    const key = async () =>
      (logKey ??= compiledTrustRoot()?.logKey ?? (await (await fetch('/log/key')).text()).trim());
    let statusCode: Promise<typeof import('./log-status')> | null = null;
    /** Shows a checkpoint note; true when the tree grew. */
    const show = async (note: string, key: string): Promise<boolean> => {
      statusCode ??= import('./log-status');
      let readStatus: typeof import('./log-status')['readStatus'];
      try {
        ({ readStatus } = await statusCode);
      } catch (e) {
        statusCode = null; // asked again with the next checkpoint
        throw e;
      }
      const status = readStatus(note, key);
      const grew = status !== null && lastSize >= 0 && status.size !== lastSize;
      if (status) lastSize = status.size;
      if (!stopped)
        setLive((old) => ({
          status: status ?? old.status,
          version: grew ? old.version + 1 : old.version,
          online: true,
          now: Date.now() / 1000,
        }));
      return grew;
    };
    const offline = () => {
      if (!stopped) setLive((old) => ({ ...old, online: false, now: Date.now() / 1000 }));
    };
    const poll = async () => {
      let news = false;
      try {
        const k = await key();
        // Revalidated with the ETag each time: an unchanged checkpoint is a 304
        // (from a CDN, mostly), never a copy kept from before the wait.
        const r = await fetch('/log/checkpoint', { cache: 'no-cache' });
        if (!r.ok) throw new Error(String(r.status));
        news = await show(await r.text(), k);
      } catch {
        offline();
      }
      quiet = news ? 0 : quiet + 1;
      if (!stopped && polling)
        pollTimer = window.setTimeout(poll, pollDelay(quiet, Math.random, document.hidden));
    };
    const startPolling = () => {
      if (polling || stopped) return;
      polling = true;
      quiet = 0;
      void poll();
    };
    const listen = async () => {
      if (stopped) return;
      if (typeof EventSource === 'undefined') return startPolling();
      let k: string;
      try {
        k = await key();
      } catch {
        offline();
        return startPolling();
      }
      if (stopped) return;
      const es = new EventSource('/log/events');
      source = es;
      es.addEventListener('checkpoint', (e) => {
        if (polling) {
          polling = false;
          clearTimeout(pollTimer);
        }
        show(`${(e as MessageEvent<string>).data}\n`, k).catch(offline);
      });
      es.onerror = () => {
        if (es.readyState !== EventSource.CLOSED) return offline(); // it reconnects by itself
        // Refused (503 at the server's cap) or not served: poll, and ask again later.
        source = null;
        startPolling();
        streamTimer = window.setTimeout(() => void listen(), streamRetryDelay(Math.random));
      };
    };
    void listen();
    // "Signed … ago" keeps counting between checkpoints.
    const clock = window.setInterval(
      () => setLive((old) => ({ ...old, now: Date.now() / 1000 })),
      10_000,
    );
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(pollTimer);
      clearTimeout(streamTimer);
      clearInterval(clock);
    };
  }, []);
  return live;
}

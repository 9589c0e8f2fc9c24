// Live updates, cheaply: the portal polls the small signed checkpoint
// (/log/checkpoint, a few hundred bytes) and refetches the page's figures only
// when the tree has grown. The checkpoint also gives the log status shown on
// every page: tree size, how long ago the log signed, which witnesses cosigned.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureTimestamp, SIG_TYPE_COSIGNATURE_V1 } from '../../src/log/cosignature.js';
import { computeKeyId, decodeVerifierKey, parseNote } from '../../src/log/note.js';
import { compiledTrustRoot } from './trust-root';

const POLL_MS = 4000;

export interface LogStatus {
  origin: string;
  size: number;
  /** POSIX seconds of the log's own timestamped signature, if present. */
  signedAt: number | null;
  /** Cosigners other than the log itself, by name, with their timestamps. */
  witnesses: Array<{ name: string; keyId: number; time: number | null }>;
  /** The log key the server names now. */
  logKey: string;
  note: string;
}

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

/** Reads a checkpoint note's status; the note is untrusted here (Verify checks it). */
export function readStatus(note: string, logKey: string): LogStatus | null {
  const parsed = parseNote(note);
  if (!parsed.ok) return null;
  const cp = parseCheckpoint(parsed.value.text);
  if (!cp.ok) return null;
  const key = decodeVerifierKey(logKey);
  const logName = key.ok ? key.value.name : '';
  const logIds = key.ok
    ? new Set([
        key.value.keyId,
        computeKeyId(key.value.name, SIG_TYPE_COSIGNATURE_V1, key.value.publicKey),
      ])
    : new Set<number>();
  let signedAt: number | null = null;
  const witnesses: LogStatus['witnesses'] = [];
  for (const s of parsed.value.signatures) {
    const own = s.name === logName && logIds.has(s.keyId);
    const time = cosignatureTimestamp(s) ?? null;
    if (own) {
      if (time !== null) signedAt = time;
    } else witnesses.push({ name: s.name, keyId: s.keyId, time });
  }
  return { origin: cp.value.origin, size: cp.value.size, signedAt, witnesses, logKey, note };
}

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
    let timer = 0;
    const poll = async () => {
      try {
        // The page's trust root names the log key; a page without one asks the server.
        logKey ??= compiledTrustRoot()?.logKey ?? (await (await fetch('/log/key')).text()).trim();
        const r = await fetch('/log/checkpoint', { cache: 'no-cache' });
        if (!r.ok) throw new Error(String(r.status));
        const status = readStatus(await r.text(), logKey);
        if (!stopped)
          setLive((old) => ({
            status,
            version:
              status && old.status && status.size !== old.status.size
                ? old.version + 1
                : old.version,
            online: true,
            now: Date.now() / 1000,
          }));
      } catch {
        if (!stopped) setLive((old) => ({ ...old, online: false, now: Date.now() / 1000 }));
      }
      if (!stopped) timer = window.setTimeout(poll, document.hidden ? POLL_MS * 4 : POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return live;
}

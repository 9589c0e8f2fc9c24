// The server's JSON, typed as the portal uses it: the answers are the server's
// own types (src/api/contract.ts, docs/FORMATS.md §10), so a change on one
// side that the other does not follow fails tsc.
// fetch() goes through the browser's HTTP cache: tally answers carry ETags
// and max-age=2, so repeated reads are revalidated cheaply (304).
import { useEffect, useState } from 'preact/hooks';

export type {
  Candidate,
  ContestInfo,
  ContestsAnswer,
  ErrorAnswer,
  Level,
  PartyTally,
  RaceTally,
  SearchAnswer,
  StationAnswer,
  StationResult,
  TallyAnswer,
  UnitAnswer,
  UnitRef,
  UnitTally,
  WardStationsAnswer,
} from '../../src/api/contract.js';

/** A refusal: the HTTP status and the server's error code (null when it sent none). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, { headers: { accept: 'application/json' }, ...init });
  if (!r.ok) {
    let message = `${r.status} ${r.statusText}`;
    let code: string | null = null;
    try {
      const e = ((await r.json()) as { error?: { code?: string; message?: string } }).error;
      message = e?.message ?? message;
      code = e?.code ?? null;
    } catch {
      // not JSON
    }
    throw new HttpError(r.status, message, code);
  }
  return (await r.json()) as T;
}

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: Error }
  | { state: 'ready'; data: T; refreshing: boolean };

/** Fetches `url` (null: nothing), again whenever `version` changes, keeping the old data meanwhile. */
export function useJson<T>(url: string | null, version = 0): Loaded<T> {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const [forUrl, setForUrl] = useState<string | null>(null);
  useEffect(() => {
    if (url === null) return;
    let live = true;
    if (forUrl !== url) setValue({ state: 'loading' });
    else setValue((v) => (v.state === 'ready' ? { ...v, refreshing: true } : v));
    // News of a new checkpoint: ask the server (an ETag makes an unchanged answer
    // a 304), not a copy the browser keeps for its max-age from a moment ago.
    getJson<T>(url, version > 0 ? { cache: 'no-cache' } : undefined).then(
      (data) => {
        if (!live) return;
        setForUrl(url);
        setValue({ state: 'ready', data, refreshing: false });
      },
      (error: Error) => {
        if (!live) return;
        // A failed background refresh keeps the figures already on screen.
        setValue((v) =>
          v.state === 'ready' && forUrl === url
            ? { ...v, refreshing: false }
            : { state: 'error', error },
        );
      },
    );
    return () => {
      live = false;
    };
    // forUrl is read, not a trigger.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url, version]);
  return value;
}

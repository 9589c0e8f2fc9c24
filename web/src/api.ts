// The server's JSON, typed as the portal uses it (docs/FORMATS.md §10).
// fetch() goes through the browser's HTTP cache: tally answers carry ETags
// and max-age=2, so repeated reads are revalidated cheaply (304).
import { useEffect, useState } from 'preact/hooks';

/**
 * A unit's tally (§8.1). Within one race (the unit at or below the contest's
 * scope) it counts per candidate (`votes`); above it, where it holds several
 * races, per party (`partyVotes`, with the number of `races`).
 */
export type UnitTally = RaceTally | PartyTally;

export interface RaceTally extends TallyFigures {
  votes: Record<string, number>;
  partyVotes?: never;
  races?: never;
}

export interface PartyTally extends TallyFigures {
  votes?: never;
  partyVotes: Record<string, number>;
  races: number;
}

interface TallyFigures {
  contest: string;
  unit: string;
  totalValid: number;
  rejected: number;
  stationsReported: number;
  stationsExpected: number;
  registeredReported: number;
  registeredExpected: number;
  flagged: Record<string, number>;
  lastEntry: number;
  /** Stations counted with corrected figures (absent while none). */
  corrections?: number;
}

export type Level = 'nation' | 'county' | 'constituency' | 'ward';

export interface TallyAnswer {
  contest: string;
  unit: string;
  level: Level;
  name: string;
  tally: UnitTally;
  children: Array<{ unit: string; name: string; level: Level; tally: UnitTally }>;
}

export interface ContestInfo {
  id: string;
  kind: string;
  title: string;
  scope: Level;
  forms: { station: string; constituency: string; declaration: string };
  races: number;
  candidates: number;
}

export interface ContestsAnswer {
  electionId: string;
  title: string;
  logOrigin: string;
  perStationCap: number | null;
  stations: number;
  contests: ContestInfo[];
}

export interface UnitRef {
  code: string;
  level: Level;
  name: string;
}

export interface UnitAnswer {
  unit: UnitRef & { parent: string | null };
  stations: number;
  ancestors: UnitRef[];
  children: Array<UnitRef & { stations: number }>;
  pollingStations: Array<{ code: string; name: string; registeredVoters: number }>;
}

export interface Candidate {
  id: string;
  name: string;
  party: string;
  unit: string | null;
  simulated?: boolean;
}

export interface StationResult {
  contest: string;
  station: string;
  entryIndex: number;
  device: string;
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
  form: string;
  deviceTime: string;
  flags: string[];
  /** Present when a correction is in force: the figures above are the corrected ones (FORMATS §14.3). */
  correction?: {
    entryIndex: number;
    inForceAt: number;
    /** Indexes of its approvals, in log order (served by the writer). */
    approvals?: number[];
    reason: string;
    original: {
      votes: Record<string, number>;
      rejected: number;
      totalValid: number;
      form: string;
      flags: string[];
    };
  };
}

export interface StationAnswer {
  station: { code: string; name: string; ward: string; registeredVoters: number };
  ward: { code: string; name: string } | null;
  constituency: { code: string; name: string } | null;
  county: { code: string; name: string } | null;
  /** The devices the log knows for the station; enrolment and revocation indexes where official entries made them. */
  devices: Array<{ id: string; publicKey: string; enrolledAt?: number; revokedAt?: number }>;
  results: Record<string, StationResult | null>;
}

export interface WardStationsAnswer {
  contest: string;
  ward: UnitRef;
  stations: Array<{
    code: string;
    name: string;
    registeredVoters: number;
    takesPart: boolean;
    result: StationResult | null;
  }>;
}

export interface SearchAnswer {
  q: string;
  stations: Array<{ code: string; name: string; ward: UnitRef | null; county: UnitRef | null }>;
  units: Array<UnitRef & { parent: UnitRef | null }>;
  more: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, { headers: { accept: 'application/json' }, ...init });
  if (!r.ok) {
    let message = `${r.status} ${r.statusText}`;
    try {
      message = ((await r.json()) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON
    }
    throw new HttpError(r.status, message);
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
    getJson<T>(url).then(
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

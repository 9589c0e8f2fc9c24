// Names for the codes the officials' record speaks in: a polling station or an
// area ("001001" → "Changamwe, Mombasa") and a race's candidates. Each is
// fetched once per page load and shared; until it arrives (or if it cannot be
// had) the code stands in.
import { useEffect, useState } from 'preact/hooks';
import { type Candidate, getJson, type StationAnswer, type UnitAnswer } from './api';

export interface Place {
  /** "Tudor Primary School, Port Reitz, Mombasa" or "Changamwe, Mombasa". */
  name: string;
  /** The ward of a station (its race for ward contests, and where its candidates are listed). */
  ward: string | null;
}

const places = new Map<string, Promise<Place | null>>();
const candidates = new Map<string, Promise<Map<string, Candidate>>>();

/** A station's or an area's name, with its county (or constituency and county) after it. */
function loadPlace(kind: 'station' | 'unit', code: string): Promise<Place | null> {
  const key = `${kind}:${code}`;
  let p = places.get(key);
  if (!p) {
    const enc = encodeURIComponent(code);
    p =
      kind === 'station'
        ? getJson<StationAnswer>(`/api/v1/stations/${enc}`).then((s) => ({
            name: [s.station.name, s.ward?.name, s.county?.name].filter(Boolean).join(', '),
            ward: s.station.ward,
          }))
        : getJson<UnitAnswer>(`/api/v1/units/${enc}`).then((u) => ({
            name: [u.unit.name, ...u.ancestors.map((a) => a.name).reverse()]
              .filter((n, i, all) => all.indexOf(n) === i)
              .slice(0, 2)
              .join(', '),
            ward: null,
          }));
    p = p.catch(() => {
      places.delete(key);
      return null;
    });
    places.set(key, p);
  }
  return p;
}

function loadCandidates(contest: string, unit: string): Promise<Map<string, Candidate>> {
  const key = `${contest}/${unit}`;
  let p = candidates.get(key);
  if (!p) {
    const path = unit
      ? `/api/v1/candidates/${encodeURIComponent(contest)}/${encodeURIComponent(unit)}`
      : `/api/v1/candidates/${encodeURIComponent(contest)}`;
    p = getJson<{ candidates: Candidate[] }>(path).then(
      (a) => new Map(a.candidates.map((c) => [c.id, c])),
      () => {
        candidates.delete(key);
        return new Map();
      },
    );
    candidates.set(key, p);
  }
  return p;
}

function useLoaded<T>(load: (() => Promise<T>) | null, deps: unknown[]): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    setValue(null);
    if (load) load().then((v) => live && setValue(v));
    return () => {
      live = false;
    };
    // biome-ignore lint/correctness/useExhaustiveDependencies: the codes are the dependencies
  }, deps);
  return value;
}

/** A station's or an area's place (null while loading, or if the server does not know it). */
export function usePlace(kind: 'station' | 'unit', code: string): Place | null {
  return useLoaded(code === '' ? null : () => loadPlace(kind, code), [kind, code]);
}

/** The candidates of a race by id ("" unit: the nation), empty while loading. */
export function useCandidates(contest: string, unit: string | null): Map<string, Candidate> {
  return (
    useLoaded(unit === null ? null : () => loadCandidates(contest, unit), [contest, unit]) ??
    new Map()
  );
}

// A small client-side router over the History API. The server answers every
// client route with index.html, so deep links and reloads work.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home' }
  | { page: 'unit'; contest: string; unit: string }
  | { page: 'station'; code: string }
  | { page: 'search'; q: string }
  | { page: 'data' }
  | { page: 'record' }
  | { page: 'admin' }
  | { page: 'audits' }
  | { page: 'audit'; id: string }
  | { page: 'agent' }
  | { page: 'party'; party: string; contest: string; unit: string }
  | { page: 'missing'; path: string };

const seg = (s: string | undefined) => (s === undefined ? '' : decodeURIComponent(s));

export function parseRoute(path: string, search: string): Route {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'home' };
  const [head, a, b, c] = parts;
  if (head === 'c' && a && parts.length === 2) return { page: 'unit', contest: seg(a), unit: '' };
  if (head === 'c' && a && b === 'u' && c && parts.length === 4)
    return { page: 'unit', contest: seg(a), unit: seg(c) };
  if (head === 'station' && a && parts.length === 2) return { page: 'station', code: seg(a) };
  if (head === 'search' && parts.length === 1)
    return { page: 'search', q: new URLSearchParams(search).get('q') ?? '' };
  if (head === 'data' && parts.length === 1) return { page: 'data' };
  if (head === 'record' && parts.length === 1) return { page: 'record' };
  if (head === 'admin' && parts.length === 1) return { page: 'admin' };
  if (head === 'audit' && parts.length === 1) return { page: 'audits' };
  if (head === 'audit' && a && parts.length === 2) return { page: 'audit', id: seg(a) };
  if (head === 'agent' && parts.length === 1) return { page: 'agent' };
  if (head === 'party' && a && parts.length === 2) {
    const q = new URLSearchParams(search);
    return {
      page: 'party',
      party: seg(a),
      contest: q.get('contest') ?? '',
      unit: q.get('unit') ?? '',
    };
  }
  return { page: 'missing', path };
}

export const unitHref = (contest: string, unit: string) =>
  unit === ''
    ? `/c/${encodeURIComponent(contest)}`
    : `/c/${encodeURIComponent(contest)}/u/${encodeURIComponent(unit)}`;
export const stationHref = (code: string) => `/station/${encodeURIComponent(code)}`;
export const auditHref = (id: string) => `/audit/${encodeURIComponent(id)}`;
/** A party's parallel tally of a contest in a unit ('' the nation). */
export const partyHref = (party: string, contest: string, unit: string) =>
  `/party/${encodeURIComponent(party)}?${new URLSearchParams({ contest, ...(unit ? { unit } : {}) })}`;

export function navigate(href: string): void {
  if (href === location.pathname + location.search) return;
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

/** Same-origin link clicks become client navigations (modifier keys keep the browser's behaviour). */
export function interceptLinks(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
    return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href?.startsWith('/') || href.startsWith('/api/') || href.startsWith('/log/')) return;
  e.preventDefault();
  navigate(href);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.pathname, location.search));
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return route;
}

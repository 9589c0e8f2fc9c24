// The election being shown (from /api/v1/contests), shared by every page.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ContestInfo, ContestsAnswer } from './api';
import type { MessageKey, Translate } from './i18n';

export const ElectionContext = createContext<ContestsAnswer | null>(null);

export function useElection(): ContestsAnswer {
  const e = useContext(ElectionContext);
  if (!e) throw new Error('useElection outside ElectionContext');
  return e;
}

/** A contest's title in the reader's language (by kind; the definition's own title otherwise). */
export function contestTitle(t: Translate, c: Pick<ContestInfo, 'kind' | 'title'>): string {
  const key = `contest.${c.kind}` as MessageKey;
  const s = t(key);
  return s === undefined ? c.title : s;
}

const RANK = { nation: 0, county: 1, constituency: 2, ward: 3 } as const;
/** True when a tally at `level` adds up several races of the contest (e.g. governors, nation-wide). */
export const aggregates = (level: keyof typeof RANK, scope: keyof typeof RANK) =>
  RANK[level] < RANK[scope];

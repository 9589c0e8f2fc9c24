// The risk-limiting audits as the server shows them, held to the log: the fold
// recomputes every audit from its entries (each round's sample from the seed
// and the frozen figures, each paper's differences, each round's risk), and
// GET /api/v1/audits and GET /api/v1/audits/{id} must say exactly that. A
// server that shows a sample, a paper or a risk its log does not hold is
// caught here, field by field.

import { auditAnswer, auditSummary } from '../election/audit-progress.js';
import type { ElectionIndex } from '../election/election-index.js';
import type { TallyFold } from '../election/fold.js';
import type { AheadView } from './compare.js';
import { type HttpSource, jsonBody } from './http.js';
import { type Difference, type Findings, formatDifferences } from './report.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Most differences kept per audit view (the first ones say enough). */
const MAX_DIFFERENCES = 50;

/** Field-by-field differences between what the log says and what the server shows, by JSON path. */
export function diffJson(
  log: unknown,
  served: unknown,
  path = '',
  out: Difference[] = [],
): Difference[] {
  if (out.length >= MAX_DIFFERENCES) return out;
  if (Array.isArray(log) && Array.isArray(served)) {
    for (let i = 0; i < Math.max(log.length, served.length); i++)
      diffJson(log[i], served[i], `${path}[${i}]`, out);
    return out;
  }
  if (isObj(log) && isObj(served)) {
    const keys = new Set([...Object.keys(log), ...Object.keys(served)]);
    for (const k of keys) diffJson(log[k], served[k], path ? `${path}.${k}` : k, out);
    return out;
  }
  // Numbers compare exactly: a risk is the same binary64 or it is not.
  if (!Object.is(log, served) && !(log === 0 && served === 0))
    out.push({ field: path || '(body)', log, served });
  return out;
}

export interface AuditComparison {
  /** Audits compared (the list and each audit's own page). */
  compared: number;
  /** Views citing entries beyond the verified checkpoint, checked against a later one. */
  ahead: AheadView[];
}

const auditPath = (id: string) => `api/v1/audits/${encodeURIComponent(id)}`;

/**
 * Reads the server's audits and compares them with the fold's. A server
 * without the audit endpoints (an older kura: 404 on the list) shows none,
 * which is only a finding when the log holds an audit.
 */
export async function compareAudits(o: {
  http: HttpSource;
  index: ElectionIndex;
  fold: TallyFold;
  /** The verified checkpoint's size. */
  size: number;
  findings: Findings;
}): Promise<AuditComparison> {
  const { http, index, fold, findings } = o;
  const logged = fold.officials.audits.list();
  const ahead: AheadView[] = [];
  const isAhead = (served: unknown, what: string, contest: string): boolean => {
    const last = isObj(served) ? served.lastEntry : undefined;
    if (typeof last !== 'number' || last < o.size) return false;
    ahead.push({ what, entryIndex: last, contest });
    return true;
  };

  const listRes = await http.get('api/v1/audits');
  const listBody = listRes.status === 200 ? jsonBody(listRes) : undefined;
  const servedList = isObj(listBody) && Array.isArray(listBody.audits) ? listBody.audits : null;
  if (servedList === null && (logged.length > 0 || listRes.status !== 404))
    findings.error(
      'audit-mismatch',
      `GET /api/v1/audits answered HTTP ${listRes.status}${listRes.status === 200 ? ' without a list of audits' : ''}; the log holds ${logged.length} audit(s)`,
    );
  const servedById = new Map<string, unknown>();
  for (const s of servedList ?? [])
    if (isObj(s) && typeof s.id === 'string') servedById.set(s.id, s);

  let compared = 0;
  for (const view of logged) {
    const what = `audit ${view.id} (${view.contest})`;
    // The list.
    if (servedList !== null) {
      const served = servedById.get(view.id);
      servedById.delete(view.id);
      if (served === undefined)
        findings.error(
          'audit-mismatch',
          `GET /api/v1/audits leaves out ${what}, which the log holds (entry ${view.proposedAt})`,
          {
            entryIndex: view.proposedAt,
            contest: view.contest,
          },
        );
      else if (!isAhead(served, `${what} in the list`, view.contest)) {
        const diffs = diffJson(auditSummary(index, view), served);
        if (diffs.length)
          findings.error(
            'audit-mismatch',
            `${what} in GET /api/v1/audits differs from the log: ${formatDifferences(diffs)}`,
            {
              entryIndex: view.proposedAt,
              contest: view.contest,
              differences: diffs,
            },
          );
      }
    }
    // Its own page: the draws, papers, rounds and risks.
    const res = await http.get(auditPath(view.id));
    const body = res.status === 200 ? jsonBody(res) : undefined;
    compared++;
    if (!isObj(body)) {
      findings.error(
        'audit-mismatch',
        `GET /${auditPath(view.id)} answered HTTP ${res.status}${res.status === 200 ? ' with a body that is not an object' : ''}; the log holds ${what}`,
        {
          entryIndex: view.proposedAt,
          contest: view.contest,
        },
      );
      continue;
    }
    if (isAhead(body, what, view.contest)) continue;
    const diffs = diffJson(auditAnswer(index, view), body);
    if (diffs.length)
      findings.error(
        'audit-mismatch',
        `${what} (GET /${auditPath(view.id)}) differs from the audit recomputed from the log: ${formatDifferences(diffs)}`,
        {
          entryIndex: view.proposedAt,
          contest: view.contest,
          differences: diffs,
        },
      );
  }
  // Audits the server lists that the log does not hold.
  for (const [id, served] of servedById) {
    const contest = isObj(served) && typeof served.contest === 'string' ? served.contest : '';
    if (isAhead(served, `audit ${id}`, contest)) continue;
    findings.error(
      'audit-mismatch',
      `GET /api/v1/audits lists an audit ${JSON.stringify(id)} that the log does not hold`,
      {
        contest,
      },
    );
  }
  return { compared, ahead };
}

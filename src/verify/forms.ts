// --forms: downloads the scanned form of every counted result (and every
// photo an audit board's paper entry cites) and checks that it hashes to the
// SHA-256 the signed entry carries. A missing form is worth
// knowing (a warning); a form that does not match is a finding. Where the
// source lists the forms it holds (a server's GET /api/v1/forms), only those
// are downloaded: a cited form it does not list is missing, without asking
// for it (on the Kenya demo only the presidential scans are uploaded).
import { createHash } from 'node:crypto';
import type { TallyFold } from '../election/fold.js';
import { NO_FORM } from '../election/official-entry.js';
import { forEachLimit } from './limit.js';
import type { LogReader } from './log-reader.js';
import type { Findings } from './report.js';

export interface FormStats {
  checked: number;
  ok: number;
  missing: number;
  mismatched: number;
  /** Forms downloaded: those the source lists (all cited ones when it cannot list them). */
  downloaded?: number;
}

interface Use {
  contest: string;
  station: string;
  entryIndex: number;
}

export async function checkForms(o: {
  /** A server, a bundle or a store. */
  source: LogReader;
  fold: TallyFold;
  findings: Findings;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<FormStats> {
  const uses = new Map<string, Use[]>();
  for (const byStation of o.fold.results.values())
    for (const r of byStation.values()) {
      const list = uses.get(r.form) ?? [];
      list.push({ contest: r.contest, station: r.station, entryIndex: r.entryIndex });
      uses.set(r.form, list);
    }
  // The audit boards' photos of the paper forms they read (a paper not found cites none).
  for (const audit of o.fold.officials.audits.list())
    for (const round of audit.rounds)
      for (const p of round.papers) {
        if (p.form === NO_FORM) continue;
        const list = uses.get(p.form) ?? [];
        list.push({ contest: audit.contest, station: p.station, entryIndex: p.entryIndex });
        uses.set(p.form, list);
      }
  const hashes = [...uses.keys()];
  let total = 0;
  for (const list of uses.values()) total += list.length;
  const stats: FormStats = { checked: 0, ok: 0, missing: 0, mismatched: 0 };
  const describe = (u: Use) => `station ${u.station}, ${u.contest} (entry ${u.entryIndex})`;
  const listed = (await o.source.formHashes?.()) ?? null;
  const toFetch = listed ? hashes.filter((sha) => listed.has(sha)) : hashes;
  if (listed)
    for (const sha of hashes) {
      if (listed.has(sha)) continue;
      const list = uses.get(sha) as Use[];
      stats.checked += list.length;
      stats.missing += list.length;
      for (const u of list)
        o.findings.warning(
          'form-missing',
          `${describe(u)}: the server has no form with SHA-256 ${sha} (GET /api/v1/forms does not list it)`,
          { ...u },
        );
    }
  o.onProgress?.(stats.checked, total);
  if (listed) stats.downloaded = toFetch.length;
  await forEachLimit(toFetch, o.concurrency, async (sha) => {
    const list = uses.get(sha) as Use[];
    const res = await o.source.form(sha);
    stats.checked += list.length;
    o.onProgress?.(stats.checked, total);
    if (!res.ok && res.error.status === 404) {
      stats.missing += list.length;
      for (const u of list)
        o.findings.warning(
          'form-missing',
          `${describe(u)}: the server has no form with SHA-256 ${sha}`,
          {
            ...u,
          },
        );
      return;
    }
    if (!res.ok) {
      stats.missing += list.length;
      for (const u of list)
        o.findings.warning(
          'form-missing',
          `${describe(u)}: GET /api/v1/forms/${sha} answered HTTP ${res.error.status}`,
          { ...u },
        );
      return;
    }
    const got = createHash('sha256').update(res.value.data).digest('hex');
    if (got === sha) {
      stats.ok += list.length;
      return;
    }
    stats.mismatched += list.length;
    const other = uses.get(got);
    const whose = other ? `: it is the form logged for ${other.map(describe).join(', ')}` : '';
    for (const u of list)
      o.findings.error(
        'form-mismatch',
        `${describe(u)}: the file served for SHA-256 ${sha} hashes to ${got}${whose} (the form was swapped or altered)`,
        { ...u },
      );
  });
  return stats;
}

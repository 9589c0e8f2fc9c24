// A bundle's forms: every form a counted result cites (checkForms, as for a
// server), and the forms no counted result cites, which must still hash to
// the SHA-256 their member names give. A bundle without any form (the server
// had none: a demo) gets one warning, not one per result.
import { createHash } from 'node:crypto';
import type { TallyFold } from '../election/fold.js';
import type { AuditContext } from '../verify/audit.js';
import { checkForms } from '../verify/forms.js';
import type { LogReader } from '../verify/log-reader.js';
import type { BundleArchive } from './archive.js';
import { FORM_MEMBER } from './format.js';
import type { BundleReport } from './report.js';

export async function checkBundleForms(
  ctx: AuditContext,
  a: BundleArchive,
  reader: LogReader,
  fold: TallyFold,
): Promise<NonNullable<BundleReport['forms']>> {
  const formNames = a.names().filter((x) => FORM_MEMBER.test(x));
  let cites = 0;
  const cited = new Set<string>();
  for (const byStation of fold.results.values())
    for (const r of byStation.values()) {
      cited.add(r.form);
      cites++;
    }
  const forms =
    formNames.length > 0
      ? await ctx.timed('forms', () =>
          checkForms({
            source: reader,
            fold,
            findings: ctx.findings,
            concurrency: 4,
            onProgress: (d, total) => ctx.progress.set('forms', d, total),
          }),
        )
      : { checked: cites, ok: 0, missing: cites, mismatched: 0 };
  if (formNames.length === 0 && cites > 0)
    ctx.findings.warning(
      'form-missing',
      `the bundle holds no scanned forms; ${cites.toLocaleString('en')} counted results cite one`,
    );
  let inBundle = 0;
  let unreferenced = 0;
  for (const name of formNames) {
    const m = FORM_MEMBER.exec(name);
    if (!m) continue;
    inBundle++;
    const sha = m[1] as string;
    if (cited.has(sha)) continue;
    unreferenced++;
    const data = await a.readRaw(name);
    const got = data ? createHash('sha256').update(data).digest('hex') : '';
    if (got !== sha)
      ctx.findings.error(
        'form-mismatch',
        `member ${name} hashes to ${got}, not the SHA-256 its name gives (no counted result cites it)`,
      );
  }
  return { ...forms, inBundle, unreferenced };
}

// What `kura verify` found, and the exit code that sums it up.
//
// Every finding has a severity:
//   fatal    the log itself cannot be trusted (a bad signature, a fork, a
//            rollback to a smaller tree than one verified before, entries that
//            do not reproduce the signed tree or differ from those verified
//            before): exit 2;
//   error    the log verifies, but the server's views differ from what the log
//            says, or the log holds entries a rule-following server never
//            appends (anomalies), or a form does not hash to its logged SHA-256:
//            exit 1;
//   warning  worth knowing, not a failure (a missing form, demo device keys,
//            trust on first use): exit 0.
// A run that could not finish (network, server errors) exits 3, unless it had
// already proved something worse.

export const EXIT = {
  VERIFIED: 0,
  FINDINGS: 1,
  UNTRUSTWORTHY: 2,
  INCOMPLETE: 3,
  USAGE: 64,
} as const;

export type Severity = 'fatal' | 'error' | 'warning';

export type FindingKind =
  // fatal: the log
  | 'checkpoint-invalid'
  | 'log-key-mismatch'
  | 'election-invalid'
  | 'fork'
  | 'rollback'
  | 'entries-withheld'
  | 'entry-mismatch'
  | 'tile-mismatch'
  | 'root-mismatch'
  // fatal: a preservation bundle (kura verify-bundle) that is not what its manifest says
  | 'bundle-invalid'
  | 'member-mismatch'
  // error: the server's views, the log's contents, the forms
  | 'anomaly'
  | 'tally-mismatch'
  | 'station-mismatch'
  | 'party-mismatch'
  | 'view-beyond-checkpoint'
  | 'form-mismatch'
  | 'definition-mismatch'
  | 'audit-mismatch'
  // error: the bundle holds fewer entries than a checkpoint the user saw covers
  | 'bundle-incomplete'
  // warning
  | 'form-missing'
  | 'demo-device-keys'
  | 'trust-on-first-use'
  | 'server-key-differs'
  | 'state-damaged';

export interface Finding {
  severity: Severity;
  kind: FindingKind;
  message: string;
  entryIndex?: number;
  contest?: string;
  station?: string;
  unit?: string;
  /** Field-level differences, where the finding compares two values. */
  differences?: Difference[];
}

export interface Difference {
  field: string;
  /** What the log says (recomputed by the fold); undefined = absent. */
  log: unknown;
  /** What the server shows. */
  served: unknown;
}

export interface CheckpointInfo {
  size: number;
  rootHash: string;
  note: string;
}

export interface PhaseTimes {
  [phase: string]: number;
}

export interface VerifyReport {
  server: string;
  /** 'verified' | 'findings' | 'untrustworthy' | 'incomplete' */
  verdict: Verdict;
  exitCode: number;
  origin?: string;
  electionId?: string;
  trust: {
    logKey?: string;
    logKeySource?: string;
    commissionKey?: string;
    commissionKeySource?: string;
  };
  checkpoint?: CheckpointInfo;
  previousCheckpoint?: CheckpointInfo;
  consistency?: 'first-run' | 'same' | 'extends' | 'rollback' | 'fork';
  mirror?: {
    entries: number;
    bundlesFetched: number;
    bundlesCached: number;
    tilesFetched: number;
    tilesCached: number;
    /** The size of the tree verified before whose leaf hashes the served entries and tiles were checked against. */
    verifiedBefore?: number;
  };
  signatures?: {
    checked: number;
    seconds: number;
    perSecond: number;
    workers: number;
    /** Entries below this index an earlier run verified in full: folded, their signatures not checked again. */
    verifiedBefore?: number;
    /** Of those, the entries below this index were not folded again: the run that verified them kept their fold. */
    foldKept?: number;
  };
  fold?: {
    counted: number;
    anomalies: number;
    flagged: Record<string, number>;
    reporting: Record<string, { reported: number; expected: number }>;
    /** Officials' acts on the record (FORMATS §14), as the fold recomputed them. */
    officials?: {
      acts: Record<string, number>;
      failedLogins: number;
      accounts: number;
      devicesRevoked: number;
      corrections: Array<{
        entryIndex: number;
        station: string;
        contest: string;
        status: string;
        approvals: string[];
      }>;
      declarations: Array<{
        entryIndex: number;
        contest: string;
        unit: string;
        by: string;
        override: string;
        differences: number;
      }>;
    };
  };
  compare?: {
    tallies: number;
    stations: number;
    stationsTotal: number;
    sampled: boolean;
    /** Which views were read through the bulk listings (FORMATS §10.4). */
    bulk?: { stations: boolean; tallies: boolean };
    /** Station and tally URLs read one by one beside the bulk listings (a random sample). */
    urlsSampled?: number;
    /** HTTP requests the views took. */
    requests?: number;
    aheadOfCheckpoint: number;
    /**
     * Station pages not read again in bulk: found equal to the log at the
     * checkpoint of this size verified before, and their facts in the log unchanged since.
     */
    unchangedSince?: { size: number; pages: number };
    /** Risk-limiting audits compared (GET /api/v1/audits/{id} against the recomputed ones). */
    audits?: number;
    /** Parties enrolled, and their parallel tallies compared (each with the official beside it). */
    parties?: { parties: number; tallies: number };
  };
  forms?: { checked: number; ok: number; missing: number; mismatched: number; downloaded?: number };
  ed25519?: { perSecond: number; threads: number; seconds: number };
  findings: Finding[];
  /** Why the run could not finish, when it could not. */
  incomplete?: string;
  seconds: PhaseTimes;
  stateDir?: string;
}

export type Verdict = 'verified' | 'findings' | 'untrustworthy' | 'incomplete';

export function verdictOf(
  findings: readonly Finding[],
  incomplete: string | undefined,
): { verdict: Verdict; exitCode: number } {
  if (findings.some((f) => f.severity === 'fatal'))
    return { verdict: 'untrustworthy', exitCode: EXIT.UNTRUSTWORTHY };
  if (findings.some((f) => f.severity === 'error'))
    return { verdict: 'findings', exitCode: EXIT.FINDINGS };
  if (incomplete !== undefined) return { verdict: 'incomplete', exitCode: EXIT.INCOMPLETE };
  return { verdict: 'verified', exitCode: EXIT.VERIFIED };
}

/** Collects findings; keeps counts per kind so a flood of one kind stays readable. */
export class Findings {
  readonly list: Finding[] = [];

  add(f: Finding): void {
    this.list.push(f);
  }

  fatal(kind: FindingKind, message: string, extra: Partial<Finding> = {}): void {
    this.add({ severity: 'fatal', kind, message, ...extra });
  }

  error(kind: FindingKind, message: string, extra: Partial<Finding> = {}): void {
    this.add({ severity: 'error', kind, message, ...extra });
  }

  warning(kind: FindingKind, message: string, extra: Partial<Finding> = {}): void {
    this.add({ severity: 'warning', kind, message, ...extra });
  }

  has(severity: Severity): boolean {
    return this.list.some((f) => f.severity === severity);
  }
}

const n = (x: number) => x.toLocaleString('en');

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

export function formatDifferences(diffs: readonly Difference[], limit = 6): string {
  const parts = diffs
    .slice(0, limit)
    .map((d) => `${d.field}: served ${show(d.served)}, log says ${show(d.log)}`);
  if (diffs.length > limit) parts.push(`and ${diffs.length - limit} more`);
  return parts.join('; ');
}

/** The human-readable report (stdout without --json). */
export function formatReport(r: VerifyReport, maxPerKind = 20): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  line(`kura verify ${r.server}`);
  out.push(...trustLines(r));
  if (r.checkpoint) line(checkpointLine(r.checkpoint));
  if (r.previousCheckpoint && r.consistency)
    line(
      `  history    ${consistencyText(r.consistency)} the checkpoint of size ${n(r.previousCheckpoint.size)} verified before`,
    );
  else if (r.consistency === 'first-run')
    line('  history    first run: no earlier checkpoint to compare');
  if (r.mirror)
    line(
      `  mirror     ${n(r.mirror.entries)} entries; ${n(r.mirror.bundlesFetched)} bundles and ${n(r.mirror.tilesFetched)} tiles fetched${r.mirror.bundlesCached + r.mirror.tilesCached ? `, ${n(r.mirror.bundlesCached)} bundles and ${n(r.mirror.tilesCached)} tiles from the state dir` : ''}${r.mirror.verifiedBefore ? `; entries 0–${n(r.mirror.verifiedBefore - 1)} still hash to the leaves verified before` : ''}`,
    );
  if (r.signatures) line(signaturesLine(r.signatures));
  if (r.fold) {
    out.push(...foldLines(r.fold));
    const flagged = Object.entries(r.fold.flagged);
    if (flagged.length)
      line(`             flagged forms: ${flagged.map(([f, k]) => `${f} ${n(k)}`).join(', ')}`);
    const o = r.fold.officials;
    if (o) {
      line(
        `  officials  ${Object.entries(o.acts)
          .map(([k, v]) => `${k} ${n(v)}`)
          .join(
            ', ',
          )}; ${n(o.accounts)} accounts, ${n(o.failedLogins)} failed logins, ${n(o.devicesRevoked)} devices revoked`,
      );
      for (const c of o.corrections)
        line(
          `             correction #${c.entryIndex} of ${c.contest} at ${c.station}: ${c.status}${c.approvals.length ? ` (approved by ${c.approvals.join(', ')})` : ''}`,
        );
      for (const d of o.declarations)
        line(
          `             declaration #${d.entryIndex} of ${d.contest} in ${d.unit || 'the nation'} by ${d.by}: ${d.differences ? `${n(d.differences)} differences from the log, override: ${d.override}` : 'equals the log'}`,
        );
    }
  }
  if (r.compare) {
    const c = r.compare;
    const how = c.bulk?.stations || c.bulk?.tallies ? 'in bulk' : 'one URL each';
    line(
      `  compared   ${n(c.tallies)} tallies and ${n(c.stations)} of ${n(c.stationsTotal)} station pages${c.sampled ? ' (a random sample)' : ''}, ${how}${c.requests !== undefined ? ` (${n(c.requests)} requests` : ''}${c.urlsSampled ? `, ${n(c.urlsSampled)} of them single URLs held to the bulk answer` : ''}${c.requests !== undefined ? ')' : ''}${c.aheadOfCheckpoint ? `; ${n(c.aheadOfCheckpoint)} views were ahead of the checkpoint` : ''}`,
    );
    if (c.unchangedSince)
      line(
        `             ${n(c.unchangedSince.pages)} station pages not read again in bulk: found equal to the log at tree size ${n(c.unchangedSince.size)} by an earlier run, and the log has not changed their facts since (only the random sample of single URLs reads them; --all-views reads every page)`,
      );
    if (c.audits)
      line(
        `             ${n(c.audits)} risk-limiting audit(s): samples, papers and risks as recomputed from the log`,
      );
    if (c.parties?.parties)
      line(
        `             ${n(c.parties.tallies)} parallel tallies of ${n(c.parties.parties)} parties, each beside the official one`,
      );
  }
  if (r.forms)
    line(
      `  forms      ${n(r.forms.checked)} checked: ${n(r.forms.ok)} match, ${n(r.forms.missing)} missing, ${n(r.forms.mismatched)} do not match their logged SHA-256${r.forms.downloaded !== undefined ? ` (${n(r.forms.downloaded)} listed by the server and downloaded)` : ''}`,
    );
  if (r.ed25519)
    line(
      `  ed25519    this machine verifies ${n(r.ed25519.perSecond)} signatures/s (node:crypto, ${r.ed25519.threads} threads)`,
    );
  out.push(...closingLines(r, verdictLine(r), maxPerKind));
  return `${out.join('\n')}\n`;
}

// ------------------------------------------------------------ lines both audits print (kura verify-bundle too)

/** The election and the keys it is held to. */
export function trustLines(r: {
  electionId?: string;
  origin?: string;
  trust: VerifyReport['trust'];
}): string[] {
  const out: string[] = [];
  if (r.electionId) out.push(`  election   ${r.electionId} (log ${r.origin})`);
  if (r.trust.logKey) out.push(`  log key    ${r.trust.logKey}  [${r.trust.logKeySource}]`);
  if (r.trust.commissionKey)
    out.push(`  commission ${r.trust.commissionKey}  [${r.trust.commissionKeySource}]`);
  return out;
}

export function checkpointLine(cp: CheckpointInfo): string {
  return `  checkpoint size ${n(cp.size)}, root ${cp.rootHash} (signature verified)`;
}

export function signaturesLine(s: NonNullable<VerifyReport['signatures']>): string {
  const rate = s.checked
    ? `${n(s.checked)} checked in ${s.seconds.toFixed(1)} s (${n(s.perSecond)}/s on ${s.workers} worker threads)`
    : 'none new to check';
  const before = !s.verifiedBefore
    ? ''
    : s.foldKept === s.verifiedBefore
      ? `; entries 0–${n(s.verifiedBefore - 1)} were checked by the run that verified them, which kept their fold: neither re-checked nor folded again`
      : `; entries 0–${n(s.verifiedBefore - 1)} were checked by the run that verified them and are folded again, not re-checked`;
  return `  signatures ${rate}${before}`;
}

/** Results counted and stations reporting per contest. */
export function foldLines(fold: NonNullable<VerifyReport['fold']>): string[] {
  const out = [`  fold       ${n(fold.counted)} results counted, ${n(fold.anomalies)} anomalies`];
  for (const [contest, c] of Object.entries(fold.reporting))
    out.push(`             ${contest}: ${n(c.reported)} of ${n(c.expected)} stations reported`);
  return out;
}

/** Each phase's time, the findings, why the audit could not complete, and the verdict. */
export function closingLines(
  r: { seconds: PhaseTimes; findings: readonly Finding[]; incomplete?: string },
  verdict: string,
  maxPerKind: number,
): string[] {
  const out: string[] = [];
  const times = Object.entries(r.seconds)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  if (times)
    out.push(
      `  time       ${times}${r.seconds.signatures !== undefined ? ' (the signatures and the fold run while the log is fetched)' : ''}`,
    );
  out.push('');
  out.push(...formatFindings(r.findings, maxPerKind));
  if (r.incomplete) out.push(`COULD NOT COMPLETE: ${r.incomplete}\n`);
  out.push(verdict);
  return out;
}

/** Runs a phase and adds its wall time, in seconds, to `seconds[name]`. */
export function phaseTimer(seconds: PhaseTimes) {
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      seconds[name] = (seconds[name] ?? 0) + (performance.now() - t) / 1000;
    }
  };
}

/** The findings, grouped by severity and kind, as report lines. */
export function formatFindings(findings: readonly Finding[], maxPerKind = 20): string[] {
  const out: string[] = [];
  const bySeverity: Severity[] = ['fatal', 'error', 'warning'];
  const title: Record<Severity, string> = {
    fatal: 'THE LOG CANNOT BE TRUSTED',
    error: 'FINDINGS',
    warning: 'warnings',
  };
  for (const sev of bySeverity) {
    const fs = findings.filter((f) => f.severity === sev);
    if (!fs.length) continue;
    out.push(`${title[sev]} (${n(fs.length)}):`);
    const byKind = new Map<string, Finding[]>();
    for (const f of fs) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
    for (const [kind, list] of byKind) {
      for (const f of list.slice(0, maxPerKind)) out.push(`  [${kind}] ${indent(f.message)}`);
      if (list.length > maxPerKind)
        out.push(`  [${kind}] ... and ${n(list.length - maxPerKind)} more (--json lists them all)`);
    }
    out.push('');
  }
  return out;
}

function indent(s: string): string {
  return s.replace(/\n/g, '\n      ');
}

function consistencyText(c: NonNullable<VerifyReport['consistency']>): string {
  switch (c) {
    case 'same':
      return 'the same tree as';
    case 'extends':
      return 'consistent with (extends)';
    case 'rollback':
      return 'SMALLER THAN (a rollback)';
    case 'fork':
      return 'INCONSISTENT WITH';
    case 'first-run':
      return 'first run;';
  }
}

function verdictLine(r: VerifyReport): string {
  switch (r.verdict) {
    case 'verified':
      return `VERIFIED (exit 0): every signature, proof and tally checked${r.findings.length ? ' (see warnings)' : ''}.`;
    case 'findings':
      return 'FINDINGS (exit 1): the log verifies, but the server or the log contents have problems (above).';
    case 'untrustworthy':
      return 'FAILED (exit 2): the log itself is not trustworthy (above).';
    case 'incomplete':
      return 'INCOMPLETE (exit 3): the verification could not finish.';
  }
}

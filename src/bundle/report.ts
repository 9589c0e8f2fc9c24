// What `kura verify-bundle` found. Findings, severities, verdicts and exit
// codes are kura verify's (src/verify/report.ts): a bundle is judged as a
// server would be.
import type { UnitTally } from '../election/fold.js';
import type { FormStats } from '../verify/forms.js';
import {
  type CheckpointInfo,
  checkpointLine,
  closingLines,
  type Finding,
  foldLines,
  type PhaseTimes,
  signaturesLine,
  trustLines,
  type Verdict,
  type VerifyReport,
} from '../verify/report.js';

export interface GivenCheckpointResult {
  /** The file the user gave. */
  file: string;
  size?: number;
  rootHash?: string;
  /** consistent: the bundle's tree has this root at this size; beyond: the bundle is shorter. */
  result: 'consistent' | 'fork' | 'beyond' | 'invalid';
}

export interface BundleReport {
  bundle: string;
  verdict: Verdict;
  exitCode: number;
  format?: string;
  createdAt?: string;
  generator?: string;
  electionId?: string;
  origin?: string;
  trust: VerifyReport['trust'];
  /** The bundle's latest checkpoint (its tree size and root). */
  checkpoint?: CheckpointInfo;
  members?: { listed: number; inArchive: number; hashed: number; problems: number };
  entries?: number;
  checkpoints?: {
    stored: number;
    verified: number;
    smallest?: number;
    largest?: number;
    /** Checkpoints with at least one valid cosignature by a --witness key. */
    witnessed: number;
    /** Signature lines by keys that are neither the log's nor a given witness's (not checked). */
    otherSignatureLines: number;
  };
  given: GivenCheckpointResult[];
  signatures?: VerifyReport['signatures'];
  fold?: VerifyReport['fold'];
  /** The national tally of every contest, recomputed from the entries. */
  tallies?: Record<string, UnitTally>;
  forms?: FormStats & { inBundle: number; unreferenced: number };
  findings: Finding[];
  incomplete?: string;
  seconds: PhaseTimes;
}

const n = (x: number) => x.toLocaleString('en');

export function formatBundleReport(r: BundleReport, maxPerKind = 20): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  line(`kura verify-bundle ${r.bundle}`);
  if (r.format) line(`  format     ${r.format}, written ${r.createdAt} by ${r.generator}`);
  out.push(...trustLines(r));
  if (r.members)
    line(
      `  members    ${n(r.members.inArchive)} in the archive, ${n(r.members.listed)} listed in the manifest, ${n(r.members.hashed)} hashed; ${n(r.members.problems)} problems`,
    );
  if (r.checkpoint) line(checkpointLine(r.checkpoint));
  if (r.entries !== undefined)
    line(`  entries    ${n(r.entries)} reproduce the signed root and every hash tile`);
  if (r.checkpoints)
    line(
      `  history    ${n(r.checkpoints.verified)} of ${n(r.checkpoints.stored)} stored checkpoints verified${r.checkpoints.stored ? ` (sizes ${n(r.checkpoints.smallest ?? 0)}–${n(r.checkpoints.largest ?? 0)})` : ''}, all roots of the one tree; ${n(r.checkpoints.witnessed)} witnessed; ${n(r.checkpoints.otherSignatureLines)} signature lines by other keys (not checked)`,
    );
  for (const g of r.given)
    line(
      `  given      ${g.file}: ${
        g.result === 'consistent'
          ? `size ${n(g.size ?? 0)}, consistent with the bundle`
          : g.result === 'beyond'
            ? `size ${n(g.size ?? 0)}, beyond the bundle's ${n(r.checkpoint?.size ?? 0)} entries`
            : g.result === 'fork'
              ? `size ${n(g.size ?? 0)}: A FORK`
              : 'does not verify'
      }`,
    );
  if (r.signatures) line(signaturesLine(r.signatures));
  if (r.fold) out.push(...foldLines(r.fold));
  const president = r.tallies?.president;
  if (president) {
    const top = Object.entries(president.votes ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([c, v]) => `${c} ${n(v)}`)
      .join(', ');
    line(`  president  ${top} (national, recomputed; --json has every contest)`);
  }
  if (r.forms)
    line(
      `  forms      ${n(r.forms.inBundle)} in the bundle; ${n(r.forms.checked)} logged: ${n(r.forms.ok)} match, ${n(r.forms.missing)} missing, ${n(r.forms.mismatched)} do not match their logged SHA-256; ${n(r.forms.unreferenced)} not cited by any counted result`,
    );
  out.push(...closingLines(r, verdictLine(r), maxPerKind));
  return `${out.join('\n')}\n`;
}

function verdictLine(r: BundleReport): string {
  switch (r.verdict) {
    case 'verified':
      return `VERIFIED (exit 0): every member, signature, proof and tally in the bundle checked${r.findings.length ? ' (see warnings)' : ''}.`;
    case 'findings':
      return 'FINDINGS (exit 1): the log in the bundle verifies, but its contents have problems (above).';
    case 'untrustworthy':
      return 'FAILED (exit 2): the bundle or the log in it is not trustworthy (above).';
    case 'incomplete':
      return 'INCOMPLETE (exit 3): the verification could not finish.';
  }
}

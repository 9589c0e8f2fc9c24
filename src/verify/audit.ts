// The audit pipeline both `kura verify` (a server) and `kura verify-bundle` (a
// preservation bundle) run: a sequence of named steps (steps/*.ts), each
// returning a Result. A step that cannot let the audit go on returns an
// AuditError, whose code says why; runAudit turns it into the report's
// verdict and exit code (report.ts) and releases what the steps opened.
import { err, type Result } from '../basics/result.js';
import { VerifyUsageError } from './anchors.js';
import { UnreachableError } from './http.js';
import { VerifyProgress } from './progress.js';
import {
  type Finding,
  type FindingKind,
  Findings,
  type PhaseTimes,
  phaseTimer,
  type Verdict,
  verdictOf,
} from './report.js';

export type AuditErrorCode =
  /** The log cannot be trusted: the finding that says why is recorded (exit 2). */
  | 'untrustworthy'
  /** The audit could not finish, for reasons outside the log: network, server errors (exit 3). */
  | 'incomplete'
  /** What the user gave is wrong (exit 64). */
  | 'usage';

export class AuditError {
  private constructor(
    readonly code: AuditErrorCode,
    readonly message: string,
    /** untrustworthy: the fatal finding to record (none when a step recorded its own). */
    readonly finding?: { kind: FindingKind; message: string },
  ) {}

  /** The log cannot be trusted: `kind` and `message` become a fatal finding. */
  static fatal(kind: FindingKind, message: string): AuditError {
    return new AuditError('untrustworthy', message, { kind, message });
  }

  /** The log cannot be trusted, and the step already recorded the fatal findings that say why. */
  static recorded(): AuditError {
    return new AuditError('untrustworthy', 'see the fatal findings');
  }

  static incomplete(message: string): AuditError {
    return new AuditError('incomplete', message);
  }

  static usage(message: string): AuditError {
    return new AuditError('usage', message);
  }
}

export type Step<T> = Promise<Result<T, AuditError>>;

/** Shorthands for a step's failure. */
export const fail = {
  fatal: (kind: FindingKind, message: string) => err(AuditError.fatal(kind, message)),
  recorded: () => err(AuditError.recorded()),
  incomplete: (message: string) => err(AuditError.incomplete(message)),
  usage: (message: string) => err(AuditError.usage(message)),
};

/** What every step may use. */
export interface AuditContext {
  readonly findings: Findings;
  /** Runs a phase, adding its wall time to the report's `seconds[phase]`. */
  readonly timed: <T>(phase: string, fn: () => Promise<T>) => Promise<T>;
  /** Records a phase's time measured by the step itself (work that overlaps others). */
  readonly record: (phase: string, seconds: number) => void;
  readonly progress: VerifyProgress;
  /** Loud messages as they happen (trust on first use, forks), prefixed by the command. */
  readonly say: (text: string) => void;
  /** The command, for loud messages ("kura verify"). */
  readonly command: string;
  /** Releases something the audit opened, once it is over (in the order given). */
  defer(release: () => unknown): void;
}

/** The fields every audit report has (VerifyReport, BundleReport). */
export interface AuditReport {
  verdict: Verdict;
  exitCode: number;
  findings: Finding[];
  incomplete?: string;
  seconds: PhaseTimes;
}

export interface AuditOptions {
  command: string;
  progress?: boolean;
  /** Loud messages; default stderr, above the progress bars. */
  say?: (text: string) => void;
}

/**
 * Runs the steps of an audit (`run`) into `report`: an AuditError or an
 * exception becomes the verdict (a usage error is thrown, as a
 * VerifyUsageError), and whatever the steps opened is released.
 */
export async function runAudit<R extends AuditReport>(
  report: R,
  o: AuditOptions,
  run: (ctx: AuditContext) => Promise<Result<void, AuditError>>,
): Promise<R> {
  const started = performance.now();
  const findings = new Findings();
  report.findings = findings.list;
  const releases: Array<() => unknown> = [];
  const progress = new VerifyProgress(o.progress ?? false);
  const ctx: AuditContext = {
    findings,
    timed: phaseTimer(report.seconds),
    record: (phase, seconds) => {
      report.seconds[phase] = (report.seconds[phase] ?? 0) + seconds;
    },
    progress,
    say: o.say ?? ((t: string) => progress.say(t)),
    command: o.command,
    defer: (release) => releases.push(release),
  };
  let outcome: Result<void, AuditError>;
  try {
    outcome = await run(ctx);
  } catch (e) {
    if (e instanceof VerifyUsageError) outcome = fail.usage(e.message);
    else if (e instanceof UnreachableError) outcome = fail.incomplete(e.message);
    else outcome = fail.incomplete(`internal error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    ctx.progress.flush();
    for (const release of releases) await release();
  }
  if (!outcome.ok) {
    const e = outcome.error;
    if (e.code === 'usage') throw new VerifyUsageError(e.message);
    if (e.code === 'incomplete') report.incomplete = e.message;
    else if (e.finding) findings.fatal(e.finding.kind, e.finding.message);
  }
  const v = verdictOf(findings.list, report.incomplete);
  report.verdict = v.verdict;
  report.exitCode = v.exitCode;
  report.seconds.total = (performance.now() - started) / 1000;
  return report;
}

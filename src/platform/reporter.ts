// What a server or tool reports to its operator while it runs (a store
// created, a warning about its configuration, a retry): a message and, for
// a structured log (kura serve's pino lines), fields beside it. One interface
// for every layer, so `kura serve` logs structured lines and a test or a tool
// gets plain lines.

export type ReportFields = Record<string, unknown>;

export interface Reporter {
  info(msg: string, fields?: ReportFields): void;
  /** Something the operator should look at; as a plain line it reads "warning: msg". */
  warn(msg: string, fields?: ReportFields): void;
  /** Something failed; as a plain line it is msg itself (it says what failed). */
  error(msg: string, fields?: ReportFields): void;
}

/** Plain lines, each given whole (without its newline) to `write`; fields are left off. */
export function lineReporter(write: (line: string) => void): Reporter {
  return {
    info: (msg) => write(msg),
    warn: (msg) => write(`warning: ${msg}`),
    error: (msg) => write(msg),
  };
}

/** Lines on stderr, each with a prefix (e.g. "kura store: "). */
export function stderrReporter(prefix = ''): Reporter {
  return lineReporter((line) => process.stderr.write(`${prefix}${line}\n`));
}

/** Says nothing. */
export const silentReporter: Reporter = { info: () => {}, warn: () => {}, error: () => {} };

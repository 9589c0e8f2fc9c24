// What `kura serve` says. Its log is pino JSON lines (the request log's
// destination and level: --log-file or stderr), with enumerated events
// (server/events.ts) for what an operator may have to find. A person watching
// stderr also gets the start-up's progress: bars and spinners on a terminal,
// plain lines when the log goes to a file (`kura demo` shows them); when the
// log itself is on stderr, its lines say it and nothing is said twice.
import { pino } from 'pino';
import type { Activity, Terminal } from '../platform/terminal.js';
import { logEvent, type ServerReporter } from '../server/events.js';
import { type LogOptions, REDACTED_PATHS } from '../server/request-log.js';

export type CheckPhase = 'entries' | 'derived';

/**
 * A message or event: a pino line with its fields (and, for a message, a
 * line on stderr when the log is in a file).
 */
export interface ServerLog extends ServerReporter {
  /** For the request log (Fastify): the same level and destination. */
  readonly requestLog: LogOptions;
  /** Progress of the start-up check: an event each tenth of the way, a bar for a person. */
  checkProgress(phase: CheckPhase, done: number, total: number): void;
  /** A phase with no count of its own, shown to a person (a spinner on a terminal). */
  activity(label: string): Activity;
  /** Ends the start-up's bars. */
  endProgress(): void;
}

export function serverLog(term: Terminal, o: LogOptions = {}): ServerLog {
  const destination = o.stream ?? (o.file ? lazyFile(o.file) : toTerminal(term));
  const log = pino(
    { level: o.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination,
  );
  const person = term.tty || Boolean(o.file);
  const tenths = new Map<CheckPhase, number>();
  const silent: Activity = { update: () => {}, done: () => {} };
  return {
    requestLog: { level: o.level ?? 'info', stream: destination },
    info(msg, fields = {}) {
      log.info(fields, msg);
      if (o.file) term.print(`${msg}\n`);
    },
    warn(msg, fields = {}) {
      log.warn(fields, msg);
      if (o.file) term.print(`warning: ${msg}\n`);
    },
    error(msg, fields = {}) {
      log.error(fields, msg);
      if (o.file) term.print(`${msg}\n`);
    },
    event: (id, fields) => logEvent(log, id, fields),
    checkProgress(phase, done, total) {
      const tenth = total ? Math.floor((10 * done) / total) : 10;
      if (tenth > (tenths.get(phase) ?? -1)) {
        tenths.set(phase, tenth);
        logEvent(log, 'startup-check-progress', { phase, done, total });
      }
      if (!person) return;
      const label =
        phase === 'entries'
          ? 'start-up check: entries replayed'
          : 'start-up check: tallies and stations';
      term.progress([{ label, done, total }]);
    },
    activity: (label) => (person ? term.activity(label) : silent),
    endProgress: () => term.endProgress(),
  };
}

/** On stderr, through the terminal: a line never tears a spinner. */
function toTerminal(term: Terminal): { write(line: string): void } {
  return { write: (line) => term.print(line) };
}

/** A file opened at the first line, so that the store's directory check sees it as it was. */
function lazyFile(path: string): { write(line: string): void } {
  let file: ReturnType<typeof pino.destination> | null = null;
  return {
    write: (line) => {
      file ??= pino.destination({ dest: path, append: true, mkdir: true, sync: true });
      file.write(line);
    },
  };
}

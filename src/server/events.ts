// The server's enumerated events: what an operator or an observer may need
// to find in the server's log (pino JSON lines), each with a fixed id and a
// description, so the log can be searched and audited by id rather than by
// wording. docs/EVENTS.md lists them (a test keeps it equal to this table).
// Everything else the server says is an ordinary pino line with a message.

import {
  lineReporter,
  type Reporter,
  type ReportFields,
  silentReporter,
} from '../platform/reporter.js';

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every event: its level, the fields it carries besides its id, and what it means. */
export const EVENTS = {
  'store-created': {
    level: 'info',
    fields: 'dataDir',
    description: 'A new, empty store was created (embedded PGlite: its directory).',
  },
  'startup-check-progress': {
    level: 'info',
    fields: 'phase, done, total',
    description:
      'The start-up check of the store against its log: entries replayed (phase "entries") or derived rows compared (phase "derived"), of the total; logged each tenth of the way.',
  },
  'startup-check-failed': {
    level: 'error',
    fields: 'problem, index',
    description:
      'The store fails the start-up check: the problem and the first log index concerned; the server refuses to serve it (FORMATS.md §10.6).',
  },
  'kept-fold-unused': {
    level: 'warn',
    fields: 'reason',
    description:
      'The fold this writer kept at its last stop (FORMATS.md §10.6) is not used, for the reason given (not sealed with this log key, not of the stored log, damaged): the start-up check folds every entry instead, which takes longer and proves the same.',
  },
  'fold-kept': {
    level: 'info',
    fields: 'size, bytes, ms',
    description:
      'At its stop, the writer kept the fold of the durable log (its first size entries) in the store, sealed with a key derived from the log key: its next start folds only the entries after them (FORMATS.md §10.6).',
  },
  'statistics-refreshed': {
    level: 'info',
    fields: 'tables, before, after, ms',
    description:
      "The writer took the query planner's statistics of the log's growing tables (ANALYZE), the log having grown by more than a fifth since they were last taken (before: -1, never): PostgreSQL's autovacuum may be off or late, and the embedded engine has none.",
  },
  'derived-rows-differ': {
    level: 'error',
    fields: 'reason',
    description:
      "At its stop, the writer found the store's derived rows (station results, tallies) different from its fold of the log (reason: the first difference): they were changed behind its back while it ran. The fold it keeps carries no digest of them, so the next start compares them and refuses the store (FORMATS.md §10.6).",
  },
  'server-listening': {
    level: 'info',
    fields: 'address, electionId, writer',
    description: 'The server serves the election at this address (writer or read-only).',
  },
  'writer-standing-by': {
    level: 'warn',
    fields: 'heldBy',
    description:
      "Another writer holds this log's writer lease (heldBy: who, and since when); this server stands by and takes over as soon as it stops.",
  },
  'standby-following': {
    level: 'info',
    fields: 'size',
    description:
      'This standby has replayed and checked the signed log up to size entries and now follows it as the writer appends, so that a takeover checks only the tail.',
  },
  'standby-replay-dropped': {
    level: 'warn',
    fields: 'reason',
    description:
      "This standby's replay of the log failed (reason) and was dropped: it starts again, and a takeover before it has caught up checks the whole log.",
  },
  'writer-taking-over': {
    level: 'info',
    fields: 'token',
    description:
      "This server took the log's writer lease (the fencing token is now token) and checks the stored log before it writes.",
  },
  'writer-lease-lost': {
    level: 'error',
    fields: 'reason',
    description:
      "The writer lease's own database connection was lost (closed, or a heartbeat query failed; a slow answer is not a loss): a standby may take over, so this server stops writing.",
  },
  'writer-deposed': {
    level: 'error',
    fields: 'reason',
    description:
      "This server is no longer the log's writer (its lease was lost, or another writer took over): it appends and signs nothing more, refuses every write with WRITER_DEPOSED, and must be restarted to stand by.",
  },
  'server-stopping': {
    level: 'info',
    fields: '',
    description: 'The server was told to stop; it sequences what is queued, then exits.',
  },
  'official-login': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description:
      'A login attempt: accepted (a session was opened) or refused (the log records it as "failed"; which check failed goes to the private login audit only).',
  },
  'official-logout': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'An official ended a session.',
  },
  'account-created': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description:
      'An account was created at once, or proposed (a role that can approve: it needs a second administrator).',
  },
  'account-approved': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'A proposed account was approved by a second administrator.',
  },
  'account-activated': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'An approved account was activated by its holder (own password set).',
  },
  'account-disabled': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'An account was disabled.',
  },
  'device-enrolled': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: "A device was enrolled at a station (its key may sign that station's results).",
  },
  'device-revoked': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'A device was revoked.',
  },
  'correction-proposed': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'A correction of a logged result was proposed (it needs a second official).',
  },
  'correction-approved': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: 'A proposed correction was approved.',
  },
  'declaration-made': {
    level: 'info',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description: "A declaration of a contest (a returning officer's figures) was logged.",
  },
  'form-uploaded': {
    level: 'debug',
    fields: "outcome (accepted or refused), statusCode, params (the route's, e.g. id), reqId",
    description:
      'A device uploaded the scan of a result form (accepted uploads are many on election night: logged at debug; refused ones at info).',
  },
} as const satisfies Record<string, { level: EventLevel; fields: string; description: string }>;

export type EventId = keyof typeof EVENTS;

/** What the server reports: messages, and its enumerated events. */
export interface ServerReporter extends Reporter {
  event(id: EventId, fields?: ReportFields): void;
}

/**
 * A server reporter writing plain lines (kura admin, tests): an event is its
 * description, then its fields.
 */
export function lineServerReporter(write: (line: string) => void): ServerReporter {
  return {
    ...lineReporter(write),
    event(id, fields = {}) {
      const shown = Object.entries(fields).map(([k, v]) => `${k}: ${String(v)}`);
      write(`${EVENTS[id].description}${shown.length ? ` (${shown.join('; ')})` : ''}`);
    },
  };
}

/** Says nothing. */
export const silentServerReporter: ServerReporter = { ...silentReporter, event: () => {} };

/** What logEvent writes to: a pino logger (Fastify's request logger is one). */
export interface EventLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Logs event `id` with its fields: one JSON line {"event": id, ...fields, "msg": description}. */
export function logEvent(
  log: EventLogger,
  id: EventId,
  fields: Record<string, unknown> = {},
  level: EventLevel = EVENTS[id].level,
): void {
  log[level]({ event: id, ...fields }, EVENTS[id].description);
}

import { join } from 'node:path';
import { loginAuditFile } from '../../accounts/login-audit.js';
import { CheckpointSigner } from '../../log/checkpoint-signer.js';
import { readElectionFiles, readKeyFile, signerSeed } from '../../platform/election-dir.js';
import { boundHeapGrowth } from '../../platform/heap-growth.js';
import { stopPretenuring } from '../../platform/pretenuring.js';
import type { Reporter } from '../../platform/reporter.js';
import { Terminal } from '../../platform/terminal.js';
import { startBundleMirror } from '../../server/bundle-mirror.js';
import type { FormUploadOptions } from '../../server/form-uploads.js';
import { logOfficialEvents } from '../../server/official-events.js';
import { StoreIntegrityError } from '../../server/replay.js';
import type { LogOptions } from '../../server/request-log.js';
import { type RunningLog, startLog } from '../../server/start.js';
import { parseWitnessTarget } from '../../server/witness-push.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { type ServerLog, serverLog } from '../server-log.js';
import { requireStoreDir, storeDirState } from '../store-dir.js';
import { parse, UsageError } from '../usage.js';

/**
 * Connections the kernel holds until the server accepts them (Node's default
 * is 511). When the queue is full the kernel drops the handshake and the
 * client waits out its SYN retransmit (1 s, then 3 s, 7 s): a station's
 * receipt must queue briefly instead. Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

const HELP = `
kura serve [--election DIR] [--data DIR | --db postgres://...] [--host H] [--port P] [--log-key FILE] [--read-only]
           [--witness URL=VKEY]... [--commission-key FILE] [--rate-limit-exempt ADDR]...
           [--log-file FILE] [--log-level LEVEL] [--request-timeout SECONDS] [--trust-proxy ADDR]...
           [--form-quota N] [--form-quota-bytes N] [--form-budget-bytes N] [--form-expiry-hours H]
kura serve --from-bundle FILE [--data DIR | --db postgres://...] [--host H] [--port P]

Runs the results server. The store is the embedded PGlite in --data (default
./kura-data) or PostgreSQL at --db. On the first start of an empty store,
--election (a directory made by kura election) gives entry 0; later starts
read the election from the log itself (and, if --election is given, check
that it is the same election). The log key defaults to DIR/log.key.
A new embedded store is made only in a directory that does not exist or is
empty, only with --election, and kura serve says so ("creating a new store");
otherwise a --data that holds no store is refused (a mistyped path).

  --election DIR      the election directory (kura election): entry 0, the keys
  --data DIR          the embedded PGlite store (default ./kura-data)
  --db URL            a PostgreSQL >= 15 database (postgres://...) instead
  --host H, --port P  where to listen (default 127.0.0.1:8080; --port 0 picks one)
  --log-key FILE      the log's signer key (default DIR/log.key)
  --read-only         a mirror: serve the stored log, sign and accept nothing;
                      with --db it never writes to the database (a hot-standby
                      replica will do) and, instead of migrating, refuses a
                      schema other than the one it needs

  --witness URL=VKEY  a witness (c2sp.org/tlog-witness) to push each new
                      checkpoint to; VKEY is its cosignature/v1 key (kura
                      witness prints it). Repeatable. GET /log/checkpoint then
                      serves the checkpoint with the cosignatures collected.
  --commission-key FILE
                      the commission's signer key (kura election writes
                      DIR/commission.key): turns on officials' logins and acts
                      (accounts, devices, corrections, declarations), each
                      logged as an entry signed by this key. Without it those
                      endpoints answer 405 OFFICIALS_DISABLED.
  --login-audit FILE  appends one JSON line per login attempt to FILE (mode
                      0600): which check failed, and the full address. The
                      log itself records only "success" or "failed".
  --rate-limit-exempt ADDR
                      an address the per-address limits on logins and form
                      uploads do not apply to (kura demo replays every
                      station's device from 127.0.0.1). Repeatable.
  --trust-proxy ADDR  a proxy (an address or CIDR range, e.g. the nginx front
                      of kura cluster) whose X-Forwarded-For names the client,
                      for the per-address limits and the login audit.
                      Repeatable.
  --log-file FILE     append the server's log to FILE instead of stderr: JSON
                      lines (pino), one per refused or failed request, with
                      its request id, status and error code; no bodies, no
                      credentials
  --log-level LEVEL   info (default: every 4xx and 5xx), warn, error (5xx
                      only), or silent
  --request-timeout SECONDS
                      a request, headers and body, must arrive within this
                      (default 120); a slower one gets 408 REQUEST_TIMEOUT
                      and its connection is closed
  --form-quota N, --form-quota-bytes N
                      forms (default 24) and bytes (default 64 MiB) one
                      device may have stored (FORMATS.md §10.3)
  --form-budget-bytes N
                      bytes of uploaded forms the server stores in all
                      (default 64 GiB)
  --form-expiry-hours H
                      an uploaded form no logged result cites is deleted this
                      long after its upload (default 48)
  --from-bundle FILE  serve a preservation bundle (kura export) as a read-only
                      mirror that kura verify accepts; it is loaded into --data
                      or --db (empty), or a temporary directory.

Memory: the server lets V8's heap grow to 1.5 times what it holds between
full collections (V8's default allows up to 4 times, which on the Kenya night
is some 300 MB of garbage); node --heap-growing-percent=N bin/kura.js serve
... sets another factor.`;

export interface ServeOptions {
  election?: string;
  data?: string;
  db?: string;
  logKey?: string;
  readOnly?: boolean;
  /** --witness URL=VKEY arguments. */
  witnesses?: string[];
  commissionKey?: string;
  /** --login-audit: the private login audit file. */
  loginAudit?: string;
  /** Addresses the per-address rate limits do not apply to. */
  rateLimitExempt?: string[];
  /** Proxies whose X-Forwarded-For is believed (--trust-proxy). */
  trustProxy?: string[];
  /** The request log (JSON lines); none when absent. */
  requestLog?: LogOptions;
  /** How long a whole request may take to arrive (default: DEFAULT_TIMEOUTS.requestMs). */
  requestTimeoutMs?: number;
  formUploads?: FormUploadOptions;
  /** Where a person sees progress (default: stderr). */
  terminal?: Terminal;
}

export async function openServer(
  o: ServeOptions,
): Promise<{ store: Store; running: RunningLog; log: ServerLog }> {
  if (o.data && o.db) throw new UsageError('give --data or --db, not both');
  const server = serverLog(o.terminal ?? new Terminal(process.stderr), o.requestLog);
  const dataDir = o.data ?? './kura-data';
  if (o.readOnly && !o.db) requireStoreDir(dataDir);
  const creating = !o.db && newStoreCheck(dataDir, o.election, server) === 'new';
  const making = creating ? server.activity('kura: creating the store') : null;
  // A reader never writes: on PostgreSQL it may be on a hot-standby replica (docs/DEPLOY.md).
  const readOnly = o.readOnly === true;
  const store = await openStore(
    o.db ? { url: o.db, log: server, readOnly } : { dataDir, log: server, readOnly },
  ).finally(() => making?.done(''));
  if (creating) server.event('store-created', { dataDir });
  try {
    const genesis = o.election ? readElectionFiles(o.election) : undefined;
    const keyPath = o.logKey ?? (o.election ? join(o.election, 'log.key') : undefined);
    if (!o.readOnly && !keyPath)
      throw new UsageError(
        'the writer needs the log key: give --election DIR or --log-key FILE (or --read-only)',
      );
    const signer = o.readOnly || !keyPath ? null : new CheckpointSigner(readKeyFile(keyPath));
    const witnesses = (o.witnesses ?? []).map((w) => {
      try {
        return parseWitnessTarget(w);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
    const commissionSeed = o.commissionKey ? signerSeed(readKeyFile(o.commissionKey)) : undefined;
    if (commissionSeed && !signer)
      throw new UsageError('--commission-key needs a writer, not --read-only');
    // The start-up check replays the whole log: about a minute on the Kenya night, so it shows progress.
    const checking = server.activity('kura: checking the store against its log');
    const running = await startLog({
      store,
      genesis,
      signer,
      log: server,
      witnesses,
      commissionSeed,
      onProgress: (phase, done, total) => server.checkProgress(phase, done, total),
      ...(o.loginAudit ? { loginAudit: loginAuditFile(o.loginAudit) } : {}),
      formUploads: o.formUploads,
      server: {
        logger: server.requestLog,
        ...(o.requestTimeoutMs !== undefined
          ? { timeouts: { requestMs: o.requestTimeoutMs } }
          : {}),
        ...(o.rateLimitExempt?.length ? { rateLimits: { exempt: o.rateLimitExempt } } : {}),
      },
    }).finally(() => {
      server.endProgress();
      checking.done('');
    });
    logOfficialEvents(running.app);
    return { store, running, log: server };
  } catch (e) {
    if (e instanceof StoreIntegrityError)
      server.event('startup-check-failed', { problem: e.problem, index: e.index });
    await store.close();
    throw e;
  }
}

/** A new embedded store only where nothing else is, for an election given, and said so. */
function newStoreCheck(
  dir: string,
  election: string | undefined,
  log: Reporter,
): ReturnType<typeof storeDirState> {
  const state = storeDirState(dir);
  if (state === 'foreign')
    throw new UsageError(
      `${dir} is not a kura store and not empty: give a store's --data DIR, or a new directory`,
    );
  if (state === 'new') {
    if (!election)
      throw new UsageError(`no kura store at ${dir} (to create one there, give --election DIR)`);
    log.info(`kura: creating a new store at ${dir} (none there yet)`);
  }
  return state;
}

function logLevel(value: string | undefined): string {
  const level = value ?? 'info';
  if (!['info', 'warn', 'error', 'silent'].includes(level))
    throw new UsageError(`--log-level must be info, warn, error or silent, not ${level}`);
  return level;
}

function requestTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(value))
    throw new UsageError(`--request-timeout must be a whole number of seconds, not ${value}`);
  return Number(value) * 1000;
}

export async function runServe(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      election: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'log-key': { type: 'string' },
      'read-only': { type: 'boolean' },
      witness: { type: 'string', multiple: true },
      'from-bundle': { type: 'string' },
      'commission-key': { type: 'string' },
      'login-audit': { type: 'string' },
      'rate-limit-exempt': { type: 'string', multiple: true },
      'trust-proxy': { type: 'string', multiple: true },
      'log-file': { type: 'string' },
      'log-level': { type: 'string' },
      'request-timeout': { type: 'string' },
      'form-quota': { type: 'string' },
      'form-quota-bytes': { type: 'string' },
      'form-budget-bytes': { type: 'string' },
      'form-expiry-hours': { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  // A server runs for hours: its heap stays near what it holds (platform/heap-growth.ts).
  boundHeapGrowth();
  // Objects that live for one request stay young (platform/pretenuring.ts).
  stopPretenuring();
  const fromBundle = a.values['from-bundle'];
  if (fromBundle && (a.values.election || a.values['log-key'] || a.values.witness))
    throw new UsageError(
      '--from-bundle serves a read-only mirror: no --election, --log-key or --witness',
    );
  if (a.values.data && a.values.db) throw new UsageError('give --data or --db, not both');
  const { store, running, cleanup, log } = fromBundle
    ? {
        ...(await startBundleMirror({ bundle: fromBundle, data: a.values.data, db: a.values.db })),
        log: undefined,
      }
    : {
        ...(await openServer({
          election: a.values.election,
          data: a.values.data,
          db: a.values.db,
          logKey: a.values['log-key'],
          readOnly: a.values['read-only'],
          witnesses: a.values.witness,
          commissionKey: a.values['commission-key'],
          loginAudit: a.values['login-audit'],
          rateLimitExempt: a.values['rate-limit-exempt'],
          trustProxy: a.values['trust-proxy'],
          requestLog: {
            level: logLevel(a.values['log-level']),
            ...(a.values['log-file'] ? { file: a.values['log-file'] } : {}),
          },
          requestTimeoutMs: requestTimeout(a.values['request-timeout']),
          formUploads: formUploadFlags(a.values),
        })),
        cleanup: undefined,
      };
  const host = a.values.host ?? '127.0.0.1';
  const port = Number(a.values.port ?? 8080);
  const address = await running.app.listen({ host, port, backlog: LISTEN_BACKLOG });
  const e = running.election.entry;
  log?.event('server-listening', {
    address,
    electionId: e.electionId,
    writer: running.sequencer !== null,
  });
  process.stdout.write(
    `kura: serving election ${e.electionId} (${running.election.definition.stations.length} stations) on ${store.backend}, log ${e.logOrigin}\n`,
  );
  process.stdout.write(
    `  API      ${address}/api/v1/tally/president\n  log      ${address}/log/checkpoint\n  portal   ${address}/\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log?.event('server-stopping');
  process.stdout.write('kura: stopping (sequencing what is queued)\n');
  await running.close();
  await store.close();
  cleanup?.();
  return 0;
}

/** --form-* flags: whole numbers (hours may be fractional), each optional. */
function formUploadFlags(v: Record<string, unknown>): FormUploadOptions {
  const positive = (flag: string, integer: boolean): number | undefined => {
    const text = v[flag];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (typeof text !== 'string' || !(n > 0) || (integer && !Number.isInteger(n)))
      throw new UsageError(`--${flag} must be a positive ${integer ? 'whole ' : ''}number`);
    return n;
  };
  const hours = positive('form-expiry-hours', false);
  return {
    perDeviceForms: positive('form-quota', true),
    perDeviceBytes: positive('form-quota-bytes', true),
    totalBytes: positive('form-budget-bytes', true),
    expireAfterMs: hours === undefined ? undefined : hours * 3_600_000,
  };
}

// A small synthetic election served from a real store (PGlite in a temp
// directory, or a fresh PostgreSQL database), for tests that use the HTTP API
// through Fastify's inject().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response as LightMyRequestResponse } from 'light-my-request';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, formUploadHeaders, signResult } from '../../src/election/device.js';
import type { ResultEntry, Unsigned } from '../../src/election/entries.js';
import { createGenesis, type Genesis } from '../../src/election/genesis.js';
import { toHex } from '../../src/log/bytes.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { sha256 } from '../../src/log/crypto.js';
import type { NoteSigner, NoteVerifier } from '../../src/log/note.js';
import { generateKey, parseSignerKey, parseVerifierKey } from '../../src/log/note.js';
import type { ServerOptions } from '../../src/server/app.js';
import { lineServerReporter } from '../../src/server/events.js';
import type { FormUploadOptions } from '../../src/server/form-uploads.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import type { WitnessTarget } from '../../src/server/witness-push.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import { type OpenStoreOptions, openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from './postgres.js';

export type Backend = 'pglite' | 'postgres';

/** The test election's commission seed (it signs entry 0 and, with `officials`, officials' acts). */
export const TEST_COMMISSION_SEED = new TextEncoder()
  .encode('commission'.padEnd(32, '.'))
  .slice(0, 32);

export interface TestLog {
  running: RunningLog;
  store: Store;
  /** The PostgreSQL database (null on PGlite), for a second process's store. */
  databaseUrl: string | null;
  definition: ElectionDefinition;
  logVerifier: NoteVerifier;
  logSigner: NoteSigner;
  /** A correctly signed result for a station (votes per candidate given or defaulted). */
  result(station: string, over?: Partial<Unsigned<ResultEntry>>, contest?: string): ResultEntry;
  /** PUT /api/v1/forms/<sha256 of data>, signed by the station's device (FORMATS.md §10.3). */
  uploadForm(
    station: string,
    data: Uint8Array,
    contentType: string,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

/** Which election: its id, size, log origin and key, commission and definition. */
export interface TestElectionOptions {
  /** Default 'test-election'. */
  electionId?: string;
  /** Stations in the synthetic country (default 12). */
  stations?: number;
  /** Only the presidential contest (default true). */
  presidentOnly?: boolean;
  /** The log's origin (default kura.test/log). */
  origin?: string;
  /** The log's key pair (default: generated for the origin from the seed "log"). */
  logKey?: { signerKey: string; verifierKey: string };
  /** Signs entry 0 and, with `officials`, officials' acts (default TEST_COMMISSION_SEED). */
  commissionSeed?: Uint8Array;
  /** Builds the definition from the keys instead of the synthetic country, or adjusts it. */
  definition?: (keys: {
    electionId: string;
    logOrigin: string;
    logKey: string;
    commissionKey: string;
    synthetic: ElectionDefinition;
  }) => ElectionDefinition;
}

/** An election's definition and entry 0, fixed keys and time: the same bytes in every process. */
export interface TestElection {
  definition: ElectionDefinition;
  genesis: Genesis;
  commissionSeed: Uint8Array;
  logKey: { signerKey: string; verifierKey: string };
  /** A checkpoint signer for the log key (clock in seconds; default the wall clock). */
  signer(nowSeconds?: () => number): CheckpointSigner;
}

export function testElection(opts: TestElectionOptions = {}): TestElection {
  const electionId = opts.electionId ?? 'test-election';
  const logOrigin = opts.origin ?? 'kura.test/log';
  const logKey = opts.logKey ?? generateKey(logOrigin, SEED('log'));
  const commissionSeed = opts.commissionSeed ?? TEST_COMMISSION_SEED;
  const commission = generateKey('kura.test-commission', commissionSeed);
  const synthetic = syntheticDefinition({
    electionId,
    stations: opts.stations ?? 12,
    logOrigin,
    logKey: logKey.verifierKey,
    commissionKey: commission.verifierKey,
    presidentOnly: opts.presidentOnly ?? true,
  });
  const definition = opts.definition
    ? opts.definition({
        electionId,
        logOrigin,
        logKey: logKey.verifierKey,
        commissionKey: commission.verifierKey,
        synthetic,
      })
    : synthetic;
  return {
    definition,
    genesis: createGenesis(definition, commissionSeed, new Date('2022-08-09T05:00:00Z')),
    commissionSeed,
    logKey: { signerKey: logKey.signerKey, verifierKey: logKey.verifierKey },
    signer: (nowSeconds) => new CheckpointSigner(logKey.signerKey, nowSeconds),
  };
}

export async function newTestLog(
  backend: Backend,
  opts: TestElectionOptions & {
    sequencerPeriodMs?: number;
    /** Give the server the commission key: logins and officials' acts on. */
    officials?: boolean;
    /** Form upload quotas, budget, expiry and clock. */
    formUploads?: FormUploadOptions;
    /** HTTP options (logs, timeouts, rate limits) for the server. */
    server?: ServerOptions;
    /**
     * The clock (ms) of the officials' service and of the checkpoint signer's
     * timestamp; a fixed one makes TOTP windows and re-signed checkpoints
     * independent of how long a test runs.
     */
    now?: () => number;
    /** Witnesses the log pushes its checkpoints to. */
    witnesses?: readonly WitnessTarget[];
    /** Signature worker threads (0: verify on the main thread). */
    signatureThreads?: number;
    /** Where the server's messages go. */
    log?: (msg: string) => void;
    /** How the embedded store (pglite) makes a file durable; e.g. a slow disk. */
    fsyncPath?: OpenStoreOptions['fsyncPath'];
    /** Told of every checkpoint the log signs, before it is signed (its size). */
    onSign?: (size: number) => void;
  } = {},
): Promise<TestLog> {
  const election = testElection(opts);
  const { definition, genesis } = election;
  const signer = parseSignerKey(election.logKey.signerKey);
  const verifier = parseVerifierKey(election.logKey.verifierKey);
  if (!signer.ok || !verifier.ok) throw new Error('test keys');
  const now = opts.now;
  const checkpointSigner = election.signer(now ? () => Math.floor(now() / 1000) : undefined);
  const onSign = opts.onSign;
  if (onSign) {
    const sign = checkpointSigner.sign.bind(checkpointSigner);
    checkpointSigner.sign = (origin, size, root) => {
      onSign(size);
      return sign(origin, size, root);
    };
  }
  let cleanup: (() => Promise<void>) | undefined;
  let store: Store | undefined;
  let databaseUrl: string | null = null;
  let running: RunningLog;
  try {
    if (backend === 'pglite') {
      const dir = mkdtempSync(join(tmpdir(), 'kura-test-'));
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
      store = await openStore({ dataDir: join(dir, 'data'), fsyncPath: opts.fsyncPath });
    } else {
      const db = await createTestDatabase();
      cleanup = db.drop;
      databaseUrl = db.url;
      store = await openStore({ url: db.url });
    }
    running = await startLog({
      store,
      genesis,
      signer: checkpointSigner,
      sequencer: { periodMs: opts.sequencerPeriodMs ?? 20 },
      commissionSeed: opts.officials ? election.commissionSeed : undefined,
      officialsNow: opts.now,
      formUploads: opts.formUploads,
      server: opts.server,
      witnesses: opts.witnesses,
      signatureThreads: opts.signatureThreads,
      log: opts.log && lineServerReporter(opts.log),
    });
  } catch (e) {
    // A log that fails to start gives back its store and its database (or directory).
    await store?.close().catch(() => {});
    await cleanup?.().catch(() => {});
    throw e;
  }
  const openedStore = store;
  const removeStore = cleanup;
  const testLog: TestLog = {
    running,
    store: openedStore,
    databaseUrl,
    definition,
    logVerifier: verifier.value,
    logSigner: signer.value,
    result(station, over = {}, contest = 'president') {
      const device = definition.devices.find((d) => d.station === station)?.id ?? 'none';
      const candidates =
        definition.contests.find((c) => c.id === contest)?.candidates.map((c) => c.id) ?? [];
      const votes = Object.fromEntries(candidates.map((c, i) => [c, 10 * (i + 1)]));
      const unsigned: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: definition.electionId,
        contest,
        station,
        device,
        votes,
        rejected: 2,
        totalValid: Object.values(over.votes ?? votes).reduce((s, n) => s + n, 0),
        form: 'ab'.repeat(32),
        deviceTime: deviceTime(new Date('2022-08-09T17:00:00Z')),
        ...over,
      };
      return signResult(unsigned, demoDeviceSeed(definition.electionId, over.device ?? device));
    },
    uploadForm(station, data, contentType) {
      const device = definition.devices.find((d) => d.station === station)?.id ?? 'none';
      const hash = toHex(sha256(data));
      return running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${hash}`,
        headers: {
          'content-type': contentType,
          ...formUploadHeaders(
            { electionId: definition.electionId, station, device, sha256: hash },
            demoDeviceSeed(definition.electionId, device),
          ),
        },
        payload: Buffer.from(data),
      });
    },
    async close() {
      // The server a test restarted (testLog.running), not only the first one.
      // Every step runs whichever fails: a server that will not close must not
      // leave the database (or directory) behind. The first failure is thrown.
      const failures: unknown[] = [];
      for (const step of [() => testLog.running.close(), () => openedStore.close(), removeStore]) {
        try {
          await step();
        } catch (e) {
          failures.push(e);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
  return testLog;
}

// Test fixtures for witnessing: a real witness on a loopback port, and the
// small test log (test/helpers/test-log.ts) started with witnesses to push to.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectionDefinition } from '../../src/election/definition.js';
import type { ResultEntry } from '../../src/election/entries.js';
import { utf8 } from '../../src/log/bytes.js';
import { cosignatureVerifierKey, cosigner } from '../../src/log/cosignature.js';
import { generateKey, parseVerifierKey } from '../../src/log/note.js';
import type { RunningLog } from '../../src/server/start.js';
import type { WitnessTarget } from '../../src/server/witness-push.js';
import type { Store } from '../../src/store/store.js';
import { buildWitnessServer } from '../../src/witness/http.js';
import { WitnessStateDir } from '../../src/witness/state-dir.js';
import { Witness } from '../../src/witness/witness.js';
import { newTestLog } from '../helpers/test-log.js';

const SEED = (s: string) => utf8(s.padEnd(32, '.')).slice(0, 32);
export const ORIGIN = 'kura.test/log';
export const LOG_KEY = generateKey(ORIGIN, SEED('log'));

export interface RunningWitness {
  name: string;
  url: string;
  vkey: string;
  target: WitnessTarget;
  stateDir: string;
  logged: string[];
  /** Stops the HTTP server and releases the state (kept on disk for a restart). */
  stop(): Promise<void>;
}

/** A witness of the test log, listening on a loopback port; `port` 0 picks one. */
export async function startWitness(name: string, stateDir?: string, port = 0) {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), `kura-witness-${name}-`));
  const signer = cosigner(name, SEED(`witness ${name}`), () => Math.floor(Date.now() / 1000));
  const vkey = cosignatureVerifierKey(name, signer.publicKey);
  const logVerifier = parseVerifierKey(LOG_KEY.verifierKey);
  if (!logVerifier.ok) throw logVerifier.error;
  const state = await WitnessStateDir.open(dir);
  const logged: string[] = [];
  const witness = new Witness(
    signer,
    [{ origin: ORIGIN, verifiers: [logVerifier.value] }],
    state,
    (m) => logged.push(m),
  );
  const app = await buildWitnessServer(witness, { verifierKey: vkey });
  const url = await app.listen({ host: '127.0.0.1', port });
  const running: RunningWitness = {
    name,
    url,
    vkey,
    target: { url, vkey },
    stateDir: dir,
    logged,
    async stop() {
      await app.close();
      state.close();
    },
  };
  return running;
}

export interface WitnessedLog {
  running: RunningLog;
  store: Store;
  definition: ElectionDefinition;
  url: string;
  logged: string[];
  result(station: string, votesFactor?: number): ResultEntry;
  submit(stations: string[], votesFactor?: number): Promise<void>;
  checkpoint(): Promise<string>;
  close(): Promise<void>;
}

/** The test election's log (test/helpers/test-log.ts) on PGlite, pushing to `witnesses`, listening on a loopback port. */
export async function startWitnessedLog(
  witnesses: readonly WitnessTarget[],
  stations = 12,
): Promise<WitnessedLog> {
  const logged: string[] = [];
  const t = await newTestLog('pglite', {
    stations,
    witnesses,
    signatureThreads: 0,
    log: (m) => logged.push(m),
  });
  const { running, store, definition } = t;
  const url = await running.app.listen({ host: '127.0.0.1', port: 0 });
  const result = (station: string, votesFactor = 10): ResultEntry => {
    const candidates = definition.contests.find((c) => c.id === 'president')?.candidates ?? [];
    const votes = Object.fromEntries(candidates.map((c, i) => [c.id, votesFactor * (i + 1)]));
    return t.result(station, { votes });
  };
  return {
    running,
    store,
    definition,
    url,
    logged,
    result,
    async submit(codes, votesFactor) {
      for (const code of codes) {
        const r = await running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: result(code, votesFactor),
        });
        if (r.statusCode !== 201) throw new Error(`submit ${code}: ${r.statusCode} ${r.body}`);
      }
    },
    async checkpoint() {
      return (await running.app.inject({ method: 'GET', url: '/log/checkpoint' })).body;
    },
    close: () => t.close(),
  };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Bringing a log up: open the store, write entry 0 on first start (or check
// that the stored entry 0 is the election we were given), rebuild the
// sequencer from the log, and build the HTTP server.

import { availableParallelism } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { type OpenedGenesis, openGenesis } from '../election/genesis.js';
import { equal, toBase64 } from '../log/bytes.js';
import { ed25519PublicKey } from '../log/crypto.js';
import { decodeVerifierKey } from '../log/note.js';
import type { Store } from '../store/store.js';
import { buildServer } from './app.js';
import type { CheckpointSigner } from './checkpoint-signer.js';
import { OfficialsService } from './officials-service.js';
import { Sequencer, type SequencerOptions } from './sequencer.js';
import { SignaturePool } from './signature-pool.js';
import { WitnessPusher, type WitnessTarget } from './witness-push.js';

const DEFINITION_META = 'definition-sha256';

export interface StartOptions {
  store: Store;
  /** Entry 0 and the definition it commits to; needed on first start, checked on later ones. */
  genesis?: { entryBytes: Uint8Array; definitionBytes: Uint8Array };
  /** The log's signer; null starts a read-only server. */
  signer: CheckpointSigner | null;
  sequencer?: SequencerOptions;
  /** Threads verifying device signatures (default: one per core; 0: on the main thread). */
  signatureThreads?: number;
  /** The commission's 32-byte Ed25519 seed: enables logins and officials' acts (it signs them). */
  commissionSeed?: Uint8Array;
  /** Witnesses the writer pushes each new checkpoint to (c2sp.org/tlog-witness). */
  witnesses?: readonly WitnessTarget[];
  logger?: boolean;
  log?: (msg: string) => void;
}

export interface RunningLog {
  app: FastifyInstance;
  sequencer: Sequencer | null;
  /** Logins and officials' acts (with the commission key). */
  officials: OfficialsService | undefined;
  election: OpenedGenesis;
  close(): Promise<void>;
}

export async function startLog(opts: StartOptions): Promise<RunningLog> {
  const { store } = opts;
  let size = await store.treeSize();
  if (size === 0) {
    if (!opts.genesis)
      throw new Error(
        'the log is empty: give the election (entry 0 and its definition) to start it',
      );
    const opened = openGenesis(opts.genesis.entryBytes, opts.genesis.definitionBytes);
    if (!opened.ok) throw new Error(`cannot start this election: ${opened.error}`);
    await Sequencer.genesis(
      store,
      opts.genesis.entryBytes,
      opts.genesis.definitionBytes,
      opened.value.entry.definitionSha256,
    );
    await store.setMeta(DEFINITION_META, opened.value.entry.definitionSha256);
    size = 1;
    opts.log?.(`started a new log for election ${opened.value.entry.electionId}`);
  }
  const entry0 = await store.getEntry(0);
  if (!entry0) throw new Error('the store has entries but no entry 0');
  if (opts.genesis && !equal(entry0.data, opts.genesis.entryBytes)) {
    throw new Error(
      'this data directory holds a different election (its entry 0 differs from the one given); use another --data or --db',
    );
  }
  const defSha = (await store.getMeta(DEFINITION_META)) ?? '';
  const defBlob = await store.getBlob(defSha);
  if (!defBlob)
    throw new Error('the election definition committed by entry 0 is missing from the store');
  const opened = openGenesis(entry0.data, defBlob.data);
  if (!opened.ok) throw new Error(`the stored election does not verify: ${opened.error}`);
  const election = opened.value;

  let sequencer: Sequencer | null = null;
  let pusher: WitnessPusher | null = null;
  if (opts.signer) {
    if (!opts.signer.matches(election.definition.logKey)) {
      throw new Error(
        `the log signing key (${opts.signer.name}) is not the key the election names (${election.definition.logKey})`,
      );
    }
    sequencer = await Sequencer.open(
      store,
      election.index,
      opts.signer,
      election.definition.logOrigin,
      {
        resignMs: 30_000,
        log: opts.log,
        ...opts.sequencer,
        onCheckpoint: (cp) => {
          opts.sequencer?.onCheckpoint?.(cp);
          pusher?.notify(cp);
        },
      },
    );
    if (opts.witnesses?.length) {
      pusher = new WitnessPusher({
        witnesses: opts.witnesses,
        readTile: sequencer.readTile,
        persist: (cp) => store.putCheckpoint(cp),
        log: opts.log,
      });
      pusher.notify(sequencer.latestCheckpoint());
    }
  }
  // A reader without a sequencer follows the store's latest checkpoint.
  let latest = await store.latestCheckpoint();
  const follow = sequencer
    ? null
    : setInterval(() => {
        store.latestCheckpoint().then(
          (cp) => {
            if (cp && (!latest || cp.size >= latest.size)) latest = cp;
          },
          (e) => opts.log?.(`reading the latest checkpoint failed: ${(e as Error).message}`),
        );
      }, 1000);
  follow?.unref();
  let officials: OfficialsService | undefined;
  if (sequencer && opts.commissionSeed) {
    if (
      toBase64(ed25519PublicKey(opts.commissionSeed)) !==
      commissionPublicKey(election.definition.commissionKey)
    )
      throw new Error(
        `the commission key given is not the key the election names (${election.definition.commissionKey})`,
      );
    officials = new OfficialsService({
      sequencer,
      accounts: store.accounts,
      commissionSeed: opts.commissionSeed,
      electionId: election.definition.electionId,
    });
  }
  const threads = opts.signatureThreads ?? availableParallelism();
  const signatures = sequencer && threads > 0 ? new SignaturePool(threads) : undefined;
  const app = await buildServer(
    {
      store,
      index: election.index,
      definitionBytes: defBlob.data,
      logVerifierKey: election.definition.logKey,
      sequencer,
      signatures,
      readerCheckpoint: () => latest,
      witnessed: pusher ? (cp) => pusher.served(cp) : undefined,
      witnessKeys: opts.witnesses?.map((w) => w.vkey),
      officials,
    },
    { logger: opts.logger ?? false },
  );
  return {
    app,
    sequencer,
    officials,
    election,
    async close() {
      if (follow) clearInterval(follow);
      await app.close();
      await sequencer?.close();
      await pusher?.close();
      await signatures?.close();
    },
  };
}

function commissionPublicKey(vkey: string): string {
  const k = decodeVerifierKey(vkey);
  return k.ok ? toBase64(k.value.publicKey) : '';
}

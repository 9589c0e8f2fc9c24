// What buildServer is given: the store, the election, and the role this
// process plays (the writer with its parts, or a reader following the store).
// app.ts turns it into each route group's own narrow dependencies.
import type { ElectionIndex } from '../election/election-index.js';
import type { SignaturePool } from '../platform/signature-pool.js';
import type { Store, StoredCheckpoint } from '../store/store.js';
import type { FormUploadOptions } from './form-uploads.js';
import type { OfficialsService } from './officials-service.js';
import type { Sequencer } from './sequencer.js';

export interface ServerContext {
  store: Store;
  index: ElectionIndex;
  /** Canonical bytes of the definition document (entry 0 commits to their hash). */
  definitionBytes: Uint8Array;
  /** The log's signed-note verifier key. */
  logVerifierKey: string;
  /** The cosignature/v1 verifier keys of the witnesses the writer pushes to (GET /log/witnesses). */
  witnessKeys?: readonly string[];
  /** This process sequences the log, or it serves what the store holds. */
  role: WriterRole | ReaderRole;
}

/** A writer: it accepts results, forms and officials' acts, and serves its own view of the log. */
export interface WriterRole {
  kind: 'writer';
  sequencer: Sequencer;
  /** Verifies device signatures off the main thread; without it, inline. */
  signatures?: SignaturePool;
  /** Logins and officials' acts; absent when the server has no commission key. */
  officials?: OfficialsService;
  /** With witnesses configured: the checkpoint as served, with the cosignatures collected. */
  witnessed?: (cp: StoredCheckpoint) => StoredCheckpoint;
  /** Form upload quotas, budget, expiry and clock (FORMATS.md §10.3); defaults otherwise. */
  formUploads?: FormUploadOptions;
}

/** A stateless reader or a read-only mirror: everything public, from the store, as of the checkpoint it follows. */
export interface ReaderRole {
  kind: 'reader';
  checkpoint: () => StoredCheckpoint | null;
}

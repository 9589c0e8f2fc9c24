// What the routes are given: the store, the election, and the optional parts
// (the writer, signature workers, officials, witnesses). In its own file so
// that app.ts, which registers the routes, and the routes, which read it, do
// not import each other.
import type { ElectionIndex } from '../election/election-index.js';
import type { Store, StoredCheckpoint } from '../store/store.js';
import type { FormUploadOptions } from './form-uploads.js';
import type { OfficialsService } from './officials-service.js';
import type { Sequencer } from './sequencer.js';
import type { SignaturePool } from './signature-pool.js';

export interface ServerContext {
  store: Store;
  index: ElectionIndex;
  /** Canonical bytes of the definition document (entry 0 commits to their hash). */
  definitionBytes: Uint8Array;
  /** The log's signed-note verifier key. */
  logVerifierKey: string;
  /** The writer; null for a stateless reader or a read-only mirror. */
  sequencer: Sequencer | null;
  /** Verifies device signatures off the main thread; without it, inline. */
  signatures?: SignaturePool;
  /** Without a sequencer: the latest checkpoint this reader serves. */
  readerCheckpoint?: () => StoredCheckpoint | null;
  /** With witnesses configured: the checkpoint as served, with the cosignatures collected. */
  witnessed?: (cp: StoredCheckpoint) => StoredCheckpoint;
  /** Logins and officials' acts; absent when the server has no commission key. */
  officials?: OfficialsService;
  /** The cosignature/v1 verifier keys of the witnesses this server pushes to (GET /log/witnesses). */
  witnessKeys?: readonly string[];
  /** Form upload quotas, budget, expiry and clock (FORMATS.md §10.3); defaults otherwise. */
  formUploads?: FormUploadOptions;
}

// `kura serve --from-bundle FILE`: a read-only mirror of a preservation
// bundle. The bundle is loaded into a fresh store (an embedded PGlite in a
// temporary directory unless --data or --db is given) and served by the
// ordinary server without a signer: it serves the bundle's latest checkpoint,
// tiles, entries, tallies and forms, and refuses every write (READ_ONLY).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBundle } from '../bundle/read.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { describeHolder } from '../store/writer-lease.js';
import { loadBundle } from './bundle-load.js';
import { lineServerReporter, type ServerReporter } from './events.js';
import { type RunningLog, startLog } from './start.js';

export interface MirrorServerOptions {
  bundle: string;
  /** An empty (or new) PGlite directory, or one this same bundle was loaded into before. */
  data?: string;
  /** An empty PostgreSQL database. */
  db?: string;
  /** What the mirror reports (default: plain lines on stderr). */
  log?: ServerReporter;
  onProgress?: (done: number, total: number) => void;
}

export interface MirrorServer {
  store: Store;
  running: RunningLog;
  /** Closes nothing: removes the temporary store directory, if one was made (after store.close()). */
  cleanup(): void;
}

export async function startBundleMirror(o: MirrorServerOptions): Promise<MirrorServer> {
  const log = o.log ?? lineServerReporter((line) => process.stderr.write(`${line}\n`));
  const opened = await openBundle(o.bundle);
  if (!opened.ok)
    throw new Error(`${o.bundle}: ${opened.error.message} (kura verify-bundle tells more)`);
  const bundle = opened.value;
  const temp = o.data || o.db ? undefined : mkdtempSync(join(tmpdir(), 'kura-bundle-'));
  const cleanup = () => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  let store: Store | undefined;
  try {
    store = await openStore(
      o.db ? { url: o.db, log } : { dataDir: o.data ?? join(temp as string, 'data'), log },
    );
    const genesis = { entryBytes: bundle.entry0Bytes, definitionBytes: bundle.definitionBytes };
    const size = await store.treeSize();
    const latest = await store.latestCheckpoint();
    const n = bundle.manifest.treeSize;
    const lastNote = bundle.checkpoints.at(-1)?.note;
    if (size === 0) {
      // Loading appends: under the writer lease, refused while a writer holds it.
      const lease = await store.acquireWriterLease({
        mode: 'refuse',
        holder: describeHolder('kura serve --from-bundle (loading)'),
      });
      try {
        // startLog writes entry 0 and the definition; the rest is loaded after it.
        const first = await startLog({ store, genesis, signer: null, log });
        await first.close();
        log.info(`kura: loading ${n} entries from ${o.bundle}`);
        const loaded = await loadBundle(bundle, store, first.election.index, o.onProgress);
        for (const sha of loaded.formsRefused)
          log.warn(`kura: form ${sha} in the bundle does not hash to its name; not served`);
      } finally {
        await lease.release();
      }
    } else if (size !== n || latest?.note !== lastNote) {
      throw new Error(
        `${o.data ?? o.db} already holds another log (${size} entries); give an empty store for --from-bundle`,
      );
    }
    const running = await startLog({ store, genesis, signer: null, log });
    return { store, running, cleanup };
  } catch (e) {
    await store?.close();
    cleanup();
    throw e;
  } finally {
    await bundle.close();
  }
}

// Reads a preservation bundle for the forensic analyses through the strict
// bundle reader (src/bundle/read.ts): the archive and its manifest in order,
// entry 0 committing to the definition, the latest checkpoint signed by the
// log key entry 0 names, and the entries reproducing that checkpoint's root.
// Nothing is pinned; `kura verify-bundle` with pinned keys audits the log.
import { err, ok, type Result } from '../basics/result.js';
import { BundleIntegrityError, openBundle } from '../bundle/read.js';
import { openGenesis } from '../election/genesis.js';
import type { ForensicsInput } from './input.js';

const TRUST =
  'The bundle’s entries reproduce the root of its latest checkpoint, which is signed by the log key entry 0 names; entry 0 is signed by the commission key it names itself. No key was pinned here, and no result’s signature was checked: audit the bundle with pinned keys to trust it.';

export async function readBundleFile(
  path: string,
  onProgress?: (entriesDone: number, entriesTotal: number) => void,
): Promise<Result<ForensicsInput, string>> {
  const opened = await openBundle(path);
  if (!opened.ok) return err(`${path}: ${opened.error.message}`);
  const b = opened.value;
  try {
    const genesis = openGenesis(b.entry0Bytes, b.definitionBytes);
    if (!genesis.ok) return err(`${path}: ${genesis.error}`);
    const total = b.manifest.treeSize;
    const entries: Uint8Array[] = [];
    try {
      for await (const e of b.entries()) {
        entries.push(e);
        if (entries.length % 256 === 0) onProgress?.(entries.length, total);
      }
    } catch (e) {
      if (e instanceof BundleIntegrityError) return err(`${path}: ${e.message}`);
      throw e;
    }
    onProgress?.(entries.length, total);
    return ok({
      definition: genesis.value.definition,
      entries,
      source: {
        kind: 'bundle',
        location: path,
        checkpoint: { size: total, rootHash: b.manifest.rootHash },
        trust: TRUST,
      },
    });
  } finally {
    await b.close();
  }
}

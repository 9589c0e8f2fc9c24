// Reads a kura log for the forensic analyses from a server or a bundle,
// through the mirror `kura verify` uses (C2SP tlog-tiles, in parallel,
// optionally cached in a state directory). Everything read is
// attacker-controlled; it is checked for consistency, not trusted: the
// entries must reproduce the root of the checkpoint, the checkpoint must be
// signed by the log key entry 0 names, and the definition must hash to what
// entry 0 commits. No key is pinned here (that is `kura verify`'s job, with
// --log-key or --election), and the report says so.
import { err, ok, type Result } from '../basics/result.js';
import { openGenesis } from '../election/genesis.js';
import { toBase64 } from '../log/bytes.js';
import { openCheckpoint, parseCheckpoint } from '../log/checkpoint.js';
import { parseNote, parseVerifierKey } from '../log/note.js';
import type { LogReader } from '../verify/log-reader.js';
import { mirrorLog } from '../verify/mirror.js';
import { Findings } from '../verify/report.js';
import { StateDir } from '../verify/state.js';
import type { ForensicsInput, ForensicsSource } from './input.js';

export interface ReadLogOptions {
  kind: ForensicsSource['kind'];
  /** The server URL or bundle path, for the report. */
  location: string;
  /** Keep (and reuse) the mirrored tiles here; the layout is kura verify's state directory. */
  stateDir?: string;
  /** Reads in flight (default 16). */
  concurrency?: number;
  onProgress?: (entriesDone: number, entriesTotal: number) => void;
}

const TRUST =
  'The entries reproduce the root of the signed checkpoint, and that checkpoint is signed by the log key entry 0 names; entry 0 is signed by the commission key it names itself. No key was pinned here, and no result’s signature was checked: run kura verify with pinned keys to audit the log itself.';

/** The log and its definition, checked for consistency (see the file comment). */
export async function readLog(
  source: LogReader,
  o: ReadLogOptions,
): Promise<Result<ForensicsInput, string>> {
  const res = await source.checkpoint();
  if (!res.ok)
    return err(`${source.where('log/checkpoint')} answered ${res.error.status}: no checkpoint`);
  const note = new TextDecoder().decode(res.value);
  const parsed = parseNote(note);
  if (!parsed.ok) return err(`the checkpoint is not a signed note: ${parsed.error.message}`);
  const claimed = parseCheckpoint(parsed.value.text);
  if (!claimed.ok) return err(`the checkpoint is malformed: ${claimed.error.message}`);
  const size = claimed.value.size;
  if (size === 0) return err('the log is empty (its checkpoint has size 0)');

  const state = o.stateDir ? new StateDir(o.stateDir) : null;
  let findings = new Findings();
  const mirrorOnce = (readCache: boolean) =>
    mirrorLog({
      source,
      state,
      readCache,
      size,
      rootHash: claimed.value.rootHash,
      concurrency: o.concurrency ?? 16,
      findings,
      onProgress: (done) => o.onProgress?.(done, size),
    });
  let mirror = await mirrorOnce(state !== null);
  if (!mirror.entriesVerified && mirror.usedCache) {
    // The cached tiles are of another tree (or damaged): read everything again.
    findings = new Findings();
    mirror = await mirrorOnce(false);
  }
  if (!mirror.entriesVerified)
    return err(
      `the entries do not reproduce the checkpoint's root: ${findings.list
        .slice(0, 3)
        .map((f) => f.message)
        .join('; ')}`,
    );
  const entry0 = mirror.entries[0];
  if (!entry0) return err('entry 0 is missing');

  let definitionBytes = state?.readDefinition() ?? null;
  if (!definitionBytes || !openGenesis(entry0, definitionBytes).ok) {
    const d = await source.definition();
    if (!d.ok)
      return err(
        `${source.where('api/v1/election')} answered ${d.error.status}: no election definition`,
      );
    definitionBytes = d.value;
  }
  const opened = openGenesis(entry0, definitionBytes);
  if (!opened.ok) return err(`entry 0 and the election definition do not verify: ${opened.error}`);
  const e0 = opened.value.entry;
  const verifier = parseVerifierKey(e0.logKey);
  if (!verifier.ok)
    return err(`entry 0's log key is not a verifier key: ${verifier.error.message}`);
  const checkpoint = openCheckpoint(note, e0.logOrigin, [verifier.value]);
  if (!checkpoint.ok)
    return err(
      `the checkpoint is not signed by the log key entry 0 names (${e0.logKey}): ${checkpoint.error.message}`,
    );
  state?.writeDefinition(definitionBytes);
  return ok({
    definition: opened.value.definition,
    entries: mirror.entries,
    source: {
      kind: o.kind,
      location: o.location,
      checkpoint: { size, rootHash: toBase64(claimed.value.rootHash) },
      trust: TRUST,
    },
  });
}

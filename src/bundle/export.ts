// Writes a preservation bundle (docs/FORMATS.md §13) from a store or a
// server (a LogReader): the whole public record of the log as of its latest
// checkpoint, member by member, streamed to a tar file (written under a
// temporary name and renamed when complete). Only 16 entry bundles (4,096
// entries) or one form are in memory at a time, besides the manifest's list
// of member hashes.
//
// The log may still grow while the export runs (a live server): the export is
// pinned to the latest checkpoint when it starts; later entries, tiles and
// checkpoints are left out.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { openGenesis } from '../election/genesis.js';
import { toBase64, toHex } from '../log/bytes.js';
import { parseCheckpoint } from '../log/checkpoint.js';
import { sha256 } from '../log/crypto.js';
import { parseNote } from '../log/note.js';
import {
  decodeEntryBundle,
  entryBundlePath,
  TILE_WIDTH,
  tilePath,
  tilesForSize,
} from '../log/tiles.js';
import type { Store } from '../store/store.js';
import type { LogReader } from '../verify/log-reader.js';
import { StoreLogReader } from '../verify/store-reader.js';
import {
  BUNDLE_FORMAT,
  checkpointMember,
  formMember,
  type Manifest,
  type ManifestMember,
  MEMBER,
} from './format.js';
import { readmeText } from './readme.js';
import { TarWriter } from './tar.js';

export interface ExportOptions {
  /** Where the record comes from; or give `store` for a StoreLogReader. */
  source?: LogReader;
  store?: Store;
  /** Whether the scanned forms the entries cite are exported (default true). */
  forms?: boolean;
  /** The bundle file to write (replaced if it exists, once the new one is complete). */
  out: string;
  /** Default: now. Also the members' modification time. */
  now?: Date;
  onProgress?: (
    phase: 'entries' | 'tiles' | 'checkpoints' | 'forms',
    done: number,
    total: number,
  ) => void;
}

export interface ExportSummary {
  path: string;
  bytes: number;
  treeSize: number;
  rootHash: string;
  electionId: string;
  checkpoints: number;
  forms: number;
  tiles: number;
  entryBundles: number;
}

/** Entry bundles read per request. */
const BUNDLES_PER_READ = 16;

function generator(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return `kura ${pkg.version ?? ''}`.trim();
  } catch {
    return 'kura';
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The form hash an entry's JSON cites, if any: a result's, or a correction's (entries that do not parse cite none). */
function citedForm(text: string): string | undefined {
  try {
    const entry = JSON.parse(text) as { form?: unknown; act?: { form?: unknown } };
    const form = entry.form ?? entry.act?.form;
    return typeof form === 'string' && /^[0-9a-f]{64}$/.test(form) ? form : undefined;
  } catch {
    return undefined;
  }
}

/** Entry bundles from bundle `b` covering entries [start, end), read in parallel, each whole or an error. */
async function bundlesOf(
  source: LogReader,
  b: number,
  start: number,
  end: number,
): Promise<Array<{ data: Uint8Array; entries: Uint8Array[] }>> {
  const jobs: Promise<{ data: Uint8Array; entries: Uint8Array[] }>[] = [];
  for (let first = start, k = b; first < end; first += TILE_WIDTH, k++) {
    const width = Math.min(TILE_WIDTH, end - first);
    jobs.push(
      source.entryBundle(k, width).then((r) => {
        const path = `log/${entryBundlePath(k, width)}`;
        if (!r.ok) throw new Error(`${source.where(path)} answered HTTP ${r.error.status}`);
        const d = decodeEntryBundle(r.value);
        if (!d.ok || d.value.length !== width)
          throw new Error(`${source.where(path)} does not hold ${width} entries`);
        return { data: r.value, entries: d.value };
      }),
    );
  }
  return Promise.all(jobs);
}

export async function exportBundle(o: ExportOptions): Promise<ExportSummary> {
  const source = o.source ?? (o.store ? new StoreLogReader(o.store) : undefined);
  if (!source) throw new TypeError('exportBundle: give source or store');
  const withForms = o.forms ?? true;
  const now = o.now ?? new Date();
  // ------------------------------------------------------------ what to export
  const read = await source.checkpoint();
  if (!read.ok)
    throw new Error(`${source.name} has no signed checkpoint: there is no log to export`);
  const latestNote = new TextDecoder().decode(read.value);
  const parsedNote = parseNote(latestNote);
  const parsed = parsedNote.ok ? parseCheckpoint(parsedNote.value.text) : undefined;
  if (!parsed?.ok)
    throw new Error(`the latest checkpoint of ${source.name} is not a checkpoint note`);
  const cp = parsed.value;
  const n = cp.size;
  if (n === 0)
    throw new Error(`the latest checkpoint of ${source.name} is for size ${n}; nothing to export`);
  const entry0 = await bundlesOf(source, 0, 0, 1).then(
    (b) => b[0]?.entries[0],
    () => undefined,
  );
  if (!entry0) throw new Error(`${source.name} has no entry 0`);
  const defSha = (() => {
    try {
      return (JSON.parse(new TextDecoder().decode(entry0)) as { definitionSha256?: unknown })
        .definitionSha256;
    } catch {
      return undefined;
    }
  })();
  const served = typeof defSha === 'string' ? await source.definition() : undefined;
  const definition = served?.ok && toHex(sha256(served.value)) === defSha ? served.value : null;
  if (!definition)
    throw new Error(`the election definition entry 0 commits to is not in ${source.name}`);
  const genesis = openGenesis(entry0, definition);
  if (!genesis.ok)
    throw new Error(`the election of ${source.name} does not verify: ${genesis.error}`);
  const e0 = genesis.value.entry;
  if (cp.origin !== e0.logOrigin)
    throw new Error(
      `the checkpoint of ${source.name} is for log ${JSON.stringify(cp.origin)}, not ${JSON.stringify(e0.logOrigin)}`,
    );

  // ------------------------------------------------------------ write
  const partial = `${o.out}.partial-${process.pid}`;
  const stream = createWriteStream(partial, { flags: 'wx' });
  const tar = new TarWriter(stream, now.getTime() / 1000);
  const members: ManifestMember[] = [];
  const add = async (path: string, data: Uint8Array, contentType?: string) => {
    await tar.add(path, data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    members.push(
      contentType
        ? { path, sha256, size: data.length, contentType }
        : { path, sha256, size: data.length },
    );
  };
  const summary = { checkpoints: 0, forms: 0, tiles: 0, entryBundles: 0 };
  const cited = new Set<string>();
  const decoder = new TextDecoder();
  try {
    const rootHash = toBase64(cp.rootHash);
    await add(
      MEMBER.readme,
      utf8(
        readmeText({
          electionId: e0.electionId,
          logOrigin: e0.logOrigin,
          logKey: e0.logKey,
          treeSize: n,
          rootHash,
          createdAt: now.toISOString(),
        }),
      ),
    );
    await add(MEMBER.definition, definition);
    await add(MEMBER.entry0, entry0);
    await add(MEMBER.logKey, utf8(`${e0.logKey}\n`));
    await add(MEMBER.commissionKey, utf8(`${e0.commissionKey}\n`));

    // Entry bundles, in log order.
    const bundles = Math.ceil(n / TILE_WIDTH);
    for (let b = 0; b < bundles; b += BUNDLES_PER_READ) {
      const start = b * TILE_WIDTH;
      const end = Math.min(n, (b + BUNDLES_PER_READ) * TILE_WIDTH);
      const read = await bundlesOf(source, b, start, end);
      for (const [k, bundle] of read.entries()) {
        await add(entryBundlePath(b + k, bundle.entries.length), bundle.data);
        summary.entryBundles++;
      }
      const rows = read.flatMap((x) => x.entries);
      if (withForms)
        for (const e of rows) {
          const form = citedForm(decoder.decode(e));
          if (form) cited.add(form);
        }
      o.onProgress?.('entries', end, n);
    }

    // Hash tiles at the widths of the exported tree (a stored tile may be wider: its prefix).
    const tiles = tilesForSize(n);
    for (const [i, t] of tiles.entries()) {
      const tile = await source.tile(t.level, t.index, t.width);
      if (!tile.ok || tile.value.length !== t.width * 32)
        throw new Error(
          `${source.where(`log/${tilePath(t)}`)}: no hash tile ${tilePath(t)} of ${t.width * 32} bytes (${tile.ok ? `${tile.value.length} bytes` : `HTTP ${tile.error.status}`})`,
        );
      await add(tilePath(t), tile.value);
      summary.tiles++;
      if (i % 64 === 0 || i === tiles.length - 1) o.onProgress?.('tiles', i + 1, tiles.length);
    }

    // Every checkpoint up to the exported size, as stored (cosignatures included).
    for await (const c of source.checkpoints(n)) {
      await add(checkpointMember(c.size), utf8(c.note));
      summary.checkpoints++;
      if (summary.checkpoints % 256 === 0)
        o.onProgress?.('checkpoints', summary.checkpoints, summary.checkpoints);
    }
    if (!members.some((m) => m.path === checkpointMember(n)))
      await add(checkpointMember(n), utf8(latestNote));
    await add(MEMBER.checkpoint, utf8(latestNote));

    // The forms the entries cite, by hash (an upload no entry cites is not part of the record, and expires, §10.3).
    for (const sha of [...cited].sort()) {
      if (sha === e0.definitionSha256) continue;
      const form = await source.form(sha);
      if (!form.ok) continue;
      await add(formMember(sha), form.value.data, form.value.contentType);
      summary.forms++;
      if (summary.forms % 256 === 0) o.onProgress?.('forms', summary.forms, summary.forms);
    }

    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      createdAt: now.toISOString(),
      generator: generator(),
      electionId: e0.electionId,
      logOrigin: e0.logOrigin,
      logKey: e0.logKey,
      commissionKey: e0.commissionKey,
      definitionSha256: e0.definitionSha256,
      treeSize: n,
      rootHash,
      members,
    };
    await tar.add(MEMBER.manifest, utf8(`${JSON.stringify(manifest, null, 1)}\n`));
    await tar.finish();
    await rename(partial, o.out);
    return {
      path: o.out,
      bytes: tar.bytesWritten,
      treeSize: n,
      rootHash,
      electionId: e0.electionId,
      ...summary,
    };
  } catch (e) {
    stream.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}

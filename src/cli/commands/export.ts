import { exportBundle } from '../../bundle/export.js';
import { stderrReporter } from '../../platform/reporter.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { HttpLogReader } from '../../verify/http-reader.js';
import { VerifyProgress } from '../../verify/progress.js';
import { StoreLogReader } from '../../verify/store-reader.js';
import { requireStoreDir } from '../store-dir.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura export --out FILE [--data DIR | --db postgres://... | --server URL [--forms]] [--quiet]

Writes a preservation bundle: one POSIX tar file holding the whole public
record of the log as of its latest checkpoint: every entry (as tlog-tiles
entry bundles), every hash tile, every stored checkpoint with its
cosignatures, the scanned forms, the keys, the election definition and
entry 0, and manifest.json with the SHA-256 and length of every member.
Check it offline with \`kura verify-bundle FILE\`; serve it as a read-only
mirror with \`kura serve --from-bundle FILE\`; README.txt inside says how to
check it by hand.

The record comes from the embedded PGlite store in --data (default
./kura-data; not while a server runs on it), from PostgreSQL at --db (a live
server's database is fine: the export is pinned to the checkpoint it starts
from), or from a server over HTTP (--server): then only its latest
checkpoint is in the bundle (a server does not publish older ones), and the
forms only with --forms (one request per cited form).

  --out FILE     the bundle to write (written to FILE.partial-<pid>, then renamed)
  --data DIR     an embedded store (default ./kura-data); a DIR holding no
                 store is refused, never created
  --db URL       a PostgreSQL store (postgres://...)
  --server URL   a kura server, over HTTP
  --forms        with --server: fetch the scanned forms too
  --quiet        no progress on stderr`;

export async function runExport(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      out: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      server: { type: 'string' },
      forms: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  if (a.positionals.length)
    throw new UsageError(`unexpected argument ${a.positionals[0]}\n${HELP}`);
  const out = requireOption(a.values.out, 'out');
  const { data, db, server } = a.values;
  if ([data, db, server].filter((x) => x !== undefined).length > 1)
    throw new UsageError('give one of --data, --db or --server');
  if (a.values.forms && !server)
    throw new UsageError('--forms is for --server (a store export has every form)');
  const log = stderrReporter();
  let store: Store | undefined;
  let http: HttpLogReader | undefined;
  if (server) {
    try {
      http = new HttpLogReader(server, { concurrency: 16 });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  } else {
    if (!db) requireStoreDir(data ?? './kura-data');
    // Exporting the record changes nothing in it: no migration, no write (and so it can read a standby).
    store = await openStore(
      db
        ? { url: db, log, readOnly: true }
        : { dataDir: data ?? './kura-data', log, readOnly: true },
    );
  }
  // Privileged action: a bundle is the whole record, forms included. When the
  // access log exists (a later issue), record here who exported what (the
  // source, the tree size and the bundle's manifest SHA-256).
  const progress = new VerifyProgress(!a.values.quiet);
  try {
    const s = await exportBundle({
      source: http ?? new StoreLogReader(store as Store),
      // A store export has every cited form; over HTTP, one request each: only with --forms.
      forms: http ? (a.values.forms ?? false) : true,
      out,
      onProgress: (phase, done, total) => progress.set(phase, done, total),
    });
    progress.flush();
    process.stdout.write(
      `kura: wrote ${s.path} (${(s.bytes / 1e6).toFixed(1)} MB): election ${s.electionId}, ${s.treeSize.toLocaleString('en')} entries (root ${s.rootHash}), ${plural(s.tiles, 'hash tile')}, ${plural(s.checkpoints, 'checkpoint')}, ${plural(s.forms, 'form')}\n`,
    );
    return 0;
  } finally {
    http?.close();
    await store?.close();
  }
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

import { join } from 'node:path';
import { CheckpointSigner } from '../../server/checkpoint-signer.js';
import { type RunningLog, startLog } from '../../server/start.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { readElectionFiles, readKeyFile } from '../election-dir.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura serve [--election DIR] [--data DIR | --db postgres://...] [--host H] [--port P] [--log-key FILE] [--read-only]

Runs the results server. The store is the embedded PGlite in --data (default
./kura-data) or PostgreSQL at --db. On the first start of an empty store,
--election (a directory made by kura election) gives entry 0; later starts
read the election from the log itself (and, if --election is given, check
that it is the same election). The log key defaults to DIR/log.key.`;

export interface ServeOptions {
  election?: string;
  data?: string;
  db?: string;
  logKey?: string;
  readOnly?: boolean;
  log?: (msg: string) => void;
}

export async function openServer(o: ServeOptions): Promise<{ store: Store; running: RunningLog }> {
  if (o.data && o.db) throw new UsageError('give --data or --db, not both');
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const store = await openStore(
    o.db ? { url: o.db, log } : { dataDir: o.data ?? './kura-data', log },
  );
  try {
    const genesis = o.election ? readElectionFiles(o.election) : undefined;
    const keyPath = o.logKey ?? (o.election ? join(o.election, 'log.key') : undefined);
    if (!o.readOnly && !keyPath)
      throw new UsageError(
        'the writer needs the log key: give --election DIR or --log-key FILE (or --read-only)',
      );
    const signer = o.readOnly || !keyPath ? null : new CheckpointSigner(readKeyFile(keyPath));
    const running = await startLog({ store, genesis, signer, log });
    return { store, running };
  } catch (e) {
    await store.close();
    throw e;
  }
}

export async function runServe(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      election: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'log-key': { type: 'string' },
      'read-only': { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const { store, running } = await openServer({
    election: a.values.election,
    data: a.values.data,
    db: a.values.db,
    logKey: a.values['log-key'],
    readOnly: a.values['read-only'],
  });
  const host = a.values.host ?? '127.0.0.1';
  const port = Number(a.values.port ?? 8080);
  const address = await running.app.listen({ host, port });
  const e = running.election.entry;
  process.stdout.write(
    `kura: serving election ${e.electionId} (${running.election.definition.stations.length} stations) on ${store.backend}, log ${e.logOrigin}\n`,
  );
  process.stdout.write(
    `  API      ${address}/api/v1/tally/president\n  log      ${address}/log/checkpoint\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('kura: stopping (sequencing what is queued)\n');
  await running.close();
  await store.close();
  return 0;
}

import { join } from 'node:path';
import { startBundleMirror } from '../../bundle/mirror-server.js';
import { CheckpointSigner } from '../../server/checkpoint-signer.js';
import { type RunningLog, startLog } from '../../server/start.js';
import { parseWitnessTarget } from '../../server/witness-push.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { readElectionFiles, readKeyFile, signerSeed } from '../election-dir.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura serve [--election DIR] [--data DIR | --db postgres://...] [--host H] [--port P] [--log-key FILE] [--read-only]
           [--witness URL=VKEY]... [--commission-key FILE]
kura serve --from-bundle FILE [--data DIR | --db postgres://...] [--host H] [--port P]

Runs the results server. The store is the embedded PGlite in --data (default
./kura-data) or PostgreSQL at --db. On the first start of an empty store,
--election (a directory made by kura election) gives entry 0; later starts
read the election from the log itself (and, if --election is given, check
that it is the same election). The log key defaults to DIR/log.key.

  --witness URL=VKEY  a witness (c2sp.org/tlog-witness) to push each new
                      checkpoint to; VKEY is its cosignature/v1 key (kura
                      witness prints it). Repeatable. GET /log/checkpoint then
                      serves the checkpoint with the cosignatures collected.
  --commission-key FILE
                      the commission's signer key (kura election writes
                      DIR/commission.key): turns on officials' logins and acts
                      (accounts, devices, corrections, declarations), each
                      logged as an entry signed by this key. Without it those
                      endpoints answer 405 OFFICIALS_DISABLED.
  --from-bundle FILE  serve a preservation bundle (kura export) as a read-only
                      mirror that kura verify accepts; it is loaded into --data
                      or --db (empty), or a temporary directory.`;

export interface ServeOptions {
  election?: string;
  data?: string;
  db?: string;
  logKey?: string;
  readOnly?: boolean;
  /** --witness URL=VKEY arguments. */
  witnesses?: string[];
  commissionKey?: string;
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
    const witnesses = (o.witnesses ?? []).map((w) => {
      try {
        return parseWitnessTarget(w);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
    const commissionSeed = o.commissionKey ? signerSeed(readKeyFile(o.commissionKey)) : undefined;
    if (commissionSeed && !signer)
      throw new UsageError('--commission-key needs a writer, not --read-only');
    const running = await startLog({ store, genesis, signer, log, witnesses, commissionSeed });
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
      witness: { type: 'string', multiple: true },
      'from-bundle': { type: 'string' },
      'commission-key': { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  const fromBundle = a.values['from-bundle'];
  if (fromBundle && (a.values.election || a.values['log-key'] || a.values.witness))
    throw new UsageError(
      '--from-bundle serves a read-only mirror: no --election, --log-key or --witness',
    );
  if (a.values.data && a.values.db) throw new UsageError('give --data or --db, not both');
  const { store, running, cleanup } = fromBundle
    ? await startBundleMirror({ bundle: fromBundle, data: a.values.data, db: a.values.db })
    : {
        ...(await openServer({
          election: a.values.election,
          data: a.values.data,
          db: a.values.db,
          logKey: a.values['log-key'],
          readOnly: a.values['read-only'],
          witnesses: a.values.witness,
          commissionKey: a.values['commission-key'],
        })),
        cleanup: undefined,
      };
  const host = a.values.host ?? '127.0.0.1';
  const port = Number(a.values.port ?? 8080);
  const address = await running.app.listen({ host, port });
  const e = running.election.entry;
  process.stdout.write(
    `kura: serving election ${e.electionId} (${running.election.definition.stations.length} stations) on ${store.backend}, log ${e.logOrigin}\n`,
  );
  process.stdout.write(
    `  API      ${address}/api/v1/tally/president\n  log      ${address}/log/checkpoint\n  portal   ${address}/\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('kura: stopping (sequencing what is queued)\n');
  await running.close();
  await store.close();
  cleanup?.();
  return 0;
}

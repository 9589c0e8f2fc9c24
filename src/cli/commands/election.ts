import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../../election/definition.js';
import { checkDefinition } from '../../election/election-index.js';
import { createGenesis } from '../../election/genesis.js';
import { buildKenya2022Definition } from '../../kenya/kenya2022.js';
import { syntheticDefinition } from '../../simulate/synthetic-country.js';
import { ensureKeys, signerSeed, writeAtomic } from '../election-dir.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura election kenya-2022 [--out DIR] [--origin ORIGIN] [--force]
kura election synthetic --stations N [--out DIR] [--origin ORIGIN] [--president-only]
kura election create --definition FILE [--out DIR]

Builds an election definition, signs entry 0 with the commission key, and
writes an election directory (definition.json, entry0.json, log and commission
keys; keys that already exist there are kept). kenya-2022 uses the committed
2022 facts (46,229 polling stations) with demo device keys; synthetic makes a
country of N stations. With create, FILE's logKey and commissionKey must be the
directory's keys (make them first with this command or kura keygen).

  --out DIR           the election directory to write (default .kura/<kind>)
  --origin ORIGIN     the log's origin line (default kura.example/<kind>)
  --force             make a new definition and entry 0 even if DIR has them
                      (otherwise they are reused)
  --stations N        synthetic: the number of polling stations (1 to 1,000,000)
  --president-only    synthetic: one contest (president) instead of six
  --definition FILE   create: the election definition (JSON, FORMATS.md §3)`;

export interface MadeElection {
  dir: string;
  electionId: string;
  stations: number;
  reused: boolean;
}

export async function makeElection(
  kind: string,
  o: {
    out?: string;
    origin?: string;
    force?: boolean;
    stations?: number;
    presidentOnly?: boolean;
    definition?: string;
  },
): Promise<MadeElection> {
  const dir = o.out ?? join('.kura', kind === 'synthetic' ? `synthetic-${o.stations}` : kind);
  if (
    !o.force &&
    existsSync(join(dir, 'entry0.json')) &&
    existsSync(join(dir, 'definition.json')) &&
    kind !== 'create'
  ) {
    const def = JSON.parse(
      readFileSync(join(dir, 'definition.json'), 'utf8'),
    ) as ElectionDefinition;
    return { dir, electionId: def.electionId, stations: def.stations.length, reused: true };
  }
  const origin =
    o.origin ?? `kura.example/${kind === 'synthetic' ? `synthetic-${o.stations}` : kind}`;
  const keys = ensureKeys(
    dir,
    origin.replace(/[^A-Za-z0-9./_-]/g, '-'),
    `${origin.split('/')[0]}-commission`,
  );
  let definition: ElectionDefinition;
  switch (kind) {
    case 'kenya-2022':
      definition = buildKenya2022Definition({
        logOrigin: origin,
        logKey: keys.logVkey,
        commissionKey: keys.commissionVkey,
      });
      break;
    case 'synthetic': {
      if (!o.stations || o.stations < 1 || o.stations > 1_000_000)
        throw new UsageError('--stations must be between 1 and 1,000,000');
      definition = syntheticDefinition({
        stations: o.stations,
        logOrigin: origin,
        logKey: keys.logVkey,
        commissionKey: keys.commissionVkey,
        presidentOnly: o.presidentOnly,
      });
      break;
    }
    case 'create': {
      if (!o.definition) throw new UsageError('--definition FILE is required');
      definition = JSON.parse(readFileSync(o.definition, 'utf8')) as ElectionDefinition;
      if (definition.logKey !== keys.logVkey || definition.commissionKey !== keys.commissionVkey) {
        throw new Error(
          `the definition's logKey and commissionKey must be ${keys.logVkey} and ${keys.commissionVkey} (the keys in ${dir})`,
        );
      }
      break;
    }
    default:
      throw new UsageError(`unknown election kind "${kind}" (kenya-2022, synthetic or create)`);
  }
  const checked = checkDefinition(definition);
  if (!checked.ok)
    throw new Error(`the definition is inconsistent:\n  ${checked.error.join('\n  ')}`);
  const genesis = createGenesis(definition, signerSeed(keys.commissionSigner), new Date());
  writeAtomic(join(dir, 'definition.json'), genesis.definitionBytes);
  writeAtomic(join(dir, 'entry0.json'), genesis.entryBytes);
  return {
    dir,
    electionId: definition.electionId,
    stations: definition.stations.length,
    reused: false,
  };
}

export async function runElection(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      out: { type: 'string' },
      origin: { type: 'string' },
      force: { type: 'boolean' },
      stations: { type: 'string' },
      'president-only': { type: 'boolean' },
      definition: { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  const kind = a.positionals[0];
  if (!kind) throw new UsageError(`which election? ${HELP}`);
  const made = await makeElection(kind, {
    out: a.values.out,
    origin: a.values.origin,
    force: a.values.force,
    stations: a.values.stations ? Number(a.values.stations) : undefined,
    presidentOnly: a.values['president-only'],
    definition: a.values.definition,
  });
  process.stdout.write(
    `${made.reused ? 'already made' : 'made'}: election ${made.electionId} (${made.stations} polling stations) in ${made.dir}\n`,
  );
  process.stdout.write(`serve it with: kura serve --election ${made.dir}\n`);
  return 0;
}

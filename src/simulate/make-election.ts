// Making an election directory (src/platform/election-dir.ts): Kenya 2022
// from the committed facts, a synthetic country, or a definition file; signed
// entry 0 and the keys. `kura election`, the demo and the benchmark use it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { checkDefinition } from '../election/election-index.js';
import { createGenesis } from '../election/genesis.js';
import { buildKenya2022Definition } from '../kenya/kenya2022.js';
import { writeDurable } from '../platform/durable-write.js';
import { ensureKeys, signerSeed } from '../platform/election-dir.js';
import { UsageError } from '../platform/usage-error.js';
import { syntheticDefinition } from './synthetic-country.js';

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
  const keys = await ensureKeys(
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
  await writeDurable(join(dir, 'definition.json'), genesis.definitionBytes);
  await writeDurable(join(dir, 'entry0.json'), genesis.entryBytes);
  return {
    dir,
    electionId: definition.electionId,
    stations: definition.stations.length,
    reused: false,
  };
}

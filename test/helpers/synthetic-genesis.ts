// A synthetic election's definition, and its entry 0 made and opened as a
// verifier opens it: for tests of the definition, the fold and the
// comparisons that need no server.
import assert from 'node:assert/strict';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { createGenesis, type OpenedGenesis, openGenesis } from '../../src/election/genesis.js';
import { generateKey } from '../../src/log/note.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

export interface SyntheticGenesis {
  definition: ElectionDefinition;
  /** Entry 0's bytes and the definition's, as logged. */
  entryBytes: Uint8Array;
  definitionBytes: Uint8Array;
  opened: OpenedGenesis;
}

/** Election `name` (its id `<name>-test`; its log origin kura.test/<name>) of `stations` synthetic stations, six contests. */
export function syntheticTestDefinition(name: string, stations: number): ElectionDefinition {
  return syntheticDefinition({
    electionId: `${name}-test`,
    stations,
    logOrigin: `kura.test/${name}`,
    logKey: generateKey(`kura.test/${name}`, SEED('log')).verifierKey,
    commissionKey: generateKey('kura.test-commission', SEED('commission')).verifierKey,
    presidentOnly: false,
  });
}

/** That election's entry 0, made and opened. */
export function syntheticGenesis(name: string, stations: number): SyntheticGenesis {
  const definition = syntheticTestDefinition(name, stations);
  const genesis = createGenesis(definition, SEED('commission'), new Date('2022-08-09T05:00:00Z'));
  const o = openGenesis(genesis.entryBytes, genesis.definitionBytes);
  assert.ok(o.ok);
  return {
    definition,
    entryBytes: genesis.entryBytes,
    definitionBytes: genesis.definitionBytes,
    opened: o.value,
  };
}

// The election the first-start crash test and its child process both start:
// fixed keys and time, so both sides build byte-identical entry 0.
import { createGenesis } from '../../src/election/genesis.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { generateKey } from '../../src/log/note.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const seed = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

export function crashElection() {
  const log = generateKey('kura.test/crash', seed('crash-log'));
  const commission = generateKey('kura.test-commission', seed('crash-commission'));
  const definition = syntheticDefinition({
    electionId: 'crash-election',
    stations: 4,
    logOrigin: 'kura.test/crash',
    logKey: log.verifierKey,
    commissionKey: commission.verifierKey,
    presidentOnly: true,
  });
  const genesis = createGenesis(
    definition,
    seed('crash-commission'),
    new Date('2022-08-09T05:00:00Z'),
  );
  return {
    definition,
    genesis,
    logVerifierKey: log.verifierKey,
    signer: () => new CheckpointSigner(log.signerKey),
  };
}

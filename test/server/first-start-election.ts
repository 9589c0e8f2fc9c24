// The election the first-start crash test and its child process both start:
// fixed keys and time, so both sides build byte-identical entry 0.
import { generateKey } from '../../src/log/note.js';
import { type TestElection, testElection } from '../helpers/test-log.js';

const seed = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);

export function crashElection(): TestElection {
  return testElection({
    electionId: 'crash-election',
    stations: 4,
    origin: 'kura.test/crash',
    logKey: generateKey('kura.test/crash', seed('crash-log')),
    commissionSeed: seed('crash-commission'),
  });
}

// A presidential result signed with a device's demo key: the entry the server
// tests send when the figures themselves do not matter.
import type { Device, ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import type { ResultEntry } from '../../src/election/entries.js';

/** Candidate k gets `10 + k + extra` votes; one rejected ballot. */
export function demoPresidentResult(
  def: ElectionDefinition,
  device: Device,
  extra = 0,
): ResultEntry {
  const votes = Object.fromEntries(
    (def.contests[0]?.candidates ?? []).map((c, k) => [c.id, 10 + k + extra]),
  );
  return signResult(
    {
      type: 'result',
      v: 1,
      election: def.electionId,
      contest: 'president',
      station: device.station,
      device: device.id,
      votes,
      rejected: 1,
      totalValid: Object.values(votes).reduce((a, b) => a + b, 0),
      form: 'ab'.repeat(32),
      deviceTime: '2022-08-09T17:00:00Z',
    },
    demoDeviceSeed(def.electionId, device.id),
  );
}

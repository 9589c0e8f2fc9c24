// checkDefinition refuses a definition whose lists do not have the shape
// kura reads, naming the list, the item and the field, before it looks at
// their contents; and a device key of small order whatever its bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { checkDefinition } from '../../src/election/election-index.js';
import { toBase64 } from '../../src/log/bytes.js';
import { SMALL_ORDER_ENCODINGS } from '../../src/log/crypto.js';
import { syntheticTestDefinition } from '../helpers/synthetic-genesis.js';

const definition = () => syntheticTestDefinition('shape', 12);

function problems(change: (d: Record<string, unknown[]>) => void): string[] {
  const d = structuredClone(definition()) as unknown as Record<string, unknown[]>;
  change(d);
  const checked = checkDefinition(d as unknown as ElectionDefinition);
  assert.equal(checked.ok, false, 'the changed definition must be refused');
  return checked.ok ? [] : checked.error;
}

test('the synthetic definition itself passes', () => {
  assert.ok(checkDefinition(definition()).ok);
});

// Each list's fields, a value of a type it may not have, and the words expected.
const CASES: Array<[string, string, unknown, string]> = [
  ['units', 'code', 7, 'units[2].code must be string'],
  ['units', 'parent', 3, 'units[2].parent must be string or null'],
  ['units', 'name', null, 'units[2].name must be string'],
  ['stations', 'registeredVoters', '500', 'stations[2].registeredVoters must be number'],
  ['stations', 'ward', ['w'], 'stations[2].ward must be string'],
  ['contests', 'forms', 'a4', 'contests[2].forms must be object'],
  ['contests', 'candidates', {}, 'contests[2].candidates must be array'],
  ['devices', 'publicKey', 32, 'devices[2].publicKey must be string'],
  ['devices', 'station', undefined, 'devices[2].station must be string'],
];

for (const [list, field, value, words] of CASES)
  test(`a ${list} item whose ${field} is ${JSON.stringify(value) ?? 'missing'} is refused by name`, () => {
    const found = problems((d) => {
      const item = d[list]?.[2] as Record<string, unknown>;
      if (value === undefined) delete item[field];
      else item[field] = value;
    });
    assert.deepEqual(found, [words]);
  });

test('a list that is not an array, and an item that is not an object, are named', () => {
  assert.deepEqual(
    problems((d) => {
      (d as Record<string, unknown>).devices = 'none';
    }),
    ['devices must be an array'],
  );
  assert.deepEqual(
    problems((d) => {
      (d.stations as unknown[])[4] = 'A001';
    }),
    ['stations[4] must be an object'],
  );
});

test('a device key of small order is refused, every encoding of it', () => {
  for (const hex of SMALL_ORDER_ENCODINGS) {
    const key = toBase64(Uint8Array.from(Buffer.from(hex, 'hex')));
    const found = problems((d) => {
      (d.devices?.[3] as Record<string, unknown>).publicKey = key;
    });
    assert.equal(found.length, 1, hex);
    assert.match(found[0] ?? '', /publicKey is not an Ed25519 key of full order/, hex);
  }
});

// What of a client's address reaches the public log (a class: IPv4 /24, IPv6
// /48) and what the login throttle counts under (an IPv4 address, an IPv6 /64),
// and that every class written matches the pattern FORMATS.md §14.1 gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressClass, throttleKey } from '../../src/accounts/address.js';
import { ADDRESS_CLASS } from '../../src/election/official-entry.js';

const CASES: Array<[string, string, string]> = [
  ['192.0.2.77', '192.0.2.0/24', '192.0.2.77'],
  ['10.0.0.9', '10.0.0.0/24', '10.0.0.9'],
  ['::ffff:198.51.100.7', '198.51.100.0/24', '198.51.100.7'],
  ['2001:db8:0:1:2::3', '2001:db8:0::/48', '2001:db8:0:1::/64'],
  ['2001:0DB8:ABCD:0012::1', '2001:db8:abcd::/48', '2001:db8:abcd:12::/64'],
  ['::1', '0:0:0::/48', '0:0:0:0::/64'],
  ['not an address', '', 'not an address'],
  ['', '', ''],
];

test('an address becomes its class for the log and its key for the throttle', () => {
  for (const [address, cls, key] of CASES) {
    assert.equal(addressClass(address), cls, address);
    assert.equal(throttleKey(address), key, address);
    assert.ok(ADDRESS_CLASS.test(cls), `${cls} matches §14.1`);
  }
});

test('the §14.1 pattern refuses full addresses and non-canonical classes', () => {
  for (const bad of [
    '192.0.2.77',
    '192.0.2.0/25',
    '010.0.0.0/24',
    '2001:DB8:0::/48',
    '2001:db8::/48',
    '256.0.0.0/24',
  ])
    assert.equal(ADDRESS_CLASS.test(bad), false, bad);
});

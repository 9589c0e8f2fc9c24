import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  demoDevicePublicKey as demoDevicePublicKeyBase64,
  demoDeviceSeed,
} from '../../src/election/demo-keys.js';
import { fromBase64 } from '../../src/log/bytes.js';
import { ed25519Sign, ed25519Verify } from '../../src/log/crypto.js';

const demoDevicePublicKey = (e: string, d: string) =>
  fromBase64(demoDevicePublicKeyBase64(e, d)) as Uint8Array;

test('demo seed = SHA-256("kura demo device key\\n" + electionId + "\\n" + deviceId)', () => {
  const expected = createHash('sha256')
    .update('kura demo device key\nkenya-2022\nF230450M00201302', 'utf8')
    .digest();
  assert.deepEqual(Buffer.from(demoDeviceSeed('kenya-2022', 'F230450M00201302')), expected);
  assert.equal(demoDeviceSeed('kenya-2022', 'x').length, 32);
});

test('demo keys are deterministic and differ by election and device', () => {
  const a = demoDevicePublicKeyBase64('kenya-2022', 'F230450M00201302');
  assert.equal(a, demoDevicePublicKeyBase64('kenya-2022', 'F230450M00201302'));
  assert.notEqual(a, demoDevicePublicKeyBase64('kenya-2022', 'F230450M00201303'));
  assert.notEqual(a, demoDevicePublicKeyBase64('kenya-2017', 'F230450M00201302'));
  assert.equal(Buffer.from(a, 'base64').length, 32);
});

test('the fast node:crypto key path agrees with an independent Ed25519 implementation (noble)', () => {
  for (let i = 0; i < 50; i++) {
    const id = `DEVICE-${i}`;
    const seed = demoDeviceSeed('kenya-2022', id);
    assert.deepEqual(demoDevicePublicKey('kenya-2022', id), ed25519.getPublicKey(seed), id);
    const msg = new TextEncoder().encode(`message ${i}`);
    assert.deepEqual(
      ed25519Sign(seed, msg),
      ed25519.sign(msg, seed),
      'RFC 8032 signatures are deterministic',
    );
  }
});

test('a demo seed signs and its public key verifies', () => {
  const seed = demoDeviceSeed('kenya-2022', 'Y3KK12CQLIA01K6');
  const msg = new TextEncoder().encode('form 34A');
  const sig = ed25519Sign(seed, msg);
  assert.ok(ed25519Verify(demoDevicePublicKey('kenya-2022', 'Y3KK12CQLIA01K6'), msg, sig));
  assert.ok(!ed25519Verify(demoDevicePublicKey('kenya-2022', 'other'), msg, sig));
});

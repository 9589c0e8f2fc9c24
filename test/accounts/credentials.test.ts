// RFC 6238 TOTP against the RFC's own test vectors (Appendix B, SHA-1; our
// codes are 6 digits: the last 6 of the RFC's 8), and scrypt password hashes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPassword, hashPassword } from '../../src/accounts/password.js';
import { base32Decode, base32Encode, matchTotp, totp } from '../../src/accounts/totp.js';

const SECRET = base32Encode(new TextEncoder().encode('12345678901234567890'));

test('TOTP matches RFC 6238 Appendix B (SHA-1)', () => {
  const vectors: Array<[number, string]> = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [t, code] of vectors) assert.equal(totp(SECRET, t * 1000), code.slice(-6), `T=${t}`);
  assert.deepEqual(base32Decode(SECRET), new TextEncoder().encode('12345678901234567890'));
});

test('a TOTP code is accepted once, within one step of drift, and not after', () => {
  const now = 1234567890_000;
  const code = totp(SECRET, now);
  const step = matchTotp(SECRET, code, now + 25_000, 0);
  assert.equal(step, Math.floor(1234567890 / 30));
  assert.equal(matchTotp(SECRET, code, now, step ?? 0), null, 'replay refused');
  assert.equal(matchTotp(SECRET, code, now + 95_000, 0), null, 'too old');
  assert.equal(matchTotp(SECRET, '12345', now, 0), null);
});

test('scrypt hashes check the right password only, and differ per salt', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.equal(await checkPassword('correct horse battery staple', a), true);
  assert.equal(await checkPassword('correct horse battery stapler', a), false);
  assert.equal(await checkPassword('x', 'not a hash'), false);
});

// How a writer checks a device's Ed25519 signature: on its worker threads
// when it has them, on the main thread otherwise. Results and form uploads
// both go through it.
import { ed25519Verify } from '../log/crypto.js';
import type { SignaturePool } from '../platform/signature-pool.js';

export type SignatureCheck = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => Promise<boolean>;

export function signatureCheck(pool: SignaturePool | undefined): SignatureCheck {
  if (pool)
    return (publicKey, message, signature) =>
      // A worker that died refuses its batch; the main thread checks it instead.
      pool
        .verify(publicKey, message, signature)
        .catch(() => ed25519Verify(publicKey, message, signature));
  return async (publicKey, message, signature) => ed25519Verify(publicKey, message, signature);
}

// The party agent's key, made and kept in this browser. WebCrypto Ed25519
// where the browser has it: the private key is made non-extractable, so no
// script (ours included) can read it out, only sign with it. Elsewhere (an
// older browser, or a page served over plain HTTP, where crypto.subtle is
// absent) a random 32-byte seed signed with the project's own @noble code.
// Either way the key lives in IndexedDB (a CryptoKey cannot go in
// localStorage) and never leaves the phone: the party enrols its public half.
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign } from '../../src/log/crypto.js';
import { idbGet, idbPut } from './agent-db';

export type StoredKey =
  | { kind: 'webcrypto'; privateKey: CryptoKey; publicKey: string }
  | { kind: 'noble'; seed: Uint8Array; publicKey: string };

export interface AgentKey {
  kind: StoredKey['kind'];
  /** Base64 of the 32-byte Ed25519 public key, as a roster's agent-enrolled act carries it. */
  publicKey: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const KEY_ID = 'agent-key';

async function webCryptoKey(): Promise<StoredKey | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  try {
    const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    if (raw.length !== 32) return null;
    return { kind: 'webcrypto', privateKey: pair.privateKey, publicKey: toBase64(raw) };
  } catch {
    return null; // no Ed25519 in this browser's WebCrypto
  }
}

function nobleKey(): StoredKey {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { kind: 'noble', seed, publicKey: toBase64(ed25519PublicKey(seed)) };
}

function use(stored: StoredKey): AgentKey {
  return {
    kind: stored.kind,
    publicKey: stored.publicKey,
    sign: async (message) =>
      stored.kind === 'webcrypto'
        ? new Uint8Array(
            await crypto.subtle.sign(
              { name: 'Ed25519' },
              stored.privateKey,
              message as BufferSource,
            ),
          )
        : ed25519Sign(stored.seed, message),
  };
}

/** This browser's agent key: the one kept, or a new one (kept before it is returned). */
export async function agentKey(): Promise<AgentKey> {
  const kept = await idbGet<StoredKey>(KEY_ID);
  if (kept) return use(kept);
  const made = (await webCryptoKey()) ?? nobleKey();
  await idbPut(KEY_ID, made);
  return use(made);
}

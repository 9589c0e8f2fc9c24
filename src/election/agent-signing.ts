// What a party's key and an agent's phone do with their keys: sign a roster
// entry, an attestation or a dissent (FORMATS.md §16), as a device signs its
// result (device.ts). Pure: the CLI, the portal's /agent page and the demo
// sign with the same code.
import { toBase64 } from '../log/bytes.js';
import { ed25519Sign } from '../log/crypto.js';
import type { AgentEntry } from './agent-entries.js';
import { signingMessage, type Unsigned } from './entries.js';

/** Signs an agent entry with a 32-byte Ed25519 seed: the party's for a roster, the agent's for a word. */
export function signAgentEntry<E extends AgentEntry>(unsigned: Unsigned<E>, seed: Uint8Array): E {
  return { ...unsigned, sig: toBase64(ed25519Sign(seed, signingMessage(unsigned))) } as E;
}

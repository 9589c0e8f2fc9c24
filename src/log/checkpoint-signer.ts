// Signs the log's checkpoints with the log key, twice: a plain Ed25519 note
// signature (type 0x01, what Go's sumdb/note and every tlog client check), and
// a C2SP cosignature/v1 (type 0x04) by the same key, which adds the time of
// signing. Ed25519 is deterministic, so without the timestamp a checkpoint
// re-signed while the log is idle would be byte-identical; with it, anyone can
// see how fresh the log's view is.
import { equal, fromBase64 } from './bytes.js';
import { formatCheckpoint } from './checkpoint.js';
import { cosigner } from './cosignature.js';
import { ed25519PublicKey, sha256 } from './crypto.js';
import {
  decodeVerifierKey,
  ed25519Signer,
  type NoteSigner,
  parseSignerKey,
  signNote,
} from './note.js';

/** SHA-256 of this label and the seed is the fold seal's key: never the log key itself. */
const FOLD_SEAL_LABEL = new TextEncoder().encode('kura/fold-seal/v1\n');

export class CheckpointSigner {
  private readonly plain: NoteSigner;
  private readonly timed: NoteSigner;
  private readonly publicKey: Uint8Array;
  /** The key that seals the writer's kept fold (foldSealKey). */
  private readonly sealKey: Uint8Array;

  constructor(
    signerKey: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    const parsed = parseSignerKey(signerKey);
    if (!parsed.ok) throw new Error(`the log key is not a signer key: ${parsed.error.message}`);
    const seed = fromBase64(signerKey.split('+').slice(4).join('+'))?.subarray(1);
    if (seed?.length !== 32) throw new Error('the log key is not an Ed25519 signer key');
    this.plain = ed25519Signer(parsed.value.name, seed);
    this.timed = cosigner(parsed.value.name, seed, this.now);
    this.publicKey = ed25519PublicKey(seed);
    const labelled = new Uint8Array(FOLD_SEAL_LABEL.length + seed.length);
    labelled.set(FOLD_SEAL_LABEL, 0);
    labelled.set(seed, FOLD_SEAL_LABEL.length);
    this.sealKey = sha256(labelled);
  }

  /**
   * A 32-byte key for the seal (an HMAC) on the fold the writer keeps in its
   * store (server/kept-fold.ts): derived from the log key's seed, so only a
   * holder of the log key can keep a fold that a restarted writer will trust,
   * and never the log key itself, which signs nothing but checkpoints.
   */
  foldSealKey(): Uint8Array {
    return this.sealKey.slice();
  }

  get name(): string {
    return this.plain.name;
  }

  /** True when this key is the one named by a verifier key (the election's logKey). */
  matches(verifierKey: string): boolean {
    const d = decodeVerifierKey(verifierKey);
    return (
      d.ok &&
      d.value.name === this.plain.name &&
      d.value.type === 0x01 &&
      equal(d.value.publicKey, this.publicKey)
    );
  }

  sign(origin: string, size: number, rootHash: Uint8Array): string {
    return signNote(formatCheckpoint({ origin, size, rootHash, extensions: [] }), [
      this.plain,
      this.timed,
    ]);
  }
}

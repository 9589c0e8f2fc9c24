// C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable receipt
// that an entry is in the log.
//
//   c2sp.org/tlog-proof@v1
//   [extra <base64 opaque data>]
//   index <decimal>
//   <base64 proof hash>            (zero or more, leaf's sibling first)
//   <empty line>
//   <signed checkpoint note, verbatim>
//
// Choices where the spec leaves room (all documented here):
// - The receipt does not carry the entry: as the spec says, it is a detached
//   "transparent signature", so verifyReceipt takes the entry bytes and hashes
//   them as an RFC 6962 leaf (leafHash(entry)). `extra` is not used to derive
//   the leaf hash; it is returned to the caller, unauthenticated.
// - An "extra" line must carry at least one byte of canonical base64; format
//   omits the line when there is no extra data.
// - At most 64 proof lines (more cannot occur in a tree of 2^64 leaves).
// - The embedded checkpoint must be a well-formed note; its signatures are
//   checked by verifyReceipt, not by parseReceipt.
import type { Result } from '../basics/result.js';
import { ok } from '../basics/result.js';
import { fromBase64, parseDecimal, toBase64 } from './bytes.js';
import type { Checkpoint } from './checkpoint.js';
import { openCheckpoint } from './checkpoint.js';
import { checkWitnessPolicy } from './cosignature.js';
import type { LogError } from './errors.js';
import { logErr } from './errors.js';
import { HASH_SIZE, leafHash } from './merkle.js';
import type { NoteVerifier, OpenedNote } from './note.js';
import { parseNote } from './note.js';
import { checkInclusion } from './proof.js';

export const RECEIPT_HEADER = 'c2sp.org/tlog-proof@v1';
const MAX_PROOF_LINES = 64;

export interface Receipt {
  readonly index: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
  /** Opaque, unauthenticated extra data. */
  readonly extra?: Uint8Array;
}

export function formatReceipt(r: Receipt): string {
  return formatReceipts(r.checkpoint, [r])[0] as string;
}

/**
 * Receipts of several entries under one signed checkpoint (a sequencer's
 * batch), each exactly as formatReceipt makes it: the checkpoint is checked
 * once, not once per receipt.
 */
export function formatReceipts(
  checkpoint: string,
  receipts: ReadonlyArray<Omit<Receipt, 'checkpoint'>>,
): string[] {
  if (!parseNote(checkpoint).ok) throw new RangeError('checkpoint is not a signed note');
  return receipts.map((r) => {
    if (!Number.isSafeInteger(r.index) || r.index < 0) throw new RangeError(`bad index ${r.index}`);
    if (r.proof.length > MAX_PROOF_LINES || r.proof.some((h) => h.length !== HASH_SIZE)) {
      throw new RangeError('bad proof');
    }
    const lines = [RECEIPT_HEADER];
    if (r.extra && r.extra.length > 0) lines.push(`extra ${toBase64(r.extra)}`);
    lines.push(`index ${r.index}`);
    for (const h of r.proof) lines.push(toBase64(h));
    lines.push('', checkpoint);
    return lines.join('\n');
  });
}

/** Parses a receipt (attacker-controlled). Strict about every line; see the header comment. */
export function parseReceipt(text: string): Result<Receipt, LogError> {
  const bad = (why: string) => logErr('RECEIPT_MALFORMED', why);
  const lines: string[] = [];
  let pos = 0;
  // Read header lines up to and including the empty separator line.
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return bad('missing empty line before the checkpoint');
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line === '') break;
    lines.push(line);
    if (lines.length > MAX_PROOF_LINES + 3) return bad('too many lines');
  }
  const checkpoint = text.slice(pos);
  let i = 0;
  if (lines[i++] !== RECEIPT_HEADER) return bad(`first line must be ${RECEIPT_HEADER}`);
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith('extra ')) {
    extra = fromBase64((lines[i] as string).slice(6));
    if (!extra || extra.length === 0) return bad('bad extra data');
    i++;
  }
  const indexLine = lines[i++];
  if (!indexLine?.startsWith('index ')) return bad('missing index line');
  const index = parseDecimal(indexLine.slice(6));
  if (index === undefined) return bad('index is not a canonical decimal');
  const proof: Uint8Array[] = [];
  for (; i < lines.length; i++) {
    const h = fromBase64(lines[i] as string);
    if (!h || h.length !== HASH_SIZE) return bad('proof line is not a base64 SHA-256 hash');
    proof.push(h);
  }
  if (proof.length > MAX_PROOF_LINES) return bad('proof too long');
  const note = parseNote(checkpoint);
  if (!note.ok) return bad(`embedded checkpoint: ${note.error.message}`);
  return ok(extra ? { index, proof, checkpoint, extra } : { index, proof, checkpoint });
}

export interface VerifyReceiptOptions {
  /** Witness cosigners to check, and how many of them must have cosigned (default 0). */
  readonly witnesses?: readonly NoteVerifier[];
  readonly witnessThreshold?: number;
}

export interface VerifiedReceipt {
  readonly index: number;
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
  readonly extra?: Uint8Array;
}

/**
 * Verifies a receipt for `entry` (both attacker-controlled): the embedded
 * checkpoint must be signed by one of `logVerifiers` for `origin`, optionally
 * cosigned by `witnessThreshold` of `witnesses`, and the inclusion proof must
 * lead from leafHash(entry) at the index to the checkpoint's root.
 */
export function verifyReceipt(
  receiptText: string,
  entry: Uint8Array,
  logVerifiers: NoteVerifier | readonly NoteVerifier[],
  origin: string,
  options: VerifyReceiptOptions = {},
): Result<VerifiedReceipt, LogError> {
  const r = parseReceipt(receiptText);
  if (!r.ok) return r;
  const logs = Array.isArray(logVerifiers) ? logVerifiers : [logVerifiers as NoteVerifier];
  const witnesses = options.witnesses ?? [];
  const opened = openCheckpoint(r.value.checkpoint, origin, logs, witnesses);
  if (!opened.ok) return opened;
  const policy = checkWitnessPolicy(opened.value.note, witnesses, options.witnessThreshold ?? 0);
  if (!policy.ok) return policy;
  const { checkpoint } = opened.value;
  const incl = checkInclusion(
    leafHash(entry),
    r.value.index,
    checkpoint.size,
    r.value.proof,
    checkpoint.rootHash,
  );
  if (!incl.ok) return incl;
  const out = { index: r.value.index, checkpoint, note: opened.value.note };
  return ok(r.value.extra ? { ...out, extra: r.value.extra } : out);
}

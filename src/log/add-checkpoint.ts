// The body of a C2SP tlog-witness add-checkpoint request:
//
//   old <size>\n
//   <base64 hash>\n          (0..63 consistency proof lines)
//   \n
//   <signed checkpoint note>
//
// parseAddCheckpoint reads it (the body is attacker-controlled: anyone can
// POST to a witness); formatAddCheckpoint writes it (the log pushing a
// checkpoint). The note itself is parsed and verified by the witness.
import type { Result } from '../basics/result.js';
import { err, ok } from '../basics/result.js';
import { fromBase64, fromUtf8, parseDecimal, toBase64 } from './bytes.js';
import { HASH_SIZE } from './merkle.js';
import { MAX_NOTE_BYTES } from './note.js';

/** The spec's limit: a client MUST NOT send more than 63 proof lines. */
export const MAX_PROOF_LINES = 63;
/** Old size line, 63 proof lines and a note: anything longer is not a request. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface AddCheckpointRequest {
  /** The size of the checkpoint the client believes the witness last cosigned (0: none). */
  readonly oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, as sent. */
  readonly note: string;
}

/** Why a request body is malformed (answered with 400). */
export function parseAddCheckpoint(body: Uint8Array): Result<AddCheckpointRequest, string> {
  if (body.length > MAX_REQUEST_BYTES) return err(`body over ${MAX_REQUEST_BYTES} bytes`);
  const text = fromUtf8(body);
  if (text === undefined) return err('body is not valid UTF-8');
  const lineEnd = (from: number) => text.indexOf('\n', from);
  let at = 0;
  const first = lineEnd(at);
  if (first < 0) return err('no "old <size>" line');
  const oldLine = text.slice(0, first);
  if (!oldLine.startsWith('old ')) return err('the first line must be "old <size>"');
  const oldSize = parseDecimal(oldLine.slice(4));
  if (oldSize === undefined) return err('the old size is not a canonical decimal');
  at = first + 1;
  const proof: Uint8Array[] = [];
  for (;;) {
    const end = lineEnd(at);
    if (end < 0) return err('no empty line before the checkpoint');
    const line = text.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES)
      return err(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    const hash = fromBase64(line);
    if (!hash || hash.length !== HASH_SIZE)
      return err(`proof line ${proof.length + 1} is not a base64 SHA-256 hash`);
    proof.push(hash);
  }
  const note = text.slice(at);
  if (note === '') return err('no checkpoint after the empty line');
  if (note.length > MAX_NOTE_BYTES) return err('checkpoint note too large');
  return ok({ oldSize, proof, note });
}

/** The request body for pushing `note` with a proof from `oldSize`. */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0)
    throw new RangeError(`bad old size ${req.oldSize}`);
  if (req.proof.length > MAX_PROOF_LINES) throw new RangeError('proof too long');
  const lines = req.proof.map((h) => `${toBase64(h)}\n`).join('');
  return `old ${req.oldSize}\n${lines}\n${req.note}`;
}

/** Content type of a 409 answer's body: the witness's size, in decimal, and a newline. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** Reads a 409 body (attacker-controlled when it comes from the network). */
export function parseTlogSize(body: string): number | undefined {
  if (!body.endsWith('\n')) return undefined;
  return parseDecimal(body.slice(0, -1));
}

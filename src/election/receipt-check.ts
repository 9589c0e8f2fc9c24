// Checking a receipt: the c2sp.org/tlog-proof@v1 text as the server returned
// it, against the log's key alone. kura's receipts carry the entry's bytes in the proof's `extra` line, so
// the file alone proves what was logged; `extra` is not trusted as such: it is
// hashed and checked against the inclusion proof and the signed checkpoint.
import { err, ok, type Result } from '../basics/result.js';
import { parseVerifierKey } from '../log/note.js';
import { parseReceipt, verifyReceipt } from '../log/receipt.js';
import { decodeEntry } from './entries.js';

export interface CheckedReceipt {
  index: number;
  treeSize: number;
  entry: unknown;
}

export function checkReceiptText(
  text: string,
  logVkey: string,
  origin: string,
): Result<CheckedReceipt, string> {
  const verifier = parseVerifierKey(logVkey);
  if (!verifier.ok) return err(`the log key is not a verifier key: ${verifier.error.message}`);
  const parsed = parseReceipt(text);
  if (!parsed.ok) return err(`not a tlog-proof receipt: ${parsed.error.message}`);
  const entryBytes = parsed.value.extra;
  if (!entryBytes) return err('the receipt carries no entry (no extra line)');
  const verified = verifyReceipt(text, entryBytes, [verifier.value], origin);
  if (!verified.ok) return err(verified.error.message);
  const decoded = decodeEntry(entryBytes);
  return ok({
    index: parsed.value.index,
    treeSize: verified.value.checkpoint.size,
    entry: decoded.ok ? decoded.value : null,
  });
}

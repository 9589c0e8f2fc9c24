// A receipt on disk: the c2sp.org/tlog-proof@v1 text as the server returned
// it. kura's receipts carry the entry's bytes in the proof's `extra` line, so
// the file alone proves what was logged; `extra` is not trusted as such: it is
// hashed and checked against the inclusion proof and the signed checkpoint.
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../basics/result.js';
import { decodeEntry } from '../election/entries.js';
import { parseVerifierKey } from '../log/note.js';
import { parseReceipt, verifyReceipt } from '../log/receipt.js';
import { writeAtomic } from './election-dir.js';

export function saveReceipt(path: string, receipt: string): void {
  writeAtomic(path, receipt);
}

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

export function checkSavedReceipt(
  path: string,
  logVkey: string,
  origin: string,
): Result<CheckedReceipt, string> {
  return checkReceiptText(readFileSync(path, 'utf8'), logVkey, origin);
}

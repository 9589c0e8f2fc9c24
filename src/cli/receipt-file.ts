// A receipt on disk: the c2sp.org/tlog-proof@v1 text as the server returned
// it, saved by `kura submit` and checked offline by `kura receipt verify`
// (the check itself: src/election/receipt-check.ts).
import { readFileSync } from 'node:fs';
import type { Result } from '../basics/result.js';
import { type CheckedReceipt, checkReceiptText } from '../election/receipt-check.js';
import { writeAtomic } from '../platform/election-dir.js';

export function saveReceipt(path: string, receipt: string): void {
  writeAtomic(path, receipt);
}

export function checkSavedReceipt(
  path: string,
  logVkey: string,
  origin: string,
): Result<CheckedReceipt, string> {
  return checkReceiptText(readFileSync(path, 'utf8'), logVkey, origin);
}

// A receipt on disk: the c2sp.org/tlog-proof@v1 text as the server returned
// it, saved by `kura submit` and checked offline by `kura receipt verify`
// (the check itself: src/election/receipt-check.ts).
import { readFileSync } from 'node:fs';
import type { Result } from '../basics/result.js';
import { type CheckedReceipt, checkReceiptText } from '../election/receipt-check.js';
import { writeDurable } from '../platform/durable-write.js';

export async function saveReceipt(path: string, receipt: string): Promise<void> {
  await writeDurable(path, receipt);
}

export function checkSavedReceipt(
  path: string,
  logVkey: string,
  origin: string,
): Result<CheckedReceipt, string> {
  return checkReceiptText(readFileSync(path, 'utf8'), logVkey, origin);
}

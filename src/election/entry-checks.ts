// Checking a batch of entries apart from the fold (on a worker thread): each
// entry decoded and run through the election's rules, Ed25519 signature
// included, exactly as the server does (decodeEntry + checkResult). The fold
// then takes the results with these pre-checked flags, so no signature is
// verified twice.
import type { ElectionIndex } from './election-index.js';
import { decodeEntry } from './entries.js';
import { checkResult, type ResultFlag } from './rules.js';

/** Per-entry verdict. */
export const STATUS = {
  /** A result that passes every rule, signature included: the fold counts it (if first). */
  COUNTED: 0,
  /** A result the rules refuse (the fold records a rule-violation anomaly). */
  REFUSED: 1,
  /** Not a well-formed entry (an undecodable anomaly). */
  UNDECODABLE: 2,
  /** An election entry (valid only as entry 0). */
  ELECTION: 3,
  /** An official's act: checked by the fold on the main thread, in log order (its rules depend on the state before it). */
  OFFICIAL: 4,
  /** A party's roster entry or an agent's word: checked by the fold in log order (its keys depend on the rosters before it). */
  AGENT: 5,
} as const;

/** The flags in resultFlags' order, as bits. */
export const FLAG_ORDER: readonly ResultFlag[] = ['over-registered', 'over-cap', 'sum-mismatch'];
export const FLAG_BITS: Record<ResultFlag, number> = {
  'over-registered': 1,
  'over-cap': 2,
  'sum-mismatch': 4,
};

export function flagsOf(bits: number): ResultFlag[] {
  return FLAG_ORDER.filter((f) => bits & FLAG_BITS[f]);
}

/** Entries packed end to end: entry k is buffer[offsets[k] .. offsets[k+1]). */
export interface PackedEntries {
  buffer: Uint8Array;
  offsets: Uint32Array;
}

export interface EntryVerdicts {
  /** One STATUS per entry. */
  status: Uint8Array;
  /** FLAG_BITS of each counted result. */
  flags: Uint8Array;
  /** Signatures verified (entries that reached the signature check). */
  signatures: number;
}

export function packEntries(entries: readonly Uint8Array[]): PackedEntries {
  let total = 0;
  for (const e of entries) total += e.length;
  const buffer = new Uint8Array(total);
  const offsets = new Uint32Array(entries.length + 1);
  let o = 0;
  entries.forEach((e, k) => {
    buffer.set(e, o);
    o += e.length;
    offsets[k + 1] = o;
  });
  return { buffer, offsets };
}

export function checkEntries(
  index: ElectionIndex,
  { buffer, offsets }: PackedEntries,
): EntryVerdicts {
  const count = offsets.length - 1;
  const status = new Uint8Array(count);
  const flags = new Uint8Array(count);
  let signatures = 0;
  for (let k = 0; k < count; k++) {
    const decoded = decodeEntry(buffer.subarray(offsets[k] as number, offsets[k + 1] as number));
    if (!decoded.ok) {
      status[k] = STATUS.UNDECODABLE;
      continue;
    }
    const entry = decoded.value;
    if (entry.type === 'election') {
      status[k] = STATUS.ELECTION;
      continue;
    }
    if (entry.type === 'official') {
      status[k] = STATUS.OFFICIAL;
      continue;
    }
    if (entry.type !== 'result') {
      status[k] = STATUS.AGENT;
      continue;
    }
    const checked = checkResult(index, entry);
    // checkResult verifies the signature last, after every cheaper rule passed.
    if (checked.ok || checked.error.code === 'BAD_SIGNATURE') signatures++;
    if (!checked.ok) {
      status[k] = STATUS.REFUSED;
      continue;
    }
    let bits = 0;
    for (const f of checked.value) bits |= FLAG_BITS[f];
    status[k] = STATUS.COUNTED;
    flags[k] = bits;
  }
  return { status, flags, signatures };
}

// The trust root this portal was built or served for (FORMATS §3.5.1): the
// election's log key and origin, commission key and definition hash, from the
// election directory the operator pinned, written into index.html by the
// build (KURA_ELECTION) or by `kura serve`. Verify trusts these, never what
// /api or /log answers say.

import { TRUST_ROOT_FIELDS, type TrustRoot } from '../../src/election/trust-root.js';

export type { TrustRoot };

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The trust root in this page, or null when the page carries none (a dev server). */
export function compiledTrustRoot(): TrustRoot | null {
  const text = document.getElementById('kura-trust-root')?.textContent ?? 'null';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (!TRUST_ROOT_FIELDS.every((f) => isString(r[f]))) return null;
  const witnessKeys = Array.isArray(r.witnessKeys) ? r.witnessKeys.filter(isString) : [];
  return { ...(r as unknown as TrustRoot), witnessKeys };
}

/** The parts of a trust root that identify the election's log; witnesses may be added later. */
export const PINNED_FIELDS = TRUST_ROOT_FIELDS;
export type PinnedRoot = Pick<TrustRoot, (typeof PINNED_FIELDS)[number]>;

export function pinnedPart(root: TrustRoot): PinnedRoot {
  return Object.fromEntries(PINNED_FIELDS.map((f) => [f, root[f]])) as PinnedRoot;
}

/**
 * Where two strings that look alike differ: the first differing character of
 * `served` (1-based), with its code point (a Cyrillic "о" for a Latin "o", say);
 * `ch` is "" where `served` ends first.
 */
export function firstDifference(
  expected: string,
  served: string,
): { pos: number; ch: string; cp: string; expected: string } {
  const a = [...expected];
  const b = [...served];
  let i = 0;
  while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
  const ch = b[i] ?? '';
  const cp = ch ? `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` : '';
  return { pos: i + 1, ch, cp, expected: a[i] ?? '' };
}

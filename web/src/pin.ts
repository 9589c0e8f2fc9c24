// What this browser remembers per site (location.origin) and election id
// (FORMATS §3.5.1): the trust root it first verified with, the last
// checkpoint it verified, and the witnesses' keys. A pin is written once and
// never replaced by a different one: a portal that later presents another log
// key, origin or commission key is shown in red, whatever it says.
import { type PinnedRoot, pinnedPart, type TrustRoot } from './trust-root';

export interface SavedCheckpoint {
  note: string;
  size: number;
  /** Root hash, hex. */
  root: string;
}

interface ElectionPins {
  root: PinnedRoot;
  checkpoint?: SavedCheckpoint;
  witnessKeys?: string[];
}

type SitePins = Record<string, ElectionPins>;

const storageKey = () => `kura.trust.${location.origin}`;

function readSite(): SitePins {
  try {
    const v = JSON.parse(localStorage.getItem(storageKey()) ?? '{}') as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as SitePins) : {};
  } catch {
    return {};
  }
}

function writeSite(pins: SitePins): void {
  try {
    localStorage.setItem(storageKey(), JSON.stringify(pins));
  } catch {
    // No storage (private mode): pinned for this page only.
  }
}

export type PinCheck =
  | { status: 'first'; otherElections: string[] }
  | { status: 'same' }
  | { status: 'changed'; pinned: PinnedRoot };

/** Compares the trust root with this browser's pin for the site and election; pins it if none. */
export function checkPin(root: TrustRoot): PinCheck {
  const site = readSite();
  const pinned = site[root.electionId]?.root;
  const now = pinnedPart(root);
  if (!pinned) {
    site[root.electionId] = { root: now };
    writeSite(site);
    return {
      status: 'first',
      otherElections: Object.keys(site).filter((e) => e !== now.electionId),
    };
  }
  const same = (Object.keys(now) as Array<keyof PinnedRoot>).every((k) => pinned[k] === now[k]);
  return same ? { status: 'same' } : { status: 'changed', pinned };
}

export function lastCheckpoint(electionId: string): SavedCheckpoint | null {
  return readSite()[electionId]?.checkpoint ?? null;
}

/** Remembers a checkpoint this browser verified (and found consistent with the last one). */
export function saveCheckpoint(electionId: string, cp: SavedCheckpoint): void {
  const site = readSite();
  const e = site[electionId];
  if (!e) return;
  e.checkpoint = cp;
  writeSite(site);
}

/**
 * The witnesses' keys: those of the trust root, then any the server names at
 * /log/witnesses, each pinned on first use by name. A key once pinned is never
 * dropped or replaced, so a cosignature under a pinned name must keep
 * verifying under the pinned key.
 */
export async function pinnedWitnessKeys(root: TrustRoot): Promise<string[]> {
  let named: string[] = [];
  try {
    const r = await fetch('/log/witnesses', { cache: 'no-store' });
    if (r.ok)
      named = (await r.text())
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
  } catch {
    // offline: the keys pinned so far
  }
  const site = readSite();
  const e = site[root.electionId];
  const pinned = [...(e?.witnessKeys ?? [])];
  const nameOf = (k: string) => k.split('+')[0];
  const names = new Set(pinned.map(nameOf));
  for (const k of [...root.witnessKeys, ...named])
    if (!names.has(nameOf(k))) {
      pinned.push(k);
      names.add(nameOf(k));
    }
  if (e) {
    e.witnessKeys = pinned;
    writeSite(site);
  }
  return pinned;
}

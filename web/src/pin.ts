// The log key this browser trusts. Trust on first use: the first visit pins
// the key the server names (with the log's origin) in localStorage; later
// checkpoints must be signed by that key, whatever the server says then. The
// page shows the pinned key so a reader can compare it with the one the
// commission publishes.
export interface Pin {
  origin: string;
  key: string;
  /** The witnesses' cosignature keys pinned so far (see pinnedWitnessKeys). */
  witnessKeys: string[];
  /** True when this call pinned it (first use). */
  fresh: boolean;
}

const storageKey = (origin: string) => `kura.pin.${origin}`;

export async function pinnedLogKey(origin: string): Promise<Pin> {
  try {
    const saved = localStorage.getItem(storageKey(origin));
    if (saved)
      return { origin, key: saved, fresh: false, witnessKeys: await pinnedWitnessKeys(origin) };
  } catch {
    // no storage: pin for this page only
  }
  const key = (await (await fetch('/log/key', { cache: 'no-store' })).text()).trim();
  try {
    localStorage.setItem(storageKey(origin), key);
  } catch {
    // ignore
  }
  return { origin, key, fresh: true, witnessKeys: await pinnedWitnessKeys(origin) };
}

const witnessStorageKey = (origin: string) => `kura.witnesses.${origin}`;

/**
 * The witnesses' keys, each pinned on first use like the log key: a key the
 * server names is remembered, and a key once pinned is never dropped or
 * replaced because the server stops naming it, so a cosignature line under a
 * pinned name must keep verifying under the pinned key.
 */
export async function pinnedWitnessKeys(origin: string): Promise<string[]> {
  let pinned: string[] = [];
  try {
    pinned = JSON.parse(localStorage.getItem(witnessStorageKey(origin)) ?? '[]') as string[];
  } catch {
    pinned = [];
  }
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
  const names = new Set(pinned.map((k) => k.split('+')[0]));
  for (const k of named)
    if (!names.has(k.split('+')[0])) {
      pinned.push(k);
      names.add(k.split('+')[0]);
    }
  try {
    localStorage.setItem(witnessStorageKey(origin), JSON.stringify(pinned));
  } catch {
    // no storage: pinned for this page only
  }
  return pinned;
}

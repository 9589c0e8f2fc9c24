// The log key this browser trusts. Trust on first use: the first visit pins
// the key the server names (with the log's origin) in localStorage; later
// checkpoints must be signed by that key, whatever the server says then. The
// page shows the pinned key so a reader can compare it with the one the
// commission publishes.
export interface Pin {
  origin: string;
  key: string;
  /** True when this call pinned it (first use). */
  fresh: boolean;
}

const storageKey = (origin: string) => `kura.pin.${origin}`;

export async function pinnedLogKey(origin: string): Promise<Pin> {
  try {
    const saved = localStorage.getItem(storageKey(origin));
    if (saved) return { origin, key: saved, fresh: false };
  } catch {
    // no storage: pin for this page only
  }
  const key = (await (await fetch('/log/key', { cache: 'no-store' })).text()).trim();
  try {
    localStorage.setItem(storageKey(origin), key);
  } catch {
    // ignore
  }
  return { origin, key, fresh: true };
}

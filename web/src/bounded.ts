// Many fetches at once, but never more than a few in flight: a phone on a slow
// link gains nothing from more, and a crowd pressing Verify should not open a
// dozen requests each.

/** Runs `work` on every item, at most `limit` at a time; resolves when all have. */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// When the portal asks again, as pure functions (unit-tested without a clock).
// Live updates come as server-sent events; when the server refuses a stream
// (503 at its cap) or the browser has none, the portal polls the checkpoint.
// A poll that brings nothing new (the same checkpoint, or an error) doubles
// the wait, from 4 s up to 60 s, and news resets it: a crowd of phones on a
// quiet log asks rarely, and the checkpoint's max-age lets a CDN answer most.
// Each delay is jittered so a crowd that failed together does not come back
// together.

export const POLL_BASE_MS = 4_000;
export const POLL_MAX_MS = 60_000;
/** After a refused stream, how long before the portal asks for one again. */
export const STREAM_RETRY_MS = 60_000;

/** Between half and all of `ms`, as `random` (in [0, 1)) says. */
function jitter(ms: number, random: () => number): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

/**
 * The wait before the next poll, after `quiet` polls in a row without news
 * (0: the last poll brought news). A hidden page waits four times longer.
 */
export function pollDelay(quiet: number, random: () => number, hidden = false): number {
  const ms = Math.min(POLL_MAX_MS, POLL_BASE_MS * 2 ** Math.max(0, quiet));
  return jitter(hidden ? Math.min(POLL_MAX_MS, ms * 4) : ms, random);
}

/** The wait before asking for a stream again after one was refused or broke for good. */
export function streamRetryDelay(random: () => number): number {
  return jitter(STREAM_RETRY_MS, random);
}

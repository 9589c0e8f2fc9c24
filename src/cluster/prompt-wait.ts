// Waits until a server answers promptly again. On one machine the writer that
// has just taken over shares its cores with the old writer's start-up as the
// new standby (a whole log checked again); measured, the devices' resent
// results then waited seconds longer for their receipts. kura cluster starts
// the old writer again once the new one answers promptly (its backlog is
// cleared), or after a cap, so that the pair is not left without a standby.
import { setTimeout } from 'node:timers/promises';

export interface PromptWaitOptions {
  /** A probe answered within this many ms counts as prompt. */
  promptMs: number;
  /** How many prompt answers in a row are enough. */
  inARow: number;
  /** The pause between probes (ms). */
  everyMs: number;
  /** After this many ms, the wait ends anyway. */
  capMs: number;
}

export const PROMPT_WAIT: PromptWaitOptions = {
  promptMs: 100,
  inARow: 4,
  everyMs: 250,
  capMs: 30_000,
};

/** How the wait ended: the server answered promptly, the cap came first, or the caller stopped waiting. */
export type PromptWaitEnd =
  | { kind: 'prompt'; probes: number; waitedMs: number }
  | { kind: 'cap'; probes: number; waitedMs: number }
  | { kind: 'aborted'; probes: number; waitedMs: number };

/** Probes `url` (GET) until `inARow` answers in a row each came within `promptMs`. */
export async function untilPrompt(
  url: string,
  o: PromptWaitOptions,
  signal: AbortSignal,
): Promise<PromptWaitEnd> {
  const start = performance.now();
  const waited = () => Math.round(performance.now() - start);
  let probes = 0;
  let streak = 0;
  for (;;) {
    if (signal.aborted) return { kind: 'aborted', probes, waitedMs: waited() };
    const sent = performance.now();
    probes++;
    let ok = false;
    try {
      const res = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(o.promptMs)]),
      });
      await res.arrayBuffer();
      ok = res.ok && performance.now() - sent <= o.promptMs;
    } catch {
      // Too slow (the timeout), refused or aborted: not prompt.
    }
    streak = ok ? streak + 1 : 0;
    if (streak >= o.inARow) return { kind: 'prompt', probes, waitedMs: waited() };
    if (signal.aborted) return { kind: 'aborted', probes, waitedMs: waited() };
    if (waited() >= o.capMs) return { kind: 'cap', probes, waitedMs: waited() };
    await setTimeout(o.everyMs, undefined, { signal }).catch(() => {
      // Aborted: said at the top of the loop.
    });
  }
}

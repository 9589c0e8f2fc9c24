// The agent's signed words wait here until the server has them. The queue is
// in localStorage (it survives a closed tab, a flat battery, a day without a
// network); a dissent's photo waits in IndexedDB. Sending: at once when the
// page opens and whenever the browser says it is online again, and after a
// failure again with a growing pause (2 s, 4 s, … up to a minute). A 4xx is a
// refusal, kept with its code and shown, never retried; a retry of a word the
// server already has is answered with its first index (exactly once).
import { idbDelete, idbGet, idbPut } from './agent-db';
import type { AgentWord } from './agent-entries';

export interface Refusal {
  status: number;
  code: string | null;
  message: string;
  field: string | null;
}

export interface QueuedWord {
  /** SHA-256 of the word's canonical bytes. */
  id: string;
  word: AgentWord;
  /** Where the word was said (an attestation names only the result's hash). */
  station: string;
  contest: string;
  /** A dissent's photo: its SHA-256 (the IndexedDB key while it waits) and type. */
  photo?: { sha256: string; type: string; uploaded: boolean; refusal?: Refusal };
  state: 'waiting' | 'sent' | 'refused';
  tries: number;
  index?: number;
  receipt?: string;
  refusal?: Refusal;
  /** Why the last try did not reach the server (kept for the screen). */
  lastError?: string;
}

const QUEUE = 'kura.agent.queue';

export function loadQueue(): QueuedWord[] {
  try {
    const q = JSON.parse(localStorage.getItem(QUEUE) ?? '[]');
    return Array.isArray(q) ? (q as QueuedWord[]) : [];
  } catch {
    return [];
  }
}

function saveQueue(q: QueuedWord[]): void {
  localStorage.setItem(QUEUE, JSON.stringify(q));
}

const photoKey = (sha256: string) => `photo-${sha256}`;

/** Adds a signed word (and its photo) to the queue; the same word twice is kept once. */
export async function enqueue(
  id: string,
  word: AgentWord,
  where: { station: string; contest: string },
  photo?: { sha256: string; type: string; bytes: Uint8Array },
): Promise<QueuedWord[]> {
  if (photo) await idbPut(photoKey(photo.sha256), photo.bytes);
  const q = loadQueue();
  if (!q.some((w) => w.id === id)) {
    q.push({
      id,
      word,
      ...where,
      state: 'waiting',
      tries: 0,
      ...(photo ? { photo: { sha256: photo.sha256, type: photo.type, uploaded: false } } : {}),
    });
    saveQueue(q);
  }
  return q;
}

/** The pause before try n+1 after n failed tries. */
export const backoffMs = (tries: number) => Math.min(60_000, 2000 * 2 ** Math.max(0, tries - 1));

type Outcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'retry'; why: string };

async function send(url: string, init: RequestInit): Promise<Outcome> {
  let r: Response;
  try {
    r = await fetch(url, init);
  } catch (e) {
    return { kind: 'retry', why: (e as Error).message };
  }
  let body: unknown = null;
  try {
    body = await r.json();
  } catch {
    // not JSON
  }
  if (r.ok) return { kind: 'ok', body };
  // Busy or unreachable behind a proxy: try again later; any other 4xx is the server's answer.
  if (r.status >= 500 || r.status === 408 || r.status === 429)
    return { kind: 'retry', why: `HTTP ${r.status}` };
  const e = (body as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
  return {
    kind: 'refused',
    refusal: {
      status: r.status,
      code: e?.code ?? null,
      message: e?.message ?? `HTTP ${r.status}`,
      field: e?.field ?? null,
    },
  };
}

export type UploadHeaders = (word: AgentWord, sha256: string) => Promise<Record<string, string>>;

/** Sends what waits, one word at a time; reports every change of the queue. */
export class Sender {
  private running = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly uploadHeaders: UploadHeaders,
    private readonly changed: (q: QueuedWord[]) => void,
  ) {}

  start(): () => void {
    const online = () => void this.flush();
    addEventListener('online', online);
    void this.flush();
    return () => {
      removeEventListener('online', online);
      if (this.timer) clearTimeout(this.timer);
    };
  }

  async flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let retryIn: number | null = null;
    try {
      for (const w of loadQueue().filter((x) => x.state === 'waiting')) {
        const next = await this.sendWord(w);
        const q = loadQueue().map((x) => (x.id === next.id ? next : x));
        saveQueue(q);
        this.changed(q);
        if (next.state === 'waiting')
          retryIn = Math.min(retryIn ?? Infinity, backoffMs(next.tries));
      }
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      return this.flush();
    }
    if (retryIn !== null) this.timer = setTimeout(() => void this.flush(), retryIn);
  }

  private async sendWord(w: QueuedWord): Promise<QueuedWord> {
    let photo = w.photo;
    if (photo && !photo.uploaded && !photo.refusal) {
      const bytes = await idbGet<Uint8Array>(photoKey(photo.sha256));
      if (bytes) {
        const up = await send(`/api/v1/forms/${photo.sha256}`, {
          method: 'PUT',
          headers: {
            'content-type': photo.type,
            ...(await this.uploadHeaders(w.word, photo.sha256)),
          },
          body: bytes as BodyInit,
        });
        if (up.kind === 'retry') return { ...w, tries: w.tries + 1, lastError: up.why };
        // A refused photo does not hold the dissent back: its signed hash is the evidence.
        photo = up.kind === 'ok' ? { ...photo, uploaded: true } : { ...photo, refusal: up.refusal };
        if (up.kind === 'ok') await idbDelete(photoKey(photo.sha256));
      }
    }
    const path = w.word.type === 'attestation' ? '/api/v1/attestations' : '/api/v1/dissents';
    const r = await send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(w.word),
    });
    const base = photo ? { ...w, photo } : w;
    if (r.kind === 'retry') return { ...base, tries: w.tries + 1, lastError: r.why };
    if (r.kind === 'refused') return { ...base, state: 'refused', refusal: r.refusal };
    const { index, receipt } = r.body as { index: number; receipt: string };
    return { ...base, state: 'sent', index, receipt, lastError: undefined };
  }
}

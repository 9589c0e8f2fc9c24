// Officials' acts (docs/FORMATS.md §14): the public record, and the calls an
// official makes once logged in. The session is a bearer token kept in this
// tab's sessionStorage and sent in the Authorization header (never a cookie,
// so another site cannot make the browser act with it).
import type { Session } from '../../src/api/contract.js';
import type { Role } from '../../src/election/official-entry.js';
import type { Translate } from './i18n';

export type {
  ActRecord,
  Correction,
  CorrectionsAnswer,
  Declaration,
  DeclarationsAnswer,
  FailedLoginCount,
  OfficialActsAnswer,
  OfficialsStatusAnswer,
  Session,
} from '../../src/api/contract.js';

const KEY = 'kura.session';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  try {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  } catch {
    // private mode: the session lasts as long as the page
  }
}

/** A role's name in the reader's language ("": the server console). */
export function roleName(t: Translate, role: Role | ''): string {
  return role === '' ? t('console') : t(`role.${role}`);
}

/** The server's refusal, as it said it: code, message and the field at fault. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function call<T>(
  method: 'GET' | 'POST',
  url: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const json = (await r.json().catch(() => ({}))) as {
    error?: { code: string; message: string; field?: string };
  };
  if (!r.ok)
    throw new ApiRefusal(
      r.status,
      json.error?.code ?? `HTTP_${r.status}`,
      json.error?.message ?? r.statusText,
      json.error?.field,
    );
  return json as T;
}

/** "a=1, b=2" → {a: 1, b: 2}; null if it does not read. */
export function parseVotes(text: string): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const part of text.split(/[,\n]/)) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._:#/-]*)\s*[=:]\s*(\d+)$/.exec(p);
    if (!m) return null;
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

export const formatVotes = (v: Record<string, number>) =>
  Object.entries(v)
    .map(([c, n]) => `${c}=${n}`)
    .join(', ');

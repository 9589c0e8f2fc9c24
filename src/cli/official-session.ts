// An official's session with a kura server over HTTP (FORMATS §14.4), for the
// commands that act as one: log in (password, and a TOTP code for an
// administrator) or reuse a token, call the API, log out. The password is
// never a command-line argument (other users of the machine see those): it
// comes from a file or the environment.
import { readFileSync } from 'node:fs';
import { UsageError } from './usage.js';

/** An answer of the API: its status and parsed JSON body. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A refusal of the API, as one line: "HTTP 409 ROUND_OPEN: round 1 is open (field round)". */
export class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GET or POST a JSON API path; a network failure throws (the command's exit 1). */
export async function callApi(
  server: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  o: {
    token?: string;
    json?: unknown;
    bytes?: { data: Uint8Array<ArrayBuffer>; type: string };
  } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: BodyInit | undefined;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.bytes) {
    headers['content-type'] = o.bytes.type;
    body = o.bytes.data;
  }
  const res = await fetch(`${server}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return {
    status: res.status,
    body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {},
  };
}

/** The answer's body when it is a success, else a RefusedError naming the code, message and field. */
export function accepted(a: ApiAnswer): Record<string, unknown> {
  if (a.status >= 200 && a.status < 300) return a.body;
  const e = a.body.error as { code?: string; message?: string; field?: string } | undefined;
  const code = e?.code ?? 'UNEXPECTED';
  const field = e?.field ? ` (field ${e.field})` : '';
  throw new RefusedError(
    a.status,
    code,
    `refused: HTTP ${a.status} ${code}: ${e?.message ?? JSON.stringify(a.body).slice(0, 200)}${field}`,
  );
}

export interface Credentials {
  account?: string;
  passwordFile?: string;
  totp?: string;
}

/**
 * A session token: KURA_TOKEN as it is (logged in earlier; not logged out
 * here), or a login with --account and the password from --password-file or
 * KURA_PASSWORD. `end` logs out a session this made.
 */
export async function openSession(
  server: string,
  c: Credentials,
): Promise<{ token: string; end: () => Promise<void> }> {
  const given = process.env.KURA_TOKEN;
  if (given && !c.account) return { token: given, end: async () => {} };
  if (!c.account)
    throw new UsageError('give --account NAME (and the password), or a session in KURA_TOKEN');
  let password = process.env.KURA_PASSWORD ?? '';
  if (c.passwordFile) {
    try {
      password = readFileSync(c.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`--password-file ${c.passwordFile}: cannot read it`);
    }
  }
  if (!password)
    throw new UsageError(`give the password of ${c.account} in --password-file or KURA_PASSWORD`);
  const login = accepted(
    await callApi(server, 'POST', '/api/v1/login', {
      json: { account: c.account, password, ...(c.totp ? { totp: c.totp } : {}) },
    }),
  );
  const token = String(login.token);
  return {
    token,
    end: async () => {
      await callApi(server, 'POST', '/api/v1/logout', { token });
    },
  };
}

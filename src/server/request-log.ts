// Structured server logs: pino JSON lines through Fastify's logger, one line
// per refused or failed request (4xx at info, 5xx at error) with the request
// id, method, path, status and kura's error code. Requests that succeed are not
// logged (election night is millions of them). No secret reaches a line: the
// lines carry no bodies and no headers, and the paths that could hold one are
// redacted should anything log them.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyRequest, FastifyServerOptions } from 'fastify';
import { API_ERRORS, type ApiError, type ApiErrorCode } from './errors.js';

export interface LogOptions {
  /** pino level (default "info"). */
  level?: string;
  /** Append JSON lines to this file (default: stderr). */
  file?: string;
  /** Write JSON lines here instead (tests read them). */
  stream?: { write(line: string): void };
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.totp',
  '*.token',
  '*.totpSecret',
  'body',
];

/** Fastify's `logger` option for ServerOptions.logger. */
export function loggerOptions(
  opt: boolean | LogOptions | undefined,
): FastifyServerOptions['logger'] {
  if (!opt) return false;
  const o = opt === true ? {} : opt;
  return {
    level: o.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(o.stream ? { stream: o.stream } : o.file ? { file: o.file } : {}),
  };
}

/** Logs one refused or failed request. */
export function logRefusal(req: FastifyRequest, e: ApiError, cause?: unknown): void {
  const line = {
    method: req.method,
    path: req.url.split('?')[0],
    statusCode: e.status,
    code: e.code,
    ...(e.field !== undefined ? { field: e.field } : {}),
  };
  if (e.status >= 500) req.log.error({ ...line, err: cause ?? e }, e.message);
  else req.log.info(line, e.message);
}

function rawError(code: ApiErrorCode, message: string): { status: number; body: string } {
  return {
    status: API_ERRORS[code].status,
    body: JSON.stringify({ error: { code, message } }),
  };
}

/**
 * Answers errors Node's HTTP parser raises before Fastify has a request (a
 * body that does not arrive in time, oversized headers, unparsable HTTP)
 * in kura's error format, logs them, and closes the connection.
 */
export function clientErrorHandler(log: () => FastifyBaseLogger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, body } =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? rawError('REQUEST_TIMEOUT', 'the request did not arrive in time')
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? rawError('HEADERS_TOO_LARGE', 'the request headers are too large')
          : rawError('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1');
    const code = JSON.parse(body).error.code as string;
    log().info({ statusCode: status, code, remoteAddress: socket.remoteAddress }, 'client error');
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
      );
    socket.destroy();
  };
}

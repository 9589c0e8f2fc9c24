// Strict decoding of request input, shared by every route. Refused here,
// before any route sees them: in JSON bodies, duplicate keys (JSON.parse would
// silently keep the last), nesting deeper than any kura request needs and
// prototype-poisoning keys; in bodies, path parameters and query parameters,
// strings that nothing downstream can hold: a lone UTF-16 surrogate (no UTF-8
// form, so the canonical encoding of an entry fails) and U+0000 (PostgreSQL
// text refuses it). Each refusal names the field at fault.
import { ApiError } from './errors.js';

/** kura's requests nest at most three deep (an act's votes); leave room, refuse the rest. */
export const MAX_JSON_DEPTH = 16;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Why a string cannot be taken, or null if it can. */
function badString(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (no unpaired surrogate)';
  return null;
}

/**
 * Walks the text of a body JSON.parse has accepted (so its syntax is valid)
 * and refuses duplicate keys and excessive depth. Keys are compared after
 * unescaping, so "a" and "\u0061" are the same key.
 */
function checkStructure(text: string): void {
  interface Frame {
    keys: Set<string> | null; // null for an array
    path: string;
    nextIndex: number;
  }
  const stack: Frame[] = [];
  let expectKey = false;
  let pendingKey: string | null = null;
  const childPath = (): string => {
    const top = stack.at(-1);
    if (!top) return '';
    if (top.keys) return joinPath(top.path, pendingKey ?? '');
    return joinPath(top.path, top.nextIndex);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key))
          throw new ApiError(
            'MALFORMED_BODY',
            `duplicate key "${key}": a request may name each member once`,
            joinPath(top.path, key),
          );
        top.keys.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const path = childPath();
      if (stack.length >= MAX_JSON_DEPTH)
        throw new ApiError(
          'MALFORMED_BODY',
          `the body nests deeper than ${MAX_JSON_DEPTH} levels`,
          path,
        );
      stack.push({ keys: c === '{' ? new Set() : null, path, nextIndex: 0 });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.keys) expectKey = true;
      else if (top) top.nextIndex++;
    }
  }
}

/** Refuses poisoning keys and unstorable strings, naming the field (iterative: depth is already bounded). */
function checkValues(value: unknown): void {
  const todo: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    const { value: v, path } = item;
    if (typeof v === 'string') {
      const why = badString(v);
      if (why) throw new ApiError('INVALID_FIELD', `${path || 'body'} ${why}`, path);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        todo.push({ value: x, path: joinPath(path, i) });
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const at = joinPath(path, k);
        const why = badString(k);
        if (why) throw new ApiError('INVALID_FIELD', `the key of ${at} ${why}`, at);
        if (
          k === '__proto__' ||
          (k === 'constructor' && typeof x === 'object' && x !== null && 'prototype' in x)
        )
          throw new ApiError('MALFORMED_BODY', `the key ${k} is not allowed`, at);
        todo.push({ value: x, path: at });
      }
    }
  }
}

/** Parses a JSON request body, or throws the ApiError that refuses it. */
export function decodeJsonBody(text: string): unknown {
  if (text.trim() === '') throw new ApiError('MALFORMED_BODY', 'the JSON body is empty', '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError('MALFORMED_BODY', `not valid JSON (${(e as Error).message})`, '');
  }
  checkStructure(text);
  checkValues(value);
  return value;
}

/** Refuses unstorable strings in path and query parameters (field: the parameter's name). */
export function checkParameters(params: unknown, query: unknown): void {
  for (const source of [params, query]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [name, value] of Object.entries(source)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const why = typeof v === 'string' ? badString(v) : null;
        if (why) throw new ApiError('INVALID_FIELD', `${name} ${why}`, name);
      }
    }
  }
}

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
 * Where a value sits in a body: its parent and its key or position there. The
 * path is spelt out only for a refusal, not for every value of every request.
 */
interface Place {
  parent: Place | null;
  key: string | number;
}

function pathOf(place: Place | null): string {
  return place === null ? '' : joinPath(pathOf(place.parent), place.key);
}

/**
 * Walks the text of a body JSON.parse has accepted (so its syntax is valid)
 * and refuses duplicate keys and excessive depth. Keys are compared after
 * unescaping, so "a" and "\u0061" are the same key.
 */
function checkStructure(text: string): void {
  interface Frame {
    keys: Set<string> | null; // null for an array
    place: Place | null;
    nextIndex: number;
  }
  const stack: Frame[] = [];
  let expectKey = false;
  let pendingKey: string | null = null;
  const childPlace = (): Place | null => {
    const top = stack.at(-1);
    if (!top) return null;
    return { parent: top.place, key: top.keys ? (pendingKey ?? '') : top.nextIndex };
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(j); d !== 0x22; d = text.charCodeAt(j)) {
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const top = stack.at(-1);
      if (expectKey && top?.keys) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key))
          throw new ApiError(
            'MALFORMED_BODY',
            `duplicate key "${key}": a request may name each member once`,
            joinPath(pathOf(top.place), key),
          );
        top.keys.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const place = childPlace();
      if (stack.length >= MAX_JSON_DEPTH)
        throw new ApiError(
          'MALFORMED_BODY',
          `the body nests deeper than ${MAX_JSON_DEPTH} levels`,
          pathOf(place),
        );
      stack.push({ keys: c === 0x7b ? new Set() : null, place, nextIndex: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top?.keys) expectKey = true;
      else if (top) top.nextIndex++;
    }
  }
}

/** Refuses poisoning keys and unstorable strings, naming the field (iterative: depth is already bounded). */
function checkValues(value: unknown): void {
  const todo: Array<{ value: unknown; place: Place | null }> = [{ value, place: null }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    const { value: v, place } = item;
    if (typeof v === 'string') {
      const why = badString(v);
      if (why) {
        const path = pathOf(place);
        throw new ApiError('INVALID_FIELD', `${path || 'body'} ${why}`, path);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        todo.push({ value: x, place: { parent: place, key: i } });
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const at = { parent: place, key: k };
        const why = badString(k);
        if (why) throw new ApiError('INVALID_FIELD', `the key of ${pathOf(at)} ${why}`, pathOf(at));
        if (
          k === '__proto__' ||
          (k === 'constructor' && typeof x === 'object' && x !== null && 'prototype' in x)
        )
          throw new ApiError('MALFORMED_BODY', `the key ${k} is not allowed`, pathOf(at));
        todo.push({ value: x, place: at });
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

// Canonical JSON: the RFC 8785 (JCS) serialisation restricted to what kura
// entries use: objects, arrays, strings, booleans, null and safe integers.
// Object keys are sorted by UTF-16 code units, there is no whitespace, and
// strings are escaped as ECMAScript's JSON.stringify does (which is what JCS
// specifies). The same value always gives the same bytes, so a signature over
// the bytes is a signature over the value.
import { err, ok, type Result } from '../basics/result.js';
import { isWellFormedString as isWellFormed } from '../log/bytes.js';

export type Canonical =
  | null
  | boolean
  | number
  | string
  | Canonical[]
  | { [key: string]: Canonical };

export class CanonicalError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'CanonicalError';
  }
}

/** Where in the value: keys and array positions from the top; spelt out only for an error. */
type Path = Array<string | number>;

function spell(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** An object's keys in canonical order; throws unless it is a plain object with well-formed keys. */
function sortedKeys(value: object, path: Path): string[] {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    throw new CanonicalError('only plain objects are allowed', spell(path));
  // Default sort compares UTF-16 code units, as JCS requires.
  const keys = Object.keys(value).sort();
  for (const k of keys)
    if (!isWellFormed(k)) throw new CanonicalError('keys must be well-formed Unicode', spell(path));
  return keys;
}

function write(value: unknown, path: Path, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value))
        throw new CanonicalError('numbers must be safe integers', spell(path));
      out.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'string':
      // RFC 8785 requires I-JSON: no unpaired surrogates.
      if (!isWellFormed(value))
        throw new CanonicalError(
          'strings must be well-formed Unicode (no unpaired surrogates)',
          spell(path),
        );
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v, i) => {
          if (i > 0) out.push(',');
          path.push(i);
          write(v, path, out);
          path.pop();
        });
        out.push(']');
        return;
      }
      const keys = sortedKeys(value, path);
      out.push('{');
      let first = true;
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(k), ':');
        path.push(k);
        write(v, path, out);
        path.pop();
      }
      out.push('}');
      return;
    }
    default:
      throw new CanonicalError(`a ${typeof value} cannot be encoded`, spell(path));
  }
}

/** The canonical text of a value; throws CanonicalError for values outside the subset. */
export function canonicalString(value: unknown): string {
  try {
    return fastText(value);
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
  }
  // Outside what fastText takes (or outside the subset): write gives the same text or the error with its path.
  return canonicalStringByPath(value);
}

/** canonicalString without its fast path: what the fast path must agree with (its test). */
export function canonicalStringByPath(value: unknown): string {
  const out: string[] = [];
  write(value, [], out);
  return out.join('');
}

/**
 * The canonical text of an object, and of the same object without one of its
 * members, in one pass (an entry and its signing message): each equal to
 * canonicalString of that object. Throws as canonicalString does.
 */
export function canonicalStringWithAndWithout(
  value: object,
  omitted: string,
): { whole: string; without: string } {
  if (value === null || Array.isArray(value))
    throw new CanonicalError('only plain objects are allowed', '');
  const members: string[] = [];
  let at = -1;
  const path: Path = [];
  for (const k of sortedKeys(value, path)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue;
    path.push(k);
    const text = memberText(v, path);
    path.pop();
    if (k === omitted) at = members.length;
    members.push(`${JSON.stringify(k)}:${text}`);
  }
  const whole = `{${members.join(',')}}`;
  if (at < 0) return { whole, without: whole };
  members.splice(at, 1);
  return { whole, without: `{${members.join(',')}}` };
}

/** A member's value as canonicalString spells it: fastText, or write with the member's path. */
function memberText(value: unknown, path: Path): string {
  try {
    return fastText(value);
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
  }
  const out: string[] = [];
  write(value, path, out);
  return out.join('');
}

/** fastText's refusal: write decides (and says where the value leaves the subset). */
const NOT_PLAIN = new Error('not a plain value: write decides');

/**
 * write's text by concatenation, without tracking a path: every entry is
 * parsed and spelt again where the log is checked (a restart re-spells each
 * one), and write's token list and path cost about twice this. It refuses
 * (NOT_PLAIN) whatever write refuses, and also arrays with holes or an unusual
 * prototype, which write may still take; for all else the text is write's.
 */
function fastText(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw NOT_PLAIN;
      // String(-0) is "0", as write spells it.
      return String(value);
    case 'string':
      if (!isWellFormed(value)) throw NOT_PLAIN;
      return JSON.stringify(value);
    case 'object': {
      const proto = Object.getPrototypeOf(value);
      if (proto === Array.prototype) {
        const items = value as unknown[];
        let text = '[';
        for (let i = 0; i < items.length; i++) {
          if (!(i in items)) throw NOT_PLAIN;
          if (i > 0) text += ',';
          text += fastText(items[i]);
        }
        return `${text}]`;
      }
      if (Array.isArray(value) || (proto !== Object.prototype && proto !== null)) throw NOT_PLAIN;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      for (const k of keys) if (!isWellFormed(k)) throw NOT_PLAIN;
      let text = '{';
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        if (text.length > 1) text += ',';
        text += `${JSON.stringify(k)}:${fastText(v)}`;
      }
      return `${text}}`;
    }
    default:
      throw NOT_PLAIN;
  }
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is kept (and then refused as non-canonical), not silently stripped.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalString(value));
}

/**
 * Parses bytes that must already be canonical (log entries). Attacker-controlled
 * input: invalid UTF-8, invalid JSON, or any non-canonical form is refused, so
 * each value has exactly one accepted encoding.
 */
export function parseCanonical(bytes: Uint8Array): Result<Canonical, string> {
  const parsed = parseCanonicalText(bytes);
  return parsed.ok ? ok(parsed.value.value) : parsed;
}

/**
 * Where one member of a canonical object lies in its bytes, with the comma
 * that joins it to a neighbour: bytes [start, end). The bytes without that
 * span are the canonical bytes of the object without the member (each
 * member's text stands alone, between the braces and the commas).
 */
export interface MemberSpan {
  start: number;
  end: number;
}

/**
 * parseCanonical, and, when the value is an object with an `omitted` member,
 * that member's span in the bytes (see MemberSpan), so the canonical bytes of
 * the object without it (an entry's signing message) need not be spelt again.
 */
export function parseCanonicalOmitting(
  bytes: Uint8Array,
  omitted: string,
): Result<{ value: Canonical; span: MemberSpan | undefined }, string> {
  const parsed = parseCanonicalText(bytes);
  if (!parsed.ok) return parsed;
  const { text, value, atOnce } = parsed.value;
  return ok({ value, span: memberSpan(bytes, text, value, omitted, atOnce) });
}

function parseCanonicalText(
  bytes: Uint8Array,
): Result<{ text: string; value: Canonical; atOnce: boolean }, string> {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return err('not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err(`not valid JSON (${(e as Error).message})`);
  }
  if (isCanonicalAtOnce(text, value)) return ok({ text, value: value as Canonical, atOnce: true });
  // Not shown canonical at once: spelt again, as the definition says (and with its errors).
  let again: string;
  try {
    again = canonicalString(value);
  } catch (e) {
    return err((e as Error).message);
  }
  if (again !== text)
    return err(
      'not in canonical form (RFC 8785 subset: sorted keys, no whitespace, integers only)',
    );
  return ok({ text, value: value as Canonical, atOnce: false });
}

/**
 * True only when text is canonicalString(value), for a value JSON.parse made
 * from text, shown without spelling the value in JavaScript: the engine's
 * JSON.stringify spells it as text (so no whitespace, escapes as JSON.stringify
 * makes them, no duplicate keys, keys in the object's own order), and a walk
 * finds only safe integers and every object's keys in canonical (sorted) order,
 * in which case JSON.stringify's text is fastText's. JSON.stringify writes a
 * lone surrogate as a \udxxx escape, so a text without "\ud" has none. False
 * says nothing: parseCanonical then spells the value itself (integer-like keys,
 * which the engine orders numerically, end up there too).
 */
function isCanonicalAtOnce(text: string, value: unknown): boolean {
  return !text.includes('\\ud') && JSON.stringify(value) === text && sortedIntegral(value);
}

/** Every number a safe integer and every object's keys sorted (by UTF-16 code units), in a parsed JSON value. */
function sortedIntegral(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!sortedIntegral(item)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const k of Object.keys(record)) {
    if (previous !== undefined && !(previous < k)) return false;
    previous = k;
    if (!sortedIntegral(record[k])) return false;
  }
  return true;
}

/**
 * The span of value's member `omitted` in its canonical bytes (text their
 * decoding), if it has one. `atOnce`: isCanonicalAtOnce held, so the keys are
 * in sorted order already and JSON.stringify spells each member as fastText.
 */
function memberSpan(
  bytes: Uint8Array,
  text: string,
  value: unknown,
  omitted: string,
  atOnce: boolean,
): MemberSpan | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, Canonical>;
  if (!Object.hasOwn(record, omitted)) return undefined;
  // The text is canonical: '{', then each member in sorted order, '"key":value', joined by ','.
  const spell = atOnce ? JSON.stringify : canonicalString;
  const keys = Object.keys(record);
  if (!atOnce) keys.sort();
  let at = 1;
  let before = 0;
  for (const k of keys) {
    if (k >= omitted) break;
    at += JSON.stringify(k).length + 1 + spell(record[k]).length + 1;
    before++;
  }
  const length = JSON.stringify(omitted).length + 1 + spell(record[omitted]).length;
  // With members before it, the comma before it goes; else the comma after it, if any.
  const start = before > 0 ? at - 1 : at;
  const end = before > 0 || text.length === at + length + 1 ? at + length : at + length + 1;
  // Offsets in UTF-16 code units; in bytes the same when the text is ASCII.
  if (bytes.length === text.length) return { start, end };
  return {
    start: encoder.encode(text.slice(0, start)).length,
    end: encoder.encode(text.slice(0, end)).length,
  };
}

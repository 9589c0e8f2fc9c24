// Field-by-field checks of attacker-controlled JSON: each problem names its
// field and says why, so a refusal can be precise.
import type { Canonical } from './canonical.js';

/** A problem with one field of an input: which field, and why. */
export interface FieldError {
  field: string;
  reason: string;
}

export const HEX64 = /^[0-9a-f]{64}$/;
export const BASE64_SIG = /^[A-Za-z0-9+/]{86}==$/;
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const ID = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/;

export type Obj = Record<string, Canonical | undefined>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Checker {
  /** `prefix` names a nested object's fields ("act." makes "act.kind"); errors may be shared with a parent. */
  constructor(
    readonly obj: Obj,
    readonly prefix = '',
    readonly errors: FieldError[] = [],
  ) {}
  fail(field: string, reason: string): void {
    this.errors.push({ field: this.prefix + field, reason });
  }
  /** A Checker for the object in `field`, reporting into the same list; null (and a failure) if it is not one. */
  nested(field: string): Checker | null {
    const v = this.obj[field];
    if (!isObject(v)) {
      this.fail(field, v === undefined ? 'is required' : 'must be a JSON object');
      return null;
    }
    return new Checker(v, `${this.prefix}${field}.`, this.errors);
  }
  /** An object of candidate id to count (a form's votes). */
  votes(field: string): void {
    const votes = this.obj[field];
    if (!isObject(votes)) {
      this.fail(
        field,
        votes === undefined ? 'is required' : 'must be an object of candidate id to count',
      );
      return;
    }
    for (const [k, n] of Object.entries(votes)) {
      if (!ID.test(k)) this.fail(`${field}.${k}`, 'is not a candidate identifier');
      else checkCount(n, `${this.prefix}${field}.${k}`, this.errors);
    }
  }
  string(field: string, pattern?: RegExp, what?: string): string {
    const v = this.obj[field];
    if (typeof v !== 'string') {
      this.fail(field, v === undefined ? 'is required' : 'must be a string');
      return '';
    }
    if (pattern && !pattern.test(v))
      this.fail(field, `must be ${what ?? `a string matching ${pattern}`}`);
    return v;
  }
  count(field: string): number {
    return checkCount(this.obj[field], this.prefix + field, this.errors);
  }
  literal<T extends Canonical>(field: string, value: T): T {
    if (this.obj[field] !== value) this.fail(field, `must be ${JSON.stringify(value)}`);
    return value;
  }
  onlyKeys(allowed: readonly string[]): void {
    for (const k of Object.keys(this.obj))
      if (!allowed.includes(k)) this.fail(k, 'is not a known field');
  }
}

export function checkCount(v: unknown, field: string, errors: FieldError[]): number {
  if (v === undefined) errors.push({ field, reason: 'is required' });
  else if (typeof v !== 'number' || !Number.isInteger(v))
    errors.push({ field, reason: 'must be a whole number' });
  else if (v < 0) errors.push({ field, reason: 'must not be negative' });
  else if (v > 1_000_000_000) errors.push({ field, reason: 'is implausibly large (over 10^9)' });
  else return v;
  return 0;
}

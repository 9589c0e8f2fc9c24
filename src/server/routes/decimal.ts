// Indexes and sizes in paths and query strings: decimal only (FORMATS §2.4),
// no sign, no leading zero, no hex, octal, exponent or fraction, at most 16
// digits. Number() alone would take "0x10", "1e3", " 7" and "".
import { ApiError } from '../errors.js';

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** The decimal in `value`, or 400 BAD_QUERY naming `name`. */
export function parseDecimal(value: unknown, name: string): number {
  if (typeof value !== 'string' || !DECIMAL.test(value))
    throw new ApiError('BAD_QUERY', `${name} must be a whole number in decimal digits`, name);
  return Number(value);
}

/** As parseDecimal, with a default when the parameter is absent. */
export function optionalDecimal(value: unknown, name: string, absent: number): number {
  return value === undefined ? absent : parseDecimal(value, name);
}

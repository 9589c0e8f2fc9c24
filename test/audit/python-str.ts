// Python's str() of the values Arlo uses as sampler ids (tuples of strings,
// integers, None, and the odd float), so the vectors' ids can be rebuilt from
// their parts rather than pasted. Only what those ids need: a string outside
// it (a non-printable character beyond Latin-1) or a float needing an
// exponent is refused, not guessed.

/** A Python float, to tell 3.0 from the integer 3. */
export interface PyFloat {
  float: number;
}
export type PyValue = string | number | boolean | null | PyFloat | readonly PyValue[];

/** str(value): a string is itself; anything else is its repr. */
export function pythonStr(value: PyValue): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** repr(value). Arrays stand for tuples. */
export function pythonRepr(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a Python int: ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) {
    const items = (value as readonly PyValue[]).map(pythonRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  return reprFloat((value as PyFloat).float);
}

// Python quotes with ' unless the string holds a ' and no ", then with ".
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad)
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code > 0xff && !/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) && ch !== ' ')
      throw new RangeError(`pythonRepr: U+${code.toString(16)} may be printed escaped by Python`);
    else out += ch;
  }
  return out + quote;
}

// Python's repr of a float: the shortest round-trip digits, ".0" on whole
// numbers; it switches to exponent form outside [1e-4, 1e16).
function reprFloat(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`pythonRepr: ${x} is not finite`);
  const magnitude = Math.abs(x);
  if (x !== 0 && (magnitude < 1e-4 || magnitude >= 1e16))
    throw new RangeError(`pythonRepr: ${x} would need an exponent`);
  if (Object.is(x, -0)) return '-0.0';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

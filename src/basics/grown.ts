// Growing a typed array (packed tables grow by doubling, as a JS array would).

type Packed = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `a` with room for `length` elements (the new ones 0). */
export function grown<T extends Packed>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

// A fold's state as data, and back, so that a fold of entries 0 … n−1 can be
// kept and later continued from entry n instead of folded again from entry 0
// (`kura verify --state` keeps the fold of the entries it verified). The data
// is a tree of arrays, strings, numbers, booleans, null, undefined, typed
// arrays and bigints: what the structured-clone algorithm (node:v8's
// serialize, a browser's IndexedDB) keeps exactly, shared references and all.
//
// It walks the fold's own fields rather than naming them, so a field added to
// the fold (or to Officials, AgentBook, Audits …) is kept without a change
// here. Anything it cannot restore exactly is refused when written: a
// function, a symbol key, an array with holes, an object of a class the fold
// itself is not made of. Every object becomes a tagged array, so no datum
// (a party called "__proto__", say) can pass for a tag.
import type { ElectionIndex } from './election-index.js';
import { TallyFold } from './fold.js';

/** A fold's state as structured-clone data (see the file's comment). */
export type FoldData = readonly [typeof FORMAT, number, unknown];

const FORMAT = 'kura-fold/v1';

/** The TallyFold fields that are not state: set up by its constructor from the index alone. */
const FROM_INDEX = new Set(['index', 'devices', 'view']);

const T = {
  index: 0,
  array: 1,
  map: 2,
  set: 3,
  plain: 4,
  nullProto: 5,
  instance: 6,
} as const;

/** The fold's state as data; throws (naming the path) on anything it could not restore exactly. */
export function foldToData(fold: TallyFold): FoldData {
  const seen = new Map<object, unknown[]>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol')
        throw new Error(`fold snapshot: ${path} is a ${typeof v}`);
      return v;
    }
    if (v === fold.index) return [T.index];
    if (ArrayBuffer.isView(v)) return v;
    const done = seen.get(v);
    if (done) return done;
    const out: unknown[] = [];
    seen.set(v, out);
    if (Array.isArray(v)) {
      const items: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new Error(`fold snapshot: ${path} has a hole at ${i}`);
        items.push(walk(v[i], `${path}[${i}]`));
      }
      out.push(T.array, items, ownFields(v, path, walk, true));
      return out;
    }
    if (v instanceof Map) {
      const pairs: unknown[] = [];
      for (const [k, x] of v)
        pairs.push(walk(k, `${path} key`), walk(x, `${path}.get(${String(k)})`));
      out.push(T.map, pairs);
      return out;
    }
    if (v instanceof Set) {
      const items: unknown[] = [];
      for (const x of v) items.push(walk(x, `${path} member`));
      out.push(T.set, items);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype) out.push(T.plain, ownFields(v, path, walk));
    else if (proto === null) out.push(T.nullProto, ownFields(v, path, walk));
    else out.push(T.instance, className(proto, path), ownFields(v, path, walk));
    return out;
  };
  const state: unknown[] = [];
  for (const key of Object.keys(fold)) {
    if (FROM_INDEX.has(key)) continue;
    state.push(key, walk((fold as unknown as Record<string, unknown>)[key], key));
  }
  return [FORMAT, fold.size, state];
}

/**
 * A fold with the state `data` holds, over `index` (which must be the index
 * the data was folded over: the caller binds the data to its election). Throws
 * on data this version did not write.
 */
export function foldFromData(index: ElectionIndex, data: unknown): TallyFold {
  if (!Array.isArray(data) || data[0] !== FORMAT || !Array.isArray(data[2]))
    throw new Error('fold snapshot: not a kura-fold/v1 snapshot');
  const fold = new TallyFold(index, { blank: true });
  // The prototypes of the classes a fold is made of, from a fresh one.
  const protos = new Map<string, object>();
  collectPrototypes(fold, protos, new Set([index]));
  const made = new Map<unknown[], unknown>();
  const build = (d: unknown): unknown => {
    if (!Array.isArray(d)) return d;
    const known = made.get(d);
    if (known !== undefined) return known;
    switch (d[0]) {
      case T.index:
        return index;
      case T.array: {
        const out: unknown[] = [];
        made.set(d, out);
        for (const x of d[1] as unknown[]) out.push(build(x));
        return assign(out, d[2]);
      }
      case T.map: {
        const out = new Map();
        made.set(d, out);
        const pairs = d[1] as unknown[];
        for (let i = 0; i < pairs.length; i += 2) out.set(build(pairs[i]), build(pairs[i + 1]));
        return out;
      }
      case T.set: {
        const out = new Set();
        made.set(d, out);
        for (const x of d[1] as unknown[]) out.add(build(x));
        return out;
      }
      case T.plain:
      case T.nullProto: {
        const out = d[0] === T.plain ? {} : Object.create(null);
        made.set(d, out);
        return assign(out, d[1]);
      }
      case T.instance: {
        const proto = protos.get(d[1] as string);
        if (!proto) throw new Error(`fold snapshot: a ${String(d[1])}, which no fold is made of`);
        const out = Object.create(proto);
        made.set(d, out);
        return assign(out, d[2]);
      }
      default:
        throw new Error(`fold snapshot: unknown tag ${String(d[0])}`);
    }
  };
  const assign = <O extends object>(out: O, fields: unknown): O => {
    const f = fields as unknown[];
    for (let i = 0; i < f.length; i += 2)
      Object.defineProperty(out, f[i] as string, {
        value: build(f[i + 1]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    return out;
  };
  const state = data[2] as unknown[];
  for (let i = 0; i < state.length; i += 2) {
    const key = state[i] as string;
    if (FROM_INDEX.has(key) || !Object.hasOwn(fold, key))
      throw new Error(`fold snapshot: a field ${key} that a fold does not have`);
    (fold as unknown as Record<string, unknown>)[key] = build(state[i + 1]);
  }
  if (fold.size !== data[1]) throw new Error('fold snapshot: its size does not match its state');
  return fold;
}

/** An object's own fields as [key, data, …], in their order; throws on what would not come back. */
function ownFields(
  v: object,
  path: string,
  walk: (x: unknown, path: string) => unknown,
  skipIndexes = false,
): unknown[] {
  if (Object.getOwnPropertySymbols(v).length)
    throw new Error(`fold snapshot: ${path} has a symbol key`);
  const out: unknown[] = [];
  for (const key of Object.getOwnPropertyNames(v)) {
    if (skipIndexes && (key === 'length' || String(Number(key) >>> 0) === key)) continue;
    const d = Object.getOwnPropertyDescriptor(v, key);
    if (!d || !('value' in d) || !d.enumerable || !d.writable || !d.configurable)
      throw new Error(`fold snapshot: ${path}.${key} is not a plain field`);
    out.push(key, walk(d.value, `${path}.${key}`));
  }
  return out;
}

function className(proto: object, path: string): string {
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || !name)
    throw new Error(`fold snapshot: ${path} is of a class without a name`);
  return name;
}

/** The class instances a fold is made of, by class name (two classes of one name are refused). */
function collectPrototypes(v: unknown, out: Map<string, object>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) return;
  seen.add(v);
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Map) {
    for (const [k, x] of v) {
      collectPrototypes(k, out, seen);
      collectPrototypes(x, out, seen);
    }
    return;
  }
  if (v instanceof Set || Array.isArray(v)) {
    for (const x of v) collectPrototypes(x, out, seen);
    return;
  }
  if (proto !== null && proto !== Object.prototype) {
    const name = className(proto, 'fold');
    const had = out.get(name);
    if (had && had !== proto) throw new Error(`fold snapshot: two classes named ${name}`);
    out.set(name, proto);
  }
  for (const key of Object.keys(v))
    collectPrototypes((v as Record<string, unknown>)[key], out, seen);
}

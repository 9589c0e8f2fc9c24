// What of a client's address is kept where. The public log keeps only a class
// (an IPv4 /24 or an IPv6 /48: enough to see where attempts come from, not
// who made them); the login throttle counts per address (an IPv6 /64, which
// one client can always hold whole). FORMATS.md §14.1 and §14.4.
import { isIPv4, isIPv6 } from 'node:net';

/** The 8 groups of an IPv6 address as numbers, or null. */
function ipv6Groups(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address.split('%')[0] as string;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...Array(fill).fill('0'), ...t].map((g) => Number.parseInt(g, 16));
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address. */
function unmapped(address: string): string {
  const g = ipv6Groups(address);
  if (g && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const hi = g[6] as number;
    const lo = g[7] as number;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return address;
}

/** The class of an address as logged: "a.b.c.0/24", "x:y:z::/48" (lower-case hex, no leading zeros), or "". */
export function addressClass(address: string): string {
  const a = unmapped(address);
  if (isIPv4(a)) {
    const [x, y, z] = a.split('.').map(Number);
    return `${x}.${y}.${z}.0/24`;
  }
  const g = ipv6Groups(a);
  if (!g) return '';
  return `${g
    .slice(0, 3)
    .map((n) => n.toString(16))
    .join(':')}::/48`;
}

/** The key the login throttle counts under: an IPv4 address, or an IPv6 /64. */
export function throttleKey(address: string): string {
  const a = unmapped(address);
  if (isIPv4(a)) return a;
  const g = ipv6Groups(a);
  if (!g) return address;
  return `${g
    .slice(0, 4)
    .map((n) => n.toString(16))
    .join(':')}::/64`;
}

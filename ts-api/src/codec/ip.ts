/**
 * IPv4/IPv6 address and prefix strings <-> the ABI's 16-byte network-order
 * address fields (IPv4 in the first 4 bytes, the rest zero).
 *
 * Parsing is strict (no leading zeros in IPv4 octets, no zone ids, hex
 * groups of 1..4 digits) and fails with BAD_ARGUMENT naming the string.
 * Formatting is canonical (dotted quad; RFC 5952 for IPv6), so a formatted
 * prefix is a stable key. IP protocols by name or number are here too.
 */
import { AF } from '../wire/abi/control';
import { SlipwayError, check } from '../errors';

/** An address family as this library spells it. */
export type Family = 4 | 6;

function bad(what: string, s: unknown, why: string): never {
  throw new SlipwayError('BAD_ARGUMENT', `bad ${what} ${JSON.stringify(s)}: ${why}`);
}

/** Parses dotted-quad IPv4 into out[off..off+4); false when malformed. */
function parse4(s: string, out: Uint8Array, off: number): boolean {
  let n = 0;
  let octet = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || n === 4) return false;
      out[off + n++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255 || ++digits > 3) return false;
    } else {
      return false;
    }
  }
  return n === 4;
}

function parseGroups(part: string, into: number[]): boolean {
  if (part === '') return true;
  for (const g of part.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    into.push(parseInt(g, 16));
  }
  return true;
}

/** Parses IPv6 text (with an optional dotted IPv4 tail) into out[off..off+16). */
function parse6(s: string, out: Uint8Array, off: number): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let tail4: Uint8Array | undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tail4 = new Uint8Array(4);
    if (!parse4(s.slice(lastColon + 1), tail4, 0)) return false;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = text.indexOf('::');
  const head: number[] = [];
  const rest: number[] = [];
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return false;
    const h = text.slice(0, dbl);
    const t = text.slice(dbl + 2);
    if (!parseGroups(h, head) || !parseGroups(t, rest)) return false;
    if (head.length + rest.length > 7) return false;
  } else {
    if (!parseGroups(text, head) || head.length !== 8) return false;
  }
  const groups = [...head, ...new Array(8 - head.length - rest.length).fill(0), ...rest];
  for (let i = 0; i < 8; i++) {
    out[off + 2 * i] = groups[i] >> 8;
    out[off + 2 * i + 1] = groups[i] & 0xff;
  }
  if (tail4) out.set(tail4, off + 12);
  return true;
}

/**
 * Parses an IPv4 or IPv6 address into `out` (16 bytes at `off`, zeroed
 * first) and returns its family; BAD_ARGUMENT naming the string otherwise.
 */
export function parseIpInto(s: string, out: Uint8Array, off = 0, what = 'IP address'): Family {
  if (typeof s !== 'string') bad(what, s, 'expected a string');
  out.fill(0, off, off + 16);
  if (s.includes(':')) {
    if (!parse6(s, out, off)) bad(what, s, 'not an IPv6 address');
    return AF.INET6;
  }
  if (!parse4(s, out, off)) bad(what, s, 'not an IPv4 address');
  return AF.INET;
}

/** Parses an address: its family and 16 bytes (IPv4 in the first 4). */
export function parseIp(s: string, what = 'IP address'): { family: Family; bytes: Uint8Array } {
  const bytes = new Uint8Array(16);
  const family = parseIpInto(s, bytes, 0, what);
  return { family, bytes };
}

/**
 * Parses "addr/len" into `out` (16 bytes at `off`). A bare address is a host
 * prefix (/32, /128). Host bits are left as given: the dataplane rejects
 * them with a message naming the route.
 */
export function parsePrefixInto(s: string, out: Uint8Array, off = 0, what = 'prefix'): { family: Family; len: number } {
  if (typeof s !== 'string') bad(what, s, 'expected a string like 10.0.0.0/24 or fd00::/64');
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  out.fill(0, off, off + 16);
  let family: Family;
  if (addr.includes(':')) {
    if (!parse6(addr, out, off)) bad(what, s, 'not an IPv6 address');
    family = AF.INET6;
  } else {
    if (!parse4(addr, out, off)) bad(what, s, 'not an IPv4 address');
    family = AF.INET;
  }
  const max = family === AF.INET ? 32 : 128;
  if (slash < 0) return { family, len: max };
  let len = 0;
  const n = s.length - slash - 1;
  if (n < 1 || n > 3 || (n > 1 && s.charCodeAt(slash + 1) === 48)) bad(what, s, 'prefix length is not a number');
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) bad(what, s, 'prefix length is not a number');
    len = len * 10 + (c - 48);
  }
  if (len > max) bad(what, s, `prefix length ${len} is beyond ${max}`);
  return { family, len };
}

/** Parses "addr/len": family, length and 16 address bytes. */
export function parsePrefix(s: string, what = 'prefix'): { family: Family; len: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(16);
  const r = parsePrefixInto(s, bytes, 0, what);
  return { ...r, bytes };
}

/** Formats 16 address bytes at `off` of `b` (canonical text). */
export function formatIp(family: number, b: Uint8Array, off = 0): string {
  if (family === AF.INET) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  // RFC 5952: the longest run (>= 2) of zero groups becomes "::", the first if tied
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Formats a prefix as "addr/len". */
export function formatPrefix(family: number, b: Uint8Array, len: number, off = 0): string {
  return `${formatIp(family, b, off)}/${len}`;
}

/** Canonical text of an address string (e.g. "FD02:0::1" -> "fd02::1"); BAD_ARGUMENT when malformed. */
export function canonicalIp(s: string, what = 'IP address'): string {
  const { family, bytes } = parseIp(s, what);
  return formatIp(family, bytes);
}

/** Canonical text of a prefix string (a bare address gets /32 or /128). */
export function canonicalPrefix(s: string, what = 'prefix'): string {
  const { family, len, bytes } = parsePrefix(s, what);
  return formatPrefix(family, bytes, len);
}

/* ---------------- IP protocols ---------------- */

/** IP protocol names accepted in rule matches and route lookups (or give the number). */
export const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-icmp': 58,
  ospf: 89,
  vrrp: 112,
  sctp: 132,
};

/** Resolves a protocol name or number to 0..255 (0 = any). */
export function parseProto(p: number | string, what = 'proto'): number {
  if (typeof p === 'string') {
    if (/^\d+$/.test(p)) p = Number(p);
    else {
      const n = PROTOCOLS[p.toLowerCase()];
      check(
        n !== undefined,
        `bad ${what} ${JSON.stringify(p)}: expected 0..255 or one of ${Object.keys(PROTOCOLS).join(', ')}`,
      );
      return n;
    }
  }
  check(
    Number.isInteger(p) && p >= 0 && p <= 255,
    `bad ${what} ${JSON.stringify(p)}: expected 0..255 or a protocol name`,
  );
  return p;
}

/** "IPv4" or "IPv6" (for messages). */
export function familyName(f: number): string {
  return f === AF.INET ? 'IPv4' : 'IPv6';
}

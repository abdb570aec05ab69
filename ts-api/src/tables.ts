/**
 * Routes, neighbours and match-action rules: the value types of the API and
 * their encoding to and from the ABI structs (sw_route, sw_neigh, sw_rule,
 * sw_rule_entry, sw_list_req).
 *
 * Every encoder validates first and fails with BAD_ARGUMENT naming the value
 * ("bad route #3 prefix \"10.0.0/24\": not an IPv4 address"). What only the
 * dataplane can know (port existence, host bits set in a prefix, table
 * space) is left to it; its message names the object too.
 *
 * Batches encode in place: a source validates every item up front into
 * compact typed arrays (a million IPv4 routes take ~20 MB, not a million
 * 216-byte buffers) and writes each payload straight into the request ring.
 */
import { need, viewOf } from './bytes';
import {
  AF,
  ECMP_MAX,
  ListHdr,
  ListReq,
  MAX_PORTS,
  NeighMsg,
  NexthopMsg,
  Op,
  PORT_NONE,
  RULE_PRIORITY_MAX,
  RULE_PRIORITY_MIN,
  RouteMsg,
  RouteType,
  RuleAction,
  RuleEntryMsg,
  RuleMsg,
  RuleRef,
} from './abi';
import type { BatchSource } from './batch';
import { checkPort, formatMac, isMac, parseMac } from './codec';
import { SlipwayError, check } from './errors';
import { Family, formatIp, formatPrefix, parseIpInto, parsePrefixInto } from './ip';

/* ---------------- value types ---------------- */

/** One next hop of a forwarding route. */
export interface NextHop {
  /** Output port. */
  port: number;
  /**
   * Gateway address, same family as the route. Omitted: directly connected
   * (the destination itself is the neighbour; such traffic punts to the
   * kernel until a neighbour for it exists).
   */
  gw?: string;
}

/** What {@link Slipway.routes}.add takes: next hops, or a local/drop type. */
export type RouteSpec =
  | { prefix: string; via: readonly NextHop[]; type?: 'forward' }
  | { prefix: string; type: 'local' | 'drop'; via?: readonly NextHop[] };

/** A route as the dataplane lists it. */
export interface Route {
  /** Canonical "addr/len" (IPv6 in RFC 5952 form). */
  prefix: string;
  family: Family;
  /** forward: to `via`; local: an address of the host (punt to the ingress vEth); drop: blackhole. */
  type: 'forward' | 'local' | 'drop';
  /** Next hops (1..8, ECMP by flow hash) of a forward route; empty otherwise. */
  via: NextHop[];
}

/** A neighbour: IP -> MAC on a port (resolves next hops; installs a host route). */
export interface Neighbour {
  port: number;
  /** IPv4 or IPv6 unicast address. */
  ip: string;
  /** "aa:bb:cc:dd:ee:ff" */
  mac: string;
}

/** A neighbour key for removal. */
export interface NeighbourRef {
  port: number;
  ip: string;
}

/** IP protocol names accepted in rule matches (or give the number). */
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

/** An L4 port or inclusive range [lo, hi]. */
export type PortRange = number | readonly [number, number];

/** What a rule matches; every field is optional (absent: any). */
export interface RuleMatch {
  inPort?: number;
  srcMac?: string;
  dstMac?: string;
  /** Outer VLAN id 0..4095. */
  vlan?: number;
  /** Innermost ethertype (host order), e.g. 0x0806. */
  ethertype?: number;
  /** IP version; inferred from src/dst (or an IP ethertype) when absent. */
  family?: Family;
  /** Source prefix "addr/len" (a bare address: a host). */
  src?: string;
  dst?: string;
  /** IP protocol number or name (tcp, udp, icmp, icmpv6, ...). */
  proto?: number | string;
  sport?: PortRange;
  dport?: PortRange;
}

/** What a matching rule does. */
export type RuleActionSpec =
  | { type: 'forward'; port: number }
  | { type: 'route' }
  | { type: 'drop' }
  | { type: 'punt' }
  /** A copy to `port` (omitted: the ingress port's vEth), the original is routed. */
  | { type: 'mirror'; port?: number }
  /** Count only, then route. */
  | { type: 'count' };

/** A match-action rule; the highest priority match applies. */
export interface Rule {
  /** Unique id chosen by the controller (0..2^32-1); adding an existing id replaces it. */
  id: number;
  /** 1..2^29-1, higher wins. */
  priority: number;
  match: RuleMatch;
  action: RuleActionSpec;
}

/** A rule with its counters, summed over lcores. */
export interface RuleEntry {
  rule: Rule;
  packets: bigint;
  bytes: bigint;
}

/** One page of a listing: items and the cursor of the next page (0: done). */
export interface ListPage<T> {
  items: T[];
  next: number;
}

/* ---------------- helpers ---------------- */

const json = (x: unknown) => JSON.stringify(x);
function fail(message: string): never {
  throw new SlipwayError('BAD_ARGUMENT', message);
}
const ROUTE_TYPES: Record<string, number> = {
  forward: RouteType.FORWARD,
  local: RouteType.LOCAL,
  drop: RouteType.DROP,
};
const ROUTE_TYPE_NAMES: Record<number, Route['type']> = {
  [RouteType.FORWARD]: 'forward',
  [RouteType.LOCAL]: 'local',
  [RouteType.DROP]: 'drop',
};
const ACTIONS: Record<string, number> = {
  forward: RuleAction.FORWARD,
  route: RuleAction.ROUTE,
  drop: RuleAction.DROP,
  punt: RuleAction.PUNT,
  mirror: RuleAction.MIRROR,
  count: RuleAction.COUNT,
};
const ACTION_NAMES: Record<number, RuleActionSpec['type']> = Object.fromEntries(
  Object.entries(ACTIONS).map(([k, v]) => [v, k]),
) as Record<number, RuleActionSpec['type']>;
const FAMILY_NAME = (f: number) => (f === AF.INET ? 'IPv4' : 'IPv6');

/* ---------------- list requests ---------------- */

/** sw_list_req payload: up to `max` entries (0: as many as fit) from `cursor`, of `family` (0: both). */
export function encodeListReq(q: { cursor?: number; max?: number; family?: number } = {}): Uint8Array {
  const cursor = q.cursor ?? 0;
  const max = q.max ?? 0;
  const family = q.family ?? 0;
  check(
    Number.isInteger(cursor) && cursor >= 0 && cursor <= 0xffffffff,
    `bad list cursor ${json(cursor)}: expected an integer 0..2^32-1`,
  );
  check(Number.isInteger(max) && max >= 0 && max <= 0xffff, `bad list max ${json(max)}: expected an integer 0..65535`);
  check(family === 0 || family === AF.INET || family === AF.INET6, `bad family ${json(family)}: expected 4 or 6`);
  const out = new Uint8Array(ListReq.SIZE);
  const v = viewOf(out);
  v.setUint32(ListReq.cursor, cursor, true);
  v.setUint16(ListReq.max, max, true);
  v.setUint8(ListReq.family, family);
  return out;
}

/** Parses a sw_list_req payload. */
export function decodeListReq(b: Uint8Array): { cursor: number; max: number; family: number } {
  need(b, ListReq.SIZE, 'list request');
  const v = viewOf(b);
  return {
    cursor: v.getUint32(ListReq.cursor, true),
    max: v.getUint16(ListReq.max, true),
    family: v.getUint8(ListReq.family),
  };
}

function decodePage<T>(
  b: Uint8Array,
  elemSize: number,
  what: string,
  read: (v: DataView, off: number) => T,
): ListPage<T> {
  need(b, ListHdr.SIZE, what);
  const v = viewOf(b);
  const count = v.getUint32(ListHdr.count, true);
  need(b, ListHdr.SIZE + count * elemSize, `${what} (${count} entries)`);
  const items: T[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = read(v, ListHdr.SIZE + i * elemSize);
  return { items, next: v.getUint32(ListHdr.next, true) };
}

function encodePage<T>(
  page: ListPage<T>,
  elemSize: number,
  write: (v: DataView, b: Uint8Array, off: number, x: T) => void,
): Uint8Array {
  const out = new Uint8Array(ListHdr.SIZE + page.items.length * elemSize);
  const v = viewOf(out);
  v.setUint32(ListHdr.count, page.items.length, true);
  v.setUint32(ListHdr.next, page.next, true);
  page.items.forEach((x, i) => write(v, out, ListHdr.SIZE + i * elemSize, x));
  return out;
}

/* ---------------- routes ---------------- */

/**
 * Routes validated into compact arrays; writes sw_route payloads in place.
 * `del` encodes ROUTE_DEL (prefix only). @internal
 */
export class RouteSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  /** [family, len, type, n_nh] per route */
  private readonly meta: Uint8Array;
  private readonly prefixes: Uint8Array;
  /** first next hop of route i in nhPort/nhGw */
  private readonly nhStart: Uint32Array;
  private readonly nhPort: Uint16Array;
  private readonly nhGw: Uint8Array;
  private readonly opCode: number;

  /**
   * @param routes route specs (add) or prefix strings (del)
   * @param del true for ROUTE_DEL
   * @param single name items without an index (one-route calls)
   */
  constructor(routes: readonly (RouteSpec | string)[], del: boolean, single = false) {
    check(Array.isArray(routes), `bad routes ${typeof routes}: expected an array`);
    const n = routes.length;
    this.count = n;
    this.opCode = del ? Op.ROUTE_DEL : Op.ROUTE_ADD;
    this.what = del ? `route remove of ${n} prefixes` : `route add of ${n} routes`;
    this.meta = new Uint8Array(n * 4);
    this.prefixes = new Uint8Array(n * 16);
    this.nhStart = new Uint32Array(n + 1);
    let total = 0;
    if (!del) {
      for (let i = 0; i < n; i++) {
        const r = routes[i] as RouteSpec;
        const via = r !== null && typeof r === 'object' ? r.via : undefined;
        total += Array.isArray(via) ? via.length : 0;
      }
    }
    this.nhPort = new Uint16Array(total);
    this.nhGw = new Uint8Array(total * 16);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const tag = single ? 'route' : `route #${i}`;
      this.nhStart[i] = k;
      if (del) {
        const p = routes[i] as string;
        const { family, len } = parsePrefixInto(p, this.prefixes, i * 16, `${tag} prefix`);
        this.meta[i * 4] = family;
        this.meta[i * 4 + 1] = len;
        continue;
      }
      const r = routes[i] as RouteSpec;
      // messages are built only on failure: this loop runs a million times
      if (r === null || typeof r !== 'object')
        fail(`bad ${tag} ${json(r)}: expected {prefix, via} or {prefix, type: 'local' | 'drop'}`);
      const { family, len } = parsePrefixInto(r.prefix, this.prefixes, i * 16, `${tag} prefix`);
      const typeName = r.type ?? 'forward';
      const type = ROUTE_TYPES[typeName as string];
      if (type === undefined) fail(`bad ${tag} ${r.prefix}: type ${json(r.type)} is not forward, local or drop`);
      const via = r.via;
      let nNh = 0;
      if (type === RouteType.FORWARD) {
        if (!Array.isArray(via) || via.length < 1 || via.length > ECMP_MAX)
          fail(`bad ${tag} ${r.prefix}: via must list 1..${ECMP_MAX} next hops, got ${json(via)}`);
        for (let j = 0; j < via.length; j++) {
          const nh = via[j];
          if (nh === null || typeof nh !== 'object')
            fail(`bad ${tag} ${r.prefix}: next hop #${j} ${json(nh)}: expected {port, gw?}`);
          const p = nh.port;
          if (!(Number.isInteger(p) && p >= 0 && p < MAX_PORTS))
            checkPort(p, `${tag} ${r.prefix}: next hop #${j} port`);
          this.nhPort[k] = p;
          if (nh.gw !== undefined) {
            const f = parseIpInto(nh.gw, this.nhGw, k * 16, `${tag} ${r.prefix}: next hop #${j} gateway`);
            if (f !== family)
              fail(
                `bad ${tag} ${r.prefix}: next hop #${j} gateway ${nh.gw} is ${FAMILY_NAME(f)}, the prefix ${FAMILY_NAME(family)}`,
              );
          }
          k++;
        }
        nNh = via.length;
      } else if (via !== undefined && !(Array.isArray(via) && via.length === 0)) {
        fail(`bad ${tag} ${r.prefix}: ${typeName} routes take no next hop (via ${json(via)})`);
      }
      this.meta[i * 4] = family;
      this.meta[i * 4 + 1] = len;
      this.meta[i * 4 + 2] = type;
      this.meta[i * 4 + 3] = nNh;
    }
    this.nhStart[n] = k;
  }

  op(_i?: number): number {
    return this.opCode;
  }

  payloadLen(_i?: number): number {
    return RouteMsg.SIZE;
  }

  write(i: number, v: DataView, b: Uint8Array, off: number): void {
    b.fill(0, off, off + RouteMsg.SIZE);
    const m = i * 4;
    v.setUint8(off + RouteMsg.family, this.meta[m]);
    v.setUint8(off + RouteMsg.prefix_len, this.meta[m + 1]);
    v.setUint8(off + RouteMsg.type, this.meta[m + 2]);
    v.setUint8(off + RouteMsg.n_nh, this.meta[m + 3]);
    b.set(this.prefixes.subarray(i * 16, i * 16 + 16), off + RouteMsg.prefix);
    for (let k = this.nhStart[i], j = 0; k < this.nhStart[i + 1]; k++, j++) {
      const no = off + RouteMsg.nh + j * NexthopMsg.SIZE;
      v.setUint16(no + NexthopMsg.port, this.nhPort[k], true);
      b.set(this.nhGw.subarray(k * 16, k * 16 + 16), no + NexthopMsg.gw);
    }
  }

  /** Canonical prefix of item `i` (the replay record's key). */
  prefix(i: number): string {
    return formatPrefix(this.meta[i * 4], this.prefixes, this.meta[i * 4 + 1], i * 16);
  }

  /** One payload (single-route calls, tests). */
  encode(i = 0): Uint8Array {
    const out = new Uint8Array(RouteMsg.SIZE);
    this.write(i, viewOf(out), out, 0);
    return out;
  }
}

/** sw_route payload of ROUTE_ADD; BAD_ARGUMENT naming the route when malformed. */
export function encodeRoute(r: RouteSpec): Uint8Array {
  return new RouteSource([r], false, true).encode();
}

/** sw_route payload of ROUTE_DEL (prefix, length, family). */
export function encodeRouteDel(prefix: string): Uint8Array {
  return new RouteSource([prefix], true, true).encode();
}

/** Reads a sw_route at `off`. */
export function decodeRoute(v: DataView, off = 0): Route {
  const family = v.getUint8(off + RouteMsg.family);
  if (family !== AF.INET && family !== AF.INET6) throw new SlipwayError('PROTOCOL', `route: unknown family ${family}`);
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const type = v.getUint8(off + RouteMsg.type);
  const n = Math.min(v.getUint8(off + RouteMsg.n_nh), ECMP_MAX);
  const via: NextHop[] = [];
  for (let j = 0; j < n; j++) {
    const no = off + RouteMsg.nh + j * NexthopMsg.SIZE;
    const nh: NextHop = { port: v.getUint16(no + NexthopMsg.port, true) };
    let zero = true;
    for (let x = 0; x < 16; x++) if (b[no + NexthopMsg.gw + x] !== 0) zero = false;
    if (!zero) nh.gw = formatIp(family, b, no + NexthopMsg.gw);
    via.push(nh);
  }
  const typeName = ROUTE_TYPE_NAMES[type];
  if (typeName === undefined) throw new SlipwayError('PROTOCOL', `route: unknown type ${type}`);
  return {
    prefix: formatPrefix(family, b, v.getUint8(off + RouteMsg.prefix_len), off + RouteMsg.prefix),
    family: family as Family,
    type: typeName,
    via,
  };
}

/** Parses one sw_route payload. */
export function decodeRoutePayload(b: Uint8Array): Route {
  need(b, RouteMsg.SIZE, 'route');
  return decodeRoute(viewOf(b), 0);
}

/** Parses a ROUTE_LIST response page. */
export function decodeRouteList(b: Uint8Array): ListPage<Route> {
  return decodePage(b, RouteMsg.SIZE, 'route list', decodeRoute);
}

/** ROUTE_LIST response payload (tests and fake dataplanes). */
export function encodeRouteList(page: ListPage<RouteSpec>): Uint8Array {
  const src = new RouteSource(page.items, false);
  return encodePage({ items: page.items.map((_, i) => i), next: page.next }, RouteMsg.SIZE, (v, b, off, i) =>
    src.write(i, v, b, off),
  );
}

/**
 * A batch validated and packed up front: `count` payloads of `size` bytes in
 * one buffer, written to the ring by copy. @internal
 */
abstract class PackedSource implements BatchSource {
  protected readonly buf: Uint8Array;

  constructor(
    readonly count: number,
    readonly what: string,
    private readonly opCode: number,
    protected readonly size: number,
  ) {
    this.buf = new Uint8Array(count * size);
  }

  op(_i?: number): number {
    return this.opCode;
  }

  payloadLen(_i?: number): number {
    return this.size;
  }

  write(i: number, _v: DataView, b: Uint8Array, off: number): void {
    b.set(this.buf.subarray(i * this.size, (i + 1) * this.size), off);
  }

  /** Payload of item `i`. */
  encode(i = 0): Uint8Array {
    return this.buf.slice(i * this.size, (i + 1) * this.size);
  }
}

/* ---------------- neighbours ---------------- */

/** Neighbours (add) or neighbour keys (del), validated and encoded. @internal */
export class NeighSource extends PackedSource {
  constructor(items: readonly (Neighbour | NeighbourRef)[], del: boolean, single = false) {
    check(Array.isArray(items), `bad neighbours ${typeof items}: expected an array`);
    const n = items.length;
    super(
      n,
      del ? `neighbour remove of ${n} entries` : `neighbour add of ${n} entries`,
      del ? Op.NEIGH_DEL : Op.NEIGH_ADD,
      NeighMsg.SIZE,
    );
    const v = viewOf(this.buf);
    for (let i = 0; i < n; i++) {
      const tag = single ? 'neighbour' : `neighbour #${i}`;
      const x = items[i];
      check(x !== null && typeof x === 'object', `bad ${tag} ${json(x)}: expected {port, ip${del ? '' : ', mac'}}`);
      const off = i * NeighMsg.SIZE;
      checkPort(x.port, `${tag} port`);
      const family = parseIpInto(x.ip, this.buf, off + NeighMsg.ip, `${tag} ip`);
      v.setUint16(off + NeighMsg.port, x.port, true);
      v.setUint8(off + NeighMsg.family, family);
      if (!del) {
        const mac = (x as Neighbour).mac;
        check(isMac(mac), `bad ${tag} ${x.ip} mac ${json(mac)}: expected aa:bb:cc:dd:ee:ff`);
        this.buf.set(parseMac(mac), off + NeighMsg.mac);
      }
    }
  }

  /** Item `i` in canonical form (the replay record). */
  item(i: number): Neighbour {
    return decodeNeighbour(viewOf(this.buf), i * NeighMsg.SIZE);
  }
}

/** sw_neigh payload of NEIGH_ADD. */
export function encodeNeighbour(n: Neighbour): Uint8Array {
  return new NeighSource([n], false, true).encode();
}

/** sw_neigh payload of NEIGH_DEL (mac zero). */
export function encodeNeighbourDel(n: NeighbourRef): Uint8Array {
  return new NeighSource([n], true, true).encode();
}

/** Reads a sw_neigh at `off`. */
export function decodeNeighbour(v: DataView, off = 0): Neighbour {
  const family = v.getUint8(off + NeighMsg.family);
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return {
    port: v.getUint16(off + NeighMsg.port, true),
    ip: formatIp(family, b, off + NeighMsg.ip),
    mac: formatMac(v, off + NeighMsg.mac),
  };
}

/** Parses one sw_neigh payload. */
export function decodeNeighbourPayload(b: Uint8Array): Neighbour {
  need(b, NeighMsg.SIZE, 'neighbour');
  return decodeNeighbour(viewOf(b), 0);
}

/** Parses a NEIGH_LIST response page. */
export function decodeNeighbourList(b: Uint8Array): ListPage<Neighbour> {
  return decodePage(b, NeighMsg.SIZE, 'neighbour list', decodeNeighbour);
}

/** NEIGH_LIST response payload (tests and fake dataplanes). */
export function encodeNeighbourList(page: ListPage<Neighbour>): Uint8Array {
  const src = new NeighSource(page.items, false);
  return encodePage({ items: page.items.map((_, i) => i), next: page.next }, NeighMsg.SIZE, (v, b, off, i) =>
    src.write(i, v, b, off),
  );
}

/* ---------------- rules ---------------- */

const MATCH_KEYS = new Set([
  'inPort',
  'srcMac',
  'dstMac',
  'vlan',
  'ethertype',
  'family',
  'src',
  'dst',
  'proto',
  'sport',
  'dport',
]);

function u16(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffff;
}

function portRange(x: PortRange | undefined, what: string): [number, number] {
  if (x === undefined) return [0, 0xffff];
  if (Array.isArray(x)) {
    check(
      x.length === 2 && u16(x[0]) && u16(x[1]) && x[0] <= x[1],
      `bad ${what} ${json(x)}: expected [lo, hi] with 0 <= lo <= hi <= 65535`,
    );
    return [x[0], x[1]];
  }
  check(u16(x), `bad ${what} ${json(x)}: expected a port 0..65535 or [lo, hi]`);
  return [x as number, x as number];
}

/** Resolves a protocol name or number to 0..255 (0 = any). */
export function parseProto(p: number | string, what = 'proto'): number {
  if (typeof p === 'string') {
    if (/^\d+$/.test(p)) p = Number(p);
    else {
      const n = PROTOCOLS[p.toLowerCase()];
      check(n !== undefined, `bad ${what} ${json(p)}: expected 0..255 or one of ${Object.keys(PROTOCOLS).join(', ')}`);
      return n;
    }
  }
  check(Number.isInteger(p) && p >= 0 && p <= 255, `bad ${what} ${json(p)}: expected 0..255 or a protocol name`);
  return p;
}

/** Writes a validated sw_rule at `off` of `b` (which must be zeroed there). */
function writeRule(r: Rule, v: DataView, b: Uint8Array, off: number, tag: string): void {
  check(r !== null && typeof r === 'object', `bad ${tag} ${json(r)}: expected {id, priority, match, action}`);
  check(
    Number.isInteger(r.id) && r.id >= 0 && r.id <= 0xffffffff,
    `bad ${tag} id ${json(r.id)}: expected an integer 0..2^32-1`,
  );
  const name = `rule ${r.id}`;
  check(
    Number.isInteger(r.priority) && r.priority >= RULE_PRIORITY_MIN && r.priority <= RULE_PRIORITY_MAX,
    `bad ${name} priority ${json(r.priority)}: expected an integer ${RULE_PRIORITY_MIN}..${RULE_PRIORITY_MAX}`,
  );
  const m: RuleMatch = r.match ?? {};
  check(typeof m === 'object' && m !== null, `bad ${name} match ${json(m)}: expected an object`);
  for (const k of Object.keys(m))
    check(MATCH_KEYS.has(k), `bad ${name} match key ${json(k)}: expected one of ${[...MATCH_KEYS].join(', ')}`);
  const a = r.action;
  check(
    a !== null && typeof a === 'object' && ACTIONS[a.type] !== undefined,
    `bad ${name} action ${json(a)}: expected {type: forward | route | drop | punt | mirror | count}`,
  );

  let inPort = PORT_NONE;
  if (m.inPort !== undefined) {
    checkPort(m.inPort, `${name} inPort`);
    inPort = m.inPort;
  }
  let vlan = 0xffff;
  if (m.vlan !== undefined) {
    check(
      Number.isInteger(m.vlan) && m.vlan >= 0 && m.vlan <= 4095,
      `bad ${name} vlan ${json(m.vlan)}: expected 0..4095`,
    );
    vlan = m.vlan;
  }
  let ethertype = 0;
  if (m.ethertype !== undefined) {
    check(
      Number.isInteger(m.ethertype) && m.ethertype >= 1 && m.ethertype <= 0xffff,
      `bad ${name} ethertype ${json(m.ethertype)}: expected 0x0001..0xffff`,
    );
    ethertype = m.ethertype;
  }
  for (const k of ['srcMac', 'dstMac'] as const) {
    if (m[k] !== undefined) check(isMac(m[k]), `bad ${name} ${k} ${json(m[k])}: expected aa:bb:cc:dd:ee:ff`);
  }
  let family = 0;
  if (m.family !== undefined) {
    check(m.family === AF.INET || m.family === AF.INET6, `bad ${name} family ${json(m.family)}: expected 4 or 6`);
    family = m.family;
  }
  let srcLen = 0;
  let dstLen = 0;
  for (const k of ['src', 'dst'] as const) {
    const p = m[k];
    if (p === undefined) continue;
    const at = off + (k === 'src' ? RuleMsg.src : RuleMsg.dst);
    const r2 = parsePrefixInto(p, b, at, `${name} ${k}`);
    check(
      family === 0 || family === r2.family,
      `bad ${name} ${k} ${json(p)}: ${FAMILY_NAME(r2.family)}, but the rule is ${FAMILY_NAME(family)}`,
    );
    family = r2.family;
    if (r2.len === 0) b.fill(0, at, at + 16); // /0 is the wildcard
    if (k === 'src') srcLen = r2.len;
    else dstLen = r2.len;
  }
  const proto = m.proto === undefined ? 0 : parseProto(m.proto, `${name} proto`);
  const [slo, shi] = portRange(m.sport, `${name} sport`);
  const [dlo, dhi] = portRange(m.dport, `${name} dport`);
  const ipFields = proto !== 0 || m.sport !== undefined || m.dport !== undefined;
  if (family === 0 && ipFields) {
    if (ethertype === 0x0800) family = AF.INET;
    else if (ethertype === 0x86dd) family = AF.INET6;
    check(family !== 0, `bad ${name}: proto/sport/dport need an IP family (give family 4 or 6, or a src/dst prefix)`);
  }
  if (family !== 0 && ethertype !== 0) {
    const et = family === AF.INET ? 0x0800 : 0x86dd;
    check(
      ethertype === et,
      `bad ${name}: ethertype 0x${ethertype.toString(16).padStart(4, '0')} contradicts ${FAMILY_NAME(family)}`,
    );
  }

  let outPort = PORT_NONE;
  if (a.type === 'forward') {
    checkPort(a.port, `${name} forward port`);
    outPort = a.port;
  } else if (a.type === 'mirror' && a.port !== undefined) {
    checkPort(a.port, `${name} mirror port`);
    outPort = a.port;
  } else {
    const extra = (a as { port?: unknown }).port;
    check(extra === undefined, `bad ${name} action ${json(a)}: ${a.type} takes no port`);
  }

  v.setUint32(off + RuleMsg.id, r.id, true);
  v.setUint32(off + RuleMsg.priority, r.priority, true);
  v.setUint8(off + RuleMsg.family, family);
  v.setUint8(off + RuleMsg.proto, proto);
  v.setUint8(off + RuleMsg.action, ACTIONS[a.type]);
  v.setUint16(off + RuleMsg.in_port, inPort, true);
  v.setUint16(off + RuleMsg.vlan, vlan, true);
  v.setUint16(off + RuleMsg.ethertype, ethertype, true);
  v.setUint16(off + RuleMsg.out_port, outPort, true);
  if (m.srcMac !== undefined) b.set(parseMac(m.srcMac), off + RuleMsg.src_mac);
  if (m.dstMac !== undefined) b.set(parseMac(m.dstMac), off + RuleMsg.dst_mac);
  v.setUint8(off + RuleMsg.src_len, srcLen);
  v.setUint8(off + RuleMsg.dst_len, dstLen);
  v.setUint16(off + RuleMsg.sport_lo, slo, true);
  v.setUint16(off + RuleMsg.sport_hi, shi, true);
  v.setUint16(off + RuleMsg.dport_lo, dlo, true);
  v.setUint16(off + RuleMsg.dport_hi, dhi, true);
}

/** Rules validated and encoded up front (80 bytes each). @internal */
export class RuleSource extends PackedSource {
  /** @param items rules (add) or rule ids (del) */
  constructor(items: readonly (Rule | number)[], del: boolean, single = false) {
    check(Array.isArray(items), `bad rules ${typeof items}: expected an array`);
    const n = items.length;
    super(
      n,
      del ? `rule remove of ${n} ids` : `rule add of ${n} rules`,
      del ? Op.RULE_DEL : Op.RULE_ADD,
      del ? RuleRef.SIZE : RuleMsg.SIZE,
    );
    const v = viewOf(this.buf);
    for (let i = 0; i < n; i++) {
      const tag = single ? 'rule' : `rule #${i}`;
      if (del) {
        const id = items[i] as number;
        check(
          Number.isInteger(id) && id >= 0 && id <= 0xffffffff,
          `bad ${tag} id ${json(id)}: expected an integer 0..2^32-1`,
        );
        v.setUint32(i * this.size + RuleRef.id, id, true);
      } else {
        writeRule(items[i] as Rule, v, this.buf, i * this.size, tag);
      }
    }
  }

  /** Id of item `i`. */
  id(i: number): number {
    return viewOf(this.buf).getUint32(i * this.size, true);
  }
}

/** sw_rule payload of RULE_ADD; BAD_ARGUMENT naming the rule when malformed. */
export function encodeRule(r: Rule): Uint8Array {
  return new RuleSource([r], false, true).encode();
}

/** sw_rule_ref payload of RULE_DEL. */
export function encodeRuleRef(id: number): Uint8Array {
  return new RuleSource([id], true, true).encode();
}

/** Reads a sw_rule at `off`. */
export function decodeRule(v: DataView, off = 0): Rule {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const m: RuleMatch = {};
  const inPort = v.getUint16(off + RuleMsg.in_port, true);
  if (inPort !== PORT_NONE) m.inPort = inPort;
  const macSet = (o: number) => b.subarray(off + o, off + o + 6).some((x) => x !== 0);
  if (macSet(RuleMsg.src_mac)) m.srcMac = formatMac(v, off + RuleMsg.src_mac);
  if (macSet(RuleMsg.dst_mac)) m.dstMac = formatMac(v, off + RuleMsg.dst_mac);
  const vlan = v.getUint16(off + RuleMsg.vlan, true);
  if (vlan !== 0xffff) m.vlan = vlan;
  const et = v.getUint16(off + RuleMsg.ethertype, true);
  if (et !== 0) m.ethertype = et;
  const family = v.getUint8(off + RuleMsg.family);
  if (family === AF.INET || family === AF.INET6) {
    m.family = family;
    const sl = v.getUint8(off + RuleMsg.src_len);
    const dl = v.getUint8(off + RuleMsg.dst_len);
    if (sl > 0) m.src = formatPrefix(family, b, sl, off + RuleMsg.src);
    if (dl > 0) m.dst = formatPrefix(family, b, dl, off + RuleMsg.dst);
  }
  const proto = v.getUint8(off + RuleMsg.proto);
  if (proto !== 0) m.proto = proto;
  const range = (lo: number, hi: number): PortRange | undefined =>
    lo === 0 && hi === 0xffff ? undefined : lo === hi ? lo : [lo, hi];
  const sp = range(v.getUint16(off + RuleMsg.sport_lo, true), v.getUint16(off + RuleMsg.sport_hi, true));
  const dp = range(v.getUint16(off + RuleMsg.dport_lo, true), v.getUint16(off + RuleMsg.dport_hi, true));
  if (sp !== undefined) m.sport = sp;
  if (dp !== undefined) m.dport = dp;
  const act = v.getUint8(off + RuleMsg.action);
  const outPort = v.getUint16(off + RuleMsg.out_port, true);
  const type = ACTION_NAMES[act];
  if (type === undefined) throw new SlipwayError('PROTOCOL', `rule: unknown action ${act}`);
  let action: RuleActionSpec;
  if (type === 'forward') action = { type, port: outPort };
  else if (type === 'mirror') action = outPort === PORT_NONE ? { type } : { type, port: outPort };
  else action = { type } as RuleActionSpec;
  return {
    id: v.getUint32(off + RuleMsg.id, true),
    priority: v.getUint32(off + RuleMsg.priority, true),
    match: m,
    action,
  };
}

/** Parses one sw_rule payload. */
export function decodeRulePayload(b: Uint8Array): Rule {
  need(b, RuleMsg.SIZE, 'rule');
  return decodeRule(viewOf(b), 0);
}

/** Reads a sw_rule_entry at `off`. */
export function decodeRuleEntry(v: DataView, off = 0): RuleEntry {
  return {
    rule: decodeRule(v, off + RuleEntryMsg.rule),
    packets: v.getBigUint64(off + RuleEntryMsg.packets, true),
    bytes: v.getBigUint64(off + RuleEntryMsg.bytes, true),
  };
}

/** Parses a RULE_LIST response page. */
export function decodeRuleList(b: Uint8Array): ListPage<RuleEntry> {
  return decodePage(b, RuleEntryMsg.SIZE, 'rule list', decodeRuleEntry);
}

/** RULE_LIST response payload (tests and fake dataplanes). */
export function encodeRuleList(page: ListPage<RuleEntry>): Uint8Array {
  return encodePage(page, RuleEntryMsg.SIZE, (v, b, off, e) => {
    writeRule(e.rule, v, b, off + RuleEntryMsg.rule, 'rule');
    v.setBigUint64(off + RuleEntryMsg.packets, e.packets, true);
    v.setBigUint64(off + RuleEntryMsg.bytes, e.bytes, true);
  });
}

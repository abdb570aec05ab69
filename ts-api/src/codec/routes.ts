/**
 * Routes: the value types of the route API and their encoding to and from
 * sw_route (ROUTE_ADD, ROUTE_DEL, ROUTE_LIST pages), the batch source of
 * the route table, and ROUTE_GET (sw_route_lookup -> sw_route_match).
 *
 * Every encoder validates first and fails with BAD_ARGUMENT naming the
 * value ("bad route #3 prefix \"10.0.0/24\": not an IPv4 address"). What
 * only the dataplane can know (port existence, host bits set in a prefix,
 * table space) is left to it; its message names the object too.
 *
 * Batches encode in place: a source validates every item up front into
 * compact typed arrays (not a buffer per route) and writes each payload
 * straight into the request ring.
 */
import { AF, MAX_PORTS, PORT_NONE } from '../wire/abi/control';
import {
  ECMP_MAX,
  NexthopMsg,
  Origin as OriginCode,
  RouteLookup,
  RouteMatch as RouteMatchMsg,
  RouteMsg,
  RouteOps,
  RouteType,
} from '../wire/abi/routes';
import type { BatchSource } from '../wire/batch';
import { need, viewOf } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { type ListPage, checkPort, decodePage, encodePage, formatMac, parseMac } from './common';
import {
  type Family,
  PROTOCOLS,
  familyName,
  formatIp,
  formatPrefix,
  parseIpInto,
  parsePrefixInto,
  parseProto,
} from './ip';

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

/**
 * Who installed a route or neighbour (SW_ORIGIN_*): a client ('api'), a
 * neighbour (its host route), or kernel sync (a vEth address's local and
 * connected routes, a kernel route, a neighbour the kernel resolved).
 */
export type Origin = 'api' | 'neighbour' | 'kernel-address' | 'kernel-route' | 'kernel-neighbour';

/** Origin names by SW_ORIGIN_* value. */
const ORIGIN_NAMES: Record<number, Origin> = {
  [OriginCode.API]: 'api',
  [OriginCode.NEIGH]: 'neighbour',
  [OriginCode.KADDR]: 'kernel-address',
  [OriginCode.KROUTE]: 'kernel-route',
  [OriginCode.KNEIGH]: 'kernel-neighbour',
};
const ORIGIN_CODES: Record<Origin, number> = Object.fromEntries(
  Object.entries(ORIGIN_NAMES).map(([k, v]) => [v, Number(k)]),
) as Record<Origin, number>;

/** The origin byte of a listed entry: undefined for 0 (not given), PROTOCOL for a value this library does not know. */
export function decodeOrigin(code: number, what: string): Origin | undefined {
  if (code === 0) return undefined;
  const o = ORIGIN_NAMES[code];
  if (o === undefined) throw new SlipwayError('PROTOCOL', `${what}: unknown origin ${code}`);
  return o;
}

/** The SW_ORIGIN_* value of `o` (0 when absent; tests and fake dataplanes). */
export function originCode(o: Origin | undefined): number {
  return o === undefined ? 0 : ORIGIN_CODES[o];
}

/** A route as the dataplane lists it. */
export interface Route {
  /** Canonical "addr/len" (IPv6 in RFC 5952 form). */
  prefix: string;
  family: Family;
  /** forward: to `via`; local: an address of the host (punt to the ingress vEth); drop: blackhole. */
  type: 'forward' | 'local' | 'drop';
  /** Next hops (1..8, ECMP by flow hash) of a forward route; empty otherwise. */
  via: NextHop[];
  /** Who installed it (listings of an ABI v3 dataplane); absent when the dataplane did not say. */
  origin?: Origin;
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

/* ---------------- ROUTE_ADD, ROUTE_DEL, ROUTE_LIST ---------------- */

/**
 * Routes validated into compact arrays; writes sw_route payloads in place.
 * `del` encodes ROUTE_DEL (prefix only).
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
    this.opCode = del ? RouteOps.ROUTE_DEL : RouteOps.ROUTE_ADD;
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
                `bad ${tag} ${r.prefix}: next hop #${j} gateway ${nh.gw} is ${familyName(f)}, the prefix ${familyName(family)}`,
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
  const r: Route = {
    prefix: formatPrefix(family, b, v.getUint8(off + RouteMsg.prefix_len), off + RouteMsg.prefix),
    family: family as Family,
    type: typeName,
    via,
  };
  const origin = decodeOrigin(v.getUint8(off + RouteMsg.origin), `route ${r.prefix}`);
  if (origin !== undefined) r.origin = origin;
  return r;
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

/** ROUTE_LIST response payload (tests and fake dataplanes); an item's origin is written when given. */
export function encodeRouteList(page: ListPage<RouteSpec & { origin?: Origin }>): Uint8Array {
  const src = new RouteSource(page.items, false);
  return encodePage({ items: page.items.map((_, i) => i), next: page.next }, RouteMsg.SIZE, (v, b, off, i) => {
    src.write(i, v, b, off);
    v.setUint8(off + RouteMsg.origin, originCode(page.items[i].origin));
  });
}

/* ---------------- ROUTE_GET ---------------- */

/** The flow whose route {@link Slipway.routes}.get looks up, besides its destination. */
export interface RouteLookupOptions {
  /** Source address, same family as the destination (part of the flow hash that picks the ECMP member). */
  from?: string;
  /** IP protocol, number or name (tcp, udp, icmp, ...). */
  proto?: number | string;
  /** L4 source port (with tcp or udp). */
  sport?: number;
  /** L4 destination port (with tcp or udp). */
  dport?: number;
}

/** What ROUTE_GET answers: the route the fast path would use for the flow, and its next hop. */
export interface RouteMatch {
  /** A route matched; false: none, the fast path punts such packets to the ingress vEth. */
  found: boolean;
  /** The matching route (longest prefix); null when none. */
  route: Route | null;
  /** Index in route.via of the flow's next hop (its ECMP member); null unless a forward route matched. */
  member: number | null;
  /** route.via[member]; null unless a forward route matched. */
  nextHop: NextHop | null;
  /** The next hop's neighbour is known (false: packets punt until it resolves). */
  resolved: boolean;
  /** The neighbour's MAC when resolved, else null. */
  mac: string | null;
  /** The port the flow leaves by; null when none. */
  outPort: number | null;
}

const L4_PROTOS = new Set([PROTOCOLS.tcp, PROTOCOLS.udp]);

/** sw_route_lookup payload of ROUTE_GET; BAD_ARGUMENT naming the value when malformed. */
export function encodeRouteLookup(dst: string, opts: RouteLookupOptions = {}): Uint8Array {
  check(opts !== null && typeof opts === 'object', `bad route lookup options ${json(opts)}: expected an object`);
  const out = new Uint8Array(RouteLookup.SIZE);
  const v = viewOf(out);
  const family = parseIpInto(dst, out, RouteLookup.dst, 'route lookup address');
  if (opts.from !== undefined) {
    const f = parseIpInto(opts.from, out, RouteLookup.src, 'route lookup source');
    check(
      f === family,
      `bad route lookup source ${opts.from}: ${familyName(f)}, the address ${dst} is ${familyName(family)}`,
    );
  }
  const proto = opts.proto === undefined ? 0 : parseProto(opts.proto, 'route lookup proto');
  for (const k of ['sport', 'dport'] as const) {
    const p = opts[k];
    if (p === undefined) continue;
    check(Number.isInteger(p) && p >= 0 && p <= 0xffff, `bad route lookup ${k} ${json(p)}: expected a port 0..65535`);
    check(L4_PROTOS.has(proto), `bad route lookup ${k} ${p}: L4 ports need proto tcp or udp`);
    v.setUint16(k === 'sport' ? RouteLookup.sport : RouteLookup.dport, p, true);
  }
  v.setUint8(RouteLookup.family, family);
  v.setUint8(RouteLookup.proto, proto);
  return out;
}

/** Parses a sw_route_lookup payload (tests and fake dataplanes); absent fields are omitted. */
export function decodeRouteLookup(b: Uint8Array): { dst: string; family: Family } & RouteLookupOptions {
  need(b, RouteLookup.SIZE, 'route lookup');
  const v = viewOf(b);
  const family = v.getUint8(RouteLookup.family);
  if (family !== AF.INET && family !== AF.INET6)
    throw new SlipwayError('PROTOCOL', `route lookup: unknown family ${family}`);
  const r: { dst: string; family: Family } & RouteLookupOptions = { dst: formatIp(family, b, RouteLookup.dst), family };
  if (b.subarray(RouteLookup.src, RouteLookup.src + 16).some((x) => x !== 0))
    r.from = formatIp(family, b, RouteLookup.src);
  const proto = v.getUint8(RouteLookup.proto);
  if (proto !== 0) r.proto = proto;
  if (L4_PROTOS.has(proto)) {
    r.sport = v.getUint16(RouteLookup.sport, true);
    r.dport = v.getUint16(RouteLookup.dport, true);
  }
  return r;
}

/** Parses a sw_route_match payload (ROUTE_GET response). */
export function decodeRouteMatch(b: Uint8Array): RouteMatch {
  need(b, RouteMatchMsg.SIZE, 'route match');
  const v = viewOf(b);
  const outPort = v.getUint16(RouteMatchMsg.out_port, true);
  const resolved = v.getUint8(RouteMatchMsg.resolved) !== 0;
  const m: RouteMatch = {
    found: v.getUint8(RouteMatchMsg.found) !== 0,
    route: null,
    member: null,
    nextHop: null,
    resolved,
    mac: resolved ? formatMac(v, RouteMatchMsg.mac) : null,
    outPort: outPort === PORT_NONE ? null : outPort,
  };
  if (!m.found) return m;
  const route = decodeRoute(v, RouteMatchMsg.route);
  m.route = route;
  if (route.type === 'forward') {
    const member = v.getUint8(RouteMatchMsg.member);
    if (member >= route.via.length) {
      throw new SlipwayError('PROTOCOL', `route match: member ${member} of a route with ${route.via.length} next hops`);
    }
    m.member = member;
    m.nextHop = route.via[member];
  }
  return m;
}

/** sw_route_match payload (tests and fake dataplanes). */
export function encodeRouteMatch(m: RouteMatch): Uint8Array {
  const out = new Uint8Array(RouteMatchMsg.SIZE);
  const v = viewOf(out);
  v.setUint8(RouteMatchMsg.found, m.found ? 1 : 0);
  v.setUint8(RouteMatchMsg.member, m.member ?? 0);
  v.setUint8(RouteMatchMsg.resolved, m.resolved ? 1 : 0);
  v.setUint16(RouteMatchMsg.out_port, m.outPort ?? PORT_NONE, true);
  if (m.mac !== null) out.set(parseMac(m.mac), RouteMatchMsg.mac);
  if (m.route !== null) new RouteSource([m.route as RouteSpec], false, true).write(0, v, out, RouteMatchMsg.route);
  return out;
}

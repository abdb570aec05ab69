/**
 * Traces and explain: trace records (TRACE_READ and EXPLAIN answer the
 * same shape), the TRACE_READ batch and the EXPLAIN request. The tap
 * itself (TAP_START, tap info, states, drop reasons) is in capture.ts.
 * Every value is checked before anything is sent (BAD_ARGUMENT naming it);
 * what comes from the dataplane is checked against its length.
 */
import { AF, PORT_NONE } from '../wire/abi/control';
import { PUNT_CLASS_NAMES, type PuntClassName } from '../wire/abi/policer';
import { RuleAction } from '../wire/abi/rules';
import { RouteType } from '../wire/abi/routes';
import {
  ExplainFlag,
  ExplainMsg,
  TraceAction,
  TraceBatch,
  TraceFlag,
  TraceMsg,
  TracePolice,
  TraceStep,
} from '../wire/abi/taps';
import { need, viewOf } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { checkPort, codeOf, formatMac, parseMac } from './common';
import { type Family, formatIp, formatPrefix, parseIpInto, parseProto, familyName } from './ip';
import { type DropReason, type TapStateName, reasonCode, reasonName, tapStateCode, tapStateName } from './capture';

const json = (x: unknown) => JSON.stringify(x);

/* ---------------- trace records ---------------- */

export type TraceActionName = 'forward' | 'punt' | 'drop';
export type TraceStepName = 'xconnect' | 'rule' | 'checks' | 'route';
const ACTIONS: Record<number, TraceActionName> = {
  [TraceAction.FORWARD]: 'forward',
  [TraceAction.PUNT]: 'punt',
  [TraceAction.DROP]: 'drop',
};
const STEPS: Record<number, TraceStepName> = {
  [TraceStep.XCONNECT]: 'xconnect',
  [TraceStep.RULE]: 'rule',
  [TraceStep.CHECKS]: 'checks',
  [TraceStep.ROUTE]: 'route',
};
const RULE_ACTIONS: Record<number, string> = {
  [RuleAction.FORWARD]: 'forward',
  [RuleAction.ROUTE]: 'route',
  [RuleAction.DROP]: 'drop',
  [RuleAction.PUNT]: 'punt',
  [RuleAction.MIRROR]: 'mirror',
  [RuleAction.COUNT]: 'count',
};
const ROUTE_TYPES: Record<number, 'forward' | 'local' | 'drop'> = {
  [RouteType.FORWARD]: 'forward',
  [RouteType.LOCAL]: 'local',
  [RouteType.DROP]: 'drop',
};

/** The frame as the fast path received it (or as EXPLAIN made it). */
export interface TraceFrame {
  length: number;
  srcMac: string;
  dstMac: string;
  /** outer VLAN id, null when untagged */
  vlan: number | null;
  /** VLAN tags walked */
  tags: number;
  /** innermost ethertype */
  ethertype: number;
  /** null: not IP */
  family: Family | null;
  src: string | null;
  dst: string | null;
  /** after IPv6 extension headers */
  proto: number | null;
  ttl: number | null;
  sport: number | null;
  dport: number | null;
}

/** The route the packet's destination matched and the next hop its flow took. */
export interface TraceRoute {
  /** a route matched (false: no route, the packet punts) */
  found: boolean;
  prefix: string | null;
  type: 'forward' | 'local' | 'drop' | null;
  /** next hops of the route, and the one (ECMP member) the flow hash picked */
  nextHops: number;
  member: number | null;
  /** the chosen next hop: port, gateway (null: directly connected), its neighbour */
  port: number | null;
  gw: string | null;
  resolved: boolean;
  mac: string | null;
  group: number;
  flowHash: number;
}

/** The path of one packet through the fast path (a trace record), or what it would be (explain). */
export interface TraceRecord {
  /** record number in its worker's trace */
  seq: number;
  inPort: number;
  /** rx queue and worker lcore; null for explain */
  queue: number | null;
  lcore: number | null;
  /** TSC when its burst was received and when it was handed on; 0n for explain */
  tscRx: bigint;
  tscOut: bigint;
  tscHz: bigint;
  /** tscOut - tscRx in nanoseconds (null for explain) */
  latencyNs: number | null;
  /** what became of it: sent out of outPort, punted to the ingress vEth, dropped */
  action: TraceActionName;
  /** what decided it */
  step: TraceStepName;
  outPort: number | null;
  /** punt or drop: why (the L3 counter it counted; see DropReason) */
  reason: DropReason | null;
  /** punt: the punt policer's class */
  puntClass: PuntClassName | null;
  /** punt: whether the policer let it through (null: not punted, or explain) */
  police: 'pass' | 'drop' | null;
  /** a mirror rule's copy went there: a port, 'vif' (the ingress vEth), or null */
  mirror: number | 'vif' | null;
  frame: TraceFrame;
  /** the rule that matched; null: none */
  rule: { id: number | null; priority: number | null; action: string } | null;
  /** the routes, when the fast path consulted them */
  route: TraceRoute | null;
  /** action is what the fast path did (a trace), not what it would do */
  observed: boolean;
  /** computed by EXPLAIN */
  explain: boolean;
  /** the rule or route changed since the packet passed: names are today's */
  stale: boolean;
}

function addr(family: number, b: Uint8Array, off: number): string {
  return formatIp(family, b, off);
}

/** Parses a sw_trace at off of b. */
export function decodeTrace(b: Uint8Array, off = 0): TraceRecord {
  need(b, off + TraceMsg.SIZE, 'trace record');
  const v = viewOf(b);
  const u8 = (f: number) => v.getUint8(off + f);
  const u16 = (f: number) => v.getUint16(off + f, true);
  const u32 = (f: number) => v.getUint32(off + f, true);
  const u64 = (f: number) => v.getBigUint64(off + f, true);
  const flags = u8(TraceMsg.flags);
  const action = ACTIONS[u8(TraceMsg.action)];
  const step = STEPS[u8(TraceMsg.step)];
  if (!action) throw new SlipwayError('PROTOCOL', `trace record: unknown action ${u8(TraceMsg.action)}`);
  if (!step) throw new SlipwayError('PROTOCOL', `trace record: unknown step ${u8(TraceMsg.step)}`);
  const famCode = u8(TraceMsg.family);
  const family: Family | null = famCode === AF.INET ? 4 : famCode === AF.INET6 ? 6 : null;
  const ip = family !== null;
  const l4 = ip && [6, 17, 132].includes(u8(TraceMsg.proto));
  const vlan = u16(TraceMsg.vlan);
  const frame: TraceFrame = {
    length: u32(TraceMsg.pkt_len),
    srcMac: formatMac(v, off + TraceMsg.src_mac),
    dstMac: formatMac(v, off + TraceMsg.dst_mac),
    vlan: vlan === 0xffff ? null : vlan,
    tags: u8(TraceMsg.tags),
    ethertype: u16(TraceMsg.ethertype),
    family,
    src: ip ? addr(famCode, b, off + TraceMsg.src) : null,
    dst: ip ? addr(famCode, b, off + TraceMsg.dst) : null,
    proto: ip ? u8(TraceMsg.proto) : null,
    ttl: ip ? u8(TraceMsg.ttl) : null,
    sport: l4 ? u16(TraceMsg.sport) : null,
    dport: l4 ? u16(TraceMsg.dport) : null,
  };
  const outPort = u16(TraceMsg.out_port);
  const mirror = u16(TraceMsg.mirror_port);
  const tscRx = u64(TraceMsg.tsc_rx);
  const tscOut = u64(TraceMsg.tsc_out);
  const tscHz = u64(TraceMsg.tsc_hz);
  const explain = (flags & TraceFlag.EXPLAIN) !== 0;
  let route: TraceRoute | null = null;
  if (flags & TraceFlag.ROUTE) {
    const found = (flags & TraceFlag.FOUND) !== 0;
    const type = found ? (ROUTE_TYPES[u8(TraceMsg.route_type)] ?? null) : null;
    const fwd = type === 'forward';
    const resolved = fwd && u8(TraceMsg.resolved) !== 0;
    const gwBytes = b.subarray(off + TraceMsg.gw, off + TraceMsg.gw + 16);
    route = {
      found,
      prefix: found && ip ? formatPrefix(famCode, b, u8(TraceMsg.prefix_len), off + TraceMsg.prefix) : null,
      type,
      nextHops: found ? u8(TraceMsg.n_nh) : 0,
      member: fwd ? u8(TraceMsg.member) : null,
      port: fwd ? u16(TraceMsg.nh_port) : null,
      gw: fwd && ip && gwBytes.some((x) => x !== 0) ? addr(famCode, b, off + TraceMsg.gw) : null,
      resolved,
      mac: resolved ? formatMac(v, off + TraceMsg.nh_mac) : null,
      group: u32(TraceMsg.group),
      flowHash: u32(TraceMsg.flow_hash),
    };
  }
  const police = u8(TraceMsg.police);
  return {
    seq: Number(u64(TraceMsg.seq)),
    inPort: u16(TraceMsg.in_port),
    queue: explain ? null : u16(TraceMsg.queue),
    lcore: explain ? null : u16(TraceMsg.lcore),
    tscRx,
    tscOut,
    tscHz,
    latencyNs: !explain && tscHz > 0n && tscOut >= tscRx ? Number(((tscOut - tscRx) * 1_000_000_000n) / tscHz) : null,
    action,
    step,
    outPort: action === 'forward' && outPort !== PORT_NONE ? outPort : null,
    reason: action === 'forward' ? null : reasonName(u8(TraceMsg.reason)),
    puntClass:
      action === 'punt' || police === TracePolice.DROP ? (PUNT_CLASS_NAMES[u8(TraceMsg.punt_class)] ?? null) : null,
    police: police === TracePolice.PASS ? 'pass' : police === TracePolice.DROP ? 'drop' : null,
    mirror: mirror === PORT_NONE ? null : mirror === 0xff ? 'vif' : mirror,
    frame,
    // a rule's priority is never 0: 0 says the rule was removed since (its id is unknown)
    rule:
      flags & TraceFlag.RULE
        ? {
            id: u32(TraceMsg.rule_priority) === 0 ? null : u32(TraceMsg.rule_id),
            priority: u32(TraceMsg.rule_priority) === 0 ? null : u32(TraceMsg.rule_priority),
            action: RULE_ACTIONS[u8(TraceMsg.rule_action)] ?? `action${u8(TraceMsg.rule_action)}`,
          }
        : null,
    route,
    observed: (flags & TraceFlag.OBSERVED) !== 0,
    explain,
    stale: (flags & TraceFlag.STALE) !== 0,
  };
}

/** What TRACE_READ answers: the new records and the trace's state. */
export interface TraceBatchInfo {
  state: TapStateName;
  /** packets the filter took, and those not traced (every worker's trace was full) */
  matched: bigint;
  lost: bigint;
  records: TraceRecord[];
}

export function decodeTraceBatch(b: Uint8Array): TraceBatchInfo {
  need(b, TraceBatch.SIZE, 'trace batch');
  const v = viewOf(b);
  const n = v.getUint32(TraceBatch.count, true);
  need(b, TraceBatch.SIZE + n * TraceMsg.SIZE, `trace batch (${n} records)`);
  const records: TraceRecord[] = [];
  for (let i = 0; i < n; i++) records.push(decodeTrace(b, TraceBatch.SIZE + i * TraceMsg.SIZE));
  return {
    state: tapStateName(v.getUint8(TraceBatch.state)),
    matched: v.getBigUint64(TraceBatch.matched, true),
    lost: v.getBigUint64(TraceBatch.lost, true),
    records,
  };
}

/** sw_trace at off of v (tests and fake dataplanes). */
export function writeTrace(v: DataView, out: Uint8Array, off: number, t: TraceRecord): void {
  const f = t.frame;
  const fam = f.family === 4 ? AF.INET : f.family === 6 ? AF.INET6 : 0;
  let flags = 0;
  if (t.rule) flags |= TraceFlag.RULE;
  if (t.route) flags |= TraceFlag.ROUTE | (t.route.found ? TraceFlag.FOUND : 0);
  if (t.explain) flags |= TraceFlag.EXPLAIN;
  if (t.observed) flags |= TraceFlag.OBSERVED;
  if (t.stale) flags |= TraceFlag.STALE;
  v.setBigUint64(off + TraceMsg.tsc_rx, t.tscRx, true);
  v.setBigUint64(off + TraceMsg.tsc_out, t.tscOut, true);
  v.setBigUint64(off + TraceMsg.tsc_hz, t.tscHz, true);
  v.setBigUint64(off + TraceMsg.seq, BigInt(t.seq), true);
  v.setUint16(off + TraceMsg.in_port, t.inPort, true);
  v.setUint16(off + TraceMsg.queue, t.queue ?? PORT_NONE, true);
  v.setUint16(off + TraceMsg.lcore, t.lcore ?? PORT_NONE, true);
  v.setUint8(off + TraceMsg.action, codeOf(ACTIONS, t.action));
  v.setUint8(off + TraceMsg.step, codeOf(STEPS, t.step));
  v.setUint16(off + TraceMsg.out_port, t.outPort ?? PORT_NONE, true);
  v.setUint8(off + TraceMsg.reason, t.reason === null ? 0 : reasonCode(t.reason));
  v.setUint8(off + TraceMsg.punt_class, t.puntClass === null ? 0 : PUNT_CLASS_NAMES.indexOf(t.puntClass));
  v.setUint8(
    off + TraceMsg.police,
    t.police === 'pass' ? TracePolice.PASS : t.police === 'drop' ? TracePolice.DROP : 0,
  );
  v.setUint8(off + TraceMsg.flags, flags);
  v.setUint16(off + TraceMsg.mirror_port, t.mirror === null ? PORT_NONE : t.mirror === 'vif' ? 0xff : t.mirror, true);
  v.setUint32(off + TraceMsg.pkt_len, f.length, true);
  v.setUint16(off + TraceMsg.vlan, f.vlan ?? 0xffff, true);
  v.setUint16(off + TraceMsg.ethertype, f.ethertype, true);
  out.set(parseMac(f.srcMac), off + TraceMsg.src_mac);
  out.set(parseMac(f.dstMac), off + TraceMsg.dst_mac);
  v.setUint8(off + TraceMsg.family, fam);
  v.setUint8(off + TraceMsg.proto, f.proto ?? 0);
  v.setUint8(off + TraceMsg.ttl, f.ttl ?? 0);
  v.setUint8(off + TraceMsg.tags, f.tags);
  v.setUint16(off + TraceMsg.sport, f.sport ?? 0, true);
  v.setUint16(off + TraceMsg.dport, f.dport ?? 0, true);
  if (f.src !== null) parseIpInto(f.src, out, off + TraceMsg.src);
  if (f.dst !== null) parseIpInto(f.dst, out, off + TraceMsg.dst);
  if (t.rule) {
    v.setUint32(off + TraceMsg.rule_id, t.rule.id ?? 0, true);
    v.setUint32(off + TraceMsg.rule_priority, t.rule.priority ?? 0, true);
    v.setUint8(off + TraceMsg.rule_action, codeOf(RULE_ACTIONS, t.rule.action));
  }
  const r = t.route;
  if (r) {
    v.setUint32(off + TraceMsg.flow_hash, r.flowHash, true);
    v.setUint32(off + TraceMsg.group, r.group, true);
    if (r.found) {
      v.setUint8(off + TraceMsg.route_type, r.type === null ? 0 : codeOf(ROUTE_TYPES, r.type));
      v.setUint8(off + TraceMsg.n_nh, r.nextHops);
      if (r.prefix !== null) {
        const [a, len] = r.prefix.split('/');
        parseIpInto(a, out, off + TraceMsg.prefix);
        v.setUint8(off + TraceMsg.prefix_len, Number(len));
      }
    }
    v.setUint8(off + TraceMsg.member, r.member ?? 0);
    v.setUint8(off + TraceMsg.resolved, r.resolved ? 1 : 0);
    v.setUint16(off + TraceMsg.nh_port, r.port ?? 0, true);
    if (r.gw !== null) parseIpInto(r.gw, out, off + TraceMsg.gw);
    if (r.mac !== null) out.set(parseMac(r.mac), off + TraceMsg.nh_mac);
  }
}

export function encodeTrace(t: TraceRecord): Uint8Array {
  const out = new Uint8Array(TraceMsg.SIZE);
  writeTrace(viewOf(out), out, 0, t);
  return out;
}

export function encodeTraceBatch(b: TraceBatchInfo): Uint8Array {
  const out = new Uint8Array(TraceBatch.SIZE + b.records.length * TraceMsg.SIZE);
  const v = viewOf(out);
  v.setUint32(TraceBatch.count, b.records.length, true);
  v.setUint8(TraceBatch.state, tapStateCode(b.state));
  v.setBigUint64(TraceBatch.matched, b.matched, true);
  v.setBigUint64(TraceBatch.lost, b.lost, true);
  b.records.forEach((r, i) => writeTrace(v, out, TraceBatch.SIZE + i * TraceMsg.SIZE, r));
  return out;
}

/* ---------------- EXPLAIN ---------------- */

/** A packet to explain: what the fast path would do with it, received on inPort. */
export interface ExplainPacket {
  inPort: number;
  src: string;
  dst: string;
  /** tcp, udp, icmp (icmpv6 for IPv6), a name or a number; default: udp with ports, else icmp */
  proto?: number | string;
  sport?: number;
  dport?: number;
  /** a VLAN tag with this id (0..4095) */
  vlan?: number;
  /** Ethernet source (default 02:00:00:00:00:01) and destination (default: the port's MAC) */
  srcMac?: string;
  dstMac?: string;
  /** TTL / hop limit (default 64) */
  ttl?: number;
  /** IP packet length (default: the smallest for the protocol) */
  length?: number;
}

const L4 = new Set([6, 17]);

/** sw_explain payload; BAD_ARGUMENT naming any bad field. */
export function encodeExplain(p: ExplainPacket): Uint8Array {
  check(p !== null && typeof p === 'object', `bad explain packet ${json(p)}: expected an object`);
  const out = new Uint8Array(ExplainMsg.SIZE);
  const v = viewOf(out);
  checkPort(p.inPort, 'explain in-port');
  check(typeof p.src === 'string', `bad explain source ${json(p.src)}: expected an address`);
  check(typeof p.dst === 'string', `bad explain destination ${json(p.dst)}: expected an address`);
  const family = parseIpInto(p.dst, out, ExplainMsg.dst, 'explain destination');
  const sf = parseIpInto(p.src, out, ExplainMsg.src, 'explain source');
  check(
    sf === family,
    `bad explain source ${p.src}: ${familyName(sf)}, the destination ${p.dst} is ${familyName(family)}`,
  );
  const ports = p.sport !== undefined || p.dport !== undefined;
  let proto: number;
  if (p.proto === undefined) proto = ports ? 17 : family === 4 ? 1 : 58;
  else proto = parseProto(p.proto, 'explain proto');
  if (family === 6 && proto === 1) proto = 58; /* "icmp" with IPv6 addresses */
  for (const k of ['sport', 'dport'] as const) {
    const x = p[k];
    if (x === undefined) continue;
    check(Number.isInteger(x) && x >= 0 && x <= 0xffff, `bad explain ${k} ${json(x)}: expected a port 0..65535`);
    check(L4.has(proto), `bad explain ${k} ${x}: L4 ports need proto tcp or udp`);
  }
  if (p.vlan !== undefined)
    check(
      Number.isInteger(p.vlan) && p.vlan >= 0 && p.vlan <= 4095,
      `bad explain vlan ${json(p.vlan)}: expected 0..4095`,
    );
  if (p.ttl !== undefined)
    check(Number.isInteger(p.ttl) && p.ttl >= 1 && p.ttl <= 255, `bad explain ttl ${json(p.ttl)}: expected 1..255`);
  if (p.length !== undefined)
    check(
      Number.isInteger(p.length) && p.length >= 20 && p.length <= 65535,
      `bad explain length ${json(p.length)}: expected 20..65535`,
    );
  let flags = 0;
  if (p.srcMac !== undefined) {
    out.set(parseMac(p.srcMac), ExplainMsg.src_mac);
    flags |= ExplainFlag.SRC_MAC;
  }
  if (p.dstMac !== undefined) {
    out.set(parseMac(p.dstMac), ExplainMsg.dst_mac);
    flags |= ExplainFlag.DST_MAC;
  }
  v.setUint16(ExplainMsg.in_port, p.inPort, true);
  v.setUint16(ExplainMsg.vlan, p.vlan ?? 0xffff, true);
  v.setUint8(ExplainMsg.family, family === 4 ? AF.INET : AF.INET6);
  v.setUint8(ExplainMsg.proto, proto);
  v.setUint16(ExplainMsg.sport, p.sport ?? 0, true);
  v.setUint16(ExplainMsg.dport, p.dport ?? 0, true);
  v.setUint8(ExplainMsg.ttl, p.ttl ?? 0);
  v.setUint8(ExplainMsg.flags, flags);
  v.setUint16(ExplainMsg.length, p.length ?? 0, true);
  return out;
}

/** Parses a sw_explain payload (tests and fake dataplanes). */
export function decodeExplain(b: Uint8Array): Required<Pick<ExplainPacket, 'inPort' | 'src' | 'dst'>> & ExplainPacket {
  need(b, ExplainMsg.SIZE, 'explain');
  const v = viewOf(b);
  const fam = v.getUint8(ExplainMsg.family);
  const flags = v.getUint8(ExplainMsg.flags);
  const p: Required<Pick<ExplainPacket, 'inPort' | 'src' | 'dst'>> & ExplainPacket = {
    inPort: v.getUint16(ExplainMsg.in_port, true),
    src: formatIp(fam, b, ExplainMsg.src),
    dst: formatIp(fam, b, ExplainMsg.dst),
    proto: v.getUint8(ExplainMsg.proto),
  };
  const vlan = v.getUint16(ExplainMsg.vlan, true);
  if (vlan !== 0xffff) p.vlan = vlan;
  if (L4.has(p.proto as number)) {
    p.sport = v.getUint16(ExplainMsg.sport, true);
    p.dport = v.getUint16(ExplainMsg.dport, true);
  }
  if (v.getUint8(ExplainMsg.ttl)) p.ttl = v.getUint8(ExplainMsg.ttl);
  if (v.getUint16(ExplainMsg.length, true)) p.length = v.getUint16(ExplainMsg.length, true);
  if (flags & ExplainFlag.SRC_MAC) p.srcMac = formatMac(v, ExplainMsg.src_mac);
  if (flags & ExplainFlag.DST_MAC) p.dstMac = formatMac(v, ExplainMsg.dst_mac);
  return p;
}

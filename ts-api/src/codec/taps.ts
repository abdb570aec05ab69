/**
 * Captures, traces and explain: the TAP_START request (capture or trace,
 * with a tcpdump filter), tap info, the records on a capture file's rings,
 * trace records (TRACE_READ and EXPLAIN answer the same shape), the EXPLAIN
 * request and the TAP_END event. Every value is checked before anything is
 * sent (BAD_ARGUMENT naming it); what comes from the dataplane is checked
 * against its length.
 */
import { AF, ListHdr, MAX_PORTS, PORT_NONE } from '../wire/abi/control';
import { PUNT_CLASS_NAMES, type PuntClassName } from '../wire/abi/policer';
import { RuleAction } from '../wire/abi/rules';
import { RouteType } from '../wire/abi/routes';
import { L3_COUNTERS } from '../wire/abi/stats';
import {
  EvtTap,
  ExplainFlag,
  ExplainMsg,
  TAP_FILTER_ECHO,
  TAP_FILE_LEN,
  TAP_FILTER_MAX,
  TAP_POINT_NAMES,
  TAP_RING_MAX,
  TAP_RING_MIN,
  TAP_SNAPLEN_MAX,
  TRACE_MAX,
  TapDrop,
  TapEnd,
  TapEvents,
  TapInfo as TapInfoMsg,
  TapKind,
  TapPkt,
  TapRef,
  TapStart,
  TapState,
  TraceAction,
  TraceBatch,
  TraceFlag,
  TraceMsg,
  TracePolice,
  TraceStep,
  type TapPointName,
} from '../wire/abi/taps';
import { need, readCString, utf8Encoder, viewOf, writeCString } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { type EventCodec, checkPort, formatMac, parseMac } from './common';
import { type Family, formatIp, formatPrefix, parseIpInto, parseProto, familyName } from './ip';

const json = (x: unknown) => JSON.stringify(x);
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/* ---------------- names ---------------- */

export type { TapPointName };
export type TapKindName = 'capture' | 'trace';
export type TapStateName = 'running' | 'ending' | 'ended';
/** Why a tap ended: stopped by its client, client gone, client silent, slipwayd stopped. */
export type TapEndName = 'stopped' | 'client-gone' | 'timeout' | 'shutdown';

const KIND_NAMES: Record<number, TapKindName> = { [TapKind.CAPTURE]: 'capture', [TapKind.TRACE]: 'trace' };
const STATE_NAMES: Record<number, TapStateName> = {
  [TapState.RUNNING]: 'running',
  [TapState.ENDING]: 'ending',
  [TapState.ENDED]: 'ended',
};
const END_NAMES: Record<number, TapEndName> = {
  [TapEnd.STOPPED]: 'stopped',
  [TapEnd.CLIENT]: 'client-gone',
  [TapEnd.TIMEOUT]: 'timeout',
  [TapEnd.SHUTDOWN]: 'shutdown',
};

/** A tap's state by its SW_TAP_* code (unknown codes are PROTOCOL). */
export function tapStateName(code: number): TapStateName {
  const s = STATE_NAMES[code];
  if (!s) throw new SlipwayError('PROTOCOL', `unknown tap state ${code}`);
  return s;
}

/** Why a tap ended by its SW_TAP_END_* code; null for 0 (it runs). */
export function tapEndName(code: number): TapEndName | null {
  if (code === 0) return null;
  return END_NAMES[code] ?? null;
}

/**
 * Why the fast path dropped (or punted) a packet: the name of the L3
 * counter it counted, as in `stats().ports[i].l3` (dropMalformed,
 * puntNoNeigh, policeOther, ruleDrops, ...), or txFull (the port's tx
 * queue refused it), puntFull (the vEth's punt ring was full),
 * xconnectDown (its cross-connect's output port is not running), unknown.
 */
export type DropReason = string;

const EXTRA_REASONS: Record<number, string> = {
  [TapDrop.TX_FULL]: 'txFull',
  [TapDrop.PUNT_FULL]: 'puntFull',
  [TapDrop.XC_DOWN]: 'xconnectDown',
  [TapDrop.UNKNOWN]: 'unknown',
};

/** The reason of a sw_tap_pkt / sw_trace reason code. */
export function reasonName(code: number): DropReason {
  if (code < L3_COUNTERS.length) return camel(L3_COUNTERS[code]);
  return EXTRA_REASONS[code] ?? `reason${code}`;
}

/** The code of a reason name (tests and fake dataplanes). */
export function reasonCode(name: DropReason): number {
  const i = L3_COUNTERS.map(camel).indexOf(name);
  if (i >= 0) return i;
  for (const [code, n] of Object.entries(EXTRA_REASONS)) if (n === name) return Number(code);
  throw new SlipwayError('BAD_ARGUMENT', `unknown drop reason ${json(name)}`);
}

/* ---------------- TAP_START ---------------- */

/** What a capture takes: where, which points, how much of each packet. */
export interface CaptureOptions {
  /** one port; every port when left out */
  port?: number;
  /** points to capture at (default ['rx']): rx, tx, punt, inject, drop */
  points?: readonly TapPointName[];
  /** bytes kept per packet, 1..65535 (default 65535) */
  snaplen?: number;
  /** records each worker writes at most; no limit when left out */
  count?: number;
  /** tcpdump filter expression (libpcap syntax); every packet when left out */
  filter?: string;
  /** bytes of each worker's ring, a power of two 64 KiB..64 MiB (default 4 MiB) */
  ringBytes?: number;
}

/** What a trace follows: the next `count` packets the filter takes at rx. */
export interface TraceOptions {
  /** one ingress port; every port when left out */
  port?: number;
  /** packets per worker, 1..1024 (default 1) */
  count?: number;
  /** tcpdump filter expression; every packet when left out */
  filter?: string;
}

function filterBytes(filter: string | undefined): Uint8Array {
  if (filter === undefined) return new Uint8Array(0);
  check(typeof filter === 'string', `bad filter ${json(filter)}: expected a tcpdump expression`);
  const b = utf8Encoder.encode(filter.trim());
  check(b.byteLength <= TAP_FILTER_MAX, `filter of ${b.byteLength} bytes: at most ${TAP_FILTER_MAX}`);
  check(!b.includes(0), 'bad filter: it holds a NUL character');
  return b;
}

function startPayload(
  kind: number,
  o: { port?: number; filter?: string },
  pid: number,
  fill: (v: DataView) => void,
): Uint8Array {
  const filter = filterBytes(o.filter);
  const out = new Uint8Array(TapStart.SIZE + filter.byteLength);
  const v = viewOf(out);
  if (o.port !== undefined) checkPort(o.port, 'tap port');
  v.setUint8(TapStart.kind, kind);
  v.setUint16(TapStart.port, o.port ?? PORT_NONE, true);
  v.setUint32(TapStart.pid, pid >>> 0, true);
  v.setUint16(TapStart.filter_len, filter.byteLength, true);
  out.set(filter, TapStart.SIZE);
  fill(v);
  return out;
}

/** TAP_START payload of a capture; BAD_ARGUMENT naming any bad option. */
export function encodeCaptureStart(o: CaptureOptions, pid: number): Uint8Array {
  check(o !== null && typeof o === 'object', `bad capture options ${json(o)}: expected an object`);
  const points = o.points ?? ['rx'];
  check(
    Array.isArray(points) && points.length > 0,
    `bad capture points ${json(points)}: expected some of rx, tx, punt, inject, drop`,
  );
  let mask = 0;
  for (const p of points) {
    const i = TAP_POINT_NAMES.indexOf(p);
    check(i >= 0, `bad capture point ${json(p)}: expected rx, tx, punt, inject or drop`);
    mask |= 1 << i;
  }
  const snaplen = o.snaplen ?? TAP_SNAPLEN_MAX;
  check(
    Number.isInteger(snaplen) && snaplen >= 1 && snaplen <= TAP_SNAPLEN_MAX,
    `bad capture snaplen ${json(o.snaplen)}: expected 1..${TAP_SNAPLEN_MAX}`,
  );
  const count = o.count ?? 0;
  check(
    Number.isInteger(count) && count >= 0 && count <= 0xffffffff,
    `bad capture count ${json(o.count)}: expected an integer >= 0`,
  );
  const ring = o.ringBytes ?? 0;
  check(
    ring === 0 || (Number.isInteger(ring) && ring >= TAP_RING_MIN && ring <= TAP_RING_MAX && (ring & (ring - 1)) === 0),
    `bad capture ring size ${json(o.ringBytes)}: expected a power of two ${TAP_RING_MIN}..${TAP_RING_MAX}`,
  );
  return startPayload(TapKind.CAPTURE, o, pid, (v) => {
    v.setUint8(TapStart.points, mask);
    v.setUint32(TapStart.snaplen, snaplen, true);
    v.setUint32(TapStart.count, count, true);
    v.setUint32(TapStart.ring_size, ring, true);
  });
}

/** TAP_START payload of a trace; BAD_ARGUMENT naming any bad option. */
export function encodeTraceStart(o: TraceOptions, pid: number): Uint8Array {
  check(o !== null && typeof o === 'object', `bad trace options ${json(o)}: expected an object`);
  const count = o.count ?? 1;
  check(
    Number.isInteger(count) && count >= 1 && count <= TRACE_MAX,
    `bad trace count ${json(o.count)}: expected 1..${TRACE_MAX}`,
  );
  return startPayload(TapKind.TRACE, o, pid, (v) => v.setUint32(TapStart.count, count, true));
}

/** A TAP_START request as the dataplane reads it (tests and fake dataplanes). */
export interface TapStartRequest {
  kind: TapKindName;
  port: number | null;
  points: TapPointName[];
  snaplen: number;
  count: number;
  ringBytes: number;
  pid: number;
  filter: string;
}

function pointList(mask: number): TapPointName[] {
  return TAP_POINT_NAMES.filter((_, i) => mask & (1 << i));
}

/** Parses a TAP_START payload (tests and fake dataplanes). */
export function decodeTapStart(b: Uint8Array): TapStartRequest {
  need(b, TapStart.SIZE, 'tap start');
  const v = viewOf(b);
  const len = v.getUint16(TapStart.filter_len, true);
  need(b, TapStart.SIZE + len, 'tap start filter');
  const port = v.getUint16(TapStart.port, true);
  return {
    kind: KIND_NAMES[v.getUint8(TapStart.kind)] ?? ('unknown' as TapKindName),
    port: port === PORT_NONE ? null : port,
    points: pointList(v.getUint8(TapStart.points)),
    snaplen: v.getUint32(TapStart.snaplen, true),
    count: v.getUint32(TapStart.count, true),
    ringBytes: v.getUint32(TapStart.ring_size, true),
    pid: v.getUint32(TapStart.pid, true),
    filter: new TextDecoder().decode(b.subarray(TapStart.SIZE, TapStart.SIZE + len)),
  };
}

/** sw_tap_ref payload (TAP_STOP, TRACE_READ). */
export function encodeTapRef(id: number): Uint8Array {
  check(Number.isInteger(id) && id > 0 && id <= 0xffffffff, `bad tap id ${json(id)}: expected a positive integer`);
  const out = new Uint8Array(TapRef.SIZE);
  viewOf(out).setUint32(TapRef.id, id, true);
  return out;
}

/** Parses a sw_tap_ref payload (tests and fake dataplanes). */
export function decodeTapRef(b: Uint8Array): number {
  need(b, TapRef.SIZE, 'tap ref');
  return viewOf(b).getUint32(TapRef.id, true);
}

/* ---------------- tap info ---------------- */

/** A capture or trace as the dataplane reports it. */
export interface TapInfo {
  id: number;
  kind: TapKindName;
  /** the port, null: every port */
  port: number | null;
  /** capture points; empty for a trace */
  points: TapPointName[];
  snaplen: number;
  count: number;
  /** the pid of the client that started it */
  pid: number;
  state: TapStateName;
  /** why it ended; null while it runs */
  endReason: TapEndName | null;
  /** the filter runs JIT-compiled (false: DPDK's interpreter, or no filter) */
  jit: boolean;
  /** eBPF instructions of the filter, 0: no filter */
  bpfInstructions: number;
  /** capture: rings in the file (one per worker) and their data bytes */
  rings: number;
  ringBytes: number;
  /** packets the filter took, records written, records lost (summed over workers) */
  matched: bigint;
  written: bigint;
  lost: bigint;
  /** capture: the file's name in the control directory; '' for a trace */
  file: string;
  /** the filter's first 127 bytes */
  filter: string;
}

export function decodeTapInfo(v: DataView, off = 0): TapInfo {
  const port = v.getUint16(off + TapInfoMsg.port, true);
  const kind = KIND_NAMES[v.getUint8(off + TapInfoMsg.kind)];
  if (!kind) throw new SlipwayError('PROTOCOL', `tap info: unknown kind ${v.getUint8(off + TapInfoMsg.kind)}`);
  return {
    id: v.getUint32(off + TapInfoMsg.id, true),
    kind,
    port: port === PORT_NONE ? null : port,
    points: pointList(v.getUint8(off + TapInfoMsg.points)),
    snaplen: v.getUint32(off + TapInfoMsg.snaplen, true),
    count: v.getUint32(off + TapInfoMsg.count, true),
    pid: v.getUint32(off + TapInfoMsg.pid, true),
    state: tapStateName(v.getUint8(off + TapInfoMsg.state)),
    endReason: tapEndName(v.getUint8(off + TapInfoMsg.end_reason)),
    jit: v.getUint8(off + TapInfoMsg.jit) !== 0,
    bpfInstructions: v.getUint32(off + TapInfoMsg.bpf_ins, true),
    rings: v.getUint8(off + TapInfoMsg.n_rings),
    ringBytes: v.getUint32(off + TapInfoMsg.ring_size, true),
    matched: v.getBigUint64(off + TapInfoMsg.matched, true),
    written: v.getBigUint64(off + TapInfoMsg.written, true),
    lost: v.getBigUint64(off + TapInfoMsg.lost, true),
    file: readCString(v, off + TapInfoMsg.file, TAP_FILE_LEN),
    filter: readCString(v, off + TapInfoMsg.filter, TAP_FILTER_ECHO),
  };
}

export function decodeTapInfoPayload(b: Uint8Array): TapInfo {
  need(b, TapInfoMsg.SIZE, 'tap info');
  return decodeTapInfo(viewOf(b));
}

export function decodeTapList(b: Uint8Array): TapInfo[] {
  need(b, ListHdr.SIZE, 'tap list');
  const v = viewOf(b);
  const n = v.getUint32(ListHdr.count, true);
  need(b, ListHdr.SIZE + n * TapInfoMsg.SIZE, `tap list (${n} taps)`);
  const out: TapInfo[] = [];
  for (let i = 0; i < n; i++) out.push(decodeTapInfo(v, ListHdr.SIZE + i * TapInfoMsg.SIZE));
  return out;
}

const codeOf = <T extends string>(names: Record<number, T>, name: T): number =>
  Number(Object.entries(names).find(([, n]) => n === name)?.[0] ?? 0);

/** sw_tap_info at off of out (tests and fake dataplanes). */
export function writeTapInfo(v: DataView, off: number, t: TapInfo): void {
  v.setUint32(off + TapInfoMsg.id, t.id, true);
  v.setUint8(off + TapInfoMsg.kind, codeOf(KIND_NAMES, t.kind));
  v.setUint8(
    off + TapInfoMsg.points,
    t.points.reduce((m, p) => m | (1 << TAP_POINT_NAMES.indexOf(p)), 0),
  );
  v.setUint16(off + TapInfoMsg.port, t.port ?? PORT_NONE, true);
  v.setUint32(off + TapInfoMsg.snaplen, t.snaplen, true);
  v.setUint32(off + TapInfoMsg.count, t.count, true);
  v.setUint32(off + TapInfoMsg.pid, t.pid, true);
  v.setUint8(off + TapInfoMsg.state, codeOf(STATE_NAMES, t.state));
  v.setUint8(off + TapInfoMsg.end_reason, t.endReason === null ? 0 : codeOf(END_NAMES, t.endReason));
  v.setUint8(off + TapInfoMsg.jit, t.jit ? 1 : 0);
  v.setUint8(off + TapInfoMsg.n_rings, t.rings);
  v.setUint32(off + TapInfoMsg.ring_size, t.ringBytes, true);
  v.setUint32(off + TapInfoMsg.bpf_ins, t.bpfInstructions, true);
  v.setBigUint64(off + TapInfoMsg.matched, t.matched, true);
  v.setBigUint64(off + TapInfoMsg.written, t.written, true);
  v.setBigUint64(off + TapInfoMsg.lost, t.lost, true);
  writeCString(v, off + TapInfoMsg.file, TAP_FILE_LEN, t.file);
  writeCString(v, off + TapInfoMsg.filter, TAP_FILTER_ECHO, t.filter);
}

export function encodeTapInfo(t: TapInfo): Uint8Array {
  const out = new Uint8Array(TapInfoMsg.SIZE);
  writeTapInfo(viewOf(out), 0, t);
  return out;
}

/* ---------------- capture records ---------------- */

/** The fixed part of a record on a capture ring (its bytes follow). */
export interface CaptureRecordHeader {
  tsc: bigint;
  port: number;
  point: TapPointName;
  /** drop: why (see DropReason); punt: the punt policer's class; else null */
  reason: DropReason | PuntClassName | null;
  /** rx: the rx queue; other points: the worker's tx queue */
  queue: number;
  lcore: number;
  /** the packet's length; capLen of its bytes follow */
  origLen: number;
  capLen: number;
}

/**
 * Parses a sw_tap_pkt at off of v, `len` payload bytes in all; PROTOCOL
 * when it does not hold what it says (it comes from shared memory).
 */
export function decodeCaptureRecord(v: DataView, off: number, len: number): CaptureRecordHeader {
  if (len < TapPkt.SIZE) throw new SlipwayError('PROTOCOL', `capture record of ${len} bytes: too short`);
  const point = TAP_POINT_NAMES[v.getUint8(off + TapPkt.point)];
  if (point === undefined)
    throw new SlipwayError('PROTOCOL', `capture record: unknown point ${v.getUint8(off + TapPkt.point)}`);
  const capLen = v.getUint32(off + TapPkt.cap_len, true);
  if (capLen !== len - TapPkt.SIZE) {
    throw new SlipwayError('PROTOCOL', `capture record: cap_len ${capLen} but ${len - TapPkt.SIZE} bytes follow`);
  }
  const port = v.getUint16(off + TapPkt.port, true);
  if (port >= MAX_PORTS) throw new SlipwayError('PROTOCOL', `capture record: port ${port}`);
  const code = v.getUint8(off + TapPkt.reason);
  return {
    tsc: v.getBigUint64(off + TapPkt.tsc, true),
    port,
    point,
    reason: point === 'drop' ? reasonName(code) : point === 'punt' ? (PUNT_CLASS_NAMES[code] ?? null) : null,
    queue: v.getUint16(off + TapPkt.queue, true),
    lcore: v.getUint16(off + TapPkt.lcore, true),
    origLen: v.getUint32(off + TapPkt.orig_len, true),
    capLen,
  };
}

/** A record's payload: sw_tap_pkt and the bytes (tests and fake dataplanes). */
export function encodeCaptureRecord(h: Omit<CaptureRecordHeader, 'capLen'>, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(TapPkt.SIZE + data.byteLength);
  const v = viewOf(out);
  v.setBigUint64(TapPkt.tsc, h.tsc, true);
  v.setUint16(TapPkt.port, h.port, true);
  v.setUint8(TapPkt.point, TAP_POINT_NAMES.indexOf(h.point));
  let reason = 0;
  if (h.point === 'drop' && h.reason !== null) reason = reasonCode(h.reason);
  if (h.point === 'punt' && h.reason !== null) reason = PUNT_CLASS_NAMES.indexOf(h.reason as PuntClassName);
  v.setUint8(TapPkt.reason, reason);
  v.setUint16(TapPkt.queue, h.queue, true);
  v.setUint16(TapPkt.lcore, h.lcore, true);
  v.setUint32(TapPkt.orig_len, h.origLen, true);
  v.setUint32(TapPkt.cap_len, data.byteLength, true);
  out.set(data, TapPkt.SIZE);
  return out;
}

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
  v.setUint8(TraceBatch.state, codeOf(STATE_NAMES, b.state));
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

/* ---------------- the TAP_END event ---------------- */

/** A capture or trace ended other than by its client's stop. */
export interface TapEndEvent {
  type: 'tap-end';
  seq: number;
  id: number;
  kind: TapKindName;
  reason: TapEndName;
  port: number | null;
  pid: number;
  written: bigint;
  lost: bigint;
}

export const TAP_END_EVENT: EventCodec<TapEndEvent> = {
  code: TapEvents.TAP_END,
  name: 'tap-end',
  decode(seq, payload) {
    need(payload, EvtTap.SIZE, 'event tap-end');
    const v = viewOf(payload);
    const kind = KIND_NAMES[v.getUint8(EvtTap.kind)];
    const reason = tapEndName(v.getUint8(EvtTap.reason));
    if (!kind || !reason) return null;
    const port = v.getUint16(EvtTap.port, true);
    return {
      type: 'tap-end',
      seq,
      id: v.getUint32(EvtTap.id, true),
      kind,
      reason,
      port: port === PORT_NONE ? null : port,
      pid: v.getUint32(EvtTap.pid, true),
      written: v.getBigUint64(EvtTap.written, true),
      lost: v.getBigUint64(EvtTap.lost, true),
    };
  },
  encode(e) {
    const p = new Uint8Array(EvtTap.SIZE);
    const v = viewOf(p);
    v.setUint32(EvtTap.id, e.id, true);
    v.setUint8(EvtTap.kind, codeOf(KIND_NAMES, e.kind));
    v.setUint8(EvtTap.reason, codeOf(END_NAMES, e.reason));
    v.setUint16(EvtTap.port, e.port ?? PORT_NONE, true);
    v.setUint32(EvtTap.pid, e.pid, true);
    v.setBigUint64(EvtTap.written, e.written, true);
    v.setBigUint64(EvtTap.lost, e.lost, true);
    return { type: TapEvents.TAP_END, flags: 0, seq: e.seq, status: 0, payload: p };
  },
};

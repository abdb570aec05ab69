/**
 * Captures and the taps' common part: the TAP_START request (capture or
 * trace, with a tcpdump filter), TAP_STOP's reference, tap info (TAP_LIST),
 * the records on a capture file's rings, drop reasons and the TAP_END
 * event. Trace records and EXPLAIN are in trace.ts; taps.ts exports both.
 * Every value is checked before anything is sent (BAD_ARGUMENT naming it);
 * what comes from the dataplane is checked against its length.
 */
import { ListHdr, MAX_PORTS, PORT_NONE } from '../wire/abi/control';
import { PUNT_CLASS_NAMES, type PuntClassName } from '../wire/abi/policer';
import { L3_COUNTERS } from '../wire/abi/stats';
import {
  EvtTap,
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
  type TapPointName,
} from '../wire/abi/taps';
import { need, readCString, utf8Encoder, viewOf, writeCString } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { type EventCodec, checkPort, codeOf } from './common';

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

/** The SW_TAP_* code of a tap's state (tests and fake dataplanes). */
export function tapStateCode(name: TapStateName): number {
  return codeOf(STATE_NAMES, name);
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

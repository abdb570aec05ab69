/**
 * Captures, traces and explain (slipway_ctl_taps.h, "Capture, trace and
 * explain"): the tap operations, the capture file (its header, per-worker
 * counters and rings of packet records), trace records and the EXPLAIN
 * request.
 */
import { MAX_LCORES, MAX_PORTS, NAME_LEN } from './control';

export const TapOps = {
  /** sw_tap_start + filter bytes -> sw_tap_info */
  TAP_START: 0x0090,
  /** sw_tap_ref -> sw_tap_info */
  TAP_STOP: 0x0091,
  /** none -> sw_list_hdr + sw_tap_info[count] */
  TAP_LIST: 0x0092,
  /** sw_tap_ref -> sw_trace_batch + sw_trace[count] */
  TRACE_READ: 0x0093,
  /** sw_explain -> sw_trace */
  EXPLAIN: 0x0094,
} as const;

export const TapEvents = {
  /** sw_evt_tap: a capture or trace ended (not by TAP_STOP) */
  TAP_END: 0x0010,
  /** not on the event log: the type of a record on a capture file's ring */
  CAPTURE_PKT: 0x0011,
} as const;

/** Taps at once (SW_TAP_MAX). */
export const TAP_MAX = 4;
/** Filter bytes at most (SW_TAP_FILTER_MAX). */
export const TAP_FILTER_MAX = 2048;
/** Bytes kept per packet at most (SW_TAP_SNAPLEN_MAX). */
export const TAP_SNAPLEN_MAX = 65535;
/** A tap whose client stops beating this long ends (SW_TAP_TIMEOUT_MS). */
export const TAP_TIMEOUT_MS = 5000;
/** Records a trace keeps per worker at most (SW_TRACE_MAX). */
export const TRACE_MAX = 1024;

/** sw_tap_start.kind (SW_TAP_CAPTURE, SW_TAP_TRACE). */
export const TapKind = {
  CAPTURE: 1,
  TRACE: 2,
} as const;

/** Capture points (SW_TAP_POINT_*): bit i of sw_tap_start.points. */
export const TapPoint = {
  RX: 0,
  TX: 1,
  PUNT: 2,
  INJECT: 3,
  DROP: 4,
} as const;
/** Points (SW_TAP_POINTS). */
export const TAP_POINTS = 5;
/** Point names, indexed by SW_TAP_POINT_* value. */
export const TAP_POINT_NAMES = ['rx', 'tx', 'punt', 'inject', 'drop'] as const;
export type TapPointName = (typeof TAP_POINT_NAMES)[number];

/** Drop reasons beyond the L3 counters (SW_TAP_DROP_*). */
export const TapDrop = {
  /** the port's tx queue refused it */
  TX_FULL: 64,
  /** the vEth's punt ring was full */
  PUNT_FULL: 65,
  /** its cross-connect's output port is not running */
  XC_DOWN: 66,
  UNKNOWN: 67,
} as const;

/** sw_tap_info.state, sw_tap_hdr.state, sw_trace_batch.state (SW_TAP_RUNNING...). */
export const TapState = {
  RUNNING: 1,
  /** stopped; workers may still write until the grace period ends */
  ENDING: 2,
  /** no worker writes any more */
  ENDED: 3,
} as const;

/** Why a tap ended (SW_TAP_END_*). */
export const TapEnd = {
  STOPPED: 1,
  CLIENT: 2,
  TIMEOUT: 3,
  SHUTDOWN: 4,
} as const;

/** "SLTP" in memory order (sw_tap_hdr.magic). */
export const TAP_MAGIC = 0x50544c53;
export const TAP_HDR_SIZE = 4096;
/** Ring data area bounds and default (SW_TAP_RING_MIN, _MAX, _DEF). */
export const TAP_RING_MIN = 64 * 1024;
export const TAP_RING_MAX = 64 * 1024 * 1024;
export const TAP_RING_DEF = 4 * 1024 * 1024;

/** sw_trace.action (SW_TRACE_FORWARD, _PUNT, _DROP). */
export const TraceAction = {
  FORWARD: 1,
  PUNT: 2,
  DROP: 3,
} as const;

/** sw_trace.step: what decided (SW_TRACE_BY_*). */
export const TraceStep = {
  XCONNECT: 1,
  RULE: 2,
  CHECKS: 3,
  ROUTE: 4,
} as const;

/** sw_trace.police (SW_TRACE_POLICE_*). */
export const TracePolice = {
  NONE: 0,
  PASS: 1,
  DROP: 2,
} as const;

/** sw_trace.flags (SW_TRACE_F_*). */
export const TraceFlag = {
  RULE: 0x01,
  ROUTE: 0x02,
  FOUND: 0x04,
  EXPLAIN: 0x08,
  OBSERVED: 0x10,
  STALE: 0x20,
} as const;

/** sw_explain.flags (SW_EXPLAIN_*). */
export const ExplainFlag = {
  SRC_MAC: 0x01,
  DST_MAC: 0x02,
} as const;

export const TapStart = {
  SIZE: 24,
  kind: 0,
  points: 1,
  port: 2,
  snaplen: 4,
  count: 8,
  ring_size: 12,
  pid: 16,
  filter_len: 20,
  reserved: 22,
} as const;

export const TapRef = {
  SIZE: 8,
  id: 0,
  reserved: 4,
} as const;

export const TapInfo = {
  SIZE: 248,
  id: 0,
  kind: 4,
  points: 5,
  port: 6,
  snaplen: 8,
  count: 12,
  pid: 16,
  state: 20,
  end_reason: 21,
  jit: 22,
  n_rings: 23,
  ring_size: 24,
  bpf_ins: 28,
  matched: 32,
  written: 40,
  lost: 48,
  file: 56,
  filter: 120,
} as const;
/** Bytes of sw_tap_info.file and .filter. */
export const TAP_FILE_LEN = 2 * NAME_LEN;
export const TAP_FILTER_ECHO = 128;

export const TapHdr = {
  SIZE: 4096,
  magic: 0,
  abi_version: 4,
  header_size: 8,
  id: 12,
  file_size: 16,
  counts_off: 24,
  ring_off: 28,
  ring_stride: 32,
  ring_size: 36,
  n_rings: 40,
  snaplen: 44,
  tsc_hz: 48,
  tsc0: 56,
  realtime_ns0: 64,
  client_heartbeat_ns: 72,
  state: 80,
  end_reason: 84,
  points: 88,
  reserved0: 89,
  port: 90,
  reserved1: 92,
  /** u16[MAX_LCORES]: ring i's worker lcore */
  lcore: 96,
  reserved: 128,
} as const;

/** u64[MAX_PORTS][TAP_POINTS] three times: seen, matched, lost. */
export const TapCounts = {
  SIZE: 3 * MAX_PORTS * TAP_POINTS * 8,
  seen: 0,
  matched: MAX_PORTS * TAP_POINTS * 8,
  lost: 2 * MAX_PORTS * TAP_POINTS * 8,
} as const;

export const TapPkt = {
  SIZE: 24,
  tsc: 0,
  port: 8,
  point: 10,
  /** drop: SW_TAP_DROP_* / SW_L3_*; punt: its SW_PUNT_* class */
  reason: 11,
  queue: 12,
  lcore: 14,
  orig_len: 16,
  cap_len: 20,
} as const;

export const EvtTap = {
  SIZE: 32,
  id: 0,
  kind: 4,
  reason: 5,
  port: 6,
  pid: 8,
  reserved: 12,
  written: 16,
  lost: 24,
} as const;

export const TraceMsg = {
  SIZE: 176,
  tsc_rx: 0,
  tsc_out: 8,
  tsc_hz: 16,
  seq: 24,
  in_port: 32,
  queue: 34,
  lcore: 36,
  action: 38,
  step: 39,
  out_port: 40,
  reason: 42,
  punt_class: 43,
  police: 44,
  flags: 45,
  mirror_port: 46,
  pkt_len: 48,
  vlan: 52,
  ethertype: 54,
  src_mac: 56,
  dst_mac: 62,
  family: 68,
  proto: 69,
  ttl: 70,
  tags: 71,
  sport: 72,
  dport: 74,
  flow_hash: 76,
  src: 80,
  dst: 96,
  rule_id: 112,
  rule_priority: 116,
  rule_action: 120,
  route_type: 121,
  prefix_len: 122,
  n_nh: 123,
  member: 124,
  resolved: 125,
  nh_port: 126,
  prefix: 128,
  gw: 144,
  nh_mac: 160,
  reserved0: 166,
  group: 168,
  reserved1: 172,
} as const;

export const TraceBatch = {
  SIZE: 24,
  count: 0,
  state: 4,
  reserved0: 5,
  reserved1: 6,
  matched: 8,
  lost: 16,
} as const;

export const ExplainMsg = {
  SIZE: 64,
  in_port: 0,
  vlan: 2,
  family: 4,
  proto: 5,
  sport: 6,
  dport: 8,
  ttl: 10,
  flags: 11,
  src_mac: 12,
  dst_mac: 18,
  reserved0: 24,
  length: 26,
  reserved1: 28,
  src: 32,
  dst: 48,
} as const;

/** Rings in a capture file at most (one per worker). */
export const TAP_RINGS_MAX = MAX_LCORES;

export const TAP_STRUCTS = {
  sw_tap_start: TapStart,
  sw_tap_ref: TapRef,
  sw_tap_info: TapInfo,
  sw_tap_hdr: TapHdr,
  sw_tap_counts: TapCounts,
  sw_tap_pkt: TapPkt,
  sw_evt_tap: EvtTap,
  sw_trace: TraceMsg,
  sw_trace_batch: TraceBatch,
  sw_explain: ExplainMsg,
} as const;

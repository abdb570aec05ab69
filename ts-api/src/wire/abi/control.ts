/**
 * The control file itself: its header, the rings, the message header, and
 * what belongs to no feature (HELLO, the lease event, paged listings,
 * address families).
 *
 * Like every file of wire/abi/, a transcription of
 * dataplane/include/slipway_ctl.h, checked byte for byte against it by
 * test/unit/abi.test.ts (which compiles and runs test/c/abi_dump.c). Struct
 * field tables keep the C field names so the check is mechanical:
 * `Struct.field` is the byte offset of `field`, `Struct.SIZE` is
 * `sizeof(struct)`. Each feature's file declares its own ops, events and
 * layouts; wire/abi/index.ts assembles the tables.
 */

/** "SLWY" in memory order (header.magic, written last at creation). */
export const CTL_MAGIC = 0x59574c53;
/** ABI version this library speaks (header.abi_version). */
export const CTL_ABI_VERSION = 2;
export const CTL_HEADER_SIZE = 4096;
export const CACHE_LINE = 64;

export const MAX_PORTS = 16;
export const MAX_LCORES = 16;
/** "No port" (sw_port_info.worker_lcore when no lcore polls the port, wildcard ports, absent next hops). */
export const PORT_NONE = 0xffff;
export const NAME_LEN = 32;
export const IFNAME_LEN = 16;
/** Maximum error message length in bytes. */
export const ERRMSG_MAX = 256;

export const REQ_RING_SIZE = 256 * 1024;
export const RESP_RING_SIZE = 1024 * 1024;
export const EVT_RING_SIZE = 64 * 1024;

/** Offset of a ring's data area from the ring header. */
export const RING_DATA_OFF = 256;
export const MSG_HDR_SIZE = 16;
/** SW_MSG_ALIGN: bytes a message of `len` bytes occupies on a ring. */
export function msgAlign(len: number): number {
  return ((len + 7) & ~7) >>> 0;
}

/** header.state values (SW_STATE_*). */
export const State = {
  STARTING: 1,
  READY: 2,
  STOPPING: 3,
} as const;

/** Operations of the control channel itself (SW_OP_*). */
export const ControlOps = {
  /** filler up to the end of a ring's data area */
  PAD: 0x0000,
  HELLO: 0x0001,
  /** Response only: the request ring held something unreadable; pending requests were discarded. */
  RING_ERROR: 0xffff,
} as const;

/** Events of the control channel itself (SW_EVT_*). */
export const ControlEvents = {
  LEASE_RECLAIMED: 0x0005,
} as const;

/** Address families of routes, neighbours and rules (SW_AF_*). */
export const AF = {
  INET: 4,
  INET6: 6,
} as const;

export const CtlHeader = {
  SIZE: 4096,
  magic: 0,
  abi_version: 4,
  header_size: 8,
  state: 12,
  file_size: 16,
  req_off: 24,
  req_size: 28,
  resp_off: 32,
  resp_size: 36,
  evt_off: 40,
  evt_size: 44,
  stats_off: 48,
  stats_size: 52,
  dp_pid: 56,
  n_workers: 60,
  dp_heartbeat_ns: 64,
  lease_pid: 72,
  lease_gen: 76,
  ctl_heartbeat_ns: 80,
  evt_dropped: 88,
  start_time_ns: 96,
  idle_us: 104,
  reserved0: 108,
  instance: 112,
  vif_prefix: 144,
  reserved: 160,
} as const;

export const RingHdr = {
  SIZE: 256,
  prod: 0,
  cons: 64,
  wake: 128,
  sleepers: 132,
  size: 192,
  reserved: 196,
} as const;

export const MsgHdr = {
  SIZE: 16,
  len: 0,
  type: 4,
  flags: 6,
  seq: 8,
  status: 12,
} as const;

export const HelloMsg = {
  SIZE: 24,
  abi_version: 0,
  dp_pid: 4,
  n_workers: 8,
  max_ports: 12,
  n_ports: 16,
  reserved: 20,
} as const;

export const ListHdr = {
  SIZE: 8,
  /** entries that follow */
  count: 0,
  /** cursor of the next page, 0 on the last */
  next: 4,
} as const;

/** Paged listing request (NEIGH_LIST, ROUTE_LIST, RULE_LIST). */
export const ListReq = {
  SIZE: 8,
  cursor: 0,
  max: 4,
  family: 6,
  reserved: 7,
} as const;

export const EvtLease = {
  SIZE: 8,
  old_pid: 0,
  reserved: 4,
} as const;

export const CONTROL_STRUCTS = {
  sw_ctl_header: CtlHeader,
  sw_ring: RingHdr,
  sw_msg_hdr: MsgHdr,
  sw_hello: HelloMsg,
  sw_list_hdr: ListHdr,
  sw_list_req: ListReq,
  sw_evt_lease: EvtLease,
} as const;

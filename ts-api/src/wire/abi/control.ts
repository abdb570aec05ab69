/**
 * The control file itself: its header, the client slots and their rings,
 * the message header, the event log, and what belongs to no feature (HELLO,
 * the client-gone event, paged listings, address families).
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
export const CTL_ABI_VERSION = 3;
export const CTL_HEADER_SIZE = 4096;
export const CACHE_LINE = 64;

export const MAX_PORTS = 16;
export const MAX_LCORES = 16;
/** "No port" (sw_port_info.worker_lcore when no lcore polls the port, wildcard ports, absent next hops). */
export const PORT_NONE = 0xffff;
export const NAME_LEN = 32;
export const IFNAME_LEN = 16;
/** The vEths' network namespace in the header: a name or a path, NUL included (SW_NETNS_LEN). */
export const NETNS_LEN = 64;
/** What slipwayd's --vif-netns accepts: an `ip netns` name, or an absolute path to a namespace file. */
export const VIF_NETNS_RE = /^(?!\.\.?$)[A-Za-z0-9_.-]+$|^\/[^\0]*$/;
/** Maximum error message length in bytes. */
export const ERRMSG_MAX = 256;

/** Data area of each client slot's request ring (SW_REQ_RING_SIZE). */
export const REQ_RING_SIZE = 256 * 1024;
/** Data area of each client slot's response ring (SW_RESP_RING_SIZE). */
export const RESP_RING_SIZE = 1024 * 1024;
/** Client slots (SW_MAX_CLIENTS). */
export const MAX_CLIENTS = 16;
export const SLOT_HDR_SIZE = 256;
/** A client heartbeat older than this frees its slot (SW_SLOT_TIMEOUT_MS). */
export const SLOT_TIMEOUT_MS = 10000;
/** Events the log keeps, power of two (SW_EVT_RECORDS). */
export const EVT_RECORDS = 1024;
export const EVT_RECORD_SIZE = 128;
/** Payload bytes of an event-log record (SW_EVT_PAYLOAD_MAX). */
export const EVT_PAYLOAD_MAX = EVT_RECORD_SIZE - 16;
/** sw_evt_record.seq while the dataplane writes the record (SW_EVT_WRITING, UINT64_MAX). */
export const EVT_WRITING = 0xffff_ffff_ffff_ffffn;

/** Offset of a ring's data area from the ring header. */
export const RING_DATA_OFF = 256;
export const MSG_HDR_SIZE = 16;
/** Request flag SW_MSG_F_MORE: more requests of the same batch follow; the dataplane may hold the commit (250 ms at a time). */
export const MSG_F_MORE = 0x0001;
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

/** sw_slot.state values (SW_SLOT_*). */
export const SlotState = {
  FREE: 0,
  /** a client is writing its identity: not served yet */
  CLAIMING: 1,
  /** served */
  ACTIVE: 2,
  /** the client is done: the dataplane resets the rings, then frees it */
  RELEASED: 3,
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
  /** sw_evt_client: a dead client's slot was freed */
  CLIENT_GONE: 0x0005,
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
  /** offset of client slot 0 */
  slot_off: 24,
  /** bytes from one slot to the next */
  slot_size: 28,
  n_slots: 32,
  /** data area of each request ring, power of two */
  req_size: 36,
  resp_size: 40,
  /** offset of the event log */
  evt_off: 44,
  /** records in it, power of two */
  evt_records: 48,
  evt_record_size: 52,
  stats_off: 56,
  stats_size: 60,
  dp_pid: 64,
  n_workers: 68,
  /** CLOCK_MONOTONIC, the dataplane writes it at least every 10 ms */
  dp_heartbeat_ns: 72,
  /** CLOCK_REALTIME of start */
  start_time_ns: 80,
  /** slipwayd's start, clock ticks after boot (proc(5) stat field 22) */
  dp_start_ticks: 88,
  /** sequence number of the next event = events so far */
  evt_next: 96,
  /** futex word: incremented after every event */
  evt_wake: 104,
  /** readers waiting on evt_wake (atomic add/sub: several readers share it) */
  evt_sleepers: 108,
  idle_us: 112,
  /** slipwayd's pid namespace (inode, low 32 bits) */
  dp_pidns: 116,
  instance: 120,
  vif_prefix: 152,
  /** the vEths' network namespace (--vif-netns), "": slipwayd's own */
  vif_netns: 168,
  reserved: 232,
} as const;

/** A client slot's header; its rings follow at req_off and resp_off from the slot's start. */
export const SlotHdr = {
  SIZE: 256,
  /** SW_SLOT_* (CAS by clients; the dataplane frees) */
  state: 0,
  /** incremented at every claim */
  gen: 4,
  /** the client's pid as it sees itself */
  pid: 8,
  /** the client's pid namespace (inode, low 32 bits) */
  pidns: 12,
  /** the client's start (proc(5) stat field 22) */
  start_ticks: 16,
  /** CLOCK_MONOTONIC, the client writes it at least every second */
  heartbeat_ns: 24,
  /** its request ring, from the slot's start (the dataplane writes) */
  req_off: 32,
  resp_off: 36,
  /** requests the dataplane answered for this claim */
  served: 40,
  /** what the client calls itself, NUL-terminated */
  name: 48,
  reserved: 80,
} as const;

/** One record of the event log (event seq is record seq % evt_records). */
export const EvtRecord = {
  SIZE: 128,
  /** this record's event number; EVT_WRITING while written */
  seq: 0,
  /** SW_EVT_* */
  type: 8,
  /** payload bytes */
  len: 10,
  reserved: 12,
  payload: 16,
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

/** CLIENT_GONE payload. */
export const EvtClient = {
  SIZE: 8,
  /** the client's pid (as it saw itself) */
  pid: 0,
  slot: 4,
  reserved: 6,
} as const;

export const CONTROL_STRUCTS = {
  sw_ctl_header: CtlHeader,
  sw_slot: SlotHdr,
  sw_evt_record: EvtRecord,
  sw_ring: RingHdr,
  sw_msg_hdr: MsgHdr,
  sw_hello: HelloMsg,
  sw_list_hdr: ListHdr,
  sw_list_req: ListReq,
  sw_evt_client: EvtClient,
} as const;

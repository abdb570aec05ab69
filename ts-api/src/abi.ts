/**
 * The control-file ABI, transcribed from dataplane/include/slipway_ctl.h.
 *
 * That header is the one definition; this file mirrors it and is checked
 * against it byte for byte by test/unit/abi.test.ts (which compiles and runs
 * test/c/abi_dump.c). Struct field tables keep the C field names so that the
 * check is mechanical: `Struct.field` is the byte offset of `field`,
 * `Struct.SIZE` is `sizeof(struct)`.
 */

/** "SLWY" in memory order (header.magic, written last at creation). */
export const CTL_MAGIC = 0x59574c53;
/** ABI version this library speaks (header.abi_version). */
export const CTL_ABI_VERSION = 2;
export const CTL_HEADER_SIZE = 4096;
export const CACHE_LINE = 64;

export const MAX_PORTS = 16;
export const MAX_LCORES = 16;
/** sw_port_info.worker_lcore when no lcore polls the port. */
export const PORT_NONE = 0xffff;
export const NAME_LEN = 32;
export const IFNAME_LEN = 16;
/** Maximum PORT_ADD devargs length in bytes (no NUL). */
export const DEVARGS_MAX = 512;
/** Maximum error message length in bytes. */
export const ERRMSG_MAX = 256;

export const REQ_RING_SIZE = 256 * 1024;
export const RESP_RING_SIZE = 256 * 1024;
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

/** Operation codes (SW_OP_*), the type field on the request/response rings. */
export const Op = {
  PAD: 0x0000,
  HELLO: 0x0001,
  PORT_LIST: 0x0010,
  PORT_ADD: 0x0011,
  PORT_START: 0x0012,
  PORT_STOP: 0x0013,
  PORT_SET: 0x0014,
  PORT_GET: 0x0015,
  XC_ADD: 0x0020,
  XC_DEL: 0x0021,
  XC_LIST: 0x0022,
  STATS_REFRESH: 0x0030,
  NEIGH_ADD: 0x0040,
  NEIGH_DEL: 0x0041,
  NEIGH_LIST: 0x0042,
  ROUTE_ADD: 0x0050,
  ROUTE_DEL: 0x0051,
  ROUTE_LIST: 0x0052,
  ROUTE_GET: 0x0053,
  RULE_ADD: 0x0060,
  RULE_DEL: 0x0061,
  RULE_LIST: 0x0062,
  POLICER_SET: 0x0070,
  POLICER_GET: 0x0071,
  SYNC_SET: 0x0080,
  SYNC_GET: 0x0081,
  /** Response only: the request ring held something unreadable; pending requests were discarded. */
  RING_ERROR: 0xffff,
} as const;
export type OpName = keyof typeof Op;

/** Event types (SW_EVT_*), the type field on the event ring. */
export const EventType = {
  LINK: 0x0001,
  PORT_ADDED: 0x0002,
  PORT_STARTED: 0x0003,
  PORT_STOPPED: 0x0004,
  LEASE_RECLAIMED: 0x0005,
  KERNEL_REQUEST: 0x0006,
  POLICER: 0x0007,
  SYNC: 0x0008,
} as const;

/** sw_evt_kernel.what (SW_KREQ_*): what the kernel asked of a port through its vEth. */
export const KernelRequest = {
  MTU: 1,
  UP: 2,
  DOWN: 3,
  MAC: 4,
  PROMISC: 5,
  ALLMULTI: 6,
} as const;

/**
 * Punt classes (SW_PUNT_*): the punt policer meters each port's punted
 * frames per class. CLASS_ALL selects every class in a POLICER_SET.
 */
export const PuntClass = {
  /** ARP and IPv6 neighbour discovery */
  ARP: 0,
  /** ICMP and ICMPv6 other than ND */
  ICMP: 1,
  /** other traffic for the host: its addresses, link-local, broadcast and multicast */
  HOST: 2,
  /** no route or neighbour yet, TTL, IPv4 options, non-IP, VLAN-tagged, another station's MAC, rule punts */
  OTHER: 3,
  CLASSES: 4,
  CLASS_ALL: 0xff,
} as const;
/** Punt class names, indexed by SW_PUNT_* value. */
export const PUNT_CLASS_NAMES = ['arp', 'icmp', 'host', 'other'] as const;
export type PuntClassName = (typeof PUNT_CLASS_NAMES)[number];
/** Policer limits (SW_POLICER_MAX_RATE, SW_POLICER_MAX_BURST). */
export const POLICER_MAX_RATE = 100_000_000;
export const POLICER_MAX_BURST = 1_000_000;

/** sw_evt_sync.what (SW_SYNC_WHAT_*): what kernel sync acted on. */
export const SyncWhat = {
  NEIGH: 1,
  ROUTE: 2,
  /** an address on a vEth (its local and connected routes) */
  ADDR: 3,
  /** a full resync finished */
  RESYNC: 4,
} as const;

/** sw_evt_sync.action (SW_SYNC_ACT_*). */
export const SyncAction = {
  ADDED: 1,
  REMOVED: 2,
  /** the reason says why (e.g. the API set that entry) */
  REFUSED: 3,
  /** a resync; the reason says what caused it */
  DONE: 4,
} as const;

/** sw_port_set.mask bits (SW_PORT_SET_*). */
export const PortSetMask = {
  MTU: 0x0001,
  MAC: 0x0002,
  PROMISC: 0x0004,
} as const;

/** Address families of routes, neighbours and rules (SW_AF_*). */
export const AF = {
  INET: 4,
  INET6: 6,
} as const;

/** Next hops per route at most (SW_ECMP_MAX). */
export const ECMP_MAX = 8;

/** sw_route.type values (SW_ROUTE_*). */
export const RouteType = {
  /** to the next hops */
  FORWARD: 1,
  /** an address of the host: punt to the ingress vEth */
  LOCAL: 2,
  /** blackhole */
  DROP: 3,
} as const;

/** sw_rule.action values (SW_RULE_*). */
export const RuleAction = {
  /** send out of out_port as is */
  FORWARD: 1,
  /** continue to the routes */
  ROUTE: 2,
  DROP: 3,
  /** to the ingress port's vEth */
  PUNT: 4,
  /** a copy to out_port (PORT_NONE: the ingress vEth), then route */
  MIRROR: 5,
  /** count only, then route */
  COUNT: 6,
} as const;

/** Rule priorities accepted by the dataplane (rte_acl: 1..2^29-1). */
export const RULE_PRIORITY_MIN = 1;
export const RULE_PRIORITY_MAX = 0x1fffffff;

/** sw_lcore_stats.role values (SW_ROLE_*). */
export const Role = {
  UNUSED: 0,
  MAIN: 1,
  WORKER: 2,
} as const;

/**
 * Response statuses, SW_STATUS_LIST in order: index == status value.
 * Everything but OK carries a UTF-8 message as payload.
 */
export const STATUS_LIST = [
  { name: 'OK', value: 0, desc: 'success' },
  { name: 'MALFORMED', value: 1, desc: 'malformed request' },
  { name: 'UNKNOWN_OP', value: 2, desc: 'unknown operation' },
  { name: 'NO_PORT', value: 3, desc: 'no such port' },
  { name: 'INVALID', value: 4, desc: 'invalid argument' },
  { name: 'RANGE', value: 5, desc: 'value out of range' },
  { name: 'EXISTS', value: 6, desc: 'already exists' },
  { name: 'NOT_FOUND', value: 7, desc: 'not found' },
  { name: 'NO_SPACE', value: 8, desc: 'no space left' },
  { name: 'BUSY', value: 9, desc: 'busy' },
  { name: 'DEVICE', value: 10, desc: 'device refused the operation' },
  { name: 'STATE', value: 11, desc: 'wrong state' },
] as const;
export type StatusName = (typeof STATUS_LIST)[number]['name'];
/** Status names indexed by value. */
export const STATUS_NAMES: readonly StatusName[] = STATUS_LIST.map((s) => s.name);
export const STATUS_OK = 0;

/** SW_PORT_COUNTER_LIST in order: index == slot in sw_port_counters.c[]. */
export const PORT_COUNTERS = [
  'rx_packets',
  'rx_bytes',
  'tx_packets',
  'tx_bytes',
  'tx_drops',
  'xc_packets',
  'punt_packets',
  'punt_drops',
  'vif_tx_packets',
  'vif_tx_drops',
  'vif_rx_packets',
  'inject_packets',
  'inject_drops',
  'no_route',
  'vif_gro_merged',
  'vif_gso_segments',
] as const;
export type PortCounterName = (typeof PORT_COUNTERS)[number];
export const PORT_COUNTER_SLOTS = 16;

/**
 * SW_L3_COUNTER_LIST in order: index == slot in sw_l3_counters.c[]. Kept per
 * lcore per ingress port: routed_packets were forwarded by a route, punt_*
 * went to the ingress vEth for that reason, drop_* were dropped.
 */
export const L3_COUNTERS = [
  'routed_packets',
  'punt_arp',
  'punt_nd',
  'punt_local',
  'punt_mcast',
  'punt_ttl',
  'punt_options',
  'punt_no_route',
  'punt_no_neigh',
  'punt_non_ip',
  'punt_other',
  'drop_malformed',
  'drop_route',
  'drop_port_down',
  'rule_drops',
  'rule_punts',
  'police_arp',
  'police_icmp',
  'police_host',
  'police_other',
] as const;
export type L3CounterName = (typeof L3_COUNTERS)[number];

/* ---- struct layouts: byte offsets by C field name, SIZE = sizeof ---- */

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

export const PortRef = {
  SIZE: 8,
  port: 0,
  reserved0: 2,
  reserved1: 4,
} as const;

export const PortSet = {
  SIZE: 16,
  port: 0,
  mask: 2,
  mtu: 4,
  mac: 8,
  promisc: 14,
  reserved: 15,
} as const;

export const PortInfoMsg = {
  SIZE: 128,
  port: 0,
  eth_port: 2,
  reserved2: 4,
  started: 6,
  link_up: 7,
  link_speed: 8,
  mtu: 12,
  mac: 16,
  promisc: 22,
  link_duplex: 23,
  worker_lcore: 24,
  n_rxq: 26,
  n_txq: 28,
  reserved0: 30,
  min_mtu: 32,
  max_mtu: 36,
  reserved1: 40,
  name: 48,
  driver: 80,
  vif: 112,
} as const;

export const XConnectMsg = {
  SIZE: 8,
  in_port: 0,
  out_port: 2,
  reserved: 4,
} as const;

export const ListHdr = {
  SIZE: 8,
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

/** Addresses are 16 bytes in network order; IPv4 uses the first 4. */
export const NeighMsg = {
  SIZE: 32,
  port: 0,
  family: 2,
  reserved0: 3,
  mac: 4,
  reserved1: 10,
  reserved2: 12,
  ip: 16,
} as const;

export const NexthopMsg = {
  SIZE: 24,
  port: 0,
  reserved0: 2,
  reserved1: 4,
  gw: 8,
} as const;

export const RouteMsg = {
  SIZE: 24 + ECMP_MAX * 24,
  family: 0,
  prefix_len: 1,
  type: 2,
  n_nh: 3,
  reserved: 4,
  prefix: 8,
  nh: 24,
} as const;

/** ROUTE_GET request: the flow whose route the fast path would pick. */
export const RouteLookup = {
  SIZE: 40,
  family: 0,
  proto: 1,
  sport: 2,
  dport: 4,
  reserved: 6,
  dst: 8,
  src: 24,
} as const;

/** ROUTE_GET response: the matching route and the flow's ECMP member. */
export const RouteMatch = {
  SIZE: 16 + RouteMsg.SIZE,
  found: 0,
  member: 1,
  resolved: 2,
  reserved0: 3,
  out_port: 4,
  mac: 6,
  reserved1: 12,
  route: 16,
} as const;

export const RuleMsg = {
  SIZE: 80,
  id: 0,
  priority: 4,
  family: 8,
  proto: 9,
  action: 10,
  reserved0: 11,
  in_port: 12,
  vlan: 14,
  ethertype: 16,
  out_port: 18,
  src_mac: 20,
  dst_mac: 26,
  src_len: 32,
  dst_len: 33,
  sport_lo: 34,
  sport_hi: 36,
  dport_lo: 38,
  dport_hi: 40,
  reserved1: 42,
  reserved2: 44,
  src: 48,
  dst: 64,
} as const;

export const RuleRef = {
  SIZE: 8,
  id: 0,
  reserved: 4,
} as const;

export const RuleEntryMsg = {
  SIZE: 96,
  rule: 0,
  packets: 80,
  bytes: 88,
} as const;

export const EvtPort = {
  SIZE: 8,
  port: 0,
  link_up: 2,
  started: 3,
  link_speed: 4,
} as const;

export const PolicerSet = {
  SIZE: 16,
  port: 0,
  punt_class: 2,
  reserved0: 3,
  rate_pps: 4,
  burst: 8,
  reserved1: 12,
} as const;

export const PolicerRate = {
  SIZE: 8,
  rate_pps: 0,
  burst: 4,
} as const;

export const PolicerInfo = {
  SIZE: 8 + 4 * PolicerRate.SIZE,
  port: 0,
  reserved0: 2,
  reserved1: 4,
  cls: 8,
} as const;

export const EvtPolicer = {
  SIZE: 16,
  port: 0,
  punt_class: 2,
  dropping: 3,
  drop_pps: 4,
  drops: 8,
} as const;

/** Kernel sync state (SYNC_SET request: enabled only; responses: all). */
export const SyncCfg = {
  SIZE: 24,
  enabled: 0,
  resyncing: 1,
  reserved0: 2,
  routes: 4,
  neighbours: 8,
  addresses: 12,
  refused: 16,
  resyncs: 20,
} as const;

export const EvtSync = {
  SIZE: 112,
  what: 0,
  action: 1,
  family: 2,
  prefix_len: 3,
  port: 4,
  route_type: 6,
  n_nh: 7,
  mac: 8,
  reserved0: 14,
  ip: 16,
  gw: 32,
  added: 48,
  removed: 52,
  refused: 56,
  reserved1: 60,
  reason: 64,
} as const;

export const EvtLease = {
  SIZE: 8,
  old_pid: 0,
  reserved: 4,
} as const;

export const EvtKernel = {
  SIZE: 64,
  port: 0,
  what: 2,
  applied: 3,
  value: 4,
  mac: 8,
  reserved: 14,
  reason: 16,
} as const;

export const PortCounters = {
  SIZE: PORT_COUNTER_SLOTS * 8,
  c: 0,
} as const;

export const LcoreStats = {
  SIZE: 64 + MAX_PORTS * PortCounters.SIZE,
  lcore_id: 0,
  role: 4,
  busy_polls: 8,
  idle_polls: 16,
  reserved: 24,
  ports: 64,
} as const;

export const DevStats = {
  SIZE: 64,
  ipackets: 0,
  opackets: 8,
  ibytes: 16,
  obytes: 24,
  imissed: 32,
  ierrors: 40,
  oerrors: 48,
  rx_nombuf: 56,
} as const;

/** Route table summary (struct sw_table_stats), under the dev_seq seqlock. */
export const TableStats = {
  SIZE: 64,
  mem_bytes: 0,
  routes4: 8,
  routes6: 12,
  neighbours: 16,
  nh_groups: 20,
  reserved: 24,
} as const;

/** L3 fast-path counter slots per lcore per port (SW_L3_COUNTER_SLOTS). */
export const L3_COUNTER_SLOTS = 32;

export const L3Counters = {
  SIZE: L3_COUNTER_SLOTS * 8,
  c: 0,
} as const;

export const StatsArea = {
  SIZE:
    64 +
    MAX_PORTS * DevStats.SIZE +
    MAX_LCORES * LcoreStats.SIZE +
    TableStats.SIZE +
    MAX_LCORES * MAX_PORTS * L3Counters.SIZE,
  dev_seq: 0,
  n_lcores: 4,
  updated_ns: 8,
  mbuf_total: 16,
  mbuf_free: 24,
  port_mask: 32,
  reserved0: 36,
  reserved: 40,
  dev: 64,
  lcores: 64 + MAX_PORTS * DevStats.SIZE,
  tables: 64 + MAX_PORTS * DevStats.SIZE + MAX_LCORES * LcoreStats.SIZE,
  l3: 64 + MAX_PORTS * DevStats.SIZE + MAX_LCORES * LcoreStats.SIZE + TableStats.SIZE,
} as const;

/** DevStats field names in struct order (all u64). */
export const DEV_STATS_FIELDS = [
  'ipackets',
  'opackets',
  'ibytes',
  'obytes',
  'imissed',
  'ierrors',
  'oerrors',
  'rx_nombuf',
] as const;

/** Every struct layout by its C name (used by the ABI check). */
export const STRUCTS = {
  sw_ctl_header: CtlHeader,
  sw_ring: RingHdr,
  sw_msg_hdr: MsgHdr,
  sw_hello: HelloMsg,
  sw_port_ref: PortRef,
  sw_port_set: PortSet,
  sw_port_info: PortInfoMsg,
  sw_xconnect: XConnectMsg,
  sw_list_hdr: ListHdr,
  sw_evt_port: EvtPort,
  sw_evt_lease: EvtLease,
  sw_evt_kernel: EvtKernel,
  sw_policer_set: PolicerSet,
  sw_policer_rate: PolicerRate,
  sw_policer_info: PolicerInfo,
  sw_evt_policer: EvtPolicer,
  sw_sync_cfg: SyncCfg,
  sw_evt_sync: EvtSync,
  sw_port_counters: PortCounters,
  sw_lcore_stats: LcoreStats,
  sw_dev_stats: DevStats,
  sw_stats: StatsArea,
  sw_list_req: ListReq,
  sw_neigh: NeighMsg,
  sw_nexthop: NexthopMsg,
  sw_route: RouteMsg,
  sw_route_lookup: RouteLookup,
  sw_route_match: RouteMatch,
  sw_rule: RuleMsg,
  sw_rule_ref: RuleRef,
  sw_rule_entry: RuleEntryMsg,
  sw_l3_counters: L3Counters,
  sw_table_stats: TableStats,
} as const;

/** The statistics area any process may map, and the request that refreshes it (slipway_ctl.h). */
import { MAX_LCORES, MAX_PORTS } from './control';

export const StatsOps = {
  /** none -> none: refreshes the device counters in the stats area */
  STATS_REFRESH: 0x0030,
} as const;

/** sw_lcore_stats.role values (SW_ROLE_*). */
export const Role = {
  UNUSED: 0,
  MAIN: 1,
  WORKER: 2,
} as const;

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
  'drop_bad_cksum',
  'drop_martian_src',
  'drop_martian_dst',
  'drop_src_mac',
  'drop_link_local',
  'drop_ext_hdr',
  'punt_hop_by_hop',
  'punt_mtu',
] as const;
/** L3 fast-path counter slots per lcore per port (SW_L3_COUNTER_SLOTS). */
export const L3_COUNTER_SLOTS = 32;

export const PortCounters = {
  SIZE: PORT_COUNTER_SLOTS * 8,
  c: 0,
} as const;

export const LcoreStats = {
  SIZE: 64 + MAX_PORTS * PortCounters.SIZE,
  lcore_id: 0,
  role: 4,
  /** loop iterations that moved packets */
  busy_polls: 8,
  /** loop iterations that found nothing */
  idle_polls: 16,
  /** time in iterations that moved packets, ns */
  busy_ns: 24,
  /** time polling and finding nothing, ns */
  idle_ns: 32,
  /** time asleep (idle back-off; main lcore: idle sleep), ns */
  sleep_ns: 40,
  /** idle sleeps (workers) */
  sleeps: 48,
  /** sleeps an rx interrupt ended (--poll-mode interrupt) */
  intr_wakes: 56,
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

export const STATS_STRUCTS = {
  sw_port_counters: PortCounters,
  sw_lcore_stats: LcoreStats,
  sw_dev_stats: DevStats,
  sw_stats: StatsArea,
  sw_l3_counters: L3Counters,
  sw_table_stats: TableStats,
} as const;

/** The punt policer in front of the vEths (slipway_ctl_ports.h). */

export const PolicerOps = {
  POLICER_SET: 0x0070,
  /** payload: struct sw_port_ref (PORT_NONE: the defaults) */
  POLICER_GET: 0x0071,
} as const;

export const PolicerEvents = {
  POLICER: 0x0007,
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

export const PolicerSet = {
  SIZE: 16,
  /** PORT_NONE: every port, and the default for ports added later */
  port: 0,
  /** a PuntClass value, or CLASS_ALL */
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

export const POLICER_STRUCTS = {
  sw_policer_set: PolicerSet,
  sw_policer_rate: PolicerRate,
  sw_policer_info: PolicerInfo,
  sw_evt_policer: EvtPolicer,
} as const;

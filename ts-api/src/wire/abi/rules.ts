/** Match-action rules applied before the routes (slipway_ctl_rules.h). */

export const RuleOps = {
  RULE_ADD: 0x0060,
  RULE_DEL: 0x0061,
  RULE_LIST: 0x0062,
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

export const RULE_STRUCTS = {
  sw_rule: RuleMsg,
  sw_rule_ref: RuleRef,
  sw_rule_entry: RuleEntryMsg,
} as const;

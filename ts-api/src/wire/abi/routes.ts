/** Routes: longest-prefix match to next hops, local addresses, blackholes (slipway_ctl_l3.h). */

export const RouteOps = {
  ROUTE_ADD: 0x0050,
  ROUTE_DEL: 0x0051,
  ROUTE_LIST: 0x0052,
  /** sw_route_lookup -> sw_route_match: the fast path's longest-prefix match and ECMP member */
  ROUTE_GET: 0x0053,
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

/**
 * sw_route.origin, sw_neigh.origin (SW_ORIGIN_*): who installed an entry, in
 * listings; requests send 0.
 */
export const Origin = {
  /** a client */
  API: 1,
  /** a neighbour: its attached host route */
  NEIGH: 2,
  /** kernel sync: an address on a vEth (its local and connected routes) */
  KADDR: 3,
  /** kernel sync: a kernel route */
  KROUTE: 4,
  /** kernel sync: a neighbour the kernel resolved */
  KNEIGH: 5,
} as const;

/** Addresses are 16 bytes in network order; IPv4 uses the first 4. */
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
  /** SW_ORIGIN_* in listings; 0 in requests */
  origin: 4,
  reserved0: 5,
  reserved1: 6,
  prefix: 8,
  nh: 24,
} as const;

/** ROUTE_GET request: the flow whose route the fast path would pick. */
export const RouteLookup = {
  SIZE: 40,
  family: 0,
  /** IP protocol of the flow, 0: none */
  proto: 1,
  /** host order; used with TCP and UDP */
  sport: 2,
  dport: 4,
  reserved: 6,
  dst: 8,
  src: 24,
} as const;

/** ROUTE_GET response: the matching route and the flow's ECMP member. */
export const RouteMatch = {
  SIZE: 16 + RouteMsg.SIZE,
  /** 1: a route matched; 0: none (the fast path punts) */
  found: 0,
  /** index in route.nh of the flow's next hop */
  member: 1,
  /** 1: that next hop's neighbour is known (mac is set) */
  resolved: 2,
  reserved0: 3,
  /** the port the flow leaves by, PORT_NONE when none */
  out_port: 4,
  mac: 6,
  reserved1: 12,
  route: 16,
} as const;

export const ROUTE_STRUCTS = {
  sw_nexthop: NexthopMsg,
  sw_route: RouteMsg,
  sw_route_lookup: RouteLookup,
  sw_route_match: RouteMatch,
} as const;

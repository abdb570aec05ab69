/** The neighbour table: IP -> MAC per port (slipway_ctl_l3.h). */

export const NeighbourOps = {
  NEIGH_ADD: 0x0040,
  /** payload: struct sw_neigh, mac ignored */
  NEIGH_DEL: 0x0041,
  NEIGH_LIST: 0x0042,
} as const;

/** Addresses are 16 bytes in network order; IPv4 uses the first 4. */
export const NeighMsg = {
  SIZE: 32,
  port: 0,
  family: 2,
  /** SW_ORIGIN_* (wire/abi/routes.ts) in listings; 0 in requests */
  origin: 3,
  mac: 4,
  reserved1: 10,
  reserved2: 12,
  ip: 16,
} as const;

export const NEIGHBOUR_STRUCTS = {
  sw_neigh: NeighMsg,
} as const;

/** Cross-connects (slipway_ctl_ports.h). */

export const XConnectOps = {
  XC_ADD: 0x0020,
  /** payload: struct sw_port_ref (the in port) */
  XC_DEL: 0x0021,
  XC_LIST: 0x0022,
} as const;

export const XConnectMsg = {
  SIZE: 8,
  in_port: 0,
  out_port: 2,
  reserved: 4,
} as const;

export const XCONNECT_STRUCTS = {
  sw_xconnect: XConnectMsg,
} as const;

/** Ports, their link and the kernel's requests through their vEth (slipway_ctl_ports.h). */

export const PortOps = {
  PORT_LIST: 0x0010,
  PORT_ADD: 0x0011,
  PORT_START: 0x0012,
  PORT_STOP: 0x0013,
  PORT_SET: 0x0014,
  PORT_GET: 0x0015,
  /** sw_port_ref -> the devargs bytes (no NUL) the port was added with */
  PORT_DEVARGS: 0x0016,
} as const;

export const PortEvents = {
  LINK: 0x0001,
  PORT_ADDED: 0x0002,
  PORT_STARTED: 0x0003,
  PORT_STOPPED: 0x0004,
  KERNEL_REQUEST: 0x0006,
} as const;

/** Maximum PORT_ADD devargs length in bytes (no NUL). */
export const DEVARGS_MAX = 512;

/** sw_port_set.mask bits (SW_PORT_SET_*). */
export const PortSetMask = {
  MTU: 0x0001,
  MAC: 0x0002,
  PROMISC: 0x0004,
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

export const EvtPort = {
  SIZE: 8,
  port: 0,
  link_up: 2,
  started: 3,
  link_speed: 4,
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

export const PORT_STRUCTS = {
  sw_port_ref: PortRef,
  sw_port_set: PortSet,
  sw_port_info: PortInfoMsg,
  sw_evt_port: EvtPort,
  sw_evt_kernel: EvtKernel,
} as const;

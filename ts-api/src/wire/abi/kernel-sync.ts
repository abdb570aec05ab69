/** Kernel sync: the vEths' addresses, neighbours and routes in the fast path (slipway_ctl_l3.h). */

export const KernelSyncOps = {
  SYNC_SET: 0x0080,
  SYNC_GET: 0x0081,
} as const;

export const KernelSyncEvents = {
  SYNC: 0x0008,
} as const;

/** sw_evt_sync.what (SW_SYNC_WHAT_*): what kernel sync acted on. */
export const SyncWhat = {
  NEIGH: 1,
  ROUTE: 2,
  /** an address on a vEth (its local and connected routes) */
  ADDR: 3,
  /** a full resync finished */
  RESYNC: 4,
  /** a periodic audit finished: what it repaired */
  AUDIT: 5,
  /** more changes in 100 ms than are reported one by one: their counts */
  BURST: 6,
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
  checked: 60,
  reason: 64,
} as const;

export const KERNEL_SYNC_STRUCTS = {
  sw_sync_cfg: SyncCfg,
  sw_evt_sync: EvtSync,
} as const;

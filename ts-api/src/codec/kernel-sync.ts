/**
 * Kernel sync messages (linux-cp style): SYNC_SET / SYNC_GET and the sync
 * event.
 *
 * With kernel sync on, slipwayd follows rtnetlink: addresses on vEthN
 * become local routes plus the connected prefix through port N, neighbours
 * the kernel resolved on vEthN become neighbours on port N, and main-table
 * routes whose next hops all leave through vEths become routes (blackhole,
 * unreachable, prohibit: drop routes). Sync removes only what it installed;
 * an entry set through the API wins (the kernel's is refused, with an
 * event). Turning it on dumps the kernel's state (a full resync); turning it
 * off removes what sync installed.
 */
import { AF, PORT_NONE } from '../wire/abi/control';
import { EvtSync, KernelSyncEvents, SyncAction, SyncCfg, SyncWhat } from '../wire/abi/kernel-sync';
import { RouteType } from '../wire/abi/routes';
import { need, readCString, viewOf, writeCString } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import type { EventCodec } from './common';
import { formatIp, parseIpInto } from './ip';

/** What SYNC_SET / SYNC_GET answer. */
export interface KernelSyncState {
  enabled: boolean;
  /** a full resync (dump of addresses, neighbours, routes) is in progress */
  resyncing: boolean;
  /** routes sync installed, the addresses' local and connected routes included */
  routes: number;
  /** neighbours sync installed */
  neighbours: number;
  /** vEth addresses followed */
  addresses: number;
  /** kernel entries refused since sync was turned on */
  refused: number;
  /** full resyncs finished since sync was turned on */
  resyncs: number;
}

const WHAT = ['', 'neighbour', 'route', 'address', 'resync', 'audit', 'burst'] as const;
const ACTION = ['', 'added', 'removed', 'refused', 'done'] as const;
const ROUTE_TYPES = ['', 'forward', 'local', 'drop'] as const;
const WHAT_CODE = {
  neighbour: SyncWhat.NEIGH,
  route: SyncWhat.ROUTE,
  address: SyncWhat.ADDR,
  resync: SyncWhat.RESYNC,
  audit: SyncWhat.AUDIT,
  burst: SyncWhat.BURST,
} as const;

/**
 * Something kernel sync did: a neighbour, route or vEth address added,
 * removed or refused (reason says why); a full resync done (with its
 * counts; reason says what caused it); a periodic audit done (what it found
 * missing or different and installed, what it removed); a burst (more
 * changes in 100 ms than are reported one by one: their counts).
 */
export interface SyncEvent {
  type: 'sync';
  seq: number;
  what: 'neighbour' | 'route' | 'address' | 'resync' | 'audit' | 'burst';
  action: 'added' | 'removed' | 'refused' | 'done';
  /** 4 or 6; 0 for a resync */
  family: 0 | 4 | 6;
  /** the address, the neighbour's IP or the route's prefix address; '' for a resync */
  ip: string;
  prefixLen: number;
  /** the vEth's port, a route's first next hop's port; null when none */
  port: number | null;
  /** routes only */
  routeType: 'forward' | 'local' | 'drop' | null;
  /** routes: number of next hops */
  nextHops: number;
  /** routes: the first next hop's gateway; '' when directly connected or not a route */
  gw: string;
  /** neighbours */
  mac: string;
  /**
   * resync: entries installed, stale entries removed, entries refused;
   * audit: entries missing from or different in the fast path (installed
   * now, FIB entries rewritten included), entries the kernel no longer has
   * (removed), refused; burst: added, removed, refused
   */
  added: number;
  removed: number;
  refused: number;
  /** resync, audit: kernel entries compared */
  checked: number;
  reason: string;
}

/** SYNC_SET payload. */
export function encodeSyncSet(enabled: boolean): Uint8Array {
  check(typeof enabled === 'boolean', `bad kernel sync setting ${JSON.stringify(enabled)}: expected true or false`);
  const b = new Uint8Array(SyncCfg.SIZE);
  b[SyncCfg.enabled] = enabled ? 1 : 0;
  return b;
}

/** Parses a sw_sync_cfg (SYNC_SET / SYNC_GET response). */
export function decodeSyncState(b: Uint8Array): KernelSyncState {
  if (b.byteLength < SyncCfg.SIZE) {
    throw new SlipwayError('PROTOCOL', `kernel sync state: payload is ${b.byteLength} bytes, expected ${SyncCfg.SIZE}`);
  }
  const v = viewOf(b);
  return {
    enabled: v.getUint8(SyncCfg.enabled) !== 0,
    resyncing: v.getUint8(SyncCfg.resyncing) !== 0,
    routes: v.getUint32(SyncCfg.routes, true),
    neighbours: v.getUint32(SyncCfg.neighbours, true),
    addresses: v.getUint32(SyncCfg.addresses, true),
    refused: v.getUint32(SyncCfg.refused, true),
    resyncs: v.getUint32(SyncCfg.resyncs, true),
  };
}

/** sw_sync_cfg payload (tests and fake dataplanes). */
export function encodeSyncState(s: KernelSyncState): Uint8Array {
  const b = new Uint8Array(SyncCfg.SIZE);
  const v = viewOf(b);
  v.setUint8(SyncCfg.enabled, s.enabled ? 1 : 0);
  v.setUint8(SyncCfg.resyncing, s.resyncing ? 1 : 0);
  v.setUint32(SyncCfg.routes, s.routes, true);
  v.setUint32(SyncCfg.neighbours, s.neighbours, true);
  v.setUint32(SyncCfg.addresses, s.addresses, true);
  v.setUint32(SyncCfg.refused, s.refused, true);
  v.setUint32(SyncCfg.resyncs, s.resyncs, true);
  return b;
}

function isZero(b: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[off + i] !== 0) return false;
  return true;
}

/** Decodes a SW_EVT_SYNC payload; null when what/action is unknown to this library. */
function decodeSyncEvent(seq: number, b: Uint8Array): SyncEvent | null {
  need(b, EvtSync.SIZE, 'event sync');
  const v = viewOf(b);
  const what = WHAT[v.getUint8(EvtSync.what)];
  const action = ACTION[v.getUint8(EvtSync.action)];
  if (!what || !action) return null;
  const fam = v.getUint8(EvtSync.family);
  const family = fam === AF.INET || fam === AF.INET6 ? fam : 0;
  const port = v.getUint16(EvtSync.port, true);
  const rt = v.getUint8(EvtSync.route_type);
  const alen = family === AF.INET ? 4 : 16;
  return {
    type: 'sync',
    seq,
    what,
    action,
    family,
    ip: family ? formatIp(family, b, EvtSync.ip) : '',
    prefixLen: v.getUint8(EvtSync.prefix_len),
    port: port === PORT_NONE ? null : port,
    routeType: what === 'route' ? ROUTE_TYPES[rt] || null : null,
    nextHops: v.getUint8(EvtSync.n_nh),
    gw: family && what === 'route' && !isZero(b, EvtSync.gw, alen) ? formatIp(family, b, EvtSync.gw) : '',
    mac: [...b.subarray(EvtSync.mac, EvtSync.mac + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    added: v.getUint32(EvtSync.added, true),
    removed: v.getUint32(EvtSync.removed, true),
    refused: v.getUint32(EvtSync.refused, true),
    checked: v.getUint32(EvtSync.checked, true),
    reason: readCString(v, EvtSync.reason, EvtSync.SIZE - EvtSync.reason),
  };
}

/** Encodes a sync event's payload (tests and fake dataplanes). */
function encodeSyncEvent(e: SyncEvent) {
  const p = new Uint8Array(EvtSync.SIZE);
  const v = viewOf(p);
  v.setUint8(EvtSync.what, WHAT_CODE[e.what]);
  v.setUint8(EvtSync.action, SyncAction[e.action.toUpperCase() as keyof typeof SyncAction]);
  v.setUint8(EvtSync.family, e.family);
  v.setUint8(EvtSync.prefix_len, e.prefixLen);
  v.setUint16(EvtSync.port, e.port ?? PORT_NONE, true);
  v.setUint8(EvtSync.route_type, e.routeType ? RouteType[e.routeType.toUpperCase() as keyof typeof RouteType] : 0);
  v.setUint8(EvtSync.n_nh, e.nextHops);
  p.set(
    e.mac.split(':').map((x) => parseInt(x, 16)),
    EvtSync.mac,
  );
  if (e.ip) parseIpInto(e.ip, p, EvtSync.ip);
  if (e.gw) parseIpInto(e.gw, p, EvtSync.gw);
  v.setUint32(EvtSync.added, e.added, true);
  v.setUint32(EvtSync.removed, e.removed, true);
  v.setUint32(EvtSync.refused, e.refused, true);
  v.setUint32(EvtSync.checked, e.checked, true);
  writeCString(v, EvtSync.reason, EvtSync.SIZE - EvtSync.reason, e.reason);
  return { type: KernelSyncEvents.SYNC, flags: 0, seq: e.seq, status: 0, payload: p };
}

export const SYNC_EVENT: EventCodec<SyncEvent> = {
  code: KernelSyncEvents.SYNC,
  name: 'sync',
  decode: decodeSyncEvent,
  encode: encodeSyncEvent,
};

/** One line for `slipctl events` and logs. */
export function describeSyncEvent(e: SyncEvent): string {
  const on = e.port === null ? '' : ` on port ${e.port}`;
  const why = e.action === 'refused' ? `: ${e.reason}` : '';
  switch (e.what) {
    case 'resync':
      return `kernel sync: resync done (${e.reason}): ${e.checked} checked, ${e.added} added, ${e.removed} removed, ${e.refused} refused`;
    case 'audit':
      return `kernel sync: audit done: ${e.checked} checked, ${e.added} missing or different (repaired), ${e.removed} extra (removed), ${e.refused} refused`;
    case 'burst':
      return `kernel sync: ${e.added} added, ${e.removed} removed, ${e.refused} refused (not reported one by one)`;
    case 'neighbour':
      return `kernel sync: neighbour ${e.ip} ${e.mac}${on} ${e.action}${why}`;
    case 'address':
      return `kernel sync: address ${e.ip}/${e.prefixLen}${on} ${e.action}${why}`;
    case 'route': {
      const via =
        e.routeType === 'forward'
          ? ` via ${e.gw || 'connected'}${on}${e.nextHops > 1 ? ` (+${e.nextHops - 1} more)` : ''}`
          : e.routeType
            ? ` ${e.routeType}`
            : '';
      return `kernel sync: route ${e.ip}/${e.prefixLen}${via} ${e.action}${why}`;
    }
  }
}

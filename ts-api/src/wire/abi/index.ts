/**
 * The control-file ABI in one import: every feature's constants and
 * layouts, and the tables assembled from them — op codes, event types and
 * struct layouts by C name. A feature adds an operation, an event or a
 * struct in its own file; only a new feature adds a line here.
 */
import { CONTROL_STRUCTS, ControlEvents, ControlOps } from './control';
import { KERNEL_SYNC_STRUCTS, KernelSyncEvents, KernelSyncOps } from './kernel-sync';
import { NEIGHBOUR_STRUCTS, NeighbourOps } from './neighbours';
import { POLICER_STRUCTS, PolicerEvents, PolicerOps } from './policer';
import { PORT_STRUCTS, PortEvents, PortOps } from './ports';
import { ROUTE_STRUCTS, RouteOps } from './routes';
import { RULE_STRUCTS, RuleOps } from './rules';
import { STATS_STRUCTS, StatsOps } from './stats';
import { TAP_STRUCTS, TapEvents, TapOps } from './taps';
import { XCONNECT_STRUCTS, XConnectOps } from './xconnects';

export * from './control';
export * from './kernel-sync';
export * from './neighbours';
export * from './policer';
export * from './ports';
export * from './routes';
export * from './rules';
export * from './stats';
export * from './status';
export * from './taps';
export * from './xconnects';

/** Operation codes (SW_OP_*), the type field on the request/response rings. */
export const Op = {
  ...ControlOps,
  ...PortOps,
  ...XConnectOps,
  ...StatsOps,
  ...NeighbourOps,
  ...RouteOps,
  ...RuleOps,
  ...PolicerOps,
  ...KernelSyncOps,
  ...TapOps,
} as const;
export type OpName = keyof typeof Op;

/** Event types (SW_EVT_*), the type field on the event ring. */
export const EventType = {
  ...PortEvents,
  ...ControlEvents,
  ...PolicerEvents,
  ...KernelSyncEvents,
  ...TapEvents,
} as const;

/** Every struct layout by its C name (used by the ABI check). */
export const STRUCTS = {
  ...CONTROL_STRUCTS,
  ...PORT_STRUCTS,
  ...XCONNECT_STRUCTS,
  ...STATS_STRUCTS,
  ...NEIGHBOUR_STRUCTS,
  ...ROUTE_STRUCTS,
  ...RULE_STRUCTS,
  ...POLICER_STRUCTS,
  ...KERNEL_SYNC_STRUCTS,
  ...TAP_STRUCTS,
} as const;

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));

/** Name of an op code ("PORT_GET", or "op 0x1234"). */
export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `op 0x${op.toString(16).padStart(4, '0')}`;
}

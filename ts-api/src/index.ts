/**
 * slipway TypeScript API: launch or attach to slipwayd, configure ports and
 * cross-connects, read statistics and events.
 *
 * @example
 *   const sw = await launch({ instance: 'lab', ports: ['net_null0'], noHuge: true });
 *   await sw.ports.start(0);
 *   console.log(await sw.stats());
 *   await sw.shutdown();
 */
export { launch, buildArgv, defaultBinary, tailFile } from './launch';
export type { LaunchOptions } from './launch';
export { connect, Slipway, opName, DEFAULT_SPIN_US, SLICE_MS } from './client';
export type {
  ConnectOptions,
  RawResponse,
  RetryOptions,
  SlipwayLifecycleEvents,
  DataplaneGoneEvent,
  DataplaneRestartedEvent,
  ReplayFailedEvent,
} from './client';
export { BatchResult, BatchError } from './batch';
export type { BatchRequest, BatchFailure, XConnectPair } from './batch';
export { DesiredConfig } from './desired';
export type { DesiredPort, ReplaySummary } from './desired';
export { ctlPath, checkInstance, readHeader, validateHeader, pidAlive, stateName, DEFAULT_CTL_DIR } from './ctlfile';
export type { CtlHeaderInfo } from './ctlfile';
export { SlipwayError, ERROR_CODES, isSlipwayError, statusError } from './errors';
export type { ErrorCode } from './errors';
export { createLogger, defaultLogger } from './logger';
export type { Logger, LoggerOptions } from './logger';
export { readStats } from './stats';
export type {
  Stats,
  PortStats,
  LcoreStatsInfo,
  PortCounterValues,
  DevCounterValues,
  L3CounterValues,
  TableStatsInfo,
} from './stats';
export type {
  NextHop,
  RouteSpec,
  Route,
  Neighbour,
  NeighbourRef,
  Rule,
  RuleMatch,
  RuleActionSpec,
  RuleEntry,
  PortRange,
  ListPage,
} from './tables';
export { PROTOCOLS, parseProto } from './tables';
export * as tables from './tables';
export { parseIp, parsePrefix, formatIp, formatPrefix, canonicalIp, canonicalPrefix } from './ip';
export type { Family } from './ip';
export type {
  Hello,
  PortInfo,
  PortSettings,
  XConnect,
  SlipwayEvent,
  PortEvent,
  LeaseEvent,
  KernelRequestEvent,
  Message,
} from './codec';
export { isMac } from './codec';
export type { PolicerConfig, PolicerEvent, PolicerRate, PolicerSetting, PuntClassName } from './policer';
export { PUNT_CLASS_NAMES, normalizePolicer } from './policer';
export type { KernelSyncState, SyncEvent } from './ksync';
export { describeSyncEvent } from './ksync';
export { loadNative } from './native';
export type { NativeBinding, FutexWaitResult } from './native';
export { Ring } from './ring';
export type { WakeFn, DrainFn } from './ring';
export * as abi from './abi';
export { Op } from './abi';
export * as codec from './codec';

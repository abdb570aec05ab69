/**
 * slipway TypeScript API: launch or attach to slipwayd, configure ports,
 * cross-connects, routes, neighbours, rules, the punt policer and kernel
 * sync, read statistics and events.
 *
 * The wire level (ABI layouts, codecs, rings, the native addon) is a
 * separate entry point: `slipway/wire` (wire/index.ts).
 *
 * @example
 *   const sw = await launch({ instance: 'lab', ports: ['net_null0'], noHuge: true });
 *   await sw.ports.start(0);
 *   console.log(await sw.stats());
 *   await sw.shutdown();
 *
 * @example
 *   await using sw = await connect('lab', { logger: console, signal: AbortSignal.timeout(2000) });
 *   await sw.routes.add({ prefix: '10.2.0.0/24', via: [{ port: 1 }] }, { signal });
 */
export { launch, buildArgv, defaultBinary, findSlipwayd, slipwaydCandidates, defaultLogFile, tailFile } from './launch';
export type { LaunchOptions } from './launch';
export { connect, Slipway } from './client/slipway';
export { DEFAULT_SPIN_US } from './client/options';
export type { CallOptions, ConnectOptions, RetryOptions } from './client/options';
export type { RawResponse } from './client/transport';
export type {
  SlipwayLifecycleEvents,
  DataplaneGoneEvent,
  DataplaneRestartedEvent,
  ReplayFailedEvent,
  SlotLostEvent,
} from './client/connection';
export type { Ports } from './client/ports';
export type { XConnects } from './client/xconnects';
export type { Routes } from './client/routes';
export type { Neighbours } from './client/neighbours';
export type { Rules } from './client/rules';
export type { Policer } from './client/policer';
export type { KernelSync } from './client/kernel-sync';
export type { Taps } from './client/taps';
export type { Capture, CapturedPacket, CaptureStats } from './client/capture';
export type { Trace } from './client/trace';
export type { TapPointCounts } from './wire/tapfile';
export { BatchResult, BatchError } from './client/batch';
export type { BatchFailure } from './client/batch';
export type { BatchRequest } from './wire/batch';
export { DesiredConfig } from './client/desired';
export type { DesiredPort } from './client/desired';
export type { ReplaySummary } from './client/replay';
export { ctlPath, checkInstance, DEFAULT_CTL_DIR } from './wire/ctlfile';
export type { CtlHeaderInfo } from './wire/ctlfile';
export { SlipwayError, ERROR_CODES, isSlipwayError } from './errors';
export type { ErrorCode } from './errors';
export { createLogger, silentLogger } from './logger';
export type { Logger, LogMeta, LoggerOptions } from './logger';
// The value types of every feature (a feature's new operation brings its
// types along without an edit here).
export type * from './codec/stats';
export { lcoreBusyPercent } from './codec/stats';
export type * from './codec/session';
export type * from './codec/ports';
export type * from './codec/xconnects';
export type * from './codec/routes';
export type * from './codec/neighbours';
export type * from './codec/rules';
export type * from './codec/policer';
export type * from './codec/kernel-sync';
export type * from './codec/taps';
export type { Family } from './codec/ip';
export type { SlipwayEvent, EventsMissedEvent } from './events';
export type { EventsOptions } from './client/event-stream';
export { PROTOCOLS, canonicalIp, canonicalPrefix } from './codec/ip';
export { PUNT_CLASS_NAMES } from './codec/policer';
export { describeSyncEvent } from './codec/kernel-sync';
export { PcapngWriter, readPcapng, EPB_INBOUND, EPB_OUTBOUND } from './codec/pcapng';
export type * from './codec/pcapng';
export { TAP_POINT_NAMES } from './wire/abi/taps';

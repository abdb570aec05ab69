/**
 * `slipway/wire`: the wire level in one import, for tools and tests that
 * speak the control-file protocol themselves — the ABI (op codes, layouts),
 * message framing, rings, the control-file header, the per-feature codecs,
 * the event codec, the statistics reader and the native addon.
 *
 * An entry point only: modules of the library import the files they need,
 * never this index (it reaches up into the codecs, wire/ itself does not).
 */
export * as abi from './abi';
export { Op, EventType, opName } from './abi';
export type { OpName } from './abi';
export { Ring } from './ring';
export type { WakeFn, DrainFn } from './ring';
export { encodeMessage, decodeMessage, encodeErrorText, decodeErrorText } from './message';
export type { Message } from './message';
export { readHeader, validateHeader, stateName, pidAlive, startTicks, ownPidns } from './ctlfile';
export { EventLog, encodeRecord, decodeRecord } from './evlog';
export type { EventRecord, EventLogRead } from './evlog';
export { SlotTable, ClaimedSlot } from './slots';
export type { ClientIdentity, SlotView } from './slots';
export { RawSource, PackedSource } from './batch';
export type { BatchSource } from './batch';
export { viewOf, readCString, writeCString } from './bytes';
export { statusError } from '../errors';
export * as ip from '../codec/ip';
export * as session from '../codec/session';
export * as ports from '../codec/ports';
export * as xconnects from '../codec/xconnects';
export * as routes from '../codec/routes';
export * as neighbours from '../codec/neighbours';
export * as rules from '../codec/rules';
export * as policer from '../codec/policer';
export * as kernelSync from '../codec/kernel-sync';
export * as taps from '../codec/taps';
export * as pcapng from '../codec/pcapng';
export { TapFile, readTapHeader, validateTapHeader } from './tapfile';
export { checkPort, isMac, parseMac, formatMac, encodeListReq, decodeListReq } from '../codec/common';
export type { ListPage, EventCodec } from '../codec/common';
export { readStats } from '../codec/stats';
export { decodeEvent, encodeEvent, decodeEventRecord, encodeEventRecord } from '../events';
export { loadNative, loadedNativePath, nativeCandidates, prebuiltPath } from '../native';
export type { NativeBinding, FutexWaitResult } from '../native';

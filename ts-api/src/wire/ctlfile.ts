/**
 * The control file's header: path naming, reading and validating it, and
 * the pid checks used for liveness and the lease.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CTL_ABI_VERSION, CTL_HEADER_SIZE, CTL_MAGIC, CtlHeader, IFNAME_LEN, NAME_LEN, State } from './abi/control';
import { readCString } from './bytes';
import { SlipwayError, check } from '../errors';

/** Default directory of control files. */
export const DEFAULT_CTL_DIR = '/dev/shm';

const INSTANCE_RE = /^[A-Za-z0-9_-]{1,31}$/;

/** Validates an instance name ([A-Za-z0-9_-]{1,31}); BAD_ARGUMENT otherwise. */
export function checkInstance(instance: unknown): asserts instance is string {
  check(
    typeof instance === 'string' && INSTANCE_RE.test(instance),
    `bad instance name ${JSON.stringify(instance)}: expected [A-Za-z0-9_-]{1,31}`,
  );
}

/** Path of an instance's control file: `${ctlDir}/slipway.${instance}.ctl`. */
export function ctlPath(instance: string, ctlDir: string = DEFAULT_CTL_DIR): string {
  checkInstance(instance);
  return path.join(ctlDir, `slipway.${instance}.ctl`);
}

/** Decoded struct sw_ctl_header. */
export interface CtlHeaderInfo {
  magic: number;
  abiVersion: number;
  headerSize: number;
  state: number;
  fileSize: bigint;
  reqOff: number;
  reqSize: number;
  respOff: number;
  respSize: number;
  evtOff: number;
  evtSize: number;
  statsOff: number;
  statsSize: number;
  dpPid: number;
  nWorkers: number;
  dpHeartbeatNs: bigint;
  leasePid: number;
  leaseGen: number;
  ctlHeartbeatNs: bigint;
  evtDropped: bigint;
  startTimeNs: bigint;
  idleUs: number;
  instance: string;
  vifPrefix: string;
}

/** Reads the header fields from a mapped control file (no validation). */
export function readHeader(buf: ArrayBuffer): CtlHeaderInfo {
  const v = new DataView(buf, 0, CTL_HEADER_SIZE);
  const i32 = new Int32Array(buf, 0, CTL_HEADER_SIZE / 4);
  const i64 = new BigInt64Array(buf, 0, CTL_HEADER_SIZE / 8);
  const u32 = (off: number) => Atomics.load(i32, off / 4) >>> 0;
  const u64 = (off: number) => BigInt.asUintN(64, Atomics.load(i64, off / 8));
  return {
    magic: u32(CtlHeader.magic),
    abiVersion: u32(CtlHeader.abi_version),
    headerSize: u32(CtlHeader.header_size),
    state: u32(CtlHeader.state),
    fileSize: u64(CtlHeader.file_size),
    reqOff: u32(CtlHeader.req_off),
    reqSize: u32(CtlHeader.req_size),
    respOff: u32(CtlHeader.resp_off),
    respSize: u32(CtlHeader.resp_size),
    evtOff: u32(CtlHeader.evt_off),
    evtSize: u32(CtlHeader.evt_size),
    statsOff: u32(CtlHeader.stats_off),
    statsSize: u32(CtlHeader.stats_size),
    dpPid: u32(CtlHeader.dp_pid),
    nWorkers: u32(CtlHeader.n_workers),
    dpHeartbeatNs: u64(CtlHeader.dp_heartbeat_ns),
    leasePid: u32(CtlHeader.lease_pid),
    leaseGen: u32(CtlHeader.lease_gen),
    ctlHeartbeatNs: u64(CtlHeader.ctl_heartbeat_ns),
    evtDropped: u64(CtlHeader.evt_dropped),
    startTimeNs: u64(CtlHeader.start_time_ns),
    idleUs: u32(CtlHeader.idle_us),
    instance: readCString(v, CtlHeader.instance, NAME_LEN),
    vifPrefix: readCString(v, CtlHeader.vif_prefix, IFNAME_LEN),
  };
}

/**
 * Checks magic, ABI version and that every area lies inside the mapping.
 * Throws ABI_MISMATCH (magic/version/layout) or NOT_RUNNING (magic still 0:
 * the file is being created).
 */
export function validateHeader(buf: ArrayBuffer, file: string): CtlHeaderInfo {
  if (buf.byteLength < CTL_HEADER_SIZE) {
    throw new SlipwayError('ABI_MISMATCH', `${file}: ${buf.byteLength} bytes, smaller than a control header`);
  }
  const h = readHeader(buf);
  if (h.magic === 0) throw new SlipwayError('NOT_RUNNING', `${file}: not initialised yet (magic is 0)`);
  if (h.magic !== CTL_MAGIC) {
    throw new SlipwayError(
      'ABI_MISMATCH',
      `${file}: bad magic 0x${h.magic.toString(16)}, expected 0x${CTL_MAGIC.toString(16)}`,
    );
  }
  if (h.abiVersion !== CTL_ABI_VERSION) {
    throw new SlipwayError(
      'ABI_MISMATCH',
      `${file}: ABI version ${h.abiVersion}, this library speaks ${CTL_ABI_VERSION}`,
    );
  }
  if (h.headerSize !== CTL_HEADER_SIZE) {
    throw new SlipwayError('ABI_MISMATCH', `${file}: header size ${h.headerSize}, expected ${CTL_HEADER_SIZE}`);
  }
  const areas: [string, number, number][] = [
    ['request ring', h.reqOff, h.reqSize + 256],
    ['response ring', h.respOff, h.respSize + 256],
    ['event ring', h.evtOff, h.evtSize + 256],
    ['stats area', h.statsOff, h.statsSize],
  ];
  for (const [name, off, size] of areas) {
    if (off < CTL_HEADER_SIZE || off % 64 !== 0 || off + size > buf.byteLength) {
      throw new SlipwayError(
        'ABI_MISMATCH',
        `${file}: ${name} at ${off} (+${size}) is outside the ${buf.byteLength}-byte file`,
      );
    }
  }
  return h;
}

/** Human name of a header.state value. */
export function stateName(state: number): string {
  switch (state) {
    case State.STARTING:
      return 'starting';
    case State.READY:
      return 'ready';
    case State.STOPPING:
      return 'stopping';
    default:
      return `unknown(${state})`;
  }
}

/**
 * True when `pid` names a live process (a zombie counts as gone). EPERM
 * means it exists but belongs to someone else: alive.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The control file's header: path naming, reading it, validating its
 * layout against the size of the file, the checks of the file's owner, mode
 * and type (and its directory's), and the process identity (pid, start
 * time, pid namespace) that binds a client slot and tells a live dataplane.
 *
 * Shared memory is untrusted input: every offset and size is checked here
 * once, against the file's real size, and used as checked afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CTL_ABI_VERSION,
  CTL_HEADER_SIZE,
  CTL_MAGIC,
  CtlHeader,
  EVT_RECORD_SIZE,
  IFNAME_LEN,
  NETNS_LEN,
  NAME_LEN,
  RING_DATA_OFF,
  SLOT_HDR_SIZE,
  State,
} from './abi/control';
import { StatsArea } from './abi/stats';
import { readCString } from './bytes';
import { SlipwayError, check } from '../errors';

/** Default directory of control files (root-owned, mode 0700; slipwayd creates it). */
export const DEFAULT_CTL_DIR = '/run/slipway';

const INSTANCE_RE = /^[A-Za-z0-9_-]{1,31}$/;

/** Validates an instance name ([A-Za-z0-9_-]{1,31}); BAD_ARGUMENT otherwise. */
export function checkInstance(instance: unknown): asserts instance is string {
  check(
    typeof instance === 'string' && INSTANCE_RE.test(instance),
    `bad instance name ${JSON.stringify(instance)}: expected [A-Za-z0-9_-]{1,31}`,
  );
}

/** Path of an instance's control file: `${ctlDir}/${instance}.ctl`. */
export function ctlPath(instance: string, ctlDir: string = DEFAULT_CTL_DIR): string {
  checkInstance(instance);
  return path.join(ctlDir, `${instance}.ctl`);
}

/** Decoded struct sw_ctl_header. */
export interface CtlHeaderInfo {
  magic: number;
  abiVersion: number;
  headerSize: number;
  state: number;
  fileSize: bigint;
  slotOff: number;
  slotSize: number;
  nSlots: number;
  reqSize: number;
  respSize: number;
  evtOff: number;
  evtRecords: number;
  evtRecordSize: number;
  statsOff: number;
  statsSize: number;
  dpPid: number;
  nWorkers: number;
  dpHeartbeatNs: bigint;
  startTimeNs: bigint;
  dpStartTicks: bigint;
  evtNext: bigint;
  idleUs: number;
  dpPidns: number;
  instance: string;
  vifPrefix: string;
  /** The vEths' network namespace (`--vif-netns`), "" when they live in slipwayd's own. */
  vifNetns: string;
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
    slotOff: u32(CtlHeader.slot_off),
    slotSize: u32(CtlHeader.slot_size),
    nSlots: u32(CtlHeader.n_slots),
    reqSize: u32(CtlHeader.req_size),
    respSize: u32(CtlHeader.resp_size),
    evtOff: u32(CtlHeader.evt_off),
    evtRecords: u32(CtlHeader.evt_records),
    evtRecordSize: u32(CtlHeader.evt_record_size),
    statsOff: u32(CtlHeader.stats_off),
    statsSize: u32(CtlHeader.stats_size),
    dpPid: u32(CtlHeader.dp_pid),
    nWorkers: u32(CtlHeader.n_workers),
    dpHeartbeatNs: u64(CtlHeader.dp_heartbeat_ns),
    startTimeNs: u64(CtlHeader.start_time_ns),
    dpStartTicks: u64(CtlHeader.dp_start_ticks),
    evtNext: u64(CtlHeader.evt_next),
    idleUs: u32(CtlHeader.idle_us),
    dpPidns: u32(CtlHeader.dp_pidns),
    instance: readCString(v, CtlHeader.instance, NAME_LEN),
    vifPrefix: readCString(v, CtlHeader.vif_prefix, IFNAME_LEN),
    vifNetns: readCString(v, CtlHeader.vif_netns, NETNS_LEN),
  };
}

/** Slots in a control file at most (the ABI has 16; a bound on what we accept). */
const MAX_SLOTS_ACCEPTED = 256;
/** Largest ring data area accepted (1 GiB). */
const MAX_RING_SIZE = 1 << 30;
/** Most event-log records accepted. */
const MAX_EVT_RECORDS = 1 << 20;

function isPow2(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max && (n & (n - 1)) === 0;
}

/**
 * Checks magic, ABI version, that the header's file_size is the file's
 * real size, and that the slots, the event log and the statistics area lie
 * inside the file, aligned, without overlapping. Throws ABI_MISMATCH
 * (magic/version/layout) or NOT_RUNNING (magic still 0: being created).
 * The offsets of the returned header are the ones to use from then on.
 */
export function validateHeader(buf: ArrayBuffer, file: string): CtlHeaderInfo {
  const size = buf.byteLength;
  const bad = (why: string) => new SlipwayError('ABI_MISMATCH', `${file}: ${why}`);
  if (size < CTL_HEADER_SIZE) throw bad(`${size} bytes, smaller than a control header`);
  const h = readHeader(buf);
  if (h.magic === 0) throw new SlipwayError('NOT_RUNNING', `${file}: not initialised yet (magic is 0)`);
  if (h.magic !== CTL_MAGIC) {
    throw bad(`bad magic 0x${h.magic.toString(16)}, expected 0x${CTL_MAGIC.toString(16)}`);
  }
  if (h.abiVersion !== CTL_ABI_VERSION) {
    throw bad(`ABI version ${h.abiVersion}, this library speaks ${CTL_ABI_VERSION}`);
  }
  if (h.headerSize !== CTL_HEADER_SIZE) throw bad(`header size ${h.headerSize}, expected ${CTL_HEADER_SIZE}`);
  if (h.fileSize !== BigInt(size)) throw bad(`header says ${h.fileSize} bytes, the file has ${size}`);
  if (h.nSlots < 1 || h.nSlots > MAX_SLOTS_ACCEPTED) throw bad(`${h.nSlots} client slots`);
  if (!isPow2(h.reqSize, 64, MAX_RING_SIZE)) throw bad(`request ring size ${h.reqSize} is not a power of two`);
  if (!isPow2(h.respSize, 64, MAX_RING_SIZE)) throw bad(`response ring size ${h.respSize} is not a power of two`);
  const slotNeeds = SLOT_HDR_SIZE + 2 * RING_DATA_OFF + h.reqSize + h.respSize;
  if (h.slotSize % 64 !== 0 || h.slotSize < slotNeeds) {
    throw bad(`slot size ${h.slotSize} does not hold a slot header and rings of ${h.reqSize} and ${h.respSize} bytes`);
  }
  if (!isPow2(h.evtRecords, 1, MAX_EVT_RECORDS)) throw bad(`${h.evtRecords} event records is not a power of two`);
  if (h.evtRecordSize !== EVT_RECORD_SIZE) {
    throw bad(`event record size ${h.evtRecordSize}, expected ${EVT_RECORD_SIZE}`);
  }
  if (h.statsSize < StatsArea.SIZE) throw bad(`stats area of ${h.statsSize} bytes, expected ${StatsArea.SIZE}`);
  // Plain numbers: every product is below 2^53.
  const areas: [string, number, number][] = [
    ['client slots', h.slotOff, h.nSlots * h.slotSize],
    ['event log', h.evtOff, h.evtRecords * h.evtRecordSize],
    ['stats area', h.statsOff, h.statsSize],
  ];
  for (const [name, off, len] of areas) {
    if (off < CTL_HEADER_SIZE || off % 64 !== 0 || off + len > size) {
      throw bad(`${name} at ${off} (+${len}) is outside the ${size}-byte file`);
    }
  }
  for (let i = 0; i < areas.length; i++) {
    for (let j = i + 1; j < areas.length; j++) {
      const [a, ao, al] = areas[i];
      const [b, bo, bl] = areas[j];
      if (ao < bo + bl && bo < ao + al) throw bad(`${a} at ${ao} (+${al}) overlaps ${b} at ${bo} (+${bl})`);
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

/* ---------------- owner, mode and type ---------------- */

/** The uid a control file and its directory must belong to: root, or ourselves when we are not root. */
export function expectedOwner(euid: number): number[] {
  return euid === 0 ? [0] : [0, euid];
}

function fileType(mode: number): string {
  switch (mode & fs.constants.S_IFMT) {
    case fs.constants.S_IFREG:
      return 'regular file';
    case fs.constants.S_IFDIR:
      return 'directory';
    case fs.constants.S_IFLNK:
      return 'symbolic link';
    case fs.constants.S_IFIFO:
      return 'FIFO';
    case fs.constants.S_IFSOCK:
      return 'socket';
    case fs.constants.S_IFCHR:
      return 'character device';
    case fs.constants.S_IFBLK:
      return 'block device';
    default:
      return `file of type 0o${(mode & fs.constants.S_IFMT).toString(8)}`;
  }
}

function ownerName(uid: number): string {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && Number(f[2]) === uid) return `uid ${uid} (${f[0]})`;
    }
  } catch {
    /* no name */
  }
  return `uid ${uid}`;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/**
 * What is wrong with a control file from its fstat: not a regular file,
 * another owner than root (or the caller when not root), a mode other than
 * 0600. Undefined when it is fine.
 */
export function ctlFileProblem(st: { mode: number; uid: number }, euid: number): string | undefined {
  if ((st.mode & fs.constants.S_IFMT) !== fs.constants.S_IFREG) return `is a ${fileType(st.mode)}, not a regular file`;
  const owners = expectedOwner(euid);
  if (!owners.includes(st.uid)) {
    return `is owned by ${ownerName(st.uid)}, expected ${owners.map(ownerName).join(' or ')}`;
  }
  if ((st.mode & 0o7777) !== 0o600) return `has mode ${octal(st.mode)}, expected 0600`;
  return undefined;
}

/**
 * What is wrong with the control directory from its lstat: not a directory
 * (a symbolic link included), another owner than the file's, group or other
 * access. Undefined when it is fine.
 */
export function ctlDirProblem(st: { mode: number; uid: number }, owner: number): string | undefined {
  if ((st.mode & fs.constants.S_IFMT) !== fs.constants.S_IFDIR) return `is a ${fileType(st.mode)}, not a directory`;
  if (st.uid !== owner) return `is owned by ${ownerName(st.uid)}, expected ${ownerName(owner)} (the file's owner)`;
  if ((st.mode & 0o077) !== 0) return `has mode ${octal(st.mode)}, expected no group or other access (0700)`;
  return undefined;
}

/* ---------------- process identity ---------------- */

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

/** A process's start time in clock ticks after boot (proc(5) stat field 22); undefined when gone. */
export function startTicks(pid: number | 'self'): bigint | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "pid (comm) ": state is field 3, starttime field 22
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return BigInt(rest[22 - 3]);
  } catch {
    return undefined;
  }
}

/** This process's pid namespace: the low 32 bits of /proc/self/ns/pid's inode. */
export function ownPidns(): number {
  try {
    return Number(fs.statSync('/proc/self/ns/pid', { bigint: true }).ino & 0xffff_ffffn);
  } catch {
    return 0;
  }
}

/**
 * The dataplane of a header is alive: its pid runs and, when it is in our
 * pid namespace and wrote its start time, with that start time (a reused
 * pid is another process).
 */
export function dataplaneAlive(h: { dpPid: number; dpStartTicks: bigint; dpPidns: number }): boolean {
  if (!pidAlive(h.dpPid)) return false;
  if (h.dpStartTicks === 0n || h.dpPidns === 0 || h.dpPidns !== ownPidns()) return true;
  return startTicks(h.dpPid) === h.dpStartTicks;
}

/**
 * One dataplane incarnation as the client sees it: its control file, opened
 * without following links and checked (owner, mode, type, its directory),
 * mapped from the checked fd, its header validated (magic, ABI version,
 * layout inside the file, state READY, dataplane alive); the client slot it
 * holds (claim, heartbeat, release, the slot's two rings); the event log;
 * the futex sleeps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CtlHeader, State } from '../wire/abi/control';
import {
  type CtlHeaderInfo,
  ctlDirProblem,
  ctlFileProblem,
  dataplaneAlive,
  stateName,
  validateHeader,
} from '../wire/ctlfile';
import { EventLog } from '../wire/evlog';
import type { Ring } from '../wire/ring';
import { type ClaimedSlot, type ClientIdentity, SlotTable } from '../wire/slots';
import { SlipwayError } from '../errors';
import type { FutexWaitResult, NativeBinding } from '../native';

const I_DP_HB = CtlHeader.dp_heartbeat_ns / 8;
const I_STATE = CtlHeader.state / 4;
const I_DP_PID = CtlHeader.dp_pid / 4;

/** A mapped and validated control file. */
export interface MappedFile {
  buf: ArrayBuffer;
  h: CtlHeaderInfo;
  ino: number;
}

/**
 * Opens the control file of `instance` (O_NOFOLLOW), checks the open fd
 * (a regular file owned by root, or by us when we are not root, mode 0600)
 * and its directory (a directory of the same owner, no group or other
 * access), and maps that fd: nothing can swap the file between the check
 * and the map. Throws INSECURE naming what is wrong, NOT_RUNNING (no file)
 * or NATIVE.
 */
export function openControlFile(
  instance: string,
  file: string,
  native: NativeBinding,
): { buf: ArrayBuffer; ino: number } {
  const refuse = (what: string, why: string) =>
    new SlipwayError('INSECURE', `instance ${instance}: ${what} ${why}; refusing to use it`);
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not block the open
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SlipwayError('NOT_RUNNING', `instance ${instance}: no control file ${file} (is slipwayd running?)`, {
        cause: e,
      });
    }
    if (code === 'ELOOP') throw refuse(`control file ${file}`, 'is a symbolic link');
    throw new SlipwayError('NATIVE', `instance ${instance}: cannot open ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const st = fs.fstatSync(fd);
    const euid = process.geteuid?.() ?? 0;
    const fileWrong = ctlFileProblem(st, euid);
    if (fileWrong) throw refuse(`control file ${file}`, fileWrong);
    const dir = path.dirname(file);
    const dirWrong = ctlDirProblem(fs.lstatSync(dir), st.uid);
    if (dirWrong) throw refuse(`control directory ${dir}`, dirWrong);
    try {
      return { buf: native.mapFd(fd), ino: st.ino };
    } catch (e) {
      throw new SlipwayError('NATIVE', `instance ${instance}: cannot map ${file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Opens, checks and maps the control file of `instance`, then validates
 * its header: magic, ABI version, layout, state READY, dataplane alive.
 * Throws INSECURE, NOT_RUNNING, ABI_MISMATCH or NATIVE.
 */
export function mapControlFile(instance: string, file: string, native: NativeBinding): MappedFile {
  const { buf, ino } = openControlFile(instance, file, native);
  const h = validateHeader(buf, file);
  if (h.state !== State.READY) {
    throw new SlipwayError(
      'NOT_RUNNING',
      `instance ${instance}: dataplane is ${stateName(h.state)}, not ready (${file})`,
    );
  }
  if (!dataplaneAlive(h)) {
    throw new SlipwayError('NOT_RUNNING', `instance ${instance}: dataplane pid ${h.dpPid} is gone (stale ${file})`);
  }
  return { buf, h, ino };
}

/** The control file of one dataplane incarnation, attached. */
export class Attachment {
  readonly buf: ArrayBuffer;
  /** the header as validated at attach: its offsets and sizes are the ones used */
  readonly h: CtlHeaderInfo;
  readonly slots: SlotTable;
  readonly evlog: EventLog;
  readonly statsOff: number;
  /** the dataplane's pid and start time (an incarnation) */
  readonly pid: number;
  readonly startTimeNs: bigint;
  /** inode of the control file (a replaced file is another incarnation) */
  readonly ino: number;
  private readonly hdr32: Int32Array;
  private readonly hdr64: BigInt64Array;
  private slot?: ClaimedSlot;

  constructor(
    m: MappedFile,
    private readonly native: NativeBinding,
  ) {
    const { buf, h } = m;
    this.buf = buf;
    this.h = h;
    this.hdr32 = new Int32Array(buf, 0, CtlHeader.SIZE / 4);
    this.hdr64 = new BigInt64Array(buf, 0, CtlHeader.SIZE / 8);
    this.slots = new SlotTable(buf, h);
    this.evlog = new EventLog(buf, h.evtOff, h.evtRecords);
    this.statsOff = h.statsOff;
    this.pid = h.dpPid;
    this.startTimeNs = h.startTimeNs;
    this.ino = m.ino;
  }

  /**
   * Claims a client slot for `who`. BUSY naming the instance and the
   * holders when all are in use; PROTOCOL when the slot is malformed.
   */
  claimSlot(instance: string, who: ClientIdentity): ClaimedSlot {
    const wake = this.native.futexWake.bind(this.native);
    const s = this.slots.claim(who, { wake });
    if (!s) {
      const holders = this.slots
        .list()
        .map((v) => `${v.index}: pid ${v.pid}${v.name ? ` (${v.name})` : ''}`)
        .join(', ');
      throw new SlipwayError(
        'BUSY',
        `instance ${instance}: all ${this.slots.count} client slots are in use (${holders}); close a client or wait for a dead one's slot to be freed`,
      );
    }
    this.slot = s;
    return s;
  }

  /** The slot held now (undefined before a claim, or after a release). */
  get claimed(): ClaimedSlot | undefined {
    return this.slot;
  }

  /** Gives the slot back (only if it is still ours). */
  releaseSlot(): void {
    this.slot?.release();
  }

  private held(): ClaimedSlot {
    if (!this.slot) throw new SlipwayError('CLOSED', 'no client slot held');
    return this.slot;
  }

  /** The request ring of our slot. */
  get req(): Ring {
    return this.held().req;
  }

  /** The response ring of our slot. */
  get resp(): Ring {
    return this.held().resp;
  }

  /** Writes our slot's heartbeat (CLOCK_MONOTONIC). */
  writeHeartbeat(): void {
    this.slot?.beat(this.native.monotonicNs());
  }

  /** The dataplane's last heartbeat (CLOCK_MONOTONIC ns, 0 before the first). */
  dataplaneHeartbeatNs(): bigint {
    return BigInt.asUintN(64, Atomics.load(this.hdr64, I_DP_HB));
  }

  /** header.state now. */
  state(): number {
    return Atomics.load(this.hdr32, I_STATE) >>> 0;
  }

  /** header.dp_pid now (another pid: the file belongs to another incarnation). */
  headerPid(): number {
    return Atomics.load(this.hdr32, I_DP_PID) >>> 0;
  }

  /**
   * Sleeps until `ring` gets a message, at most `timeoutMs`, off the JS
   * thread: announce a sleeper, check once more (the producer wakes only
   * announced sleepers), then futex-wait on its wake word. 'pending' when
   * something was already there.
   */
  async sleepOn(ring: Ring, timeoutMs: number): Promise<'pending' | FutexWaitResult> {
    const w = ring.wakeValue();
    ring.setSleepers(1);
    try {
      if (!ring.isEmpty()) return 'pending';
      return await this.native.futexWait(this.buf, ring.wakeOffset, w, timeoutMs);
    } finally {
      ring.setSleepers(0);
    }
  }

  /**
   * Sleeps until the event log has events past `cursor`, at most
   * `timeoutMs`: evt_sleepers is shared by every reader, so it is
   * incremented and decremented, never stored.
   */
  async sleepOnEvents(cursor: bigint, timeoutMs: number): Promise<'pending' | FutexWaitResult> {
    const log = this.evlog;
    const w = log.wakeValue();
    log.addSleeper(1);
    try {
      if (log.next() !== cursor) return 'pending';
      return await this.native.futexWait(this.buf, log.wakeOffset, w, timeoutMs);
    } finally {
      log.addSleeper(-1);
    }
  }

  /**
   * Wakes our own futex sleeps on the response ring and the event log:
   * bumping the counters is harmless, everyone only compares them (other
   * readers of the log wake, see nothing new, and sleep again).
   */
  interruptWaits(): void {
    const words = [this.evlog.wakeOffset];
    if (this.slot) words.push(this.slot.resp.wakeOffset);
    for (const off of words) {
      Atomics.add(new Int32Array(this.buf, off, 1), 0, 1);
      this.native.futexWake(this.buf, off, 0x7fffffff);
    }
  }
}

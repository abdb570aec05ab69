/**
 * One dataplane incarnation as the client sees it: its mapped control file
 * (checked: magic, ABI version, state READY, pid alive), the three rings,
 * the controller lease, the heartbeats, and the futex sleeps on a ring.
 */
import * as fs from 'node:fs';
import type winston from 'winston';
import { CtlHeader, State } from '../wire/abi/control';
import { type CtlHeaderInfo, pidAlive, stateName, validateHeader } from '../wire/ctlfile';
import { Ring } from '../wire/ring';
import { SlipwayError } from '../errors';
import type { FutexWaitResult, NativeBinding } from '../native';

const I_LEASE_PID = CtlHeader.lease_pid / 4;
const I_LEASE_GEN = CtlHeader.lease_gen / 4;
const I_CTL_HB = CtlHeader.ctl_heartbeat_ns / 8;
const I_DP_HB = CtlHeader.dp_heartbeat_ns / 8;
const I_STATE = CtlHeader.state / 4;
const I_DP_PID = CtlHeader.dp_pid / 4;
const I_EVT_DROPPED = CtlHeader.evt_dropped / 8;

/** A mapped and validated control file. */
export interface MappedFile {
  buf: ArrayBuffer;
  h: CtlHeaderInfo;
  ino: number;
}

/**
 * Maps and validates the control file of `instance`: magic, ABI version,
 * state READY, dataplane pid alive. Throws NOT_RUNNING, ABI_MISMATCH or NATIVE.
 */
export function mapControlFile(instance: string, file: string, native: NativeBinding): MappedFile {
  let buf: ArrayBuffer;
  let ino = 0;
  try {
    buf = native.mapFile(file);
    ino = fs.statSync(file).ino;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SlipwayError('NOT_RUNNING', `instance ${instance}: no control file ${file} (is slipwayd running?)`, {
        cause: e,
      });
    }
    throw new SlipwayError('NATIVE', `instance ${instance}: cannot map ${file}: ${(e as Error).message}`, { cause: e });
  }
  const h = validateHeader(buf, file);
  if (h.state !== State.READY) {
    throw new SlipwayError(
      'NOT_RUNNING',
      `instance ${instance}: dataplane is ${stateName(h.state)}, not ready (${file})`,
    );
  }
  if (!pidAlive(h.dpPid)) {
    throw new SlipwayError('NOT_RUNNING', `instance ${instance}: dataplane pid ${h.dpPid} is gone (stale ${file})`);
  }
  return { buf, h, ino };
}

/** The control file of one dataplane incarnation, attached. */
export class Attachment {
  readonly buf: ArrayBuffer;
  readonly req: Ring;
  readonly resp: Ring;
  readonly evt: Ring;
  readonly statsOff: number;
  /** the dataplane's pid and start time (an incarnation) */
  readonly pid: number;
  readonly startTimeNs: bigint;
  /** inode of the control file (a replaced file is another incarnation) */
  readonly ino: number;
  private readonly hdr32: Int32Array;
  private readonly hdr64: BigInt64Array;

  constructor(
    m: MappedFile,
    private readonly native: NativeBinding,
  ) {
    const { buf, h } = m;
    const wake = native.futexWake.bind(native);
    this.buf = buf;
    this.hdr32 = new Int32Array(buf, 0, CtlHeader.SIZE / 4);
    this.hdr64 = new BigInt64Array(buf, 0, CtlHeader.SIZE / 8);
    this.req = new Ring(buf, h.reqOff, h.reqSize, { wake, name: 'request ring' });
    this.resp = new Ring(buf, h.respOff, h.respSize, { wake, name: 'response ring' });
    this.evt = new Ring(buf, h.evtOff, h.evtSize, { wake, name: 'event ring' });
    this.statsOff = h.statsOff;
    this.pid = h.dpPid;
    this.startTimeNs = h.startTimeNs;
    this.ino = m.ino;
  }

  /**
   * Takes the controller lease: free, or held by a dead pid (reclaimed, with
   * a warning). LEASE_HELD when a live process holds it. Bumps lease_gen.
   */
  takeLease(log: winston.Logger): void {
    const hdr32 = this.hdr32;
    const me = process.pid;
    for (let attempt = 0; attempt < 16; attempt++) {
      const cur = Atomics.compareExchange(hdr32, I_LEASE_PID, 0, me) >>> 0;
      if (cur === 0) break;
      if (cur === me) {
        throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur} (this process: close the other client first)`);
      }
      if (pidAlive(cur)) throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur}`);
      if (Atomics.compareExchange(hdr32, I_LEASE_PID, cur | 0, me) >>> 0 === cur) {
        log.warn(`reclaimed the lease of dead controller pid ${cur}`, { oldPid: cur });
        break;
      }
      if (attempt === 15) throw new SlipwayError('LEASE_HELD', `lease contended, last held by pid ${cur}`);
    }
    Atomics.add(hdr32, I_LEASE_GEN, 1);
  }

  /** Releases the lease, only if it is still ours. */
  releaseLease(): void {
    Atomics.compareExchange(this.hdr32, I_LEASE_PID, process.pid, 0);
  }

  get leaseGen(): number {
    return Atomics.load(this.hdr32, I_LEASE_GEN) >>> 0;
  }

  /** Drops what a previous controller left on the response and event rings. */
  skipLeftovers(): void {
    this.resp.skipAll();
    this.evt.skipAll();
  }

  /** Writes the controller heartbeat (CLOCK_MONOTONIC). */
  writeHeartbeat(): void {
    Atomics.store(this.hdr64, I_CTL_HB, BigInt.asIntN(64, this.native.monotonicNs()));
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

  /** Events the dataplane dropped so far because the event ring was full. */
  eventsDropped(): bigint {
    return BigInt.asUintN(64, Atomics.load(this.hdr64, I_EVT_DROPPED));
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
   * Wakes our own futex sleeps on the response and event rings: bumping the
   * counter is harmless, both sides only compare it.
   */
  interruptWaits(): void {
    for (const r of [this.resp, this.evt]) {
      Atomics.add(new Int32Array(this.buf, r.wakeOffset, 1), 0, 1);
      this.native.futexWake(this.buf, r.wakeOffset, 0x7fffffff);
    }
  }
}

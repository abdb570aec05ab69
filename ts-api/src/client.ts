/**
 * The controller: attaches to a running slipwayd through its control file,
 * holds the lease, sends requests on the request ring and matches responses
 * by sequence number, reads events and statistics.
 */
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type winston from 'winston';
import { CtlHeader, Op, State, STATUS_OK } from './abi';
import {
  Hello,
  PortInfo,
  PortSettings,
  SlipwayEvent,
  XConnect,
  decodeErrorText,
  decodeEvent,
  decodeHello,
  decodePortInfoPayload,
  decodePortList,
  decodeXConnectList,
  encodeDevargs,
  encodePortRef,
  encodePortSet,
  encodeXConnect,
} from './codec';
import { CtlHeaderInfo, checkInstance, ctlPath, pidAlive, readHeader, stateName, validateHeader } from './ctlfile';
import { SlipwayError, check, statusError } from './errors';
import { defaultLogger } from './logger';
import { NativeBinding, loadNative } from './native';
import { Ring } from './ring';
import { Stats, readStats } from './stats';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Directory of the control file (default /dev/shm). */
  ctlDir?: string;
  /** Default per-request timeout in ms (default 5000). */
  timeoutMs?: number;
  logger?: winston.Logger;
}

/** Raw response of {@link Slipway.request}. */
export interface RawResponse {
  status: number;
  payload: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 5000;
const HEARTBEAT_MS = 100;
const SPIN_ROUNDS = 16; // event-loop turns spent polling before sleeping on the futex
const RESP_WAIT_MS = 50;
const EVT_WAIT_MS = 200;

const I_LEASE_PID = CtlHeader.lease_pid / 4;
const I_LEASE_GEN = CtlHeader.lease_gen / 4;
const I_CTL_HB = CtlHeader.ctl_heartbeat_ns / 8;
const I_STATE = CtlHeader.state / 4;
const I_EVT_DROPPED = CtlHeader.evt_dropped / 8;

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));

/** Name of an op code ("PORT_GET", or "op 0x1234"). */
export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `op 0x${op.toString(16).padStart(4, '0')}`;
}

interface Pending {
  op: number;
  deadline: number;
  timeoutMs: number;
  resolve: (r: RawResponse) => void;
  reject: (e: Error) => void;
}

interface Outgoing {
  op: number;
  seq: number;
  payload: Uint8Array;
}

/** Per-subscriber event queue handed out by {@link Slipway.events}. */
class EventQueue implements AsyncIterableIterator<SlipwayEvent> {
  private buf: SlipwayEvent[] = [];
  private waiter?: { resolve: (r: IteratorResult<SlipwayEvent>) => void; reject: (e: Error) => void };
  private done = false;
  private error?: Error;

  constructor(private readonly onEnd: (q: EventQueue) => void) {}

  push(e: SlipwayEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: e, done: false });
    } else {
      this.buf.push(e);
    }
  }

  end(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.onEnd(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      if (err) w.reject(err);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<SlipwayEvent>> {
    if (this.buf.length) return Promise.resolve({ value: this.buf.shift() as SlipwayEvent, done: false });
    if (this.done) {
      if (this.error) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<SlipwayEvent>> {
    this.buf = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SlipwayEvent> {
    return this;
  }
}

/**
 * Attaches to the running instance `instance`: maps its control file,
 * checks magic, ABI version, state READY and that the dataplane pid is
 * alive, then takes the controller lease.
 *
 * Fails with NOT_RUNNING (no file, not ready, dataplane gone), ABI_MISMATCH,
 * LEASE_HELD (another live controller holds the lease) or NATIVE.
 */
export async function connect(instance: string, opts: ConnectOptions = {}): Promise<Slipway> {
  checkInstance(instance);
  const file = ctlPath(instance, opts.ctlDir);
  const native = loadNative();
  let buf: ArrayBuffer;
  try {
    buf = native.mapFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SlipwayError('NOT_RUNNING', `instance ${instance}: no control file ${file} (is slipwayd running?)`, { cause: e });
    }
    throw new SlipwayError('NATIVE', `instance ${instance}: cannot map ${file}: ${(e as Error).message}`, { cause: e });
  }
  const h = validateHeader(buf, file);
  if (h.state !== State.READY) {
    throw new SlipwayError('NOT_RUNNING', `instance ${instance}: dataplane is ${stateName(h.state)}, not ready (${file})`);
  }
  if (!pidAlive(h.dpPid)) {
    throw new SlipwayError('NOT_RUNNING', `instance ${instance}: dataplane pid ${h.dpPid} is gone (stale ${file})`);
  }
  return new Slipway(instance, file, buf, h, native, opts);
}

/** A connected controller of one slipwayd instance (holds its lease until close()). */
export class Slipway {
  /** Instance name. */
  readonly instance: string;
  /** Dataplane pid. */
  readonly pid: number;
  /** Control file path. */
  readonly path: string;

  private readonly buf: ArrayBuffer;
  private readonly native: NativeBinding;
  private readonly log: winston.Logger;
  private readonly hdr32: Int32Array;
  private readonly hdr64: BigInt64Array;
  private readonly req: Ring;
  private readonly resp: Ring;
  private readonly evt: Ring;
  private readonly statsOff: number;
  private readonly timeoutMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onExit = (): void => this.releaseLease();

  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly outgoing: Outgoing[] = [];
  private pump?: Promise<void>;
  private readonly subscribers = new Set<EventQueue>();
  private evtLoop?: Promise<void>;
  private evtDropped: bigint;
  private closed = false;
  private broken?: SlipwayError;
  private child?: ChildProcess;

  /** @internal use {@link connect} or {@link launch}. */
  constructor(instance: string, file: string, buf: ArrayBuffer, h: CtlHeaderInfo, native: NativeBinding, opts: ConnectOptions) {
    this.instance = instance;
    this.path = file;
    this.pid = h.dpPid;
    this.buf = buf;
    this.native = native;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = (opts.logger ?? defaultLogger()).child({ instance });
    this.hdr32 = new Int32Array(buf, 0, CtlHeader.SIZE / 4);
    this.hdr64 = new BigInt64Array(buf, 0, CtlHeader.SIZE / 8);
    const wake = native.futexWake.bind(native);
    this.req = new Ring(buf, h.reqOff, h.reqSize, { wake, name: 'request ring' });
    this.resp = new Ring(buf, h.respOff, h.respSize, { wake, name: 'response ring' });
    this.evt = new Ring(buf, h.evtOff, h.evtSize, { wake, name: 'event ring' });
    this.statsOff = h.statsOff;

    this.takeLease();
    // A dead controller's leftovers are not ours.
    this.resp.skipAll();
    this.evt.skipAll();
    this.evtDropped = BigInt.asUintN(64, Atomics.load(this.hdr64, I_EVT_DROPPED));
    this.seq = randomInt(0, 0x1_0000_0000);
    this.writeHeartbeat();
    this.heartbeat = setInterval(() => this.writeHeartbeat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    process.on('exit', this.onExit);
    this.log.debug('connected', { path: file, dpPid: this.pid, leaseGen: Atomics.load(this.hdr32, I_LEASE_GEN) >>> 0 });
  }

  private takeLease(): void {
    const me = process.pid;
    for (let attempt = 0; attempt < 16; attempt++) {
      const cur = Atomics.compareExchange(this.hdr32, I_LEASE_PID, 0, me) >>> 0;
      if (cur === 0) break;
      if (cur === me) {
        throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur} (this process: close the other client first)`);
      }
      if (pidAlive(cur)) throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur}`);
      if ((Atomics.compareExchange(this.hdr32, I_LEASE_PID, cur | 0, me) >>> 0) === cur) {
        this.log.warn(`reclaimed the lease of dead controller pid ${cur}`, { oldPid: cur });
        break;
      }
      if (attempt === 15) throw new SlipwayError('LEASE_HELD', `lease contended, last held by pid ${cur}`);
    }
    Atomics.add(this.hdr32, I_LEASE_GEN, 1);
  }

  private releaseLease(): void {
    Atomics.compareExchange(this.hdr32, I_LEASE_PID, process.pid, 0);
  }

  private writeHeartbeat(): void {
    Atomics.store(this.hdr64, I_CTL_HB, BigInt.asIntN(64, this.native.monotonicNs()));
  }

  /** @internal launch() hands over the spawned process so close() can unref it. */
  attachChild(child: ChildProcess): void {
    this.child = child;
  }

  /** The control header as it is now (state, heartbeats, lease, sizes). */
  header(): CtlHeaderInfo {
    return readHeader(this.buf);
  }

  /* ---------------- requests ---------------- */

  /**
   * Low-level: sends `op` with a raw `payload` and resolves with the raw
   * status and payload, whatever the status. No validation: meant for tests
   * and tools that check the dataplane's own validation. Rejects only with
   * TIMEOUT, DATAPLANE_GONE, CLOSED or PROTOCOL.
   */
  request(op: number, payload: Uint8Array = new Uint8Array(0), opts: { timeoutMs?: number } = {}): Promise<RawResponse> {
    try {
      this.ensureUsable();
      check(Number.isInteger(op) && op >= 0 && op <= 0xffff, `bad op ${JSON.stringify(op)}: expected an integer 0..0xffff`);
      check(payload instanceof Uint8Array, 'bad payload: expected a Uint8Array');
    } catch (e) {
      return Promise.reject(e);
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending.set(seq, { op, deadline: performance.now() + timeoutMs, timeoutMs, resolve, reject });
      try {
        if (this.outgoing.length > 0 || !this.req.produce({ type: op, seq, payload })) {
          this.outgoing.push({ op, seq, payload });
        }
      } catch (e) {
        this.pending.delete(seq);
        reject(e);
        return;
      }
      this.startPump();
    });
  }

  /** Sends a request and returns the OK payload; a non-OK status becomes a SlipwayError. */
  private async call(op: number, payload?: Uint8Array): Promise<Uint8Array> {
    const r = await this.request(op, payload);
    if (r.status !== STATUS_OK) throw statusError(r.status, decodeErrorText(r.payload));
    return r.payload;
  }

  private ensureUsable(): void {
    if (this.closed) throw new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`);
    if (this.broken) throw this.broken;
  }

  private startPump(): void {
    if (this.pump) return;
    this.pump = this.runPump()
      .catch((e: unknown) => this.failAll(e instanceof SlipwayError ? e : new SlipwayError('PROTOCOL', String(e), { cause: e }), true))
      .finally(() => {
        this.pump = undefined;
        if (this.pending.size > 0 && !this.closed && !this.broken) this.startPump();
      });
  }

  // One loop serves every request in flight: flush queued sends, drain
  // responses, expire deadlines, then spin a little and sleep on the futex.
  private async runPump(): Promise<void> {
    let idle = 0;
    while (this.pending.size > 0 && !this.closed) {
      this.flushOutgoing();
      if (this.drainResponses() > 0) {
        idle = 0;
        continue;
      }
      this.expire(performance.now());
      if (this.pending.size === 0) break;
      if (idle++ < SPIN_ROUNDS) {
        await yieldNow();
        continue;
      }
      const w = this.resp.wakeValue();
      this.resp.setSleepers(1);
      if (!this.resp.isEmpty()) {
        this.resp.setSleepers(0);
        continue;
      }
      let r: string;
      try {
        r = await this.native.futexWait(this.buf, this.resp.wakeOffset, w, RESP_WAIT_MS);
      } finally {
        this.resp.setSleepers(0);
      }
      if (r === 'timeout') this.checkAlive();
    }
  }

  private flushOutgoing(): void {
    while (this.outgoing.length > 0) {
      const o = this.outgoing[0];
      if (!this.pending.has(o.seq)) {
        this.outgoing.shift(); // timed out before it could be sent
        continue;
      }
      if (!this.req.produce({ type: o.op, seq: o.seq, payload: o.payload })) return;
      this.outgoing.shift();
    }
  }

  private drainResponses(): number {
    let n = 0;
    for (let m = this.resp.consume(); m !== null; m = this.resp.consume()) {
      n++;
      const p = this.pending.get(m.seq);
      if (!p) {
        this.log.debug('ignoring response for a request not pending', { seq: m.seq, op: opName(m.type) });
        continue;
      }
      this.pending.delete(m.seq);
      if (m.type !== p.op) this.log.debug('response type differs from request', { seq: m.seq, req: opName(p.op), resp: opName(m.type) });
      p.resolve({ status: m.status, payload: m.payload });
    }
    return n;
  }

  private expire(now: number): void {
    for (const [seq, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(seq);
        p.reject(new SlipwayError('TIMEOUT', `instance ${this.instance}: ${opName(p.op)} (seq ${seq}) got no response within ${p.timeoutMs} ms`));
      }
    }
  }

  private checkAlive(): void {
    if (!pidAlive(this.pid)) {
      this.failAll(new SlipwayError('DATAPLANE_GONE', `instance ${this.instance}: dataplane pid ${this.pid} is gone`), true);
    }
  }

  private failAll(err: SlipwayError, permanent: boolean): void {
    if (permanent && !this.broken && !this.closed) this.broken = err;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(err);
    }
    this.outgoing.length = 0;
    for (const q of [...this.subscribers]) q.end(permanent ? err : undefined);
  }

  /* ---------------- operations ---------------- */

  /** HELLO: the dataplane's ABI version, pid, worker and port counts. */
  async hello(): Promise<Hello> {
    return decodeHello(await this.call(Op.HELLO));
  }

  /** Port operations. Port indexes are validated (integer 0..15) before sending. */
  readonly ports = {
    /** All ports, in index order. */
    list: async (): Promise<PortInfo[]> => decodePortList(await this.call(Op.PORT_LIST)),
    /** One port. */
    get: async (port: number): Promise<PortInfo> => decodePortInfoPayload(await this.call(Op.PORT_GET, encodePortRef(port))),
    /** Adds a port from ethdev devargs (e.g. "net_null0" or "net_af_packet0,iface=veth0"); it gets the next index. */
    add: async (devargs: string): Promise<PortInfo> => decodePortInfoPayload(await this.call(Op.PORT_ADD, encodeDevargs(devargs))),
    /** Starts a port (its rx queue gets a worker lcore). */
    start: async (port: number): Promise<PortInfo> =>
      decodePortInfoPayload(await this.call(Op.PORT_START, encodePortRef(port))),
    /** Stops a port. */
    stop: async (port: number): Promise<PortInfo> => decodePortInfoPayload(await this.call(Op.PORT_STOP, encodePortRef(port))),
    /** Changes MTU, MAC ("aa:bb:cc:dd:ee:ff") and/or promiscuous mode; at least one must be given. */
    set: async (port: number, s: PortSettings): Promise<PortInfo> => {
      check(s !== null && typeof s === 'object', `bad port settings ${JSON.stringify(s)}: expected an object`);
      check(
        s.mtu !== undefined || s.mac !== undefined || s.promisc !== undefined,
        `port ${port}: nothing to set (give mtu, mac or promisc)`,
      );
      return decodePortInfoPayload(await this.call(Op.PORT_SET, encodePortSet({ port, ...s })));
    },
  };

  /** Cross-connects: everything received on a port is sent on another. */
  readonly xconnects = {
    /** Forwards everything received on inPort to outPort. */
    add: async (inPort: number, outPort: number): Promise<void> => {
      await this.call(Op.XC_ADD, encodeXConnect({ inPort, outPort }));
    },
    /** Removes the cross-connect of inPort. */
    remove: async (inPort: number): Promise<void> => {
      await this.call(Op.XC_DEL, encodePortRef(inPort));
    },
    /** All cross-connects. */
    list: async (): Promise<XConnect[]> => decodeXConnectList(await this.call(Op.XC_LIST)),
  };

  /**
   * Reads the statistics area. With sync (default true) a STATS_SYNC is sent
   * first so device counters are fresh. Counters are summed over lcores.
   */
  async stats(opts: { sync?: boolean } = {}): Promise<Stats> {
    this.ensureUsable();
    if (opts.sync ?? true) await this.call(Op.STATS_SYNC);
    for (let attempt = 0; attempt < 100; attempt++) {
      const s = readStats(this.buf, this.statsOff);
      if (s) return s;
      await sleep(1);
    }
    throw new SlipwayError('TIMEOUT', `instance ${this.instance}: device statistics stayed inconsistent (seqlock held)`);
  }

  /* ---------------- events ---------------- */

  /**
   * Events from the event ring (published since connect, or since an
   * earlier iterator read them). Every concurrent iterator gets every
   * event. Ends when close() is called or the iterator is returned; throws
   * DATAPLANE_GONE if the dataplane disappears.
   */
  events(): AsyncIterableIterator<SlipwayEvent> {
    const q = new EventQueue((x) => this.subscribers.delete(x));
    if (this.closed) {
      q.end();
      return q;
    }
    if (this.broken) {
      q.end(this.broken);
      return q;
    }
    this.subscribers.add(q);
    if (!this.evtLoop) {
      this.evtLoop = this.runEvents()
        .catch((e: unknown) => this.failAll(e instanceof SlipwayError ? e : new SlipwayError('PROTOCOL', String(e), { cause: e }), true))
        .finally(() => (this.evtLoop = undefined));
    }
    return q;
  }

  private async runEvents(): Promise<void> {
    while (this.subscribers.size > 0 && !this.closed) {
      let n = 0;
      for (let m = this.evt.consume(); m !== null; m = this.evt.consume()) {
        n++;
        const e = decodeEvent(m);
        if (e === null) {
          this.log.debug('ignoring unknown event type', { type: m.type, seq: m.seq });
          continue;
        }
        for (const q of this.subscribers) q.push(e);
      }
      const dropped = BigInt.asUintN(64, Atomics.load(this.hdr64, I_EVT_DROPPED));
      if (dropped !== this.evtDropped) {
        this.log.warn(`dataplane dropped ${dropped - this.evtDropped} events (event ring full)`);
        this.evtDropped = dropped;
      }
      if (n > 0) continue;
      const w = this.evt.wakeValue();
      this.evt.setSleepers(1);
      if (!this.evt.isEmpty()) {
        this.evt.setSleepers(0);
        continue;
      }
      let r: string;
      try {
        r = await this.native.futexWait(this.buf, this.evt.wakeOffset, w, EVT_WAIT_MS);
      } finally {
        this.evt.setSleepers(0);
      }
      if (r === 'timeout') this.checkAlive();
    }
  }

  /* ---------------- lifecycle ---------------- */

  /**
   * Releases the lease (only if still ours), ends event iterators, rejects
   * requests in flight with CLOSED. A dataplane started by launch() keeps
   * running (and no longer keeps this process alive). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    process.off('exit', this.onExit);
    const err = new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`);
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(err);
    }
    this.outgoing.length = 0;
    for (const q of [...this.subscribers]) q.end();
    // Interrupt our own futex sleeps: bumping the counter is harmless, both
    // sides only compare it.
    for (const r of [this.resp, this.evt]) {
      Atomics.add(new Int32Array(this.buf, r.wakeOffset, 1), 0, 1);
      this.native.futexWake(this.buf, r.wakeOffset, 0x7fffffff);
    }
    await Promise.allSettled([this.pump, this.evtLoop]);
    this.releaseLease();
    this.child?.unref();
    this.log.debug('closed');
  }

  /**
   * Stops the dataplane: SIGTERM, then waits until its pid is gone and the
   * control file removed; SIGKILL after timeoutMs (default 10000), and a
   * control file left behind by a killed dataplane is removed. Closes the client.
   */
  async shutdown(opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 10000;
    const pid = this.pid;
    const gone = () => !pidAlive(pid) && !fs.existsSync(this.path);
    this.log.info(`stopping dataplane pid ${pid}`);
    signal(pid, 'SIGTERM');
    const deadline = performance.now() + timeoutMs;
    let deadSince: number | undefined;
    while (!gone() && performance.now() < deadline) {
      // A dataplane that died without removing its file: 1 s of grace, then stop waiting.
      if (!pidAlive(pid)) {
        deadSince ??= performance.now();
        if (performance.now() - deadSince > 1000) break;
      }
      await sleep(20);
    }
    if (pidAlive(pid)) {
      this.log.warn(`dataplane pid ${pid} still alive after ${timeoutMs} ms, sending SIGKILL`);
      signal(pid, 'SIGKILL');
      const killDeadline = performance.now() + 5000;
      while (pidAlive(pid) && performance.now() < killDeadline) await sleep(20);
    }
    if (!pidAlive(pid) && fs.existsSync(this.path) && readHeader(this.buf).dpPid === pid) {
      this.log.warn(`removing control file ${this.path} left behind by pid ${pid}`);
      fs.rmSync(this.path, { force: true });
    }
    await this.close();
    if (pidAlive(pid)) throw new SlipwayError('TIMEOUT', `instance ${this.instance}: dataplane pid ${pid} survived SIGKILL`);
  }

  /** True once close() (or shutdown()) was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the control header says READY and the dataplane pid is alive. */
  isAlive(): boolean {
    return (Atomics.load(this.hdr32, I_STATE) >>> 0) === State.READY && pidAlive(this.pid);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

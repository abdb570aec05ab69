/**
 * The controller: attaches to a running slipwayd through its control file,
 * holds the lease, sends requests on the request ring and matches responses
 * by sequence number, reads events and statistics, watches the dataplane's
 * heartbeat and (when asked) replays the desired configuration on a
 * restarted dataplane.
 *
 * ## Waiting for responses: latency against CPU
 *
 * After writing a request (slipwayd is woken with a futex only when the
 * request ring's `sleepers` word says its main lcore sleeps), the client
 * waits for the answer *synchronously* on the JavaScript thread for up to
 * `spinUs` microseconds (default {@link DEFAULT_SPIN_US}): an optional busy
 * poll of the response ring's producer index (`busyPollUs`, default 0), then
 * a futex wait in the calling thread (the addon's futexWaitSync). No await in
 * between: an answer within the bound costs no event-loop turn and no
 * thread hop, and the CPU is given to the dataplane while waiting. Past the
 * bound the client falls back to an asynchronous futex wait in the addon,
 * off the JavaScript thread (a libuv worker: tens of µs more latency, no
 * CPU, the event loop runs).
 *
 * - Each request may block the event loop up to `spinUs`. Requests made in
 *   the same tick share one wait: it runs in a microtask after all of them
 *   are written.
 * - `spinUs: 0` never waits synchronously (lowest event-loop impact).
 * - Busy polling only pays off with a spare core. On this project's 2-CPU
 *   test machine a polling JS thread placed on the CPU of slipwayd's main
 *   lcore starves it (measured p50 250 µs instead of 2.4 µs), hence the
 *   default 0. Place the controller away from the main lcore's CPU (e.g.
 *   `taskset -p -c <cpus> <node pid>`) for the best latency: the futex
 *   handoff then costs ~1.5 µs, a full `await sw.hello()` ~2.5 µs.
 * - Batches never wait synchronously on the futex (the dataplane would
 *   wake us after every pass); they poll for `busyPollUs`, then sleep
 *   asynchronously while the request ring keeps the dataplane busy, and
 *   yield to the event loop at least every {@link SLICE_MS} ms.
 * - slipwayd's own knobs (LaunchOptions.dataplaneSpinUs / idleUs): its main
 *   lcore polls for --spin-us after its last work, then sleeps on the futex
 *   up to --idle-us; a request always wakes it.
 *
 * ## Lifecycle events
 *
 * A Slipway is an EventEmitter (see {@link SlipwayLifecycleEvents}):
 * - 'dataplane-gone': the dataplane pid is gone, its heartbeat is older than
 *   `heartbeatTimeoutMs` (default 500), or it stopped. Requests in flight
 *   fail with DATAPLANE_GONE. Detected within one watch interval (100 ms).
 * - 'dataplane-restarted': a new slipwayd replaced the control file of the
 *   same instance (different inode, pid or start time).
 * - 'replayed' / 'replay-failed': with `replay: true`, the client
 *   reattaches to the new dataplane, takes the lease and applies the desired
 *   configuration recorded from the calls made through it.
 * Without replay, the client stays unusable (DATAPLANE_GONE) after either;
 * connect() again.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type winston from 'winston';
import { CtlHeader, Op, PORT_NONE, PortRef, State, STATUS_OK } from './abi';
import {
  BatchRequest,
  BatchResult,
  BatchSource,
  RawSource,
  XConnectPair,
  XcAddSource,
  XcChurnSource,
  XcDelSource,
} from './batch';
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
  checkPort,
  encodePortRef,
  encodePortSet,
  encodeXConnect,
} from './codec';
import { CtlHeaderInfo, checkInstance, ctlPath, pidAlive, readHeader, stateName, validateHeader } from './ctlfile';
import { DesiredConfig, ReplaySummary } from './desired';
import { Family, canonicalIp } from './ip';
import {
  ListPage,
  NeighSource,
  Neighbour,
  NeighbourRef,
  Route,
  RouteSource,
  RouteSpec,
  Rule,
  RuleEntry,
  RuleSource,
  decodeNeighbourList,
  decodeRouteList,
  decodeRuleList,
  encodeListReq,
} from './tables';
import { SlipwayError, check, statusError } from './errors';
import { defaultLogger } from './logger';
import { NativeBinding, loadNative } from './native';
import { Ring } from './ring';
import { Stats, readStats } from './stats';
import {
  decodePolicerInfo,
  encodePolicerSet,
  normalizePolicer,
  type PolicerConfig,
  type PolicerSetting,
} from './policer';
import { decodeSyncState, encodeSyncSet, type KernelSyncState } from './ksync';

/** Retry policy of {@link connect}: exponential backoff between attempts. */
export interface RetryOptions {
  /** Total attempts, the first included (default 5). */
  attempts?: number;
  /** Delay before the second attempt in ms (default 50); doubles each time. */
  initialDelayMs?: number;
  /** Upper bound of the delay in ms (default 2000). */
  maxDelayMs?: number;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Directory of the control file (default /dev/shm). */
  ctlDir?: string;
  /** Default per-request timeout in ms (default 5000); for batches, the longest wait without progress. */
  timeoutMs?: number;
  logger?: winston.Logger;
  /**
   * Bound of the synchronous wait for a response on the JS thread, in µs
   * (default {@link DEFAULT_SPIN_US}; 0: always wait asynchronously). See
   * the module comment for the latency/CPU trade-off.
   */
  spinUs?: number;
  /**
   * Part of spinUs spent busy-polling the ring before the synchronous futex
   * wait, in µs (default 0). Only worth it with a spare core: on a machine
   * where the JS thread shares a CPU with slipwayd's main lcore, polling
   * starves the dataplane and makes every round trip slower.
   */
  busyPollUs?: number;
  /** The dataplane counts as gone when its heartbeat is older than this, in ms (default 500). */
  heartbeatTimeoutMs?: number;
  /** Period of the heartbeat write and the dataplane watch, in ms (default 100). */
  watchIntervalMs?: number;
  /**
   * Retry while the instance is not running (yet) or its lease is held,
   * with exponential backoff. `true` uses the defaults of {@link RetryOptions}.
   * Other errors (ABI_MISMATCH, BAD_ARGUMENT, NATIVE) fail at once.
   */
  retry?: RetryOptions | boolean;
  /**
   * Record the desired configuration made through this client and replay it
   * on a restarted dataplane of the same instance (see 'replayed').
   */
  replay?: boolean;
}

/** Raw response of {@link Slipway.request}. */
export interface RawResponse {
  status: number;
  payload: Uint8Array;
}

/** Payload of 'dataplane-gone'. */
export interface DataplaneGoneEvent {
  instance: string;
  pid: number;
  /** 'pid-gone', 'heartbeat' (stale), 'stopping' (state STOPPING) or 'file-removed'. */
  reason: 'pid-gone' | 'heartbeat' | 'stopping' | 'file-removed';
  /** Age of the last dataplane heartbeat when detected, in ms. */
  heartbeatAgeMs: number;
}

/** Payload of 'dataplane-restarted'. */
export interface DataplaneRestartedEvent {
  instance: string;
  oldPid: number;
  newPid: number;
}

/** Payload of 'replay-failed'. */
export interface ReplayFailedEvent {
  instance: string;
  pid: number;
  error: SlipwayError;
}

/** The lifecycle events a {@link Slipway} emits (node:events). */
export interface SlipwayLifecycleEvents {
  'dataplane-gone': [DataplaneGoneEvent];
  'dataplane-restarted': [DataplaneRestartedEvent];
  replayed: [ReplaySummary];
  'replay-failed': [ReplayFailedEvent];
}

/** Default bound of the synchronous wait for a response, µs. */
export const DEFAULT_SPIN_US = 50;
/** Longest stretch of synchronous ring work before yielding to the event loop, ms. */
export const SLICE_MS = 4;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_HB_TIMEOUT_MS = 500;
const DEFAULT_WATCH_MS = 100;
const RESP_WAIT_MS = 50;
const EVT_WAIT_MS = 200;
/** Requests published per commit (one wake at most per chunk). */
const CHUNK = 1024;

const I_LEASE_PID = CtlHeader.lease_pid / 4;
const I_LEASE_GEN = CtlHeader.lease_gen / 4;
const I_CTL_HB = CtlHeader.ctl_heartbeat_ns / 8;
const I_DP_HB = CtlHeader.dp_heartbeat_ns / 8;
const I_STATE = CtlHeader.state / 4;
const I_DP_PID = CtlHeader.dp_pid / 4;
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

/** A batch in flight: items [0, sent) are on the ring, `received` answered. */
interface PendingBatch {
  src: BatchSource;
  base: number;
  sent: number;
  received: number;
  statuses: Uint32Array;
  payloads: Map<number, Uint8Array>;
  deadline: number;
  timeoutMs: number;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

/** The mapped control file of one dataplane incarnation. */
interface Attachment {
  buf: ArrayBuffer;
  hdr32: Int32Array;
  hdr64: BigInt64Array;
  req: Ring;
  resp: Ring;
  evt: Ring;
  statsOff: number;
  pid: number;
  startTimeNs: bigint;
  ino: number;
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

function resolveRetry(r: ConnectOptions['retry']): Required<RetryOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  const o = r === true ? {} : r;
  const attempts = o.attempts ?? 5;
  const initialDelayMs = o.initialDelayMs ?? 50;
  const maxDelayMs = o.maxDelayMs ?? 2000;
  check(
    Number.isInteger(attempts) && attempts >= 1,
    `bad retry.attempts ${JSON.stringify(attempts)}: expected an integer >= 1`,
  );
  check(
    Number.isFinite(initialDelayMs) && initialDelayMs >= 0,
    `bad retry.initialDelayMs ${JSON.stringify(initialDelayMs)}`,
  );
  check(
    Number.isFinite(maxDelayMs) && maxDelayMs >= initialDelayMs,
    `bad retry.maxDelayMs ${JSON.stringify(maxDelayMs)}: expected >= initialDelayMs`,
  );
  return { attempts, initialDelayMs, maxDelayMs };
}

/**
 * Maps and validates the control file of `instance`: magic, ABI version,
 * state READY, dataplane pid alive. Throws NOT_RUNNING, ABI_MISMATCH or NATIVE.
 */
function attach(
  instance: string,
  file: string,
  native: NativeBinding,
): { buf: ArrayBuffer; h: CtlHeaderInfo; ino: number } {
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

/**
 * Attaches to the running instance `instance`: maps its control file,
 * checks magic, ABI version, state READY and that the dataplane pid is
 * alive, then takes the controller lease.
 *
 * Fails with NOT_RUNNING (no file, not ready, dataplane gone), ABI_MISMATCH,
 * LEASE_HELD (another live controller holds the lease) or NATIVE. With
 * `retry`, NOT_RUNNING and LEASE_HELD are retried with exponential backoff
 * (initialDelayMs, doubling, capped at maxDelayMs) and the last error is
 * thrown after `attempts` tries.
 */
export async function connect(instance: string, opts: ConnectOptions = {}): Promise<Slipway> {
  checkInstance(instance);
  const retry = resolveRetry(opts.retry);
  const file = ctlPath(instance, opts.ctlDir);
  const native = loadNative();
  const log = (opts.logger ?? defaultLogger()).child({ instance });
  let delay = retry?.initialDelayMs ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const { buf, h, ino } = attach(instance, file, native);
      return new Slipway(instance, file, buf, h, ino, native, opts);
    } catch (e) {
      const retriable = e instanceof SlipwayError && (e.code === 'NOT_RUNNING' || e.code === 'LEASE_HELD');
      if (!retry || !retriable || attempt >= retry.attempts) throw e;
      log.debug(
        `connect attempt ${attempt}/${retry.attempts} failed, retrying in ${delay} ms: ${(e as Error).message}`,
      );
      await sleep(delay);
      delay = Math.min(retry.maxDelayMs, Math.max(1, delay * 2));
    }
  }
}

/**
 * A connected controller of one slipwayd instance (holds its lease until
 * close()). Emits the lifecycle events of {@link SlipwayLifecycleEvents}.
 */
export class Slipway extends EventEmitter<SlipwayLifecycleEvents> {
  /** Instance name. */
  readonly instance: string;
  /** Control file path. */
  readonly path: string;
  /** The desired configuration recorded for replay (undefined unless `replay: true`). */
  readonly desired?: DesiredConfig;

  private a: Attachment;
  private readonly native: NativeBinding;
  private readonly log: winston.Logger;
  private readonly timeoutMs: number;
  private readonly spinUs: number;
  private readonly busyPollUs: number;
  private readonly hbTimeoutNs: bigint;
  private readonly watchTimer: NodeJS.Timeout;
  private readonly onExit = (): void => this.releaseLease();

  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly outgoing: Outgoing[] = [];
  private readonly batches: PendingBatch[] = [];
  private pump?: Promise<void>;
  private kickQueued = false;
  private nextExpire = 0;
  private readonly subscribers = new Set<EventQueue>();
  private evtLoop?: Promise<void>;
  private evtDropped: bigint;
  private closed = false;
  private stopping = false;
  private broken?: SlipwayError;
  private child?: ChildProcess;
  /** 'up' attached to a live dataplane; 'gone' waiting for a new one; 'reattaching' replay in progress. */
  private life: 'up' | 'gone' | 'reattaching' = 'up';
  private connectedNs: bigint;
  private replayAttempts = 0;

  /** @internal use {@link connect} or {@link launch}. */
  constructor(
    instance: string,
    file: string,
    buf: ArrayBuffer,
    h: CtlHeaderInfo,
    ino: number,
    native: NativeBinding,
    opts: ConnectOptions,
  ) {
    super();
    this.instance = instance;
    this.path = file;
    this.native = native;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const spinUs = opts.spinUs ?? DEFAULT_SPIN_US;
    check(
      Number.isFinite(spinUs) && spinUs >= 0 && spinUs <= 100_000,
      `bad spinUs ${JSON.stringify(spinUs)}: expected 0..100000`,
    );
    this.spinUs = spinUs;
    const busyPollUs = opts.busyPollUs ?? 0;
    check(
      Number.isFinite(busyPollUs) && busyPollUs >= 0,
      `bad busyPollUs ${JSON.stringify(busyPollUs)}: expected >= 0`,
    );
    this.busyPollUs = busyPollUs;
    const hbMs = opts.heartbeatTimeoutMs ?? DEFAULT_HB_TIMEOUT_MS;
    check(Number.isFinite(hbMs) && hbMs > 0, `bad heartbeatTimeoutMs ${JSON.stringify(hbMs)}`);
    this.hbTimeoutNs = BigInt(Math.round(hbMs * 1e6));
    const watchMs = opts.watchIntervalMs ?? DEFAULT_WATCH_MS;
    check(Number.isFinite(watchMs) && watchMs >= 1, `bad watchIntervalMs ${JSON.stringify(watchMs)}`);
    if (opts.replay) this.desired = new DesiredConfig();
    this.log = (opts.logger ?? defaultLogger()).child({ instance });
    this.a = this.makeAttachment(buf, h, ino);
    this.takeLease();
    // A dead controller's leftovers are not ours.
    this.a.resp.skipAll();
    this.a.evt.skipAll();
    this.evtDropped = BigInt.asUintN(64, Atomics.load(this.a.hdr64, I_EVT_DROPPED));
    this.seq = randomInt(0, 0x1_0000_0000);
    this.connectedNs = native.monotonicNs();
    this.writeHeartbeat();
    this.watchTimer = setInterval(() => this.watch(), watchMs);
    this.watchTimer.unref();
    process.on('exit', this.onExit);
    this.log.debug('connected', {
      path: file,
      dpPid: this.a.pid,
      leaseGen: Atomics.load(this.a.hdr32, I_LEASE_GEN) >>> 0,
    });
  }

  private makeAttachment(buf: ArrayBuffer, h: CtlHeaderInfo, ino: number): Attachment {
    const wake = this.native.futexWake.bind(this.native);
    return {
      buf,
      hdr32: new Int32Array(buf, 0, CtlHeader.SIZE / 4),
      hdr64: new BigInt64Array(buf, 0, CtlHeader.SIZE / 8),
      req: new Ring(buf, h.reqOff, h.reqSize, { wake, name: 'request ring' }),
      resp: new Ring(buf, h.respOff, h.respSize, { wake, name: 'response ring' }),
      evt: new Ring(buf, h.evtOff, h.evtSize, { wake, name: 'event ring' }),
      statsOff: h.statsOff,
      pid: h.dpPid,
      startTimeNs: h.startTimeNs,
      ino,
    };
  }

  /** Dataplane pid (changes when a restarted dataplane is reattached in replay mode). */
  get pid(): number {
    return this.a.pid;
  }

  private takeLease(): void {
    const hdr32 = this.a.hdr32;
    const me = process.pid;
    for (let attempt = 0; attempt < 16; attempt++) {
      const cur = Atomics.compareExchange(hdr32, I_LEASE_PID, 0, me) >>> 0;
      if (cur === 0) break;
      if (cur === me) {
        throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur} (this process: close the other client first)`);
      }
      if (pidAlive(cur)) throw new SlipwayError('LEASE_HELD', `lease held by pid ${cur}`);
      if (Atomics.compareExchange(hdr32, I_LEASE_PID, cur | 0, me) >>> 0 === cur) {
        this.log.warn(`reclaimed the lease of dead controller pid ${cur}`, { oldPid: cur });
        break;
      }
      if (attempt === 15) throw new SlipwayError('LEASE_HELD', `lease contended, last held by pid ${cur}`);
    }
    Atomics.add(hdr32, I_LEASE_GEN, 1);
  }

  private releaseLease(): void {
    Atomics.compareExchange(this.a.hdr32, I_LEASE_PID, process.pid, 0);
  }

  private writeHeartbeat(): void {
    Atomics.store(this.a.hdr64, I_CTL_HB, BigInt.asIntN(64, this.native.monotonicNs()));
  }

  /** @internal launch() hands over the spawned process so close() can unref it. */
  attachChild(child: ChildProcess): void {
    this.child = child;
  }

  /** @internal launch() records the ports it put on slipwayd's command line (replay mode). */
  recordLaunchPorts(devargs: readonly string[]): void {
    devargs.forEach((d, i) => this.desired?.portAdded(i, d));
  }

  /** The control header as it is now (state, heartbeats, lease, sizes). */
  header(): CtlHeaderInfo {
    return readHeader(this.a.buf);
  }

  /* ---------------- requests ---------------- */

  /**
   * Low-level: sends `op` with a raw `payload` and resolves with the raw
   * status and payload, whatever the status. No validation: meant for tests
   * and tools that check the dataplane's own validation; not recorded for
   * replay. Rejects only with TIMEOUT, DATAPLANE_GONE, CLOSED or PROTOCOL.
   *
   * Many calls may be in flight (pipelining): they are written to the ring
   * as they are made and matched to their answers by sequence number.
   */
  request(
    op: number,
    payload: Uint8Array = new Uint8Array(0),
    opts: { timeoutMs?: number } = {},
  ): Promise<RawResponse> {
    try {
      this.ensureUsable();
      check(
        Number.isInteger(op) && op >= 0 && op <= 0xffff,
        `bad op ${JSON.stringify(op)}: expected an integer 0..0xffff`,
      );
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
        if (this.outgoing.length > 0 || !this.a.req.produce({ type: op, seq, payload })) {
          this.outgoing.push({ op, seq, payload });
        }
      } catch (e) {
        this.pending.delete(seq);
        reject(e);
        return;
      }
      this.schedule();
    });
  }

  /**
   * Sends many raw requests as one stream and resolves with every item's
   * own status and payload, in order: a failed item does not fail the
   * others (use {@link requestBatch} and BatchResult.throwIfFailed() for a
   * throwing variant). Items are encoded straight into the request ring,
   * in chunks, waiting for room when it fills. Not recorded for replay.
   * Rejects only with TIMEOUT (no progress for timeoutMs), DATAPLANE_GONE,
   * CLOSED, PROTOCOL or BAD_ARGUMENT (a malformed item, before sending).
   */
  async requestMany(items: readonly BatchRequest[], opts: { timeoutMs?: number } = {}): Promise<RawResponse[]> {
    const r = await this.requestBatch(items, opts);
    const out: RawResponse[] = new Array(r.length);
    for (let i = 0; i < r.length; i++) out[i] = { status: r.statuses[i], payload: r.payload(i) };
    return out;
  }

  /**
   * Like {@link requestMany}, returning a {@link BatchResult}: statuses in
   * one Uint32Array, payloads only for items that carried some. The
   * lowest-overhead way to send thousands of requests.
   */
  requestBatch(items: readonly BatchRequest[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> {
    let src: RawSource;
    try {
      src = new RawSource(items);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.sendBatch(src, opts.timeoutMs);
  }

  /** @internal sends a batch from a source (used by the typed batch methods and the benchmark). */
  sendBatch(src: BatchSource, timeoutMs = this.timeoutMs): Promise<BatchResult> {
    try {
      this.ensureUsable();
    } catch (e) {
      return Promise.reject(e);
    }
    const n = src.count;
    if (n === 0) return Promise.resolve(new BatchResult(src.what, new Uint32Array(0), new Map()));
    const base = this.seq;
    this.seq = (this.seq + n) >>> 0;
    return new Promise<BatchResult>((resolve, reject) => {
      this.batches.push({
        src,
        base,
        sent: 0,
        received: 0,
        statuses: new Uint32Array(n),
        payloads: new Map(),
        deadline: performance.now() + timeoutMs,
        timeoutMs,
        resolve,
        reject,
      });
      this.schedule();
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

  private busy(): boolean {
    return this.pending.size > 0 || this.batches.length > 0;
  }

  // Requests made in the same tick are written first; one microtask then
  // spins for all of them.
  private schedule(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(this.kick);
  }

  private readonly kick = (): void => {
    this.kickQueued = false;
    if (this.closed || this.broken || !this.busy()) return;
    try {
      this.slice();
    } catch (e) {
      this.fail(e);
      return;
    }
    if (this.busy()) this.startPump();
  };

  private fail(e: unknown): void {
    this.failAll(e instanceof SlipwayError ? e : new SlipwayError('PROTOCOL', String(e), { cause: e }), true);
  }

  private startPump(): void {
    if (this.pump) return;
    this.pump = this.runPump()
      .catch((e: unknown) => this.fail(e))
      .finally(() => {
        this.pump = undefined;
        if (this.busy() && !this.closed && !this.broken) this.startPump();
      });
  }

  /**
   * Synchronous ring work: write what waits, read what came, spin up to
   * spinUs for more; at most SLICE_MS. Returns true when the slice ran out
   * while making progress (yield, then continue), false when nothing came
   * within spinUs (sleep on the futex) or nothing is left to wait for.
   */
  private slice(): boolean {
    const end = performance.now() + SLICE_MS;
    for (;;) {
      this.flush();
      if (this.drainResponses() > 0) {
        if (!this.busy()) return false;
        if (performance.now() >= end) return true;
        continue;
      }
      const now = performance.now();
      if (now >= this.nextExpire) {
        this.expire(now);
        this.nextExpire = now + 5;
        if (!this.busy()) return false;
      }
      if (this.spinUs <= 0) return false;
      if (!this.waitSync(now, this.batches.length > 0)) return false;
      if (performance.now() >= end) return true;
    }
  }

  /**
   * The synchronous wait of the JS thread for the next response, at most
   * spinUs: first a busy poll of the producer index for busyPollUs, then a
   * futex wait in the calling thread (futexWaitSync) for the rest, so the
   * CPU goes to the dataplane and the wake-up comes straight from its
   * FUTEX_WAKE (no libuv thread, no event-loop turn). True when a
   * response came. With a batch in flight only the busy poll runs: a
   * synchronous futex wait would have the dataplane wake us after every
   * pass (measured: half the throughput); the async wait lets answers
   * accumulate while the request ring keeps the dataplane busy.
   */
  private waitSync(now: number, batch: boolean): boolean {
    const resp = this.a.resp;
    const spinEnd = now + this.spinUs / 1000;
    if (this.busyPollUs > 0 || batch) {
      // a batch keeps the dataplane busy: poll for its answers up to spinUs
      // rather than sleep (an async futex wake costs a thread hop and an
      // event-loop turn, and the dataplane would wait for more requests)
      const pollEnd = now + (batch ? this.spinUs : Math.min(this.busyPollUs, this.spinUs)) / 1000;
      for (let i = 1; ; i++) {
        if (!resp.isEmpty()) return true;
        if ((i & 31) === 0 && performance.now() >= pollEnd) break;
      }
      if (batch) return false;
    }
    for (;;) {
      const left = spinEnd - performance.now();
      if (left <= 0) return !resp.isEmpty();
      const w = resp.wakeValue();
      resp.setSleepers(1);
      if (!resp.isEmpty()) {
        resp.setSleepers(0);
        return true;
      }
      this.native.futexWaitSync(this.a.buf, resp.wakeOffset, w, left);
      resp.setSleepers(0);
      if (!resp.isEmpty()) return true;
    }
  }

  /**
   * Sleep until `ring` gets a message, at most `timeoutMs`, off the JS
   * thread: announce a sleeper, check once more (the producer wakes only
   * announced sleepers), then futex-wait on its wake word. 'pending' when
   * something was already there.
   */
  private async sleepOn(ring: Ring, timeoutMs: number): Promise<'pending' | 'ok' | 'timeout' | 'not-equal'> {
    const w = ring.wakeValue();
    ring.setSleepers(1);
    try {
      if (!ring.isEmpty()) return 'pending';
      return await this.native.futexWait(this.a.buf, ring.wakeOffset, w, timeoutMs);
    } finally {
      ring.setSleepers(0);
    }
  }

  // One loop serves every request in flight: slices of synchronous work,
  // futex sleeps (off the JS thread) when nothing comes.
  private async runPump(): Promise<void> {
    while (this.busy() && !this.closed && !this.broken) {
      if (this.slice()) {
        await yieldNow();
        continue;
      }
      if (!this.busy() || this.closed || this.broken) break;
      if ((await this.sleepOn(this.a.resp, RESP_WAIT_MS)) === 'timeout') this.checkAlive();
    }
  }

  private flush(): void {
    const req = this.a.req;
    while (this.outgoing.length > 0) {
      const o = this.outgoing[0];
      if (!this.pending.has(o.seq)) {
        this.outgoing.shift(); // timed out before it could be sent
        continue;
      }
      if (!req.produce({ type: o.op, seq: o.seq, payload: o.payload })) return;
      this.outgoing.shift();
    }
    for (let bi = 0; bi < this.batches.length; bi++) {
      const b = this.batches[bi];
      const src = b.src;
      const n = src.count;
      const data = req.data;
      const view = req.view;
      while (b.sent < n) {
        const stop = Math.min(n, b.sent + CHUNK);
        let i = b.sent;
        for (; i < stop; i++) {
          const off = req.reserve(src.op(i), (b.base + i) >>> 0, src.payloadLen(i));
          if (off < 0) break;
          src.write(i, view, data, off);
        }
        b.sent = i;
        req.commit();
        if (i < stop) return; // ring full: the rest when answers free room
      }
    }
  }

  private readonly onResponse = (type: number, seq: number, status: number, off: number, len: number): void => {
    const batches = this.batches;
    for (let bi = 0; bi < batches.length; bi++) {
      const b = batches[bi];
      const idx = (seq - b.base) >>> 0;
      if (idx < b.sent) {
        b.statuses[idx] = status;
        if (len > 0) b.payloads.set(idx, this.a.resp.data.slice(off, off + len));
        if (++b.received === b.src.count) {
          batches.splice(bi, 1);
          b.resolve(new BatchResult(b.src.what, b.statuses, b.payloads));
        }
        return;
      }
    }
    const p = this.pending.get(seq);
    if (!p) {
      this.log.debug('ignoring response for a request not pending', { seq, op: opName(type) });
      return;
    }
    this.pending.delete(seq);
    if (type !== p.op)
      this.log.debug('response type differs from request', { seq, req: opName(p.op), resp: opName(type) });
    p.resolve({ status, payload: len > 0 ? this.a.resp.data.slice(off, off + len) : new Uint8Array(0) });
  };

  private drainResponses(): number {
    const n = this.a.resp.drain(this.onResponse);
    if (n > 0) {
      const deadline = performance.now();
      for (let bi = 0; bi < this.batches.length; bi++)
        this.batches[bi].deadline = deadline + this.batches[bi].timeoutMs;
    }
    return n;
  }

  private expire(now: number): void {
    for (const [seq, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(seq);
        p.reject(
          new SlipwayError(
            'TIMEOUT',
            `instance ${this.instance}: ${opName(p.op)} (seq ${seq}) got no response within ${p.timeoutMs} ms`,
          ),
        );
      }
    }
    for (let bi = this.batches.length - 1; bi >= 0; bi--) {
      const b = this.batches[bi];
      if (b.deadline <= now) {
        this.batches.splice(bi, 1);
        b.reject(
          new SlipwayError(
            'TIMEOUT',
            `instance ${this.instance}: ${b.src.what}: no response for ${b.timeoutMs} ms (${b.received} of ${b.src.count} answered)`,
          ),
        );
      }
    }
  }

  private checkAlive(): void {
    if (this.life === 'up' && !this.stopping && !pidAlive(this.a.pid)) this.gone('pid-gone', 0);
  }

  /** Rejects everything in flight; `permanent` also makes the client unusable and ends event iterators. */
  private failAll(err: SlipwayError, permanent: boolean): void {
    if (permanent && !this.broken && !this.closed) this.broken = err;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(err);
    }
    for (const b of this.batches.splice(0)) b.reject(err);
    this.outgoing.length = 0;
    if (permanent) for (const q of [...this.subscribers]) q.end(err);
  }

  /* ---------------- liveness ---------------- */

  private watch(): void {
    if (this.closed) return;
    if (this.life !== 'gone') this.writeHeartbeat();
    if (this.stopping || this.life === 'reattaching') return;
    try {
      if (this.life === 'up') this.watchUp();
      if (this.life === 'gone') this.watchGone();
    } catch (e) {
      this.log.warn(`dataplane watch failed: ${(e as Error).message}`);
    }
  }

  private watchUp(): void {
    const a = this.a;
    const hb = BigInt.asUintN(64, Atomics.load(a.hdr64, I_DP_HB));
    const now = this.native.monotonicNs();
    const age = now - (hb > this.connectedNs ? hb : hb === 0n ? this.connectedNs : hb);
    const ageMs = Number(age) / 1e6;
    if (Atomics.load(a.hdr32, I_DP_PID) >>> 0 !== a.pid) return this.gone('file-removed', ageMs);
    if (!pidAlive(a.pid)) return this.gone('pid-gone', ageMs);
    if (Atomics.load(a.hdr32, I_STATE) >>> 0 === State.STOPPING) return this.gone('stopping', ageMs);
    if (age > this.hbTimeoutNs) return this.gone('heartbeat', ageMs);
    let ino: number | undefined;
    try {
      ino = fs.statSync(this.path).ino;
    } catch {
      ino = undefined;
    }
    if (ino !== a.ino) {
      // Our file was removed or replaced while our pid still runs: a
      // dataplane that lost its file cannot be reached by anyone else.
      this.gone('file-removed', ageMs);
    }
  }

  private gone(reason: DataplaneGoneEvent['reason'], heartbeatAgeMs: number): void {
    if (this.life !== 'up') return;
    this.life = 'gone';
    const pid = this.a.pid;
    this.log.warn(`dataplane pid ${pid} is gone (${reason})`, { reason, heartbeatAgeMs });
    const err = new SlipwayError(
      'DATAPLANE_GONE',
      `instance ${this.instance}: dataplane pid ${pid} is gone (${reason})`,
    );
    this.failAll(err, !this.desired);
    if (this.desired) this.broken = err; // until the replay reattaches
    this.interruptWaits();
    this.emit('dataplane-gone', { instance: this.instance, pid, reason, heartbeatAgeMs });
  }

  private watchGone(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.path);
    } catch {
      return; // no new dataplane yet
    }
    if (st.ino === this.a.ino) return;
    let buf: ArrayBuffer;
    let h: CtlHeaderInfo;
    try {
      ({ buf, h } = attach(this.instance, this.path, this.native));
    } catch {
      return; // still starting
    }
    if (h.dpPid === this.a.pid && h.startTimeNs === this.a.startTimeNs) return;
    const oldPid = this.a.pid;
    this.log.warn(`dataplane restarted: pid ${oldPid} -> ${h.dpPid}`);
    this.emit('dataplane-restarted', { instance: this.instance, oldPid, newPid: h.dpPid });
    if (!this.desired) {
      const err = new SlipwayError(
        'DATAPLANE_GONE',
        `instance ${this.instance}: dataplane restarted as pid ${h.dpPid}; connect again`,
      );
      this.broken ??= err;
      this.life = 'reattaching'; // terminal without replay: stop watching
      return;
    }
    this.life = 'reattaching';
    void this.reattach(buf, h, fs.statSync(this.path).ino);
  }

  // Wakes our own futex sleeps on the current rings: bumping the counter is
  // harmless, both sides only compare it.
  private interruptWaits(): void {
    for (const r of [this.a.resp, this.a.evt]) {
      Atomics.add(new Int32Array(this.a.buf, r.wakeOffset, 1), 0, 1);
      this.native.futexWake(this.a.buf, r.wakeOffset, 0x7fffffff);
    }
  }

  private async reattach(buf: ArrayBuffer, h: CtlHeaderInfo, ino: number): Promise<void> {
    const t0 = performance.now();
    const old = this.a;
    try {
      this.a = this.makeAttachment(buf, h, ino);
      this.takeLease();
      this.a.resp.skipAll();
      this.a.evt.skipAll();
      this.evtDropped = BigInt.asUintN(64, Atomics.load(this.a.hdr64, I_EVT_DROPPED));
      this.connectedNs = this.native.monotonicNs();
      this.writeHeartbeat();
      this.broken = undefined;
      this.life = 'up';
      const summary = await this.replay(t0);
      this.replayAttempts = 0;
      this.log.info(`replayed the desired configuration on pid ${summary.pid}`, { ...summary });
      this.emit('replayed', summary);
    } catch (e) {
      const err = e instanceof SlipwayError ? e : new SlipwayError('REPLAY_FAILED', String(e), { cause: e });
      this.log.warn(`replay on pid ${h.dpPid} failed: ${err.message}`);
      if (this.a !== old && this.life === 'up' && err.code !== 'LEASE_HELD') {
        // Attached, but the replay itself failed: keep the client usable and say so.
        this.emit('replay-failed', { instance: this.instance, pid: h.dpPid, error: err });
        return;
      }
      this.a = old;
      this.life = 'gone';
      this.broken ??= new SlipwayError('DATAPLANE_GONE', `instance ${this.instance}: dataplane pid ${old.pid} is gone`);
      if (++this.replayAttempts >= 20) this.life = 'reattaching'; // give up
      this.emit('replay-failed', { instance: this.instance, pid: h.dpPid, error: err });
    }
  }

  /** Applies the desired configuration to the dataplane just attached. */
  private async replay(t0: number): Promise<ReplaySummary> {
    const d = this.desired as DesiredConfig;
    const summary: ReplaySummary = {
      pid: this.a.pid,
      portsPresent: 0,
      portsAdded: 0,
      portsConfigured: 0,
      xconnects: 0,
      routes: 0,
      neighbours: 0,
      rules: 0,
      failures: [],
      ms: 0,
    };
    const failed = (what: string, e: unknown) => {
      const se = e instanceof SlipwayError ? e : new SlipwayError('REPLAY_FAILED', String(e));
      summary.failures.push({ what, code: se.code, message: se.message });
    };
    const present = new Map((await this.ports.list()).map((p) => [p.port, p]));
    for (const [index, want] of [...d.ports].sort((x, y) => x[0] - y[0])) {
      let info = present.get(index);
      if (info) {
        summary.portsPresent++;
      } else if (want.devargs !== undefined) {
        try {
          info = decodePortInfoPayload(await this.call(Op.PORT_ADD, encodeDevargs(want.devargs)));
          summary.portsAdded++;
          if (info.port !== index)
            failed(
              `port ${index} (${want.devargs})`,
              new SlipwayError('REPLAY_FAILED', `port ${index}: re-added as port ${info.port}`),
            );
        } catch (e) {
          failed(`port ${index}: add ${want.devargs}`, e);
          continue;
        }
      } else {
        failed(
          `port ${index}`,
          new SlipwayError('REPLAY_FAILED', `port ${index} does not exist and its devargs are unknown`),
        );
        continue;
      }
      let configured = false;
      const s = want.settings;
      if (s.mtu !== undefined || s.mac !== undefined || s.promisc !== undefined) {
        try {
          info = decodePortInfoPayload(await this.call(Op.PORT_SET, encodePortSet({ port: index, ...s })));
          configured = true;
        } catch (e) {
          failed(`port ${index}: set ${JSON.stringify(s)}`, e);
        }
      }
      if (want.started !== undefined && info.started !== want.started) {
        try {
          await this.call(want.started ? Op.PORT_START : Op.PORT_STOP, encodePortRef(index));
          configured = true;
        } catch (e) {
          failed(`port ${index}: ${want.started ? 'start' : 'stop'}`, e);
        }
      }
      if (configured) summary.portsConfigured++;
    }
    const have = new Map((await this.xconnects.list()).map((x) => [x.inPort, x.outPort]));
    const stale = [...d.xconnects].filter(([i, o]) => have.has(i) && have.get(i) !== o).map(([i]) => i);
    if (stale.length > 0) {
      const r = await this.sendBatch(new XcDelSource(stale));
      r.failures().forEach((f) => failed(`xconnect ${stale[f.index]}: remove stale`, f.error));
    }
    const add = [...d.xconnects].filter(([i, o]) => have.get(i) !== o);
    if (add.length > 0) {
      const r = await this.sendBatch(new XcAddSource(add));
      summary.xconnects = add.length - r.failed;
      r.failures().forEach((f) => failed(`xconnect ${add[f.index][0]} -> ${add[f.index][1]}`, f.error));
    }
    // Routes first (neighbours then resolve their next hops and add host
    // routes only where none was configured), rules last.
    if (d.routes.size > 0) {
      const specs = [...d.routes.values()];
      const src = new RouteSource(specs, false);
      const r = await this.sendBatch(src);
      summary.routes = specs.length - r.failed;
      r.failures().forEach((f) => failed(`route ${src.prefix(f.index)}`, f.error));
    }
    if (d.neighbours.size > 0) {
      const ns = [...d.neighbours.values()];
      const r = await this.sendBatch(new NeighSource(ns, false));
      summary.neighbours = ns.length - r.failed;
      r.failures().forEach((f) => failed(`neighbour ${ns[f.index].ip} on port ${ns[f.index].port}`, f.error));
    }
    if (d.rules.size > 0) {
      const rules = [...d.rules.values()];
      const r = await this.sendBatch(new RuleSource(rules, false));
      summary.rules = rules.length - r.failed;
      r.failures().forEach((f) => failed(`rule ${rules[f.index].id}`, f.error));
    }
    for (const s of d.policer) {
      try {
        await this.call(Op.POLICER_SET, encodePolicerSet(s));
      } catch (e) {
        failed(`punt policer ${JSON.stringify(s)}`, e);
      }
    }
    // Kernel sync last: what the API set is in place first, and wins.
    if (d.kernelSync !== undefined) {
      try {
        await this.call(Op.SYNC_SET, encodeSyncSet(d.kernelSync));
      } catch (e) {
        failed(`kernel sync ${d.kernelSync ? 'on' : 'off'}`, e);
      }
    }
    summary.ms = performance.now() - t0;
    return summary;
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
    get: async (port: number): Promise<PortInfo> =>
      decodePortInfoPayload(await this.call(Op.PORT_GET, encodePortRef(port))),
    /** Adds a port from ethdev devargs (e.g. "net_null0" or "net_af_packet0,iface=veth0"); it gets the next index. */
    add: async (devargs: string): Promise<PortInfo> => {
      const info = decodePortInfoPayload(await this.call(Op.PORT_ADD, encodeDevargs(devargs)));
      this.desired?.portAdded(info.port, devargs);
      return info;
    },
    /** Starts a port (its rx queue gets a worker lcore). */
    start: async (port: number): Promise<PortInfo> => {
      const info = decodePortInfoPayload(await this.call(Op.PORT_START, encodePortRef(port)));
      this.desired?.portState(port, true);
      return info;
    },
    /** Stops a port. */
    stop: async (port: number): Promise<PortInfo> => {
      const info = decodePortInfoPayload(await this.call(Op.PORT_STOP, encodePortRef(port)));
      this.desired?.portState(port, false);
      return info;
    },
    /** Changes MTU, MAC ("aa:bb:cc:dd:ee:ff") and/or promiscuous mode; at least one must be given. */
    set: async (port: number, s: PortSettings): Promise<PortInfo> => {
      check(s !== null && typeof s === 'object', `bad port settings ${JSON.stringify(s)}: expected an object`);
      check(
        s.mtu !== undefined || s.mac !== undefined || s.promisc !== undefined,
        `port ${port}: nothing to set (give mtu, mac or promisc)`,
      );
      const info = decodePortInfoPayload(await this.call(Op.PORT_SET, encodePortSet({ port, ...s })));
      this.desired?.portSet(port, s);
      return info;
    },
  };

  /** Cross-connects: everything received on a port is sent on another. */
  readonly xconnects = {
    /** Forwards everything received on inPort to outPort. */
    add: async (inPort: number, outPort: number): Promise<void> => {
      await this.call(Op.XC_ADD, encodeXConnect({ inPort, outPort }));
      this.desired?.xconnectAdded(inPort, outPort);
    },
    /** Removes the cross-connect of inPort. */
    remove: async (inPort: number): Promise<void> => {
      await this.call(Op.XC_DEL, encodePortRef(inPort));
      this.desired?.xconnectRemoved(inPort);
    },
    /** All cross-connects. */
    list: async (): Promise<XConnect[]> => decodeXConnectList(await this.call(Op.XC_LIST)),
    /**
     * Adds many cross-connects as one batch (pairs as {inPort, outPort} or
     * [in, out]); every pair gets its own status in the result. All pairs
     * are validated before anything is sent (BAD_ARGUMENT naming the pair).
     */
    addMany: async (pairs: readonly XConnectPair[]): Promise<BatchResult> => {
      const src = new XcAddSource(pairs);
      const r = await this.sendBatch(src);
      if (this.desired)
        for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) this.desired.xconnectAdded(...src.pair(i));
      return r;
    },
    /** Removes the cross-connects of many in-ports as one batch; each gets its own status. */
    removeMany: async (inPorts: readonly number[]): Promise<BatchResult> => {
      const src = new XcDelSource(inPorts);
      const r = await this.sendBatch(src);
      if (this.desired)
        for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) this.desired.xconnectRemoved(src.port(i));
      return r;
    },
    /**
     * `count` table updates alternating add inPort->outPort and remove
     * inPort, as one batch (a load generator for benchmarks and tests; the
     * table ends as it started when count is even). Not recorded for replay.
     */
    churn: (count: number, inPort: number, outPort: number): Promise<BatchResult> =>
      this.sendBatch(new XcChurnSource(count, inPort, outPort)),
  };

  /**
   * Follows a paged listing (sw_list_req cursor) to its end.
   * @internal
   */
  private async listAll<T>(
    op: number,
    family: number,
    decode: (b: Uint8Array) => ListPage<T>,
    what: string,
  ): Promise<T[]> {
    const out: T[] = [];
    let cursor = 0;
    for (;;) {
      const page = decode(await this.call(op, encodeListReq({ cursor, family })));
      for (let i = 0; i < page.items.length; i++) out.push(page.items[i]);
      if (page.next === 0) return out;
      if (page.items.length === 0 && page.next === cursor) {
        throw new SlipwayError(
          'PROTOCOL',
          `${what}: the dataplane returned an empty page without advancing the cursor (${cursor})`,
        );
      }
      cursor = page.next;
    }
  }

  private static family(opts: { family?: Family } | undefined, what: string): number {
    const f = opts?.family ?? 0;
    check(f === 0 || f === 4 || f === 6, `bad ${what} family ${JSON.stringify(f)}: expected 4 or 6`);
    return f;
  }

  private recordRoutes(src: RouteSource, specs: readonly RouteSpec[] | null, r: BatchResult): void {
    const d = this.desired;
    if (!d) return;
    for (let i = 0; i < r.length; i++) {
      if (r.statuses[i] !== STATUS_OK) continue;
      if (specs) d.routeAdded(src.prefix(i), specs[i]);
      else d.routeRemoved(src.prefix(i));
    }
  }

  /**
   * IPv4/IPv6 routes (longest-prefix match). Prefixes are "addr/len"
   * strings ("10.2.0.0/24", "fd02::/64"; a bare address is a host route).
   * Malformed strings, ports, gateways of the wrong family or bad next-hop
   * counts fail with BAD_ARGUMENT before anything is sent; host bits set,
   * missing ports and full tables come back from the dataplane (INVALID,
   * NO_PORT, NO_SPACE) naming the route.
   */
  readonly routes = {
    /**
     * Adds or replaces a route: `{prefix, via: [{port, gw?}, ...]}` (1..8
     * next hops, ECMP by flow hash; no gw: directly connected) or
     * `{prefix, type: 'local' | 'drop'}` (local: an address of the host,
     * punted to the ingress vEth; drop: blackhole). Replacing is atomic
     * for the fast path.
     */
    add: async (route: RouteSpec): Promise<void> => {
      const src = new RouteSource([route], false, true);
      await this.call(Op.ROUTE_ADD, src.encode());
      this.desired?.routeAdded(src.prefix(0), route);
    },
    /** Removes the route of `prefix` (NOT_FOUND when there is none). */
    remove: async (prefix: string): Promise<void> => {
      const src = new RouteSource([prefix], true, true);
      await this.call(Op.ROUTE_DEL, src.encode());
      this.desired?.routeRemoved(src.prefix(0));
    },
    /**
     * Every route (of one family when given), following the listing cursor
     * through all pages. Includes the host routes neighbours install.
     */
    list: async (opts?: { family?: Family }): Promise<Route[]> =>
      this.listAll(Op.ROUTE_LIST, Slipway.family(opts, 'route list'), decodeRouteList, 'route list'),
    /**
     * Adds or replaces many routes as one batch, encoded in place into the
     * request ring (a million IPv4 routes load in seconds; start slipwayd
     * with maxRoutes to size the IPv4 table). Every route is validated
     * before anything is sent; each gets its own status in the result.
     */
    addMany: async (routes: readonly RouteSpec[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new RouteSource(routes, false);
      const r = await this.sendBatch(src, opts.timeoutMs);
      this.recordRoutes(src, routes, r);
      return r;
    },
    /** Removes the routes of many prefixes as one batch; each gets its own status. */
    removeMany: async (prefixes: readonly string[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new RouteSource(prefixes, true);
      const r = await this.sendBatch(src, opts.timeoutMs);
      this.recordRoutes(src, null, r);
      return r;
    },
  };

  /**
   * The neighbour table: IP -> MAC per port. A neighbour resolves the next
   * hops with that gateway (or directly connected destination) on its port
   * and installs a host route (/32, /128) unless one was configured.
   */
  readonly neighbours = {
    /** Adds or replaces a neighbour `{port, ip, mac}`. */
    add: async (n: Neighbour): Promise<void> => {
      const src = new NeighSource([n], false, true);
      await this.call(Op.NEIGH_ADD, src.encode());
      this.desired?.neighbourAdded(src.item(0));
    },
    /** Removes the neighbour `{port, ip}` (NOT_FOUND when there is none). */
    remove: async (n: NeighbourRef): Promise<void> => {
      const src = new NeighSource([n], true, true);
      await this.call(Op.NEIGH_DEL, src.encode());
      this.desired?.neighbourRemoved(n.port, canonicalIp(n.ip));
    },
    /** Every neighbour (of one family when given), all pages. */
    list: async (opts?: { family?: Family }): Promise<Neighbour[]> =>
      this.listAll(Op.NEIGH_LIST, Slipway.family(opts, 'neighbour list'), decodeNeighbourList, 'neighbour list'),
    /** Adds or replaces many neighbours as one batch; each gets its own status. */
    addMany: async (ns: readonly Neighbour[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new NeighSource(ns, false);
      const r = await this.sendBatch(src, opts.timeoutMs);
      if (this.desired)
        for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) this.desired.neighbourAdded(src.item(i));
      return r;
    },
    /** Removes many neighbours as one batch; each gets its own status. */
    removeMany: async (ns: readonly NeighbourRef[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new NeighSource(ns, true);
      const r = await this.sendBatch(src, opts.timeoutMs);
      if (this.desired) {
        for (let i = 0; i < r.length; i++)
          if (r.statuses[i] === STATUS_OK) this.desired.neighbourRemoved(ns[i].port, src.item(i).ip);
      }
      return r;
    },
  };

  /**
   * Match-action rules, applied before the routes: the highest priority
   * match wins. Matches: inPort, srcMac, dstMac, vlan, ethertype, family,
   * src/dst prefixes, proto (number or name), sport/dport (port or
   * [lo, hi]). Actions: forward to a port, route, drop, punt to the ingress
   * vEth, mirror a copy (to a port, or the vEth when no port) then route,
   * count then route. Per-rule packet/byte counters come with list().
   */
  readonly rules = {
    /** Adds a rule, or replaces the rule with the same id. */
    add: async (rule: Rule): Promise<void> => {
      const src = new RuleSource([rule], false, true);
      await this.call(Op.RULE_ADD, src.encode());
      this.desired?.ruleAdded(rule);
    },
    /** Removes rule `id` (NOT_FOUND when there is none). */
    remove: async (id: number): Promise<void> => {
      const src = new RuleSource([id], true, true);
      await this.call(Op.RULE_DEL, src.encode());
      this.desired?.ruleRemoved(id);
    },
    /** Every rule with its packet and byte counters (summed over lcores), all pages. */
    list: async (): Promise<RuleEntry[]> => this.listAll(Op.RULE_LIST, 0, decodeRuleList, 'rule list'),
    /**
     * Adds or replaces many rules as one batch (the classifier is rebuilt
     * once per pass of the dataplane, not once per rule); each gets its
     * own status.
     */
    addMany: async (rules: readonly Rule[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new RuleSource(rules, false);
      const r = await this.sendBatch(src, opts.timeoutMs);
      if (this.desired)
        for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) this.desired.ruleAdded(rules[i]);
      return r;
    },
    /** Removes many rules by id as one batch; each gets its own status. */
    removeMany: async (ids: readonly number[], opts: { timeoutMs?: number } = {}): Promise<BatchResult> => {
      const src = new RuleSource(ids, true);
      const r = await this.sendBatch(src, opts.timeoutMs);
      if (this.desired)
        for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) this.desired.ruleRemoved(ids[i]);
      return r;
    },
  };

  /**
   * The punt policer: token buckets per port and punt class (arp, icmp,
   * host, other) in front of the vEths, so a flood of unmatched traffic
   * cannot starve the host stack or keep ARP from working. Rates are in
   * packets per second (0: no limit); drops are counted per class in the
   * L3 counters (`police_<class>`) and reported as 'policer' events.
   * Defaults per port (packets/s / burst): arp 2000/256, icmp 2000/256,
   * host 250000/16384, other 100000/8192.
   */
  readonly policer = {
    /** Sets one class (or all) of one port (or every port and the defaults); returns the result. */
    set: async (s: PolicerSetting): Promise<PolicerConfig> => {
      const n = normalizePolicer(s);
      const info = decodePolicerInfo(await this.call(Op.POLICER_SET, encodePolicerSet(n)));
      this.desired?.policerSet(n);
      return info;
    },
    /** A port's settings, or the defaults for ports added later when port is omitted. */
    get: async (port?: number): Promise<PolicerConfig> => {
      if (port !== undefined) checkPort(port);
      const ref = new Uint8Array(PortRef.SIZE);
      new DataView(ref.buffer).setUint16(PortRef.port, port ?? PORT_NONE, true);
      return decodePolicerInfo(await this.call(Op.POLICER_GET, ref));
    },
  };

  /**
   * Kernel sync (linux-cp style): with it on, the addresses, neighbours and
   * main-table routes the host stack has on the vEths are installed in the
   * fast path and removed when the kernel removes them (each a 'sync'
   * event). Turning it on starts a full resync (`resyncing` until done);
   * turning it off removes what sync installed. Entries set through the API
   * win: sync never replaces or removes them.
   */
  readonly kernelSync = {
    /** Turns kernel sync on (again: a full resync) or off; returns the state after. */
    set: async (enabled: boolean): Promise<KernelSyncState> => {
      const st = decodeSyncState(await this.call(Op.SYNC_SET, encodeSyncSet(enabled)));
      this.desired?.kernelSyncSet(enabled);
      return st;
    },
    /** Whether it is on, and what it installed. */
    get: async (): Promise<KernelSyncState> => decodeSyncState(await this.call(Op.SYNC_GET)),
  };

  /**
   * Reads the statistics area. With sync (default true) a STATS_REFRESH is sent
   * first so device counters are fresh. Counters are summed over lcores.
   */
  async stats(opts: { sync?: boolean } = {}): Promise<Stats> {
    this.ensureUsable();
    if (opts.sync ?? true) await this.call(Op.STATS_REFRESH);
    for (let attempt = 0; attempt < 100; attempt++) {
      const s = readStats(this.a.buf, this.a.statsOff);
      if (s) return s;
      await sleep(1);
    }
    throw new SlipwayError(
      'TIMEOUT',
      `instance ${this.instance}: device statistics stayed inconsistent (seqlock held)`,
    );
  }

  /* ---------------- events ---------------- */

  /**
   * Events from the event ring (published since connect, or since an
   * earlier iterator read them). Every concurrent iterator gets every
   * event. Ends when close() is called or the iterator is returned; throws
   * DATAPLANE_GONE if the dataplane disappears (in replay mode the
   * iterators survive and continue with the restarted dataplane's events).
   * Lifecycle events are EventEmitter events instead: see
   * {@link SlipwayLifecycleEvents}.
   */
  events(): AsyncIterableIterator<SlipwayEvent> {
    const q = new EventQueue((x) => this.subscribers.delete(x));
    if (this.closed) {
      q.end();
      return q;
    }
    if (this.broken && !this.desired) {
      q.end(this.broken);
      return q;
    }
    this.subscribers.add(q);
    if (!this.evtLoop) {
      this.evtLoop = this.runEvents()
        .catch((e: unknown) => this.fail(e))
        .finally(() => (this.evtLoop = undefined));
    }
    return q;
  }

  private async runEvents(): Promise<void> {
    while (this.subscribers.size > 0 && !this.closed) {
      if (this.life !== 'up') {
        await sleep(EVT_WAIT_MS / 4);
        continue;
      }
      const a = this.a;
      let n = 0;
      for (let m = a.evt.consume(); m !== null; m = a.evt.consume()) {
        n++;
        const e = decodeEvent(m);
        if (e === null) {
          this.log.debug('ignoring unknown event type', { type: m.type, seq: m.seq });
          continue;
        }
        for (const q of this.subscribers) q.push(e);
      }
      const dropped = BigInt.asUintN(64, Atomics.load(a.hdr64, I_EVT_DROPPED));
      if (dropped !== this.evtDropped) {
        this.log.warn(`dataplane dropped ${dropped - this.evtDropped} events (event ring full)`);
        this.evtDropped = dropped;
      }
      if (n > 0) continue;
      if ((await this.sleepOn(a.evt, EVT_WAIT_MS)) === 'timeout') this.checkAlive();
    }
  }

  /* ---------------- lifecycle ---------------- */

  /**
   * Releases the lease (only if still ours), ends event iterators, rejects
   * requests in flight with CLOSED, stops the heartbeat and the watch. A
   * dataplane started by launch() keeps running (and no longer keeps this
   * process alive). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchTimer);
    process.off('exit', this.onExit);
    const err = new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`);
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(err);
    }
    for (const b of this.batches.splice(0)) b.reject(err);
    this.outgoing.length = 0;
    for (const q of [...this.subscribers]) q.end();
    this.interruptWaits();
    await Promise.allSettled([this.pump, this.evtLoop]);
    this.releaseLease();
    this.child?.unref();
    this.log.debug('closed');
  }

  /**
   * Stops the dataplane: SIGTERM, then waits until its pid is gone and the
   * control file removed; SIGKILL after timeoutMs (default 10000), and a
   * control file left behind by a killed dataplane is removed. Closes the
   * client. Emits no 'dataplane-gone'.
   */
  async shutdown(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    const timeoutMs = opts.timeoutMs ?? 10000;
    const pid = this.a.pid;
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
    if (!pidAlive(pid) && fs.existsSync(this.path) && readHeader(this.a.buf).dpPid === pid) {
      this.log.warn(`removing control file ${this.path} left behind by pid ${pid}`);
      fs.rmSync(this.path, { force: true });
    }
    await this.close();
    if (pidAlive(pid))
      throw new SlipwayError('TIMEOUT', `instance ${this.instance}: dataplane pid ${pid} survived SIGKILL`);
  }

  /** True once close() (or shutdown()) was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the control header says READY and the dataplane pid is alive. */
  isAlive(): boolean {
    return Atomics.load(this.a.hdr32, I_STATE) >>> 0 === State.READY && pidAlive(this.a.pid);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

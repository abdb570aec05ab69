/**
 * The client's facade: connect() and the Slipway object, which composes
 * the connection (client/connection.ts), one namespace per feature
 * (ports, xconnects, routes, neighbours, rules, policer, kernelSync, taps),
 * the event stream and the statistics.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlOps } from '../wire/abi/control';
import { type BatchRequest, type BatchSource, RawSource } from '../wire/batch';
import { type CtlHeaderInfo, checkInstance, ctlPath } from '../wire/ctlfile';
import { type Hello, decodeHello } from '../codec/session';
import type { Stats } from '../codec/stats';
import { SlipwayError, abortError, throwIfAborted } from '../errors';
import type { SlipwayEvent } from '../events';
import { withMeta } from '../logger';
import { loadNative } from '../native';
import { mapControlFile } from './attachment';
import type { BatchResult } from './batch';
import { Connection, type SlipwayLifecycleEvents } from './connection';
import type { EventsOptions } from './event-stream';
import type { DesiredConfig } from './desired';
import { KernelSync, replayKernelSync } from './kernel-sync';
import { Neighbours, replayNeighbours } from './neighbours';
import { type CallOptions, type ConnectOptions, resolveRetry } from './options';
import { Policer, replayPolicer } from './policer';
import { Ports, replayPorts } from './ports';
import type { ReplayStep } from './replay';
import { Routes, replayRoutes } from './routes';
import { Rules, replayRules } from './rules';
import { readStatsArea } from './stats';
import { Taps } from './taps';
import type { RawResponse } from './transport';
import { XConnects, replayXConnects } from './xconnects';

// `await using sw = await connect(...)` needs Symbol.asyncDispose: Node
// has it from 20.4 (engines asks for 20.19); define it where it is missing.
if (typeof Symbol.asyncDispose !== 'symbol') {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') });
}

/**
 * The order of a replay: ports first; routes before neighbours (these then
 * resolve next hops and add host routes only where none was configured);
 * rules; the policer; kernel sync last (what the API set is in place
 * first, and wins).
 */
const REPLAY_STEPS: readonly ReplayStep[] = [
  replayPorts,
  replayXConnects,
  replayRoutes,
  replayNeighbours,
  replayRules,
  replayPolicer,
  replayKernelSync,
];

/** The connection behind each Slipway, for the internal helpers (client/internal.ts). */
const connections = new WeakMap<Slipway, Connection>();

/** @internal */
export function connectionOf(sw: Slipway): Connection {
  return connections.get(sw) as Connection;
}

/**
 * Attaches to the running instance `instance`: opens its control file
 * without following links, checks its owner, mode and type (and its
 * directory's), maps it, checks magic, ABI version, layout, state READY
 * and that the dataplane is alive, then claims one of its client slots.
 * Any number of clients (as many as the file has slots, 16) work at once.
 *
 * Fails with INSECURE (the file or its directory could be another user's),
 * NOT_RUNNING (no file, not ready, dataplane gone), ABI_MISMATCH, BUSY (all
 * client slots are in use) or NATIVE. With `retry`, NOT_RUNNING and BUSY
 * are retried with exponential backoff (initialDelayMs, doubling, capped at
 * maxDelayMs) and the last error is thrown after `attempts` tries.
 * `signal` ends the wait between attempts (ABORTED).
 *
 * The client is an AsyncDisposable: `await using sw = await connect('lab')`
 * closes it at the end of the block.
 */
export async function connect(instance: string, opts: ConnectOptions = {}): Promise<Slipway> {
  checkInstance(instance);
  const retry = resolveRetry(opts.retry);
  const file = ctlPath(instance, opts.ctlDir);
  const native = loadNative();
  const log = withMeta(opts.logger, { instance });
  const signal = opts.signal;
  let delay = retry?.initialDelayMs ?? 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal, `instance ${instance}: connect`);
    try {
      return new Slipway(instance, file, opts, () => mapControlFile(instance, file, native));
    } catch (e) {
      const retriable = e instanceof SlipwayError && (e.code === 'NOT_RUNNING' || e.code === 'BUSY');
      if (!retry || !retriable || attempt >= retry.attempts) throw e;
      log.debug(
        `connect attempt ${attempt}/${retry.attempts} failed, retrying in ${delay} ms: ${(e as Error).message}`,
      );
      try {
        await sleep(delay, undefined, { signal });
      } catch (error) {
        throw signal?.aborted ? abortError(signal, `instance ${instance}: connect`) : error;
      }
      delay = Math.min(retry.maxDelayMs, Math.max(1, delay * 2));
    }
  }
}

/**
 * A client of one slipwayd instance (holds one client slot of its control
 * file until close()). Emits the lifecycle events of
 * {@link SlipwayLifecycleEvents}.
 */
export class Slipway extends EventEmitter<SlipwayLifecycleEvents> implements AsyncDisposable {
  /** Instance name. */
  readonly instance: string;
  /** Control file path. */
  readonly path: string;
  /** The desired configuration recorded for replay (undefined unless `replay: true`). */
  readonly desired?: DesiredConfig;
  /** Port operations. */
  readonly ports: Ports;
  /** Cross-connects. */
  readonly xconnects: XConnects;
  /** IPv4/IPv6 routes. */
  readonly routes: Routes;
  /** The neighbour table. */
  readonly neighbours: Neighbours;
  /** Match-action rules. */
  readonly rules: Rules;
  /** The punt policer. */
  readonly policer: Policer;
  /** Kernel sync. */
  readonly kernelSync: KernelSync;
  /** Capture, trace and explain: what the fast path does with packets. */
  readonly taps: Taps;

  private readonly conn: Connection;

  /** @internal use {@link connect} or {@link launch}. */
  constructor(instance: string, file: string, opts: ConnectOptions, map: () => ReturnType<typeof mapControlFile>) {
    super();
    this.instance = instance;
    this.path = file;
    const emit = this.emit.bind(this) as (name: string, ...args: unknown[]) => boolean;
    this.conn = new Connection(instance, file, map(), loadNative(), opts, REPLAY_STEPS, (name, ...args) =>
      emit(name, ...args),
    );
    connections.set(this, this.conn);
    this.desired = this.conn.desired;
    const rq = this.conn.transport;
    this.ports = new Ports(rq, this.desired);
    this.xconnects = new XConnects(rq, this.desired);
    this.routes = new Routes(rq, this.desired);
    this.neighbours = new Neighbours(rq, this.desired);
    this.rules = new Rules(rq, this.desired);
    this.policer = new Policer(rq, this.desired);
    this.kernelSync = new KernelSync(rq, this.desired);
    this.taps = new Taps(rq, file, loadNative());
  }

  /** Dataplane pid (changes when a restarted dataplane is reattached in replay mode). */
  get pid(): number {
    return this.conn.pid;
  }

  /** The control header as it is now (state, heartbeat, layout, event count). */
  header(): CtlHeaderInfo {
    return this.conn.header();
  }

  /** The client slot this client holds: its index and the gen of the claim (undefined while it has none). */
  slot(): { index: number; gen: number } | undefined {
    return this.conn.slot();
  }

  /** HELLO: the dataplane's ABI version, pid, worker and port counts. */
  async hello(opts?: CallOptions): Promise<Hello> {
    return decodeHello(await this.conn.transport.call(ControlOps.HELLO, undefined, opts));
  }

  /* ---------------- raw requests ---------------- */

  /**
   * Low-level: sends `op` with a raw `payload` and resolves with the raw
   * status and payload, whatever the status. No validation: meant for tests
   * and tools that check the dataplane's own validation; not recorded for
   * replay. Rejects only with TIMEOUT, DATAPLANE_GONE, CLOSED or PROTOCOL.
   *
   * Many calls may be in flight (pipelining): they are written to the ring
   * as they are made and matched to their answers by sequence number.
   */
  request(op: number, payload: Uint8Array = new Uint8Array(0), opts: CallOptions = {}): Promise<RawResponse> {
    return this.conn.transport.request(op, payload, opts);
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
  async requestMany(items: readonly BatchRequest[], opts: CallOptions = {}): Promise<RawResponse[]> {
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
  requestBatch(items: readonly BatchRequest[], opts: CallOptions = {}): Promise<BatchResult> {
    let src: BatchSource;
    try {
      src = new RawSource(items);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.conn.transport.sendBatch(src, opts);
  }

  /* ---------------- statistics and events ---------------- */

  /**
   * Reads the statistics area. With `refresh` (default true) a
   * STATS_REFRESH is sent first so device counters are fresh. Counters are
   * summed over lcores. (`sync` is the former name of `refresh`.)
   */
  async stats(
    opts: { refresh?: boolean; /** @deprecated use refresh */ sync?: boolean } & CallOptions = {},
  ): Promise<Stats> {
    const refresh = opts.refresh ?? opts.sync ?? true;
    // a plain read of the statistics area needs no slot; STATS_REFRESH is a request
    if (refresh) this.conn.ensureUsable();
    else this.conn.ensureAttached();
    return readStatsArea(this.conn.transport, () => this.conn.attachment(), refresh, this.instance, opts);
  }

  /**
   * Events from the dataplane's event log, read with this client's own
   * cursor (published since connect, or since an earlier iterator read
   * them). Every concurrent iterator gets every event; every client gets
   * every event. Missed events are never silent: an 'events-missed' event
   * says how many (overwritten in the log before this client read them, or
   * dropped because this iterator held `queueSize` unread events). Ends
   * when close() is called or the iterator is returned; throws
   * DATAPLANE_GONE if the dataplane disappears (in replay mode the
   * iterators survive and continue with the restarted dataplane's events).
   * `signal` ends the iteration with ABORTED (name 'AbortError').
   * Lifecycle events are EventEmitter events instead: see
   * {@link SlipwayLifecycleEvents}.
   */
  events(opts: EventsOptions = {}): AsyncIterableIterator<SlipwayEvent> {
    return this.conn.subscribe(opts);
  }

  /* ---------------- lifecycle ---------------- */

  /**
   * Releases the client slot (only if still ours), ends event iterators, rejects
   * requests in flight with CLOSED, stops the heartbeat and the watch. A
   * dataplane started by launch() keeps running (and no longer keeps this
   * process alive). Idempotent.
   */
  async close(): Promise<void> {
    await this.conn.close();
  }

  /** close(): `await using sw = await connect(...)` closes the client when the block ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.conn.close();
  }

  /**
   * Stops the dataplane: SIGTERM, then waits until its pid is gone and the
   * control file removed; SIGKILL after timeoutMs (default 10000), and a
   * control file left behind by a killed dataplane is removed. Closes the
   * client. Emits no 'dataplane-gone'. `signal` ends the wait: the client
   * is closed and shutdown() rejects with ABORTED while the dataplane,
   * signalled already, goes on stopping.
   */
  async shutdown(opts: CallOptions = {}): Promise<void> {
    await this.conn.shutdown(opts.timeoutMs ?? 10000, opts.signal);
  }

  /** True once close() (or shutdown()) was called. */
  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  /** True while the control header says READY and the dataplane pid is alive. */
  isAlive(): boolean {
    return this.conn.isAlive();
  }
}

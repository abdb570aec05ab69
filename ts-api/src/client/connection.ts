/**
 * The life of a client's connection to one instance: the attachment to the
 * current dataplane (its client slot, the slot's heartbeat), the transport
 * and the event stream that use it, the watch that notices a dataplane gone
 * or restarted and a slot lost, the reattach and replay on a restart (with
 * `replay: true`), and the end (close, or shutdown of the dataplane itself).
 *
 * Lifecycle events (EventEmitter events of Slipway):
 * - 'dataplane-gone': the dataplane pid is gone, its heartbeat is older than
 *   `heartbeatTimeoutMs`, or it stopped. Requests in flight fail with
 *   DATAPLANE_GONE. Detected within one watch interval (`watchIntervalMs`).
 * - 'dataplane-restarted': a new slipwayd replaced the control file of the
 *   same instance (different inode, pid or start time).
 * - 'replayed' / 'replay-failed': with `replay: true`, the client
 *   reattaches to the new dataplane, claims a slot there and applies the
 *   desired configuration recorded from the calls made through it.
 * - 'slot-lost': the dataplane freed this client's slot while the client
 *   runs (its heartbeat was older than SLOT_TIMEOUT_MS: the process was
 *   stopped or its event loop blocked that long), or the slot was claimed
 *   again. Requests in flight on the old slot fail with SLOT_LOST (they may
 *   or may not have been applied: the client never resends them); the
 *   client claims a new slot at once and later requests go there. While no
 *   slot is free, requests fail with BUSY, and every request and watch tick
 *   tries again.
 * Without replay, the client stays unusable (DATAPLANE_GONE) after either;
 * connect() again.
 */
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { State } from '../wire/abi/control';
import { type CtlHeaderInfo, dataplaneAlive, ownPidns, pidAlive, readHeader, startTicks } from '../wire/ctlfile';
import type { ClientIdentity } from '../wire/slots';
import { SlipwayError, abortError, check } from '../errors';
import type { SlipwayEvent } from '../events';
import { type Logger, withMeta } from '../logger';
import type { NativeBinding } from '../native';
import { Attachment, type MappedFile, mapControlFile } from './attachment';
import { DesiredConfig } from './desired';
import { EventStream, type EventStreamHost, type EventsOptions } from './event-stream';
import { type ConnectOptions, DEFAULT_HB_TIMEOUT_MS, DEFAULT_WATCH_MS } from './options';
import { type ReplayStep, type ReplaySummary, replay } from './replay';
import { Transport, type TransportHost } from './transport';

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

/** Payload of 'slot-lost'. */
export interface SlotLostEvent {
  instance: string;
  /** the slot the dataplane freed */
  slot: number;
  /** why it is not ours any more */
  reason: string;
  /** requests and batches in flight that failed with SLOT_LOST */
  failed: number;
  /** the slot claimed instead; undefined while every slot is taken */
  newSlot?: number;
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
  'slot-lost': [SlotLostEvent];
}

/** How the connection announces lifecycle events (the facade's EventEmitter.emit). */
export type LifecycleEmit = <K extends keyof SlipwayLifecycleEvents>(
  name: K,
  ...args: SlipwayLifecycleEvents[K]
) => unknown;

/** Gives up reattaching after this many failed replays of restarted dataplanes. */
const MAX_REPLAY_ATTEMPTS = 20;

export class Connection implements TransportHost, EventStreamHost {
  readonly log: Logger;
  /** The desired configuration recorded for replay (undefined unless `replay: true`). */
  readonly desired?: DesiredConfig;
  readonly transport: Transport;
  readonly events: EventStream;
  /** A dataplane launch() spawned: unref'd at close, so it no longer keeps this process alive. */
  child?: ChildProcess;

  private a: Attachment;
  /** 'up' attached to a live dataplane; 'gone' waiting for a new one; 'reattaching' replay in progress (or given up). */
  private life: 'up' | 'gone' | 'reattaching' = 'up';
  private closed = false;
  private stopping = false;
  private broken?: SlipwayError;
  private connectedNs: bigint;
  private replayAttempts = 0;
  /** Set while the slot was lost and no other is free: what requests fail with. */
  private noSlot?: SlipwayError;
  private readonly identity: Omit<ClientIdentity, 'nowNs'>;
  private readonly hbTimeoutNs: bigint;
  private readonly watchTimer: NodeJS.Timeout;
  /** Gives the slot back when the process exits without close(). */
  private readonly releaseAtExit = (): void => this.a.releaseSlot();

  constructor(
    readonly instance: string,
    readonly path: string,
    mapped: MappedFile,
    readonly native: NativeBinding,
    opts: ConnectOptions,
    private readonly replaySteps: readonly ReplayStep[],
    private readonly emit: LifecycleEmit,
  ) {
    this.transport = new Transport(this, opts, randomInt(0, 0x1_0000_0000));
    const hbMs = opts.heartbeatTimeoutMs ?? DEFAULT_HB_TIMEOUT_MS;
    check(Number.isFinite(hbMs) && hbMs > 0, `bad heartbeatTimeoutMs ${JSON.stringify(hbMs)}`);
    this.hbTimeoutNs = BigInt(Math.round(hbMs * 1e6));
    const watchMs = opts.watchIntervalMs ?? DEFAULT_WATCH_MS;
    check(Number.isFinite(watchMs) && watchMs >= 1, `bad watchIntervalMs ${JSON.stringify(watchMs)}`);
    if (opts.replay) this.desired = new DesiredConfig();
    this.log = withMeta(opts.logger, { instance });
    this.events = new EventStream(this);
    this.identity = clientIdentity(opts.name);
    this.a = new Attachment(mapped, native);
    const slot = this.a.claimSlot(instance, { ...this.identity, nowNs: native.monotonicNs() });
    this.events.attached();
    this.connectedNs = native.monotonicNs();
    this.watchTimer = setInterval(() => this.watch(), watchMs);
    this.watchTimer.unref();
    atExit(this.releaseAtExit, true);
    this.log.debug('connected', { path, dpPid: this.a.pid, slot: slot.index, gen: slot.gen });
  }

  /* ---------------- what the transport and the event stream ask ---------------- */

  attachment(): Attachment {
    return this.a;
  }

  /** Throws CLOSED, or the error that made the client unusable (not whether it holds a slot). */
  ensureAttached(): void {
    if (this.closed) throw new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`);
    if (this.broken) throw this.broken;
  }

  ensureUsable(): void {
    if (this.closed) throw new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`);
    if (this.broken) throw this.broken;
    if (this.noSlot) {
      this.reclaim();
      if (this.noSlot) throw this.noSlot;
    }
  }

  canRun(): boolean {
    return !this.closed && !this.broken;
  }

  isOpen(): boolean {
    return !this.closed;
  }

  isUp(): boolean {
    return this.life === 'up';
  }

  checkAlive(): void {
    if (this.life !== 'up' || this.stopping) return;
    if (!dataplaneAlive(this.a.h)) return this.gone('pid-gone', 0);
    this.checkSlot();
  }

  /** The rings cannot be trusted any more: the client becomes unusable. */
  fail(e: unknown): void {
    this.failAll(e instanceof SlipwayError ? e : new SlipwayError('PROTOCOL', String(e), { cause: e }), true);
  }

  /* ---------------- what the facade asks ---------------- */

  /** Dataplane pid (changes when a restarted dataplane is reattached in replay mode). */
  get pid(): number {
    return this.a.pid;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the control header says READY and the dataplane pid is alive. */
  isAlive(): boolean {
    return this.a.state() === State.READY && dataplaneAlive(this.a.h);
  }

  /** The client slot held now: its index and the gen of the claim (undefined while none). */
  slot(): { index: number; gen: number } | undefined {
    const s = this.noSlot ? undefined : this.a.claimed;
    return s && { index: s.index, gen: s.gen };
  }

  header(): CtlHeaderInfo {
    return readHeader(this.a.buf);
  }

  /** A new event subscriber (ended at once when closed, or failed without replay). */
  subscribe(opts: EventsOptions = {}): AsyncIterableIterator<SlipwayEvent> {
    if (this.closed) return this.events.subscribe(opts, {});
    if (this.broken && !this.desired) return this.events.subscribe(opts, { error: this.broken });
    return this.events.subscribe(opts);
  }

  /**
   * Releases the slot (only if still ours), ends event iterators, rejects
   * requests in flight with CLOSED, stops the heartbeat and the watch.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchTimer);
    atExit(this.releaseAtExit, false);
    this.transport.failAll(new SlipwayError('CLOSED', `instance ${this.instance}: client is closed`));
    this.events.endAll();
    this.a.interruptWaits();
    await Promise.allSettled([this.transport.idle(), this.events.idle()]);
    this.a.releaseSlot();
    this.child?.unref();
    this.log.debug('closed');
  }

  /**
   * Stops the dataplane: SIGTERM, then waits until its pid is gone and the
   * control file removed; SIGKILL after timeoutMs, and a control file left
   * behind by a killed dataplane is removed. Closes the connection. No
   * 'dataplane-gone'. `abort` ends the wait: the client is closed and the
   * call rejects with ABORTED (the dataplane got its SIGTERM and goes on
   * stopping).
   */
  async shutdown(timeoutMs: number, abort?: AbortSignal): Promise<void> {
    this.stopping = true;
    const pid = this.a.pid;
    const gone = () => !pidAlive(pid) && !fs.existsSync(this.path);
    const aborted = async (): Promise<never> => {
      await this.close();
      throw abortError(abort as AbortSignal, `instance ${this.instance}: stopping dataplane pid ${pid} (SIGTERM sent)`);
    };
    if (abort?.aborted) return aborted();
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
      if (abort?.aborted) return aborted();
      await sleep(20);
    }
    if (pidAlive(pid)) {
      this.log.warn(`dataplane pid ${pid} still alive after ${timeoutMs} ms, sending SIGKILL`);
      signal(pid, 'SIGKILL');
      const killDeadline = performance.now() + 5000;
      while (pidAlive(pid) && performance.now() < killDeadline) {
        if (abort?.aborted) return aborted();
        await sleep(20);
      }
    }
    if (!pidAlive(pid) && fs.existsSync(this.path) && readHeader(this.a.buf).dpPid === pid) {
      this.log.warn(`removing control file ${this.path} left behind by pid ${pid}`);
      fs.rmSync(this.path, { force: true });
    }
    await this.close();
    if (pidAlive(pid))
      throw new SlipwayError('TIMEOUT', `instance ${this.instance}: dataplane pid ${pid} survived SIGKILL`);
  }

  /* ---------------- liveness ---------------- */

  /** Rejects everything in flight; `permanent` also makes the client unusable and ends event iterators. */
  private failAll(err: SlipwayError, permanent: boolean): void {
    if (permanent && !this.broken && !this.closed) this.broken = err;
    this.transport.failAll(err);
    if (permanent) this.events.endAll(err);
  }

  private watch(): void {
    if (this.closed) return;
    if (this.life !== 'gone') this.a.writeHeartbeat();
    if (this.stopping || this.life === 'reattaching') return;
    try {
      // the dataplane first: one that stopped is gone, not a lost slot
      if (this.life === 'up') this.watchUp();
      if (this.life === 'up') this.checkSlot();
      if (this.life === 'up' && this.noSlot) this.reclaim();
      if (this.life === 'gone') this.watchGone();
    } catch (e) {
      this.log.warn(`dataplane watch failed: ${(e as Error).message}`);
    }
  }

  private watchUp(): void {
    const a = this.a;
    const hb = a.dataplaneHeartbeatNs();
    const now = this.native.monotonicNs();
    const age = now - (hb > this.connectedNs ? hb : hb === 0n ? this.connectedNs : hb);
    const ageMs = Number(age) / 1e6;
    if (a.headerPid() !== a.pid) return this.gone('file-removed', ageMs);
    if (!dataplaneAlive(a.h)) return this.gone('pid-gone', ageMs);
    if (a.state() === State.STOPPING) return this.gone('stopping', ageMs);
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

  /** The dataplane freed our slot (or it was claimed again): fail what was in flight, claim another. */
  private checkSlot(): void {
    const slot = this.a.claimed;
    if (this.noSlot || !slot) return;
    const reason = slot.lost();
    if (reason === undefined) return;
    const failed = this.transport.inFlight();
    const err = new SlipwayError(
      'SLOT_LOST',
      `instance ${this.instance}: client slot ${slot.index} was ${reason}` +
        (failed > 0 ? `; ${failed} request(s) in flight were lost (applied or not: not resent)` : ''),
    );
    this.log.warn(err.message, { slot: slot.index, reason, failed });
    this.transport.failAll(err);
    this.a.interruptWaits();
    this.noSlot = err;
    this.reclaim();
    this.emit('slot-lost', {
      instance: this.instance,
      slot: slot.index,
      reason,
      failed,
      newSlot: this.noSlot ? undefined : this.a.claimed?.index,
    });
  }

  /** Claims a new slot after a loss; leaves `noSlot` set (BUSY) while none is free. */
  private reclaim(): void {
    try {
      const s = this.a.claimSlot(this.instance, { ...this.identity, nowNs: this.native.monotonicNs() });
      this.noSlot = undefined;
      this.log.info(`claimed client slot ${s.index}`, { slot: s.index, gen: s.gen });
    } catch (e) {
      this.noSlot = e instanceof SlipwayError ? e : new SlipwayError('PROTOCOL', String(e), { cause: e });
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
    this.a.interruptWaits();
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
    let m: MappedFile;
    try {
      m = mapControlFile(this.instance, this.path, this.native);
    } catch {
      return; // still starting
    }
    const h = m.h;
    if (h.dpPid === this.a.pid && h.startTimeNs === this.a.startTimeNs) return;
    const oldPid = this.a.pid;
    this.log.warn(`dataplane restarted: pid ${oldPid} -> ${h.dpPid}`);
    this.emit('dataplane-restarted', { instance: this.instance, oldPid, newPid: h.dpPid });
    this.life = 'reattaching'; // without replay: terminal, stop watching
    if (!this.desired) {
      this.broken ??= new SlipwayError(
        'DATAPLANE_GONE',
        `instance ${this.instance}: dataplane restarted as pid ${h.dpPid}; connect again`,
      );
      return;
    }
    void this.reattach({ ...m, ino: fs.statSync(this.path).ino });
  }

  private async reattach(m: MappedFile): Promise<void> {
    const t0 = performance.now();
    const old = this.a;
    try {
      const a = new Attachment(m, this.native);
      a.claimSlot(this.instance, { ...this.identity, nowNs: this.native.monotonicNs() });
      this.a = a;
      this.noSlot = undefined;
      this.events.attached();
      this.connectedNs = this.native.monotonicNs();
      this.broken = undefined;
      this.life = 'up';
      const summary = await replay(this.transport, this.desired as DesiredConfig, this.a.pid, this.replaySteps, t0);
      this.replayAttempts = 0;
      this.log.info(`replayed the desired configuration on pid ${summary.pid}`, { ...summary });
      this.emit('replayed', summary);
    } catch (e) {
      const err = e instanceof SlipwayError ? e : new SlipwayError('REPLAY_FAILED', String(e), { cause: e });
      this.log.warn(`replay on pid ${m.h.dpPid} failed: ${err.message}`);
      if (this.a !== old && this.life === 'up') {
        // Attached, but the replay itself failed: keep the client usable and say so.
        this.emit('replay-failed', { instance: this.instance, pid: m.h.dpPid, error: err });
        return;
      }
      this.a = old;
      this.life = 'gone';
      this.broken ??= new SlipwayError('DATAPLANE_GONE', `instance ${this.instance}: dataplane pid ${old.pid} is gone`);
      if (++this.replayAttempts >= MAX_REPLAY_ATTEMPTS) this.life = 'reattaching'; // give up
      this.emit('replay-failed', { instance: this.instance, pid: m.h.dpPid, error: err });
    }
  }
}

/** One 'exit' listener for every client of the process (any number of them: no listener leak warning). */
const exitHooks = new Set<() => void>();
function atExit(fn: () => void, on: boolean): void {
  if (exitHooks.size === 0 && on) process.on('exit', runExitHooks);
  if (on) exitHooks.add(fn);
  else exitHooks.delete(fn);
  if (exitHooks.size === 0) process.off('exit', runExitHooks);
}
function runExitHooks(): void {
  for (const fn of exitHooks) fn();
}

/** Who this process is, for its slot: pid, pid namespace, start time, and the name it gives. */
function clientIdentity(name: string | undefined): Omit<ClientIdentity, 'nowNs'> {
  const script = process.argv[1] ? basename(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') : '';
  return {
    pid: process.pid,
    pidns: ownPidns(),
    startTicks: startTicks('self') ?? 0n,
    name: name ?? (script || 'node'),
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * The request/response half of the control channel: requests written to
 * the request ring as they are made (pipelining) and matched to their
 * answers by sequence number, batches encoded in place, one pump for
 * everything in flight, timeouts.
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
 * off the JavaScript thread (a libuv worker: more latency, no CPU, the
 * event loop runs).
 *
 * - Each request may block the event loop up to `spinUs`. Requests made in
 *   the same tick share one wait: it runs in a microtask after all of them
 *   are written.
 * - `spinUs: 0` never waits synchronously (lowest event-loop impact).
 * - Busy polling only pays off with a spare core: a polling JS thread on the
 *   CPU of slipwayd's main lcore starves it, hence the default 0. Place the
 *   controller away from the main lcore's CPU (e.g. `taskset -p -c <cpus>
 *   <node pid>`) for the best latency. The round-trip figures, with and
 *   without a shared CPU, are measured by `npm run bench -- control` (see
 *   the README's Benchmarks section).
 * - Batches never wait synchronously on the futex (the dataplane would
 *   wake us after every pass); they poll for `busyPollUs`, then sleep
 *   asynchronously while the request ring keeps the dataplane busy, and
 *   yield to the event loop at least every {@link SLICE_MS} ms.
 * - A batch is one batch for the dataplane only if its requests keep
 *   coming: it compiles a rule set once per batch and commits a batch it
 *   holds at the latest every 50 ms. So while a batch still has items to
 *   write and the request ring is full, the pump looks for the room the
 *   dataplane frees every {@link REFILL_POLL_MS} ms (or as soon as an answer
 *   comes), not after a futex sleep of {@link RESP_WAIT_MS} ms: the dataplane
 *   consumes requests long before it answers a held batch.
 * - slipwayd's own knobs (LaunchOptions.dataplaneSpinUs / idleUs): its main
 *   lcore polls for --spin-us after its last work, then sleeps on the futex
 *   up to --idle-us; a request always wakes it.
 */
import { setImmediate as yieldNow } from 'node:timers/promises';
import { MSG_F_MORE, opName } from '../wire/abi';
import { STATUS_OK } from '../wire/abi/status';
import type { BatchSource } from '../wire/batch';
import { decodeErrorText } from '../wire/message';
import { SlipwayError, abortError, check, statusError } from '../errors';
import type { Logger } from '../logger';
import type { NativeBinding } from '../native';
import type { Attachment } from './attachment';
import { BatchResult } from './batch';
import { type CallOptions, DEFAULT_SPIN_US, DEFAULT_TIMEOUT_MS } from './options';

/** Raw response of {@link Slipway.request}. */
export interface RawResponse {
  status: number;
  payload: Uint8Array;
}

/** Longest stretch of synchronous ring work before yielding to the event loop, ms. */
const SLICE_MS = 4;
/** Futex sleep on the response ring between liveness checks, ms. */
const RESP_WAIT_MS = 50;
/** Wait for request-ring room while a batch has items left to write, ms. */
const REFILL_POLL_MS = 1;
/** Requests published per commit (one wake at most per chunk). */
const CHUNK = 1024;
/** Batches given up (timeout, abort) whose late answers are still ignored quietly. */
const MAX_ABANDONED = 64;

/** What the transport needs from the connection it serves. */
export interface TransportHost {
  readonly instance: string;
  readonly log: Logger;
  readonly native: NativeBinding;
  /** The current attachment (it changes when a restarted dataplane is reattached). */
  attachment(): Attachment;
  /** Throws CLOSED, or the error that made the client unusable. */
  ensureUsable(): void;
  /** False once closed or unusable: the pump stops. */
  canRun(): boolean;
  /** A futex sleep timed out: is the dataplane still there? */
  checkAlive(): void;
  /** The rings cannot be trusted any more (a corrupt message). */
  fail(e: unknown): void;
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

/** A batch given up: answers to its `sent` items from `base` are still due (`left`). */
interface Abandoned {
  base: number;
  sent: number;
  left: number;
}

export class Transport {
  private readonly timeoutMs: number;
  private readonly spinUs: number;
  private readonly busyPollUs: number;
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly outgoing: Outgoing[] = [];
  private readonly batches: PendingBatch[] = [];
  private readonly abandoned: Abandoned[] = [];
  private pump?: Promise<void>;
  private kickQueued = false;
  private nextExpire = 0;

  constructor(
    private readonly host: TransportHost,
    opts: { timeoutMs?: number; spinUs?: number; busyPollUs?: number },
    firstSeq: number,
  ) {
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
    this.seq = firstSeq >>> 0;
  }

  private get a(): Attachment {
    return this.host.attachment();
  }

  /** Resolves once the pump has stopped (after close). */
  async idle(): Promise<void> {
    await this.pump;
  }

  /**
   * Low-level: sends `op` with a raw `payload` and resolves with the raw
   * status and payload, whatever the status. No validation: meant for tests
   * and tools that check the dataplane's own validation; not recorded for
   * replay. Rejects only with TIMEOUT, DATAPLANE_GONE, CLOSED or PROTOCOL.
   *
   * Many calls may be in flight (pipelining): they are written to the ring
   * as they are made and matched to their answers by sequence number.
   * `opts.signal` ends the wait (ABORTED); the request may still be applied.
   */
  request(op: number, payload: Uint8Array = new Uint8Array(0), opts: CallOptions = {}): Promise<RawResponse> {
    const signal = opts.signal;
    try {
      if (signal?.aborted) throw abortError(signal, `instance ${this.host.instance}: ${opName(op)}`);
      this.host.ensureUsable();
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
      const p: Pending = { op, deadline: performance.now() + timeoutMs, timeoutMs, resolve, reject };
      if (signal) {
        const remove = (): boolean => this.pending.get(seq) === p && this.pending.delete(seq);
        this.abortable(signal, p, remove, () => `${opName(op)} (seq ${seq})`);
      }
      this.pending.set(seq, p);
      try {
        if (this.outgoing.length > 0 || !this.a.req.produce({ type: op, seq, payload })) {
          this.outgoing.push({ op, seq, payload });
        }
      } catch (e) {
        this.pending.delete(seq);
        p.reject(e as Error);
        return;
      }
      this.schedule();
    });
  }

  /**
   * Ties a request or batch to `signal`: on abort, `remove` takes it out of
   * what is in flight (false when it was settled already) and it rejects
   * with ABORTED. The listener goes once it settles.
   */
  private abortable<T>(
    signal: AbortSignal,
    p: { resolve: (r: T) => void; reject: (e: Error) => void },
    remove: () => boolean,
    what: () => string,
  ): void {
    const { resolve, reject } = p;
    const onAbort = (): void => {
      if (remove()) p.reject(abortError(signal, `instance ${this.host.instance}: ${what()}`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.resolve = (r: T) => {
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    p.reject = (e: Error) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    };
  }

  /**
   * Sends a batch from a source: items encoded straight into the request
   * ring, in chunks, each with its own status in the result. `opts.signal`
   * ends the wait (ABORTED): items not yet written are not sent, those
   * written may still be applied.
   */
  sendBatch(src: BatchSource, opts: CallOptions = {}): Promise<BatchResult> {
    const signal = opts.signal;
    try {
      if (signal?.aborted) throw abortError(signal, `instance ${this.host.instance}: ${src.what}`);
      this.host.ensureUsable();
    } catch (e) {
      return Promise.reject(e);
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const n = src.count;
    if (n === 0) return Promise.resolve(new BatchResult(src.what, new Uint32Array(0), new Map()));
    const base = this.seq;
    this.seq = (this.seq + n) >>> 0;
    return new Promise<BatchResult>((resolve, reject) => {
      const b: PendingBatch = {
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
      };
      if (signal) {
        const remove = (): boolean => {
          const i = this.batches.indexOf(b);
          if (i < 0) return false;
          this.batches.splice(i, 1);
          this.abandon(b);
          return true;
        };
        this.abortable(signal, b, remove, () => `${src.what} (${b.received} of ${n} answered when aborted)`);
      }
      this.batches.push(b);
      this.schedule();
    });
  }

  /** Sends a request and returns the OK payload; a non-OK status becomes a SlipwayError. */
  async call(op: number, payload?: Uint8Array, opts?: CallOptions): Promise<Uint8Array> {
    const r = await this.request(op, payload, opts);
    if (r.status !== STATUS_OK) throw statusError(r.status, decodeErrorText(r.payload));
    return r.payload;
  }

  private busy(): boolean {
    return this.pending.size > 0 || this.batches.length > 0;
  }

  /** Requests and batches in flight (sent or waiting to be). */
  inFlight(): number {
    return this.pending.size + this.batches.length;
  }

  // A batch (or a request) still waits for room on the request ring.
  private unsent(): boolean {
    if (this.outgoing.length > 0) return true;
    for (let bi = 0; bi < this.batches.length; bi++) {
      if (this.batches[bi].sent < this.batches[bi].src.count) return true;
    }
    return false;
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
    if (!this.host.canRun() || !this.busy()) return;
    try {
      this.slice();
    } catch (e) {
      this.host.fail(e);
      return;
    }
    if (this.busy()) this.startPump();
  };

  private startPump(): void {
    if (this.pump) return;
    this.pump = this.runPump()
      .catch((e: unknown) => this.host.fail(e))
      .finally(() => {
        this.pump = undefined;
        if (this.busy() && this.host.canRun()) this.startPump();
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
   * pass (batched updates/s: `npm run bench -- control`); the async wait
   * lets answers accumulate while the request ring keeps the dataplane busy.
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
      this.host.native.futexWaitSync(this.a.buf, resp.wakeOffset, w, left);
      resp.setSleepers(0);
      if (!resp.isEmpty()) return true;
    }
  }

  // One loop serves every request in flight: slices of synchronous work,
  // futex sleeps (off the JS thread) when nothing comes.
  private async runPump(): Promise<void> {
    while (this.busy() && this.host.canRun()) {
      if (this.slice()) {
        await yieldNow();
        continue;
      }
      if (!this.busy() || !this.host.canRun()) break;
      if (this.unsent()) {
        // the dataplane frees request-ring room before it answers a held batch
        await this.a.sleepOn(this.a.resp, REFILL_POLL_MS);
        continue;
      }
      if ((await this.a.sleepOn(this.a.resp, RESP_WAIT_MS)) === 'timeout') this.host.checkAlive();
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
          // every item but the last says more follow: the dataplane commits the batch once
          const flags = i + 1 < n ? MSG_F_MORE : 0;
          const off = req.reserve(src.op(i), (b.base + i) >>> 0, src.payloadLen(i), flags);
          if (off < 0) break;
          src.write(i, view, data, off);
        }
        if (i > b.sent) b.deadline = performance.now() + b.timeoutMs; // the dataplane took more: progress
        b.sent = i;
        req.commit();
        if (i < stop) return; // ring full: the rest when the dataplane frees room
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
    const gone = this.abandoned;
    for (let ai = 0; ai < gone.length; ai++) {
      const g = gone[ai];
      if ((seq - g.base) >>> 0 < g.sent) {
        if (--g.left <= 0) gone.splice(ai, 1);
        return; // a late answer of a batch given up
      }
    }
    const p = this.pending.get(seq);
    if (!p) {
      this.host.log.debug('ignoring response for a request not pending', { seq, op: opName(type) });
      return;
    }
    this.pending.delete(seq);
    if (type !== p.op)
      this.host.log.debug('response type differs from request', { seq, req: opName(p.op), resp: opName(type) });
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
            `instance ${this.host.instance}: ${opName(p.op)} (seq ${seq}) got no response within ${p.timeoutMs} ms`,
          ),
        );
      }
    }
    for (let bi = this.batches.length - 1; bi >= 0; bi--) {
      const b = this.batches[bi];
      if (b.deadline <= now) {
        this.batches.splice(bi, 1);
        this.abandon(b);
        b.reject(
          new SlipwayError(
            'TIMEOUT',
            `instance ${this.host.instance}: ${b.src.what}: no response for ${b.timeoutMs} ms (${b.received} of ${b.src.count} answered)`,
          ),
        );
      }
    }
  }

  /**
   * Rejects everything in flight with `err` (the dataplane went away, the
   * client was closed, or a ring turned out corrupt).
   */
  failAll(err: SlipwayError): void {
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(err);
    }
    for (const b of this.batches.splice(0)) b.reject(err);
    this.outgoing.length = 0;
    this.abandoned.length = 0; // nothing more comes on this slot for them
  }

  /** Remembers a batch given up, so the answers still due for it are dropped quietly. */
  private abandon(b: PendingBatch): void {
    const left = b.sent - b.received;
    if (left <= 0) return;
    if (this.abandoned.length >= MAX_ABANDONED) this.abandoned.shift();
    this.abandoned.push({ base: b.base, sent: b.sent, left });
  }
}

/**
 * A running trace as its client holds it: TRACE_READ polled (which also
 * keeps the trace alive: slipwayd ends a trace nobody reads for
 * TAP_TIMEOUT_MS), records handed out in time order, the stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TapOps } from '../wire/abi/taps';
import { type TapInfo, decodeTapInfoPayload, encodeTapRef } from '../codec/capture';
import { type TraceBatchInfo, type TraceRecord, decodeTraceBatch } from '../codec/trace';
import { SlipwayError } from '../errors';
import type { Requests } from './namespace';

/** Records held unread at most; a reader that falls behind that far loses the newest. */
const MAX_BUFFERED = 4 * 1024;
const KEEPALIVE_MS = 1000;

export class Trace implements AsyncIterable<TraceRecord> {
  /** The trace as slipwayd started it (filter, JIT, count per worker). */
  readonly info: TapInfo;
  private buf: TraceRecord[] = [];
  private last: Omit<TraceBatchInfo, 'records'> = { state: 'running', matched: 0n, lost: 0n };
  private delivered = 0;
  private readonly timer: NodeJS.Timeout;
  private reading?: Promise<void>;
  private stopped?: Promise<TapInfo | null>;

  /** @internal use sw.taps.trace() */
  constructor(
    private readonly rq: Requests,
    info: TapInfo,
    private readonly pollMs: number,
  ) {
    this.info = info;
    // reading keeps the trace alive while the caller is busy elsewhere
    this.timer = setInterval(() => void this.fetch().catch(() => undefined), KEEPALIVE_MS);
    this.timer.unref();
  }

  get id(): number {
    return this.info.id;
  }

  /** Packets the filter took so far, and those not traced (every worker's trace was full). */
  get matched(): bigint {
    return this.last.matched;
  }

  get lost(): bigint {
    return this.last.lost;
  }

  /** Records handed out so far. */
  get count(): number {
    return this.delivered;
  }

  /** One TRACE_READ: what the workers finished since the last. */
  private fetch(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const b = decodeTraceBatch(await this.rq.call(TapOps.TRACE_READ, encodeTapRef(this.id)));
        this.last = { state: b.state, matched: b.matched, lost: b.lost };
        const room = MAX_BUFFERED - this.buf.length;
        this.buf.push(...b.records.slice(0, Math.max(0, room)));
        this.buf.sort((a, c) => (a.tscRx < c.tscRx ? -1 : a.tscRx > c.tscRx ? 1 : 0));
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Records finished since the last call, in time order (one TRACE_READ when none is buffered). */
  async poll(): Promise<TraceRecord[]> {
    if (this.buf.length === 0) await this.fetch();
    const out = this.buf;
    this.buf = [];
    this.delivered += out.length;
    return out;
  }

  /**
   * The records as they come, until `max` were handed out, the trace
   * ended, `timeoutMs` passed or `signal` aborted.
   */
  async *records(opts: { max?: number; timeoutMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<TraceRecord> {
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    let n = 0;
    for (;;) {
      if (this.stopped) return;
      const batch = await this.poll();
      for (const r of batch) {
        if (opts.max !== undefined && n >= opts.max) return;
        n++;
        yield r;
      }
      if (opts.max !== undefined && n >= opts.max) return;
      if (this.last.state !== 'running' && batch.length === 0) return;
      if (opts.signal?.aborted || Date.now() >= deadline) return;
      if (batch.length === 0) {
        try {
          await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())), undefined, { signal: opts.signal });
        } catch {
          return;
        }
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<TraceRecord> {
    return this.records();
  }

  /** Stops the trace (records not read yet are gone). Returns its last info, null when it had ended already. */
  stop(): Promise<TapInfo | null> {
    this.stopped ??= (async () => {
      clearInterval(this.timer);
      try {
        return decodeTapInfoPayload(await this.rq.call(TapOps.TAP_STOP, encodeTapRef(this.id)));
      } catch (e) {
        if (e instanceof SlipwayError && (e.code === 'NOT_FOUND' || e.code === 'NOT_RUNNING')) return null;
        throw e;
      }
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * The event stream: one loop reads the event log with this client's own
 * cursor and hands every event to every subscriber's queue (an async
 * iterator each); it sleeps on the log's futex when there is nothing.
 *
 * Nothing is lost silently. Events the dataplane overwrote before this
 * client read them (the log keeps the last `evt_records`) become one
 * 'events-missed' event (reason 'overwritten', with the count and the first
 * missed seq) in every queue, and a log warning. A queue is bounded
 * (`queueSize`, default {@link DEFAULT_QUEUE_SIZE}): when its reader falls
 * that far behind, further events are dropped for it alone and counted,
 * and once it reads again it gets an 'events-missed' (reason 'queue-full')
 * in their place, and a log warning is written when the dropping starts.
 */
import { setTimeout as sleep, setImmediate as yieldNow } from 'node:timers/promises';
import { abortError } from '../errors';
import { type EventsMissedEvent, type SlipwayEvent, decodeEventRecord } from '../events';
import type { Logger } from '../logger';
import type { Attachment } from './attachment';

/** Futex sleep on the event log between liveness checks, ms. */
const EVT_WAIT_MS = 200;
/** Records read per pass before yielding to the event loop. */
const READ_BATCH = 256;
/** Events an iterator holds unread before it drops (and counts) the rest. */
export const DEFAULT_QUEUE_SIZE = 4096;

/** What the event stream needs from the connection it serves. */
export interface EventStreamHost {
  readonly log: Logger;
  /** The current attachment (it changes when a restarted dataplane is reattached). */
  attachment(): Attachment;
  /** True while attached to a live dataplane (false while it is gone or being reattached). */
  isUp(): boolean;
  /** False once closed: the loop ends. */
  isOpen(): boolean;
  /** A futex sleep timed out: is the dataplane still there? */
  checkAlive(): void;
  /** The event log cannot be trusted any more (a corrupt record). */
  fail(e: unknown): void;
}

/** Options of {@link Slipway.events}. */
export interface EventsOptions {
  /** Unread events this iterator holds at most (default {@link DEFAULT_QUEUE_SIZE}). */
  queueSize?: number;
  /**
   * Ends the iteration: a next() waiting, or the next one, rejects with
   * ABORTED (name 'AbortError'), as node:events `on()` does; events not
   * yet read are dropped.
   */
  signal?: AbortSignal;
}

/** Per-subscriber bounded event queue handed out by {@link Slipway.events}. */
class EventQueue implements AsyncIterableIterator<SlipwayEvent> {
  private buf: SlipwayEvent[] = [];
  private waiter?: { resolve: (r: IteratorResult<SlipwayEvent>) => void; reject: (e: Error) => void };
  private done = false;
  private error?: Error;
  /** events dropped since the queue was last full, and the seq of the first */
  private dropped = 0;
  private droppedFrom = 0;

  constructor(
    private readonly max: number,
    private readonly onEnd: (q: EventQueue) => void,
    private readonly onOverflow: (max: number) => void,
  ) {}

  push(e: SlipwayEvent): void {
    if (this.done) return;
    if (this.waiter) {
      // a waiter exists only while nothing is buffered or pending
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: e, done: false });
      return;
    }
    if (this.dropped > 0 && this.buf.length < this.max) this.buf.push(this.takeMissed());
    if (this.buf.length < this.max) {
      this.buf.push(e);
      return;
    }
    if (this.dropped === 0) {
      this.droppedFrom = e.seq;
      this.onOverflow(this.max);
    }
    this.dropped += e.type === 'events-missed' ? e.count : 1;
  }

  private takeMissed(): EventsMissedEvent {
    const m: EventsMissedEvent = {
      type: 'events-missed',
      seq: this.droppedFrom,
      count: this.dropped,
      reason: 'queue-full',
    };
    this.dropped = 0;
    return m;
  }

  /** Set by subscribe(): removes the abort listener when the queue ends. */
  detach?: () => void;

  end(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.detach?.();
    this.onEnd(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.error = undefined; // thrown once: the iterator is done after it
      if (err) w.reject(err);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<SlipwayEvent>> {
    if (this.buf.length) return Promise.resolve({ value: this.buf.shift() as SlipwayEvent, done: false });
    if (this.dropped > 0) return Promise.resolve({ value: this.takeMissed(), done: false });
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

  /** Ends the queue with `err`, dropping what it holds. */
  abort(err: Error): void {
    this.buf = [];
    this.dropped = 0;
    this.end(err);
  }

  return(): Promise<IteratorResult<SlipwayEvent>> {
    this.buf = [];
    this.dropped = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SlipwayEvent> {
    return this;
  }
}

/** Every subscriber's queue, fed by one loop over the event log. */
export class EventStream {
  private readonly subscribers = new Set<EventQueue>();
  private loop?: Promise<void>;
  /** the next event seq this client wants */
  private cursor = 0n;

  constructor(private readonly host: EventStreamHost) {}

  /** Starts reading at the event log's end (after an attach: earlier events are not ours). */
  attached(): void {
    this.cursor = this.host.attachment().evlog.next();
  }

  /** A new subscriber; `endWith` ends it at once (closed, or failed with that error). */
  subscribe(opts: EventsOptions = {}, endWith?: { error?: Error }): AsyncIterableIterator<SlipwayEvent> {
    const size = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
    const q = new EventQueue(
      Number.isInteger(size) && size >= 1 ? size : DEFAULT_QUEUE_SIZE,
      (x) => this.subscribers.delete(x),
      (max) =>
        this.host.log.warn(`an event iterator holds ${max} unread events: dropping (and counting) the next ones`),
    );
    const signal = opts.signal;
    if (endWith || signal?.aborted) {
      q.end(signal?.aborted ? abortError(signal, 'events') : endWith?.error);
      return q;
    }
    if (signal) {
      const onAbort = (): void => q.abort(abortError(signal, 'events'));
      signal.addEventListener('abort', onAbort, { once: true });
      q.detach = () => signal.removeEventListener('abort', onAbort);
    }
    this.subscribers.add(q);
    if (!this.loop) {
      this.loop = this.run()
        .catch((e: unknown) => this.host.fail(e))
        .finally(() => (this.loop = undefined));
    }
    return q;
  }

  /** Ends every subscriber (with `err`: their next() rejects with it). */
  endAll(err?: Error): void {
    for (const q of [...this.subscribers]) q.end(err);
  }

  /** Resolves once the loop has stopped. */
  async idle(): Promise<void> {
    await this.loop;
  }

  private deliver(e: SlipwayEvent): void {
    for (const q of this.subscribers) q.push(e);
  }

  private async run(): Promise<void> {
    while (this.subscribers.size > 0 && this.host.isOpen()) {
      if (!this.host.isUp()) {
        await sleep(EVT_WAIT_MS / 4);
        continue;
      }
      const a = this.host.attachment();
      const r = a.evlog.read(this.cursor, READ_BATCH);
      this.cursor = r.cursor;
      if (r.missed > 0n) {
        this.host.log.warn(
          `missed ${r.missed} event(s) from #${r.missedFrom}: the dataplane overwrote them before this client read them (the event log keeps ${a.evlog.records})`,
        );
        this.deliver({
          type: 'events-missed',
          seq: Number(r.missedFrom),
          count: Number(r.missed),
          reason: 'overwritten',
        });
      }
      for (const rec of r.records) {
        const e = decodeEventRecord(rec);
        if (e === null) {
          this.host.log.debug('ignoring unknown event type', { type: rec.type, seq: Number(rec.seq) });
          continue;
        }
        this.deliver(e);
      }
      if (r.records.length > 0 || r.missed > 0n) {
        await yieldNow(); // let the iterators run before the next pass
        continue;
      }
      if ((await a.sleepOnEvents(this.cursor, EVT_WAIT_MS)) === 'timeout') this.host.checkAlive();
    }
  }
}

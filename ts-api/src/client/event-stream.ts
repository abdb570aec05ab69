/**
 * The event stream: one loop reads the event ring and hands every event to
 * every subscriber's queue (an async iterator each); it sleeps on the
 * ring's futex when there is nothing, and notes events the dataplane had to
 * drop because the ring was full.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type winston from 'winston';
import { type SlipwayEvent, decodeEvent } from '../events';
import type { Attachment } from './attachment';

/** Futex sleep on the event ring between liveness checks, ms. */
const EVT_WAIT_MS = 200;

/** What the event stream needs from the connection it serves. */
export interface EventStreamHost {
  readonly log: winston.Logger;
  /** The current attachment (it changes when a restarted dataplane is reattached). */
  attachment(): Attachment;
  /** True while attached to a live dataplane (false while it is gone or being reattached). */
  isUp(): boolean;
  /** False once closed: the loop ends. */
  isOpen(): boolean;
  /** A futex sleep timed out: is the dataplane still there? */
  checkAlive(): void;
  /** The event ring cannot be trusted any more (a corrupt message). */
  fail(e: unknown): void;
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

/** Every subscriber's queue, fed by one loop over the event ring. */
export class EventStream {
  private readonly subscribers = new Set<EventQueue>();
  private loop?: Promise<void>;
  private dropped = 0n;

  constructor(private readonly host: EventStreamHost) {}

  /** Starts counting the dataplane's dropped events from now (after an attach). */
  resetDropped(): void {
    this.dropped = this.host.attachment().eventsDropped();
  }

  /** A new subscriber; `endWith` ends it at once (closed, or failed with that error). */
  subscribe(endWith?: { error?: Error }): AsyncIterableIterator<SlipwayEvent> {
    const q = new EventQueue((x) => this.subscribers.delete(x));
    if (endWith) {
      q.end(endWith.error);
      return q;
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

  private async run(): Promise<void> {
    while (this.subscribers.size > 0 && this.host.isOpen()) {
      if (!this.host.isUp()) {
        await sleep(EVT_WAIT_MS / 4);
        continue;
      }
      const a = this.host.attachment();
      let n = 0;
      for (let m = a.evt.consume(); m !== null; m = a.evt.consume()) {
        n++;
        const e = decodeEvent(m);
        if (e === null) {
          this.host.log.debug('ignoring unknown event type', { type: m.type, seq: m.seq });
          continue;
        }
        for (const q of this.subscribers) q.push(e);
      }
      const dropped = a.eventsDropped();
      if (dropped !== this.dropped) {
        this.host.log.warn(`dataplane dropped ${dropped - this.dropped} events (event ring full)`);
        this.dropped = dropped;
      }
      if (n > 0) continue;
      if ((await a.sleepOn(a.evt, EVT_WAIT_MS)) === 'timeout') this.host.checkAlive();
    }
  }
}

/**
 * The events: every feature's event codecs assembled into one decoder and
 * one encoder, for event-log records (and the message form the golden
 * vectors of the C side use), plus the one event the client makes itself:
 * 'events-missed'. A feature adds an event in its codec (an EventCodec) and
 * lists it here.
 */
import type { EventCodec } from './codec/common';
import { SYNC_EVENT, type SyncEvent } from './codec/kernel-sync';
import { POLICER_EVENT, type PolicerEvent } from './codec/policer';
import { KERNEL_REQUEST_EVENT, PORT_EVENTS, type KernelRequestEvent, type PortEvent } from './codec/ports';
import { CLIENT_GONE_EVENT, type ClientGoneEvent } from './codec/session';
import { TAP_END_EVENT, type TapEndEvent } from './codec/capture';
import type { EventRecord } from './wire/evlog';
import type { Message } from './wire/message';

/**
 * Events this client did not get, never silently: 'overwritten', the
 * dataplane's event log overwrote them before this client read them (it
 * keeps the last 1024); 'queue-full', this iterator held its queueSize
 * unread events and dropped the next ones. `seq` is the first one missed.
 */
export interface EventsMissedEvent {
  type: 'events-missed';
  seq: number;
  count: number;
  reason: 'overwritten' | 'queue-full';
}

/** Everything the event log can carry, and the client's own 'events-missed'. */
export type SlipwayEvent =
  PortEvent | ClientGoneEvent | KernelRequestEvent | PolicerEvent | SyncEvent | TapEndEvent | EventsMissedEvent;

type WireEvent = Exclude<SlipwayEvent, EventsMissedEvent>;
type AnyCodec = EventCodec<WireEvent>;
const CODECS = [
  ...PORT_EVENTS,
  CLIENT_GONE_EVENT,
  KERNEL_REQUEST_EVENT,
  POLICER_EVENT,
  SYNC_EVENT,
  TAP_END_EVENT,
] as unknown as AnyCodec[];
const BY_CODE = new Map<number, AnyCodec>(CODECS.map((c) => [c.code, c]));
const BY_NAME = new Map<string, AnyCodec>(CODECS.map((c) => [c.name, c]));

/** Decodes an event message; null for event types this library does not know. */
export function decodeEvent(m: Pick<Message, 'type' | 'seq' | 'payload'> & Partial<Message>): SlipwayEvent | null {
  const c = BY_CODE.get(m.type);
  return c ? c.decode(m.seq, m.payload) : null;
}

/** Decodes an event-log record; null for event types this library does not know. */
export function decodeEventRecord(r: EventRecord): SlipwayEvent | null {
  return decodeEvent({ type: r.type, seq: Number(r.seq), payload: r.payload });
}

/** Encodes an event as a message (tests and fake dataplanes). */
export function encodeEvent(e: SlipwayEvent): Message {
  const c = BY_NAME.get(e.type);
  if (!c) throw new TypeError(`unknown event type ${JSON.stringify(e.type)}`);
  return c.encode(e as WireEvent);
}

/** Encodes an event as an event-log record (tests and fake dataplanes). */
export function encodeEventRecord(e: SlipwayEvent): EventRecord {
  const m = encodeEvent(e);
  return { seq: BigInt(e.seq), type: m.type, payload: m.payload };
}

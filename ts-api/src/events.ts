/**
 * The event ring's messages: every feature's event codecs assembled into
 * one decoder and one encoder. A feature adds an event in its codec (an
 * EventCodec) and lists it here.
 */
import type { EventCodec } from './codec/common';
import { SYNC_EVENT, type SyncEvent } from './codec/kernel-sync';
import { POLICER_EVENT, type PolicerEvent } from './codec/policer';
import { KERNEL_REQUEST_EVENT, PORT_EVENTS, type KernelRequestEvent, type PortEvent } from './codec/ports';
import { LEASE_EVENT, type LeaseEvent } from './codec/session';
import type { Message } from './wire/message';

/** Everything the event ring can carry. */
export type SlipwayEvent = PortEvent | LeaseEvent | KernelRequestEvent | PolicerEvent | SyncEvent;

type AnyCodec = EventCodec<SlipwayEvent>;
const CODECS = [...PORT_EVENTS, LEASE_EVENT, KERNEL_REQUEST_EVENT, POLICER_EVENT, SYNC_EVENT] as unknown as AnyCodec[];
const BY_CODE = new Map<number, AnyCodec>(CODECS.map((c) => [c.code, c]));
const BY_NAME = new Map<string, AnyCodec>(CODECS.map((c) => [c.name, c]));

/** Decodes an event-ring message; null for event types (or contents) this library does not know. */
export function decodeEvent(m: Message): SlipwayEvent | null {
  const c = BY_CODE.get(m.type);
  return c ? c.decode(m.seq, m.payload) : null;
}

/** Encodes an event as an event-ring message (tests and fake dataplanes). */
export function encodeEvent(e: SlipwayEvent): Message {
  const c = BY_NAME.get(e.type);
  if (!c) throw new TypeError(`unknown event type ${JSON.stringify(e.type)}`);
  return c.encode(e);
}

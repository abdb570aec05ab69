/** A client's session with the dataplane: HELLO and the client-gone event. */
import { ControlEvents, EvtClient, HelloMsg } from '../wire/abi/control';
import { need, viewOf } from '../wire/bytes';
import type { EventCodec } from './common';

/** Answer to HELLO. */
export interface Hello {
  abiVersion: number;
  dpPid: number;
  nWorkers: number;
  maxPorts: number;
  nPorts: number;
}

/** Parses a sw_hello payload. */
export function decodeHello(b: Uint8Array): Hello {
  need(b, HelloMsg.SIZE, 'hello');
  const v = viewOf(b);
  return {
    abiVersion: v.getUint32(HelloMsg.abi_version, true),
    dpPid: v.getUint32(HelloMsg.dp_pid, true),
    nWorkers: v.getUint32(HelloMsg.n_workers, true),
    maxPorts: v.getUint32(HelloMsg.max_ports, true),
    nPorts: v.getUint32(HelloMsg.n_ports, true),
  };
}

/** sw_hello payload (tests and fake dataplanes). */
export function encodeHello(h: Hello): Uint8Array {
  const out = new Uint8Array(HelloMsg.SIZE);
  const v = viewOf(out);
  v.setUint32(HelloMsg.abi_version, h.abiVersion, true);
  v.setUint32(HelloMsg.dp_pid, h.dpPid, true);
  v.setUint32(HelloMsg.n_workers, h.nWorkers, true);
  v.setUint32(HelloMsg.max_ports, h.maxPorts, true);
  v.setUint32(HelloMsg.n_ports, h.nPorts, true);
  return out;
}

/** The dataplane freed the slot of a client that is gone (dead, or silent too long). */
export interface ClientGoneEvent {
  type: 'client-gone';
  seq: number;
  /** the client's pid, as it saw itself */
  pid: number;
  /** the slot that was freed */
  slot: number;
}

export const CLIENT_GONE_EVENT: EventCodec<ClientGoneEvent> = {
  code: ControlEvents.CLIENT_GONE,
  name: 'client-gone',
  decode(seq, payload) {
    need(payload, EvtClient.SIZE, 'event client-gone');
    const v = viewOf(payload);
    return { type: 'client-gone', seq, pid: v.getUint32(EvtClient.pid, true), slot: v.getUint16(EvtClient.slot, true) };
  },
  encode(e) {
    const p = new Uint8Array(EvtClient.SIZE);
    const v = viewOf(p);
    v.setUint32(EvtClient.pid, e.pid, true);
    v.setUint16(EvtClient.slot, e.slot, true);
    return { type: ControlEvents.CLIENT_GONE, flags: 0, seq: e.seq, status: 0, payload: p };
  },
};

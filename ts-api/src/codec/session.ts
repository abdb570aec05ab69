/** The controller's session with the dataplane: HELLO and the lease event. */
import { ControlEvents, EvtLease, HelloMsg } from '../wire/abi/control';
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

/** A dead controller's lease was reclaimed by a new one. */
export interface LeaseEvent {
  type: 'lease-reclaimed';
  seq: number;
  oldPid: number;
}

export const LEASE_EVENT: EventCodec<LeaseEvent> = {
  code: ControlEvents.LEASE_RECLAIMED,
  name: 'lease-reclaimed',
  decode(seq, payload) {
    need(payload, EvtLease.SIZE, 'event lease-reclaimed');
    return { type: 'lease-reclaimed', seq, oldPid: viewOf(payload).getUint32(EvtLease.old_pid, true) };
  },
  encode(e) {
    const p = new Uint8Array(EvtLease.SIZE);
    viewOf(p).setUint32(EvtLease.old_pid, e.oldPid, true);
    return { type: ControlEvents.LEASE_RECLAIMED, flags: 0, seq: e.seq, status: 0, payload: p };
  },
};

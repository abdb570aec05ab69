/**
 * Cross-connects: the value type, sw_xconnect and its listing, and the
 * batch sources of the cross-connect table (add, remove, churn).
 */
import { PortRef } from '../wire/abi/ports';
import { XConnectMsg, XConnectOps } from '../wire/abi/xconnects';
import type { BatchSource } from '../wire/batch';
import { viewOf } from '../wire/bytes';
import { check } from '../errors';
import { checkPort, decodeList, encodeList } from './common';

/** A cross-connect: everything received on inPort is sent on outPort. */
export interface XConnect {
  inPort: number;
  outPort: number;
}

/** A cross-connect pair as accepted by the batch methods: {inPort, outPort} or [in, out]. */
export type XConnectPair = { inPort: number; outPort: number } | readonly [number, number];

/** sw_xconnect payload (XC_ADD). */
export function encodeXConnect(x: XConnect): Uint8Array {
  checkPort(x.inPort, 'in port');
  checkPort(x.outPort, 'out port');
  const out = new Uint8Array(XConnectMsg.SIZE);
  const v = viewOf(out);
  v.setUint16(XConnectMsg.in_port, x.inPort, true);
  v.setUint16(XConnectMsg.out_port, x.outPort, true);
  return out;
}

/** Reads a sw_xconnect at `off`. */
export function decodeXConnect(v: DataView, off = 0): XConnect {
  return {
    inPort: v.getUint16(off + XConnectMsg.in_port, true),
    outPort: v.getUint16(off + XConnectMsg.out_port, true),
  };
}

/** Parses an XC_LIST response (sw_list_hdr + sw_xconnect[count]). */
export function decodeXConnectList(b: Uint8Array): XConnect[] {
  return decodeList(b, XConnectMsg.SIZE, 'xconnect list', decodeXConnect);
}

/** XC_LIST response payload (tests and fake dataplanes). */
export function encodeXConnectList(xs: readonly XConnect[]): Uint8Array {
  return encodeList(xs, XConnectMsg.SIZE, (v, _b, off, x) => {
    v.setUint16(off + XConnectMsg.in_port, x.inPort, true);
    v.setUint16(off + XConnectMsg.out_port, x.outPort, true);
  });
}

/* ---------------- batch sources ---------------- */

/** XC_ADD of many pairs, encoded in place from two port arrays. */
export class XcAddSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  private readonly ins: Uint16Array;
  private readonly outs: Uint16Array;
  constructor(pairs: readonly XConnectPair[]) {
    check(Array.isArray(pairs), 'bad cross-connect pairs: expected an array');
    const n = pairs.length;
    this.ins = new Uint16Array(n);
    this.outs = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const p = pairs[i];
      const inPort = Array.isArray(p) ? p[0] : (p as { inPort: number }).inPort;
      const outPort = Array.isArray(p) ? p[1] : (p as { outPort: number }).outPort;
      checkPort(inPort, `in port of pair #${i}`);
      checkPort(outPort, `out port of pair #${i}`);
      this.ins[i] = inPort;
      this.outs[i] = outPort;
    }
    this.count = n;
    this.what = `xconnect add of ${n} pairs`;
  }
  op(_i?: number): number {
    return XConnectOps.XC_ADD;
  }
  payloadLen(_i?: number): number {
    return XConnectMsg.SIZE;
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off + XConnectMsg.in_port, this.ins[i], true);
    v.setUint16(off + XConnectMsg.out_port, this.outs[i], true);
    v.setUint32(off + XConnectMsg.reserved, 0, true);
  }
  /** Pair `i` (for the replay record). */
  pair(i: number): [number, number] {
    return [this.ins[i], this.outs[i]];
  }
}

/** XC_DEL of many in-ports. */
export class XcDelSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  private readonly ins: Uint16Array;
  constructor(inPorts: readonly number[]) {
    check(Array.isArray(inPorts), 'bad in ports: expected an array');
    this.ins = new Uint16Array(inPorts.length);
    inPorts.forEach((p, i) => {
      checkPort(p, `in port #${i}`);
      this.ins[i] = p;
    });
    this.count = inPorts.length;
    this.what = `xconnect remove of ${inPorts.length} ports`;
  }
  op(_i?: number): number {
    return XConnectOps.XC_DEL;
  }
  payloadLen(_i?: number): number {
    return PortRef.SIZE;
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off + PortRef.port, this.ins[i], true);
    v.setUint16(off + PortRef.reserved0, 0, true);
    v.setUint32(off + PortRef.reserved1, 0, true);
  }
  /** In-port of item `i`. */
  port(i: number): number {
    return this.ins[i];
  }
}

/**
 * Cross-connect updates alternating add and remove of the same in-port
 * (add in->out, remove in, add in->out, ...): `count` requests, a load
 * generator for the control benchmark and the batching tests.
 */
export class XcChurnSource implements BatchSource {
  readonly what: string;
  constructor(
    readonly count: number,
    private readonly inPort: number,
    private readonly outPort: number,
  ) {
    check(Number.isInteger(count) && count >= 0, `bad count ${JSON.stringify(count)}`);
    checkPort(inPort, 'in port');
    checkPort(outPort, 'out port');
    this.what = `xconnect churn of ${count} updates on port ${inPort}`;
  }
  op(i: number): number {
    return (i & 1) === 0 ? XConnectOps.XC_ADD : XConnectOps.XC_DEL;
  }
  payloadLen(_i?: number): number {
    return XConnectMsg.SIZE; // == sizeof(struct sw_port_ref)
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off, this.inPort, true);
    v.setUint16(off + 2, (i & 1) === 0 ? this.outPort : 0, true);
    v.setUint32(off + 4, 0, true);
  }
}

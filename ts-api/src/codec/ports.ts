/**
 * Ports: the value types of the port API and their encoding (sw_port_ref,
 * PORT_ADD devargs, sw_port_set, sw_port_info, the port list), and the
 * port events: link and run-state changes, and what the kernel asked of a
 * port through its vEth.
 */
import { IFNAME_LEN, NAME_LEN, PORT_NONE } from '../wire/abi/control';
import {
  DEVARGS_MAX,
  EvtKernel,
  EvtPort,
  PortEvents,
  PortInfoMsg,
  PortRef,
  PortSet,
  PortSetMask,
} from '../wire/abi/ports';
import { need, readCString, utf8Decoder, utf8Encoder, viewOf, writeCString } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { type EventCodec, checkPort, decodeList, encodeList, formatMac, parseMac } from './common';

/** A slipway port as the dataplane reports it (struct sw_port_info). */
export interface PortInfo {
  /** slipway port index */
  port: number;
  /** DPDK ethdev port id */
  ethPort: number;
  started: boolean;
  linkUp: boolean;
  /** Mbps */
  linkSpeed: number;
  mtu: number;
  /** "aa:bb:cc:dd:ee:ff" */
  mac: string;
  promisc: boolean;
  fullDuplex: boolean;
  /** lcore polling the port's rx queue, null when none */
  workerLcore: number | null;
  nRxq: number;
  nTxq: number;
  minMtu: number;
  maxMtu: number;
  /** ethdev name */
  name: string;
  /** driver name */
  driver: string;
  /** vEth interface name */
  vif: string;
}

/** Settings for PORT_SET; absent fields are left unchanged. */
export interface PortSettings {
  mtu?: number;
  mac?: string;
  promisc?: boolean;
}

/* ---------------- requests ---------------- */

/** sw_port_ref payload (PORT_START/STOP/GET, XC_DEL, POLICER_GET with a port). */
export function encodePortRef(port: number): Uint8Array {
  checkPort(port);
  const out = new Uint8Array(PortRef.SIZE);
  viewOf(out).setUint16(PortRef.port, port, true);
  return out;
}

/** Parses a sw_port_ref payload. */
export function decodePortRef(b: Uint8Array): number {
  need(b, PortRef.SIZE, 'port ref');
  return viewOf(b).getUint16(PortRef.port, true);
}

/** PORT_ADD payload: the devargs bytes, 1..DEVARGS_MAX, no NUL. */
export function encodeDevargs(devargs: string): Uint8Array {
  check(typeof devargs === 'string', `bad devargs ${JSON.stringify(devargs)}: expected a string`);
  const bytes = utf8Encoder.encode(devargs);
  check(
    bytes.byteLength >= 1 && bytes.byteLength <= DEVARGS_MAX,
    `bad devargs ${JSON.stringify(devargs)}: expected 1..${DEVARGS_MAX} bytes, got ${bytes.byteLength}`,
  );
  check(!bytes.includes(0), `bad devargs ${JSON.stringify(devargs)}: contains a NUL byte`);
  return bytes;
}

/** Parses a PORT_ADD payload. */
export function decodeDevargs(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}

/** sw_port_set payload; the mask has a bit for each field given. */
export function encodePortSet(s: { port: number } & PortSettings): Uint8Array {
  checkPort(s.port);
  const out = new Uint8Array(PortSet.SIZE);
  const v = viewOf(out);
  let mask = 0;
  if (s.mtu !== undefined) {
    check(
      Number.isInteger(s.mtu) && s.mtu >= 0 && s.mtu <= 0xffffffff,
      `bad mtu ${JSON.stringify(s.mtu)}: expected an integer`,
    );
    mask |= PortSetMask.MTU;
    v.setUint32(PortSet.mtu, s.mtu, true);
  }
  if (s.mac !== undefined) {
    mask |= PortSetMask.MAC;
    out.set(parseMac(s.mac), PortSet.mac);
  }
  if (s.promisc !== undefined) {
    check(typeof s.promisc === 'boolean', `bad promisc ${JSON.stringify(s.promisc)}: expected a boolean`);
    mask |= PortSetMask.PROMISC;
    v.setUint8(PortSet.promisc, s.promisc ? 1 : 0);
  }
  v.setUint16(PortSet.port, s.port, true);
  v.setUint16(PortSet.mask, mask, true);
  return out;
}

/** Parses a sw_port_set payload (fields absent from the mask are omitted). */
export function decodePortSet(b: Uint8Array): { port: number } & PortSettings {
  need(b, PortSet.SIZE, 'port set');
  const v = viewOf(b);
  const mask = v.getUint16(PortSet.mask, true);
  const r: { port: number } & PortSettings = { port: v.getUint16(PortSet.port, true) };
  if (mask & PortSetMask.MTU) r.mtu = v.getUint32(PortSet.mtu, true);
  if (mask & PortSetMask.MAC) r.mac = formatMac(v, PortSet.mac);
  if (mask & PortSetMask.PROMISC) r.promisc = v.getUint8(PortSet.promisc) !== 0;
  return r;
}

/* ---------------- responses ---------------- */

/** Reads a sw_port_info at `off` of `v`. */
export function decodePortInfo(v: DataView, off = 0): PortInfo {
  if (v.byteLength < off + PortInfoMsg.SIZE) {
    throw new SlipwayError('PROTOCOL', `port info: ${v.byteLength - off} bytes, expected ${PortInfoMsg.SIZE}`);
  }
  const worker = v.getUint16(off + PortInfoMsg.worker_lcore, true);
  return {
    port: v.getUint16(off + PortInfoMsg.port, true),
    ethPort: v.getUint16(off + PortInfoMsg.eth_port, true),
    started: v.getUint8(off + PortInfoMsg.started) !== 0,
    linkUp: v.getUint8(off + PortInfoMsg.link_up) !== 0,
    linkSpeed: v.getUint32(off + PortInfoMsg.link_speed, true),
    mtu: v.getUint32(off + PortInfoMsg.mtu, true),
    mac: formatMac(v, off + PortInfoMsg.mac),
    promisc: v.getUint8(off + PortInfoMsg.promisc) !== 0,
    fullDuplex: v.getUint8(off + PortInfoMsg.link_duplex) === 1,
    workerLcore: worker === PORT_NONE ? null : worker,
    nRxq: v.getUint16(off + PortInfoMsg.n_rxq, true),
    nTxq: v.getUint16(off + PortInfoMsg.n_txq, true),
    minMtu: v.getUint32(off + PortInfoMsg.min_mtu, true),
    maxMtu: v.getUint32(off + PortInfoMsg.max_mtu, true),
    name: readCString(v, off + PortInfoMsg.name, NAME_LEN),
    driver: readCString(v, off + PortInfoMsg.driver, NAME_LEN),
    vif: readCString(v, off + PortInfoMsg.vif, IFNAME_LEN),
  };
}

/** Writes a sw_port_info at `off` of `v` (tests and fake dataplanes). */
export function writePortInfo(v: DataView, off: number, p: PortInfo): void {
  v.setUint16(off + PortInfoMsg.port, p.port, true);
  v.setUint16(off + PortInfoMsg.eth_port, p.ethPort, true);
  v.setUint8(off + PortInfoMsg.started, p.started ? 1 : 0);
  v.setUint8(off + PortInfoMsg.link_up, p.linkUp ? 1 : 0);
  v.setUint32(off + PortInfoMsg.link_speed, p.linkSpeed, true);
  v.setUint32(off + PortInfoMsg.mtu, p.mtu, true);
  new Uint8Array(v.buffer, v.byteOffset + off + PortInfoMsg.mac, 6).set(parseMac(p.mac));
  v.setUint8(off + PortInfoMsg.promisc, p.promisc ? 1 : 0);
  v.setUint8(off + PortInfoMsg.link_duplex, p.fullDuplex ? 1 : 0);
  v.setUint16(off + PortInfoMsg.worker_lcore, p.workerLcore ?? PORT_NONE, true);
  v.setUint16(off + PortInfoMsg.n_rxq, p.nRxq, true);
  v.setUint16(off + PortInfoMsg.n_txq, p.nTxq, true);
  v.setUint32(off + PortInfoMsg.min_mtu, p.minMtu, true);
  v.setUint32(off + PortInfoMsg.max_mtu, p.maxMtu, true);
  writeCString(v, off + PortInfoMsg.name, NAME_LEN, p.name);
  writeCString(v, off + PortInfoMsg.driver, NAME_LEN, p.driver);
  writeCString(v, off + PortInfoMsg.vif, IFNAME_LEN, p.vif);
}

/** sw_port_info payload (tests and fake dataplanes). */
export function encodePortInfo(p: PortInfo): Uint8Array {
  const out = new Uint8Array(PortInfoMsg.SIZE);
  writePortInfo(viewOf(out), 0, p);
  return out;
}

/** Parses a single sw_port_info payload. */
export function decodePortInfoPayload(b: Uint8Array): PortInfo {
  need(b, PortInfoMsg.SIZE, 'port info');
  return decodePortInfo(viewOf(b), 0);
}

/** Parses a PORT_LIST response (sw_list_hdr + sw_port_info[count]). */
export function decodePortList(b: Uint8Array): PortInfo[] {
  return decodeList(b, PortInfoMsg.SIZE, 'port list', decodePortInfo);
}

/** PORT_LIST response payload (tests and fake dataplanes). */
export function encodePortList(ports: readonly PortInfo[]): Uint8Array {
  return encodeList(ports, PortInfoMsg.SIZE, (v, _b, off, p) => writePortInfo(v, off, p));
}

/* ---------------- events ---------------- */

/** Port events (link change, port added/started/stopped). */
export interface PortEvent {
  type: 'link' | 'port-added' | 'port-started' | 'port-stopped';
  seq: number;
  port: number;
  linkUp: boolean;
  started: boolean;
  linkSpeed: number;
}

/**
 * The kernel asked something of a port through its vEth (`ip link set vEthN
 * mtu|up|down|address|promisc|allmulticast`, or ifconfig): applied to the
 * port, or refused and undone on the vEth, with the reason.
 */
export interface KernelRequestEvent {
  type: 'kernel-request';
  seq: number;
  port: number;
  request: 'mtu' | 'up' | 'down' | 'mac' | 'promisc' | 'allmulti';
  applied: boolean;
  /** MTU, or 0/1 for promisc and allmulti */
  value: number;
  /** for 'mac' */
  mac: string;
  /** why it was refused ('' when applied) */
  reason: string;
}

function portEvent(code: number, name: PortEvent['type']): EventCodec<PortEvent> {
  return {
    code,
    name,
    decode(seq, payload) {
      need(payload, EvtPort.SIZE, `event ${name}`);
      const v = viewOf(payload);
      return {
        type: name,
        seq,
        port: v.getUint16(EvtPort.port, true),
        linkUp: v.getUint8(EvtPort.link_up) !== 0,
        started: v.getUint8(EvtPort.started) !== 0,
        linkSpeed: v.getUint32(EvtPort.link_speed, true),
      };
    },
    encode(e) {
      const p = new Uint8Array(EvtPort.SIZE);
      const v = viewOf(p);
      v.setUint16(EvtPort.port, e.port, true);
      v.setUint8(EvtPort.link_up, e.linkUp ? 1 : 0);
      v.setUint8(EvtPort.started, e.started ? 1 : 0);
      v.setUint32(EvtPort.link_speed, e.linkSpeed, true);
      return { type: code, flags: 0, seq: e.seq, status: 0, payload: p };
    },
  };
}

/** The port events: same payload (sw_evt_port), one type each. */
export const PORT_EVENTS = [
  portEvent(PortEvents.LINK, 'link'),
  portEvent(PortEvents.PORT_ADDED, 'port-added'),
  portEvent(PortEvents.PORT_STARTED, 'port-started'),
  portEvent(PortEvents.PORT_STOPPED, 'port-stopped'),
] as const;

/** Indexed by SW_KREQ_* value. */
const KREQ_NAMES = ['', 'mtu', 'up', 'down', 'mac', 'promisc', 'allmulti'] as const;

export const KERNEL_REQUEST_EVENT: EventCodec<KernelRequestEvent> = {
  code: PortEvents.KERNEL_REQUEST,
  name: 'kernel-request',
  decode(seq, payload) {
    need(payload, EvtKernel.SIZE, 'event kernel-request');
    const v = viewOf(payload);
    const what = v.getUint8(EvtKernel.what);
    if (what < 1 || what >= KREQ_NAMES.length) return null;
    return {
      type: 'kernel-request',
      seq,
      port: v.getUint16(EvtKernel.port, true),
      request: KREQ_NAMES[what] as KernelRequestEvent['request'],
      applied: v.getUint8(EvtKernel.applied) !== 0,
      value: v.getUint32(EvtKernel.value, true),
      mac: formatMac(v, EvtKernel.mac),
      reason: readCString(v, EvtKernel.reason, EvtKernel.SIZE - EvtKernel.reason),
    };
  },
  encode(e) {
    const p = new Uint8Array(EvtKernel.SIZE);
    const v = viewOf(p);
    v.setUint16(EvtKernel.port, e.port, true);
    v.setUint8(EvtKernel.what, KREQ_NAMES.indexOf(e.request));
    v.setUint8(EvtKernel.applied, e.applied ? 1 : 0);
    v.setUint32(EvtKernel.value, e.value, true);
    p.set(parseMac(e.mac), EvtKernel.mac);
    writeCString(v, EvtKernel.reason, EvtKernel.SIZE - EvtKernel.reason, e.reason);
    return { type: PortEvents.KERNEL_REQUEST, flags: 0, seq: e.seq, status: 0, payload: p };
  },
};

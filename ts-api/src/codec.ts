/**
 * Encoding and decoding of control-ring messages with DataView.
 *
 * Pure functions, no I/O. Requests are encoded by the controller, responses
 * and events decoded; the reverse directions exist for tests and tools (a
 * fake dataplane, golden vectors). Layouts come from ./abi.
 */
import {
  DEVARGS_MAX,
  EventType,
  EvtKernel,
  EvtLease,
  EvtPort,
  HelloMsg,
  IFNAME_LEN,
  ListHdr,
  MAX_PORTS,
  MSG_HDR_SIZE,
  MsgHdr,
  NAME_LEN,
  PORT_NONE,
  PortInfoMsg,
  PortRef,
  PortSet,
  PortSetMask,
  XConnectMsg,
} from './abi';
import { need, readCString, utf8Decoder, utf8Encoder, viewOf, writeCString } from './bytes';
import { SlipwayError, check } from './errors';
import { decodePolicerEvent, encodePolicerEvent, type PolicerEvent } from './policer';
import { decodeSyncEvent, encodeSyncEvent, type SyncEvent } from './ksync';

export { readCString, writeCString } from './bytes';

/* ---------------- public value types ---------------- */

/** Answer to HELLO. */
export interface Hello {
  abiVersion: number;
  dpPid: number;
  nWorkers: number;
  maxPorts: number;
  nPorts: number;
}

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

/** A cross-connect: everything received on inPort is sent on outPort. */
export interface XConnect {
  inPort: number;
  outPort: number;
}

/** Port events (link change, port added/started/stopped). */
export interface PortEvent {
  type: 'link' | 'port-added' | 'port-started' | 'port-stopped';
  seq: number;
  port: number;
  linkUp: boolean;
  started: boolean;
  linkSpeed: number;
}

/** A dead controller's lease was reclaimed by a new one. */
export interface LeaseEvent {
  type: 'lease-reclaimed';
  seq: number;
  oldPid: number;
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

/** Everything the event ring can carry. */
export type SlipwayEvent = PortEvent | LeaseEvent | KernelRequestEvent | PolicerEvent | SyncEvent;

const KREQ_NAMES = ['', 'mtu', 'up', 'down', 'mac', 'promisc', 'allmulti'] as const;

/** A raw message as it sits on a ring (header fields + payload). */
export interface Message {
  type: number;
  flags: number;
  seq: number;
  status: number;
  payload: Uint8Array;
}

/* ---------------- helpers ---------------- */

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** True for "aa:bb:cc:dd:ee:ff" (hex, either case). */
export function isMac(s: unknown): s is string {
  return typeof s === 'string' && MAC_RE.test(s);
}

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes; BAD_ARGUMENT on anything else. */
export function parseMac(s: string): Uint8Array {
  check(isMac(s), `bad MAC address ${JSON.stringify(s)}: expected aa:bb:cc:dd:ee:ff`);
  return Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
}

/** 6 bytes at `off` -> "aa:bb:cc:dd:ee:ff" (lower case). */
export function formatMac(v: DataView, off: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++)
    parts.push(
      v
        .getUint8(off + i)
        .toString(16)
        .padStart(2, '0'),
    );
  return parts.join(':');
}

/** Validates a slipway port index (integer 0..MAX_PORTS-1). */
export function checkPort(port: unknown, what = 'port'): asserts port is number {
  check(
    Number.isInteger(port) && (port as number) >= 0 && (port as number) < MAX_PORTS,
    `bad ${what} ${JSON.stringify(port)}: expected an integer 0..${MAX_PORTS - 1}`,
  );
}

/* ---------------- message framing ---------------- */

/** Header + payload as laid out on a ring (len = 16 + payload, unpadded). */
export function encodeMessage(m: {
  type: number;
  seq: number;
  flags?: number;
  status?: number;
  payload?: Uint8Array;
}): Uint8Array {
  const payload = m.payload ?? new Uint8Array(0);
  const out = new Uint8Array(MSG_HDR_SIZE + payload.byteLength);
  const v = viewOf(out);
  v.setUint32(MsgHdr.len, out.byteLength, true);
  v.setUint16(MsgHdr.type, m.type, true);
  v.setUint16(MsgHdr.flags, m.flags ?? 0, true);
  v.setUint32(MsgHdr.seq, m.seq >>> 0, true);
  v.setUint32(MsgHdr.status, m.status ?? 0, true);
  out.set(payload, MSG_HDR_SIZE);
  return out;
}

/** Parses header + payload (the payload is a copy). */
export function decodeMessage(b: Uint8Array): Message {
  need(b, MSG_HDR_SIZE, 'message');
  const v = viewOf(b);
  const len = v.getUint32(MsgHdr.len, true);
  if (len < MSG_HDR_SIZE || len > b.byteLength) {
    throw new SlipwayError('PROTOCOL', `message: bad length ${len} (${b.byteLength} bytes available)`);
  }
  return {
    type: v.getUint16(MsgHdr.type, true),
    flags: v.getUint16(MsgHdr.flags, true),
    seq: v.getUint32(MsgHdr.seq, true),
    status: v.getUint32(MsgHdr.status, true),
    payload: b.slice(MSG_HDR_SIZE, len),
  };
}

/* ---------------- requests ---------------- */

/** sw_port_ref payload (PORT_START/STOP/GET, XC_DEL). */
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

/* ---------------- responses ---------------- */

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

function decodeList<T>(b: Uint8Array, elemSize: number, what: string, read: (v: DataView, off: number) => T): T[] {
  need(b, ListHdr.SIZE, what);
  const v = viewOf(b);
  const count = v.getUint32(ListHdr.count, true);
  need(b, ListHdr.SIZE + count * elemSize, `${what} (${count} entries)`);
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(read(v, ListHdr.SIZE + i * elemSize));
  return out;
}

function encodeList<T>(
  items: readonly T[],
  elemSize: number,
  write: (v: DataView, off: number, x: T) => void,
): Uint8Array {
  const out = new Uint8Array(ListHdr.SIZE + items.length * elemSize);
  const v = viewOf(out);
  v.setUint32(ListHdr.count, items.length, true);
  items.forEach((x, i) => write(v, ListHdr.SIZE + i * elemSize, x));
  return out;
}

/** Parses a PORT_LIST response (sw_list_hdr + sw_port_info[count]). */
export function decodePortList(b: Uint8Array): PortInfo[] {
  return decodeList(b, PortInfoMsg.SIZE, 'port list', decodePortInfo);
}

/** PORT_LIST response payload (tests and fake dataplanes). */
export function encodePortList(ports: readonly PortInfo[]): Uint8Array {
  return encodeList(ports, PortInfoMsg.SIZE, writePortInfo);
}

/** Parses an XC_LIST response (sw_list_hdr + sw_xconnect[count]). */
export function decodeXConnectList(b: Uint8Array): XConnect[] {
  return decodeList(b, XConnectMsg.SIZE, 'xconnect list', decodeXConnect);
}

/** XC_LIST response payload (tests and fake dataplanes). */
export function encodeXConnectList(xs: readonly XConnect[]): Uint8Array {
  return encodeList(xs, XConnectMsg.SIZE, (v, off, x) => {
    v.setUint16(off + XConnectMsg.in_port, x.inPort, true);
    v.setUint16(off + XConnectMsg.out_port, x.outPort, true);
  });
}

/** The UTF-8 message carried by a non-OK response (NULs trimmed). */
export function decodeErrorText(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return utf8Decoder.decode(nul < 0 ? b : b.subarray(0, nul));
}

/** Error response payload (tests and fake dataplanes). */
export function encodeErrorText(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/* ---------------- events ---------------- */

const PORT_EVENT_NAMES: Record<number, PortEvent['type']> = {
  [EventType.LINK]: 'link',
  [EventType.PORT_ADDED]: 'port-added',
  [EventType.PORT_STARTED]: 'port-started',
  [EventType.PORT_STOPPED]: 'port-stopped',
};
const PORT_EVENT_TYPES: Record<PortEvent['type'], number> = {
  link: EventType.LINK,
  'port-added': EventType.PORT_ADDED,
  'port-started': EventType.PORT_STARTED,
  'port-stopped': EventType.PORT_STOPPED,
};

/** Decodes an event-ring message; null for event types this library does not know. */
export function decodeEvent(m: Message): SlipwayEvent | null {
  const name = PORT_EVENT_NAMES[m.type];
  if (name !== undefined) {
    need(m.payload, EvtPort.SIZE, `event ${name}`);
    const v = viewOf(m.payload);
    return {
      type: name,
      seq: m.seq,
      port: v.getUint16(EvtPort.port, true),
      linkUp: v.getUint8(EvtPort.link_up) !== 0,
      started: v.getUint8(EvtPort.started) !== 0,
      linkSpeed: v.getUint32(EvtPort.link_speed, true),
    };
  }
  if (m.type === EventType.LEASE_RECLAIMED) {
    need(m.payload, EvtLease.SIZE, 'event lease-reclaimed');
    return { type: 'lease-reclaimed', seq: m.seq, oldPid: viewOf(m.payload).getUint32(EvtLease.old_pid, true) };
  }
  if (m.type === EventType.KERNEL_REQUEST) {
    need(m.payload, EvtKernel.SIZE, 'event kernel-request');
    const v = viewOf(m.payload);
    const what = v.getUint8(EvtKernel.what);
    if (what < 1 || what >= KREQ_NAMES.length) return null;
    return {
      type: 'kernel-request',
      seq: m.seq,
      port: v.getUint16(EvtKernel.port, true),
      request: KREQ_NAMES[what] as KernelRequestEvent['request'],
      applied: v.getUint8(EvtKernel.applied) !== 0,
      value: v.getUint32(EvtKernel.value, true),
      mac: formatMac(v, EvtKernel.mac),
      reason: readCString(v, EvtKernel.reason, EvtKernel.SIZE - EvtKernel.reason),
    };
  }
  if (m.type === EventType.POLICER) return decodePolicerEvent(m.seq, m.payload);
  if (m.type === EventType.SYNC) return decodeSyncEvent(m.seq, m.payload);
  return null;
}

/** Encodes an event as an event-ring message (tests and fake dataplanes). */
export function encodeEvent(e: SlipwayEvent): Message {
  if (e.type === 'policer') return encodePolicerEvent(e);
  if (e.type === 'sync') return encodeSyncEvent(e);
  if (e.type === 'kernel-request') {
    const p = new Uint8Array(EvtKernel.SIZE);
    const v = viewOf(p);
    v.setUint16(EvtKernel.port, e.port, true);
    v.setUint8(EvtKernel.what, KREQ_NAMES.indexOf(e.request));
    v.setUint8(EvtKernel.applied, e.applied ? 1 : 0);
    v.setUint32(EvtKernel.value, e.value, true);
    p.set(parseMac(e.mac), EvtKernel.mac);
    writeCString(v, EvtKernel.reason, EvtKernel.SIZE - EvtKernel.reason, e.reason);
    return { type: EventType.KERNEL_REQUEST, flags: 0, seq: e.seq, status: 0, payload: p };
  }
  if (e.type === 'lease-reclaimed') {
    const p = new Uint8Array(EvtLease.SIZE);
    viewOf(p).setUint32(EvtLease.old_pid, e.oldPid, true);
    return { type: EventType.LEASE_RECLAIMED, flags: 0, seq: e.seq, status: 0, payload: p };
  }
  const p = new Uint8Array(EvtPort.SIZE);
  const v = viewOf(p);
  v.setUint16(EvtPort.port, e.port, true);
  v.setUint8(EvtPort.link_up, e.linkUp ? 1 : 0);
  v.setUint8(EvtPort.started, e.started ? 1 : 0);
  v.setUint32(EvtPort.link_speed, e.linkSpeed, true);
  return { type: PORT_EVENT_TYPES[e.type], flags: 0, seq: e.seq, status: 0, payload: p };
}

/**
 * pcapng (draft-ietf-opsawg-pcapng), little-endian, as slipctl capture
 * writes it: a section header, an interface description block per port
 * and point (Ethernet, nanosecond timestamps, the filter), an enhanced
 * packet block per packet (direction in epb_flags, the worker's queue in
 * epb_queue, a drop's reason or a punt's class as a comment), and at the
 * end an interface statistics block per interface: packets at the point
 * (isb_ifrecv), those the filter took (isb_filteraccept), those lost
 * because the reader was slow (isb_osdrop) and those written
 * (isb_usrdeliv). tcpdump, tshark and Wireshark read it.
 *
 * Also a reader of what the writer writes (tests, tools): blocks it does
 * not know are skipped; a block that does not hold together is an error.
 */
import { SlipwayError } from '../errors';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const ISB = 0x00000005;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const LINKTYPE_ETHERNET = 1;

const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_FILTER = 11;
const EPB_FLAGS = 2;
const EPB_QUEUE = 6;
const ISB_STARTTIME = 2;
const ISB_ENDTIME = 3;
const ISB_IFRECV = 4;
const ISB_FILTERACCEPT = 6;
const ISB_OSDROP = 7;
const ISB_USRDELIV = 8;

/** epb_flags direction bits. */
export const EPB_INBOUND = 1;
export const EPB_OUTBOUND = 2;

const enc = new TextEncoder();
const pad4 = (n: number) => (n + 3) & ~3;

interface Option {
  code: number;
  value: Uint8Array;
}

function u32le(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x >>> 0, true);
  return b;
}

function u64le(x: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, x), true);
  return b;
}

function str(s: string): Uint8Array {
  return enc.encode(s);
}

/** A block: type, total length, body, options (and opt_endofopt), total length again. */
function block(type: number, body: Uint8Array, options: Option[] = []): Uint8Array {
  let optLen = 0;
  for (const o of options) optLen += 4 + pad4(o.value.byteLength);
  if (options.length) optLen += 4;
  const total = 12 + pad4(body.byteLength) + optLen;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  let off = 8 + pad4(body.byteLength);
  for (const o of options) {
    v.setUint16(off, o.code, true);
    v.setUint16(off + 2, o.value.byteLength, true);
    out.set(o.value, off + 4);
    off += 4 + pad4(o.value.byteLength);
  }
  if (options.length) off += 4; // opt_endofopt: zeros
  v.setUint32(off, total, true);
  return out;
}

export interface PcapngInterface {
  name: string;
  description?: string;
  snaplen: number;
  /** the capture filter (libpcap syntax) */
  filter?: string;
  linkType?: number;
}

export interface PcapngPacket {
  /** nanoseconds since the epoch */
  timeNs: bigint;
  data: Uint8Array;
  /** the packet's length on the wire (>= data.length) */
  origLen: number;
  /** EPB_INBOUND or EPB_OUTBOUND (0: not said) */
  direction?: number;
  queue?: number;
  comment?: string;
}

export interface PcapngStats {
  timeNs: bigint;
  startNs?: bigint;
  /** packets at the interface */
  ifRecv?: bigint;
  /** taken by the filter */
  filterAccept?: bigint;
  /** lost before they could be delivered (a full capture ring) */
  osDrop?: bigint;
  /** delivered (written) */
  userDelivered?: bigint;
}

/** Builds pcapng blocks; every call returns the bytes to append to the file. */
export class PcapngWriter {
  private nIf = 0;

  /** The section header: first in the file. */
  header(userAppl = 'slipway'): Uint8Array {
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, BYTE_ORDER_MAGIC, true);
    v.setUint16(4, 1, true);
    v.setUint16(6, 0, true);
    v.setBigInt64(8, -1n, true); // section length not given
    return block(SHB, body, [{ code: SHB_USERAPPL, value: str(userAppl) }]);
  }

  /** An interface; returns its id (for packets and statistics) and its block. */
  addInterface(i: PcapngInterface): { id: number; bytes: Uint8Array } {
    const body = new Uint8Array(8);
    const v = new DataView(body.buffer);
    v.setUint16(0, i.linkType ?? LINKTYPE_ETHERNET, true);
    v.setUint32(4, i.snaplen, true);
    const opts: Option[] = [{ code: IF_NAME, value: str(i.name) }];
    if (i.description) opts.push({ code: IF_DESCRIPTION, value: str(i.description) });
    opts.push({ code: IF_TSRESOL, value: Uint8Array.of(9) }); // nanoseconds
    if (i.filter) {
      const f = str(i.filter);
      const value = new Uint8Array(1 + f.byteLength); // byte 0: 0, a libpcap filter string
      value.set(f, 1);
      opts.push({ code: IF_FILTER, value });
    }
    return { id: this.nIf++, bytes: block(IDB, body, opts) };
  }

  /** An enhanced packet block on interface id. */
  packet(id: number, p: PcapngPacket): Uint8Array {
    const body = new Uint8Array(20 + p.data.byteLength);
    const v = new DataView(body.buffer);
    v.setUint32(0, id, true);
    v.setUint32(4, Number(BigInt.asUintN(64, p.timeNs) >> 32n), true);
    v.setUint32(8, Number(BigInt.asUintN(32, p.timeNs)), true);
    v.setUint32(12, p.data.byteLength, true);
    v.setUint32(16, p.origLen, true);
    body.set(p.data, 20);
    const opts: Option[] = [];
    if (p.direction) opts.push({ code: EPB_FLAGS, value: u32le(p.direction & 3) });
    if (p.queue !== undefined) opts.push({ code: EPB_QUEUE, value: u32le(p.queue) });
    if (p.comment) opts.push({ code: OPT_COMMENT, value: str(p.comment) });
    return block(EPB, body, opts);
  }

  /** An interface statistics block. */
  stats(id: number, s: PcapngStats): Uint8Array {
    const body = new Uint8Array(12);
    const v = new DataView(body.buffer);
    v.setUint32(0, id, true);
    v.setUint32(4, Number(BigInt.asUintN(64, s.timeNs) >> 32n), true);
    v.setUint32(8, Number(BigInt.asUintN(32, s.timeNs)), true);
    const opts: Option[] = [];
    const ts = (code: number, ns: bigint) => {
      const b = new Uint8Array(8);
      const w = new DataView(b.buffer);
      w.setUint32(0, Number(BigInt.asUintN(64, ns) >> 32n), true);
      w.setUint32(4, Number(BigInt.asUintN(32, ns)), true);
      opts.push({ code, value: b });
    };
    if (s.startNs !== undefined) ts(ISB_STARTTIME, s.startNs);
    ts(ISB_ENDTIME, s.timeNs);
    if (s.ifRecv !== undefined) opts.push({ code: ISB_IFRECV, value: u64le(s.ifRecv) });
    if (s.filterAccept !== undefined) opts.push({ code: ISB_FILTERACCEPT, value: u64le(s.filterAccept) });
    if (s.osDrop !== undefined) opts.push({ code: ISB_OSDROP, value: u64le(s.osDrop) });
    if (s.userDelivered !== undefined) opts.push({ code: ISB_USRDELIV, value: u64le(s.userDelivered) });
    return block(ISB, body, opts);
  }
}

/* ---------------- reading ---------------- */

export interface PcapngReadInterface {
  linkType: number;
  snaplen: number;
  name: string | null;
  description: string | null;
  filter: string | null;
  tsresol: number;
}

export interface PcapngReadPacket {
  interfaceId: number;
  timeNs: bigint;
  data: Uint8Array;
  origLen: number;
  flags: number | null;
  queue: number | null;
  comment: string | null;
}

export interface PcapngReadStats {
  interfaceId: number;
  ifRecv: bigint | null;
  filterAccept: bigint | null;
  osDrop: bigint | null;
  userDelivered: bigint | null;
}

export interface PcapngFile {
  userAppl: string | null;
  interfaces: PcapngReadInterface[];
  packets: PcapngReadPacket[];
  stats: PcapngReadStats[];
}

const dec = new TextDecoder();

function options(b: Uint8Array, off: number, end: number): Map<number, Uint8Array[]> {
  const m = new Map<number, Uint8Array[]>();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (off + 4 <= end) {
    const code = v.getUint16(off, true);
    const len = v.getUint16(off + 2, true);
    if (code === OPT_END) break;
    if (off + 4 + len > end) throw new SlipwayError('PROTOCOL', `pcapng: option ${code} runs past its block`);
    const list = m.get(code) ?? [];
    list.push(b.subarray(off + 4, off + 4 + len));
    m.set(code, list);
    off += 4 + pad4(len);
  }
  return m;
}

const optU64 = (o: Map<number, Uint8Array[]>, code: number) => {
  const x = o.get(code)?.[0];
  return x && x.byteLength === 8 ? new DataView(x.buffer, x.byteOffset, 8).getBigUint64(0, true) : null;
};
const optU32 = (o: Map<number, Uint8Array[]>, code: number) => {
  const x = o.get(code)?.[0];
  return x && x.byteLength === 4 ? new DataView(x.buffer, x.byteOffset, 4).getUint32(0, true) : null;
};
const optStr = (o: Map<number, Uint8Array[]>, code: number) => {
  const x = o.get(code)?.[0];
  return x ? dec.decode(x) : null;
};

/** Reads a little-endian pcapng file of one section. */
export function readPcapng(b: Uint8Array): PcapngFile {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: PcapngFile = { userAppl: null, interfaces: [], packets: [], stats: [] };
  let off = 0;
  while (off < b.byteLength) {
    if (off + 12 > b.byteLength) throw new SlipwayError('PROTOCOL', `pcapng: truncated block at ${off}`);
    const type = v.getUint32(off, true);
    const len = v.getUint32(off + 4, true);
    if (len < 12 || len % 4 !== 0 || off + len > b.byteLength || v.getUint32(off + len - 4, true) !== len) {
      throw new SlipwayError('PROTOCOL', `pcapng: block of type 0x${type.toString(16)} at ${off}: bad length ${len}`);
    }
    const end = off + len - 4;
    if (type === SHB) {
      if (v.getUint32(off + 8, true) !== BYTE_ORDER_MAGIC)
        throw new SlipwayError('PROTOCOL', 'pcapng: not a little-endian section');
      out.userAppl = optStr(options(b, off + 24, end), SHB_USERAPPL);
    } else if (type === IDB) {
      const o = options(b, off + 16, end);
      const res = o.get(IF_TSRESOL)?.[0]?.[0] ?? 6;
      const filter = o.get(IF_FILTER)?.[0];
      out.interfaces.push({
        linkType: v.getUint16(off + 8, true),
        snaplen: v.getUint32(off + 12, true),
        name: optStr(o, IF_NAME),
        description: optStr(o, IF_DESCRIPTION),
        filter: filter ? dec.decode(filter.subarray(1)) : null,
        tsresol: res,
      });
    } else if (type === EPB) {
      const id = v.getUint32(off + 8, true);
      const itf = out.interfaces[id];
      if (!itf) throw new SlipwayError('PROTOCOL', `pcapng: packet on interface ${id}, which has no description`);
      const ts = (BigInt(v.getUint32(off + 12, true)) << 32n) | BigInt(v.getUint32(off + 16, true));
      const cap = v.getUint32(off + 20, true);
      if (off + 28 + cap > end)
        throw new SlipwayError('PROTOCOL', `pcapng: packet of ${cap} bytes runs past its block`);
      const o = options(b, off + 28 + pad4(cap), end);
      const scale = itf.tsresol & 0x80 ? null : 10n ** BigInt(9 - itf.tsresol);
      out.packets.push({
        interfaceId: id,
        timeNs: scale === null ? ts : ts * scale,
        data: b.slice(off + 28, off + 28 + cap),
        origLen: v.getUint32(off + 24, true),
        flags: optU32(o, EPB_FLAGS),
        queue: optU32(o, EPB_QUEUE),
        comment: optStr(o, OPT_COMMENT),
      });
    } else if (type === ISB) {
      const o = options(b, off + 20, end);
      out.stats.push({
        interfaceId: v.getUint32(off + 8, true),
        ifRecv: optU64(o, ISB_IFRECV),
        filterAccept: optU64(o, ISB_FILTERACCEPT),
        osDrop: optU64(o, ISB_OSDROP),
        userDelivered: optU64(o, ISB_USRDELIV),
      });
    }
    off += len;
  }
  return out;
}

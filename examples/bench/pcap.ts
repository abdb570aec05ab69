/*
 * Traffic and route tables for the benchmarks.
 *
 * writeUdpPcap writes a pcap of minimum-size Ethernet/IP/UDP frames for
 * net_pcap's rx_pcap=...,infinite_rx=1 replay generator: 60 bytes captured
 * (64 on the wire with the FCS) for IPv4, 62 for IPv6 (the smallest frame an
 * IPv6/UDP header fits in). By default to `count` destinations 10.2.x.y;
 * with `dsts`, to those addresses (IPv4 or IPv6, cycled).
 *
 * net_pcap keeps every replayed frame in an mbuf of the receiving port's
 * pool for the whole run, so `count` must stay well below the pool size
 * (l3fwd: 8192 mbufs; slipwayd: --mbufs, 16383 by default).
 *
 * routesFor / destinationsFor / writeL3fwdRoutes give the route table both
 * routers load and the destinations that exercise it.
 */
import { isIPv6 } from 'node:net';
import { writeFileSync } from 'node:fs';

/** The MAC net_pcap gives its first port ("pcap" in ASCII). */
export const PCAP_PORT0_MAC = '02:70:63:61:70:00';

function ipChecksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += b.readUInt16BE(i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

export interface PcapOptions {
  count: number;
  srcMac?: string;
  dstMac?: string;
  /** Destination addresses, cycled over the `count` frames; default 10.2.(i>>8).(i&255). */
  dsts?: readonly string[];
  /** Source address per family; default 10.1.0.1 and fd01::1. */
  src4?: string;
  src6?: string;
}

const mac = (m: string) => Buffer.from(m.split(':').map((x) => parseInt(x, 16)));

export function ipv4ToInt(a: string): number {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255))
    throw new Error(`not an IPv4 address: ${a}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const words = (s: string | undefined) => (s ? s.split(':').filter((w) => w !== '') : []);
  const h = words(head),
    t = words(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (all.length !== 8) throw new Error(`not an IPv6 address: ${a}`);
  const b = Buffer.alloc(16);
  all.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

function udp4Frame(i: number, src: string, dst: string, srcMac: string, dstMac: string): Buffer {
  const f = Buffer.alloc(60);
  mac(dstMac).copy(f, 0);
  mac(srcMac).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  const ip = f.subarray(14, 34);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(46, 2);
  ip.writeUInt16BE(i & 0xffff, 4);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  ip.writeUInt32BE(ipv4ToInt(src), 12);
  ip.writeUInt32BE(ipv4ToInt(dst), 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  f.writeUInt16BE(1024 + (i % 60000), 34);
  f.writeUInt16BE(5000, 36);
  f.writeUInt16BE(26, 38); // UDP checksum 0: none, legal for IPv4
  return f;
}

function udp6Frame(i: number, src: string, dst: string, srcMac: string, dstMac: string): Buffer {
  const f = Buffer.alloc(62);
  mac(dstMac).copy(f, 0);
  mac(srcMac).copy(f, 6);
  f.writeUInt16BE(0x86dd, 12);
  const ip = f.subarray(14, 54);
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(8, 4); // payload length: the UDP header alone
  ip.writeUInt8(17, 6);
  ip.writeUInt8(64, 7);
  ipv6Bytes(src).copy(ip, 8);
  ipv6Bytes(dst).copy(ip, 24);
  const udp = f.subarray(54, 62);
  udp.writeUInt16BE(1024 + (i % 60000), 0);
  udp.writeUInt16BE(5000, 2);
  udp.writeUInt16BE(8, 4);
  // UDP over IPv6 must carry a checksum: pseudo-header + header
  const pseudo = Buffer.alloc(40 + 8);
  ip.copy(pseudo, 0, 8, 40);
  pseudo.writeUInt32BE(8, 32);
  pseudo.writeUInt8(17, 39);
  udp.copy(pseudo, 40);
  udp.writeUInt16BE(ipChecksum(pseudo) || 0xffff, 6);
  return f;
}

/** Writes Ethernet frames as a pcap file (microsecond timestamps, all zero). */
export function writePcap(file: string, frames: readonly Buffer[]): void {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(global);
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, f);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** A broadcast ARP request "who has target? tell sender" from srcMac (60 bytes). */
export function arpRequestFrame(srcMac: string, sender: string, target: string): Buffer {
  const f = Buffer.alloc(60);
  mac('ff:ff:ff:ff:ff:ff').copy(f, 0);
  mac(srcMac).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f.writeUInt8(6, 18);
  f.writeUInt8(4, 19);
  f.writeUInt16BE(1, 20); // request
  mac(srcMac).copy(f, 22);
  f.writeUInt32BE(ipv4ToInt(sender), 28);
  f.writeUInt32BE(ipv4ToInt(target), 38);
  return f;
}

/** Minimum-size UDP frames (see the top of the file). */
export function udpFrames(opts: PcapOptions): Buffer[] {
  const srcMac = opts.srcMac ?? '02:00:00:00:00:01';
  const dstMac = opts.dstMac ?? '02:00:00:00:00:02';
  if (opts.dsts !== undefined && opts.dsts.length === 0) throw new Error('udpFrames: dsts is empty');
  const frames: Buffer[] = [];
  for (let i = 0; i < opts.count; i++) {
    const dst = opts.dsts ? opts.dsts[i % opts.dsts.length]! : `10.2.${(i >> 8) & 0xff}.${i & 0xff}`;
    frames.push(
      isIPv6(dst)
        ? udp6Frame(i, opts.src6 ?? 'fd01::1', dst, srcMac, dstMac)
        : udp4Frame(i, opts.src4 ?? '10.1.0.1', dst, srcMac, dstMac),
    );
  }
  return frames;
}

export function writeUdpPcap(file: string, opts: PcapOptions): void {
  writePcap(file, udpFrames(opts));
}

/** An IPv4 route for the benchmarks: `prefix` is "a.b.c.d/len". */
export interface BenchRoute {
  prefix: string;
  port: number;
}

/** Base of the filler routes: 11.0.0.0 upwards, clear of 10/8 and of 127/8 up to ~2.4M routes. */
const FILLER_BASE = 11 << 24;
const FILLER_DEPTHS = [20, 21, 22, 23, 24];

/**
 * n IPv4 routes, all to `port` (default 1): first the 256 /24s of
 * 10.2.0.0/16 (where the default traffic goes), then filler prefixes from
 * 11.0.0.0 upwards, lengths /20 to /24 in turn (a real table is mostly long
 * prefixes; spreading the lengths also keeps rte_lpm_add, which scans all
 * rules of the same length for a duplicate, from taking minutes at 1M).
 * Deterministic; every (prefix, length) is unique; fillers overlap each other
 * but never 10/8, so every route leads to the same port anyway.
 */
export function routesFor(n: number, port = 1): BenchRoute[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`routesFor: bad route count ${n}`);
  const routes: BenchRoute[] = [];
  for (let k = 0; k < Math.min(n, 256); k++) routes.push({ prefix: `10.2.${k}.0/24`, port });
  for (let j = 0; routes.length < n; j++) {
    const depth = FILLER_DEPTHS[j % FILLER_DEPTHS.length]!;
    const k = Math.floor(j / FILLER_DEPTHS.length);
    const addr = FILLER_BASE + k * 2 ** (32 - depth);
    if (addr >= 127 * 2 ** 24) throw new Error(`routesFor: ${n} routes do not fit below 127.0.0.0`);
    routes.push({ prefix: `${intToIpv4(addr)}/${depth}`, port });
  }
  return routes;
}

/**
 * `count` destination addresses spread evenly over `routes` (one host, not
 * the network address, inside every (n/count)-th prefix), so the lookups
 * touch the whole table rather than a few hot entries.
 */
export function destinationsFor(routes: readonly BenchRoute[], count: number): string[] {
  const dsts: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = routes[Math.floor((i * routes.length) / count)]!;
    const [a, len] = r.prefix.split('/') as [string, string];
    const host = (i % (2 ** (32 - Number(len)) - 2)) + 1;
    dsts.push(intToIpv4(ipv4ToInt(a) + host));
  }
  return dsts;
}

/**
 * Writes `routes` in the format of l3fwd's --rule_ipv4 ("R<prefix>/<len>
 * <port>" per line) to `file4`, and a one-route IPv6 table to `file6`
 * (l3fwd ignores --rule_ipv4 unless --rule_ipv6 is given too).
 */
export function writeL3fwdRoutes(
  file4: string,
  file6: string,
  routes: readonly BenchRoute[],
  routes6: readonly BenchRoute[] = [{ prefix: 'fd02::/64', port: 1 }],
): void {
  writeFileSync(file4, routes.map((r) => `R${r.prefix} ${r.port}\n`).join(''));
  writeFileSync(file6, routes6.map((r) => `R${r.prefix} ${r.port}\n`).join(''));
}

/**
 * A drop rule of the rules benchmark: UDP to one /32 in 192.168.0.0/16 and
 * one destination port, so it never matches the traffic (10.2.0.0/16) but
 * the classifier has to tell. The one list both slipway's rules and
 * l3fwd's ACL file are written from.
 */
export interface BenchRule {
  id: number;
  dst: string;
  dport: number;
}

export function benchRules(n: number): BenchRule[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    dst: `192.168.${(i + 1) >> 8}.${(i + 1) & 0xff}/32`,
    dport: 1001 + i,
  }));
}

/**
 * l3fwd's ACL-mode rule files (--lookup=acl): the rules first as '@' lines
 * (deny; a line's priority is its rank in the file, so they win over every
 * route), then the routes as 'R' lines (any source, the prefix, any ports
 * and protocol, to the port). The IPv6 file, which l3fwd requires, holds
 * fd02::/64 -> 1.
 */
export function writeL3fwdAclRules(
  file4: string,
  file6: string,
  rules: readonly BenchRule[],
  routes: readonly BenchRoute[],
): void {
  const deny = rules.map((r) => `@0.0.0.0/0 ${r.dst} 0 : 65535 ${r.dport} : ${r.dport} 17/0xff\n`);
  const route = routes.map((r) => `R0.0.0.0/0 ${r.prefix} 0 : 65535 0 : 65535 0/0 ${r.port}\n`);
  writeFileSync(file4, deny.join('') + route.join(''));
  writeFileSync(file6, 'R0:0:0:0:0:0:0:0/0 fd02:0:0:0:0:0:0:0/64 0 : 65535 0 : 65535 0/0 1\n');
}

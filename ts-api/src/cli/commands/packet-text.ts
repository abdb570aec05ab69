/*
 * One line per captured frame for humans (slipctl capture without -w), in
 * the spirit of tcpdump's: Ethernet, VLAN tags, ARP, IPv4, IPv6 (extension
 * headers skipped), TCP, UDP, ICMP. Reads only the captured bytes; a frame
 * cut short says so.
 */
const hex2 = (b: number) => b.toString(16).padStart(2, '0');

function mac(d: Uint8Array, off: number): string {
  return Array.from(d.subarray(off, off + 6), hex2).join(':');
}

function ip4(d: Uint8Array, off: number): string {
  return `${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}`;
}

function ip6(d: Uint8Array, off: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((d[off + 2 * i] << 8) | d[off + 2 * i + 1]).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

const u16 = (d: Uint8Array, off: number) => (d[off] << 8) | d[off + 1];

const ICMP4: Record<number, string> = { 0: 'echo reply', 3: 'unreachable', 8: 'echo request', 11: 'time exceeded' };
const ICMP6: Record<number, string> = {
  1: 'unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
};
const TCP_FLAGS = ['F', 'S', 'R', 'P', '.', 'U', 'E', 'C'];

function l4(d: Uint8Array, off: number, proto: number, src: string, dst: string): string {
  if (proto === 6 || proto === 17) {
    if (off + 4 > d.length) return `${src} > ${dst} ${proto === 6 ? 'TCP' : 'UDP'} (cut)`;
    const s = `${src}.${u16(d, off)} > ${dst}.${u16(d, off + 2)}`;
    if (proto === 17) return `${s} UDP`;
    const flags = off + 13 < d.length ? TCP_FLAGS.filter((_, i) => d[off + 13] & (1 << i)).join('') : '?';
    return `${s} TCP [${flags}]`;
  }
  if (proto === 1 || proto === 58) {
    const names = proto === 1 ? ICMP4 : ICMP6;
    const t = off < d.length ? d[off] : -1;
    return `${src} > ${dst} ${proto === 1 ? 'ICMP' : 'ICMP6'} ${names[t] ?? `type ${t}`}`;
  }
  return `${src} > ${dst} proto ${proto}`;
}

const EXT6 = new Set([0, 43, 44, 60, 51]);

/** "02:..:01 > 02:..:02 vlan 10 IPv4 10.1.0.2 > 10.2.0.2 ICMP echo request". */
export function frameSummary(d: Uint8Array): string {
  if (d.length < 14) return `runt (${d.length} bytes)`;
  const parts = [`${mac(d, 6)} > ${mac(d, 0)}`];
  let et = u16(d, 12);
  let off = 14;
  for (let tags = 0; (et === 0x8100 || et === 0x88a8 || et === 0x9100) && tags < 2; tags++) {
    if (off + 4 > d.length) return `${parts.join(' ')} vlan (cut)`;
    parts.push(`vlan ${u16(d, off) & 0xfff}`);
    et = u16(d, off + 2);
    off += 4;
  }
  if (et === 0x0806) {
    if (off + 28 > d.length) return `${parts.join(' ')} ARP (cut)`;
    const op = u16(d, off + 6);
    const what =
      op === 1
        ? `who-has ${ip4(d, off + 24)} tell ${ip4(d, off + 14)}`
        : op === 2
          ? `${ip4(d, off + 14)} is-at ${mac(d, off + 8)}`
          : `op ${op}`;
    return `${parts.join(' ')} ARP ${what}`;
  }
  if (et === 0x0800) {
    if (off + 20 > d.length) return `${parts.join(' ')} IPv4 (cut)`;
    const ihl = (d[off] & 0xf) * 4;
    const s = l4(d, off + ihl, d[off + 9], ip4(d, off + 12), ip4(d, off + 16));
    return `${parts.join(' ')} IPv4 ${s} ttl ${d[off + 8]}`;
  }
  if (et === 0x86dd) {
    if (off + 40 > d.length) return `${parts.join(' ')} IPv6 (cut)`;
    let nh = d[off + 6];
    let p = off + 40;
    for (let n = 0; EXT6.has(nh) && n < 8 && p + 8 <= d.length; n++) {
      const len = nh === 44 ? 8 : nh === 51 ? (d[p + 1] + 2) * 4 : (d[p + 1] + 1) * 8;
      nh = d[p];
      p += len;
    }
    return `${parts.join(' ')} IPv6 ${l4(d, p, nh, ip6(d, off + 8), ip6(d, off + 24))} hlim ${d[off + 7]}`;
  }
  return `${parts.join(' ')} ethertype 0x${et.toString(16).padStart(4, '0')}`;
}

/** "12:34:56.789012345" (local time) of nanoseconds since the epoch. */
export function clockNs(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(Number(ns % 1_000_000_000n), 9)}`;
}

/*
 * Writes a pcap of 64-byte Ethernet/IPv4/UDP frames (60 bytes on the wire
 * without FCS) to `count` destinations 10.2.x.y, for net_pcap's
 * rx_pcap=...,infinite_rx=1 replay generator.
 */
import {writeFileSync} from 'node:fs';

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
}

export function writeUdpPcap(file: string, opts: PcapOptions): void {
	const frames: Buffer[] = [];
	const global = Buffer.alloc(24);
	global.writeUInt32LE(0xa1b2c3d4, 0);
	global.writeUInt16LE(2, 4);
	global.writeUInt16LE(4, 6);
	global.writeUInt32LE(65535, 16);
	global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
	frames.push(global);
	const mac = (m: string) => Buffer.from(m.split(':').map(x => parseInt(x, 16)));
	for (let i = 0; i < opts.count; i++) {
		const f = Buffer.alloc(60);
		mac(opts.dstMac ?? '02:00:00:00:00:02').copy(f, 0);
		mac(opts.srcMac ?? '02:00:00:00:00:01').copy(f, 6);
		f.writeUInt16BE(0x0800, 12);
		const ip = f.subarray(14, 34);
		ip.writeUInt8(0x45, 0);
		ip.writeUInt16BE(46, 2);
		ip.writeUInt16BE(i & 0xffff, 4);
		ip.writeUInt8(64, 8);
		ip.writeUInt8(17, 9);
		Buffer.from([10, 1, 0, 1]).copy(ip, 12);
		Buffer.from([10, 2, (i >> 8) & 0xff, i & 0xff]).copy(ip, 16);
		ip.writeUInt16BE(ipChecksum(ip), 10);
		f.writeUInt16BE(1024 + (i % 60000), 34);
		f.writeUInt16BE(5000, 36);
		f.writeUInt16BE(26, 38);
		const rec = Buffer.alloc(16);
		rec.writeUInt32LE(60, 8);
		rec.writeUInt32LE(60, 12);
		frames.push(rec, f);
	}
	writeFileSync(file, Buffer.concat(frames));
}

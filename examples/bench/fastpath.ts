/*
 * Fast-path forwarding rate (issue 4): slipwayd routing against DPDK's own
 * l3fwd (LPM mode), same machine, same run, one forwarding lcore each, one
 * DPDK process at a time. Both read the same generated pcap of 64-byte UDP
 * IPv4 frames through net_pcap (infinite_rx) and send to net_null (no-rx).
 *
 * Cases:
 *   routes    1,024 routes (the 256 /24s of 10.2.0.0/16 + filler); 4,096
 *             destinations spread over the 256 /24s of 10.2.0.0/16
 *   1m_routes 1,000,000 routes; 4,096 destinations spread over the whole
 *             table, so lookups touch it all instead of a few hot entries
 *   1k_rules  slipwayd only (l3fwd has no rules): the `routes` case with
 *             1,000 rules active, compared with l3fwd's `routes` rate
 *
 * testpmd io on the same ports gives the ceiling: what net_pcap replay and
 * net_null cost per packet on this lcore before any lookup or rewrite.
 *
 * Cycles per packet: this machine exposes no hardware counters to perf
 * (`perf stat -e cycles` says <not supported>), so it is TSC rate / pps of
 * the one forwarding lcore, which busy-polls at 100 %: exact when the core
 * runs at the TSC rate, an estimate under turbo or a hypervisor.
 */
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {benchVdevs, ensureL3fwd, l3fwdMpps, tscHz} from './l3fwd';
import {destinationsFor, PCAP_PORT0_MAC, routesFor, writeUdpPcap, type BenchRoute} from './pcap';
import {testpmdRxPps} from './peers';

/** Frames in each pcap: net_pcap holds them all in mbufs of l3fwd's 8,192-mbuf pool. */
const FRAMES = 4096;
const BASE_ROUTES = 1024;
const MANY_ROUTES = 1_000_000;
const RULES = 1000;

export interface SlipwayCase {
	/** pcap for port 0; use benchVdevs(pcap) from ./l3fwd for the port strings */
	pcap: string;
	/** routes to load, all to port 1 */
	routes: readonly BenchRoute[];
	/** rules to keep active (0: routes only) */
	rules: number;
	seconds: number;
	/** instance name / EAL file prefix */
	instance: string;
}

export interface SlipwayFastpathResult {
	/** packets sent on port 1 per second, millions */
	mpps: number;
}

export class SlipwayNotReady extends Error {
	constructor() {
		super('slipwayd routing not available yet');
		this.name = 'SlipwayNotReady';
	}
}

/*
 * ===== slipway side: TODO(lead) =====
 * Launch slipwayd on benchVdevs(c.pcap) with one worker, promiscuous on
 * port 0 (the frames' dst MAC is net_pcap's, but do not rely on it), a
 * neighbour for port 1, `sw.routes.addMany(c.routes)`, c.rules rules that
 * stay active (evaluated for every packet, ending in the route action),
 * then measure ports[1].txPackets over c.seconds as xconnect.ts does, and
 * shut down before returning. Check txPackets ≈ port 0's rxPackets: a
 * shortfall means misses or punts, not speed.
 */
export async function slipwayFastpath(c: SlipwayCase): Promise<SlipwayFastpathResult> {
	throw new SlipwayNotReady();
}

async function slipwayOrNull(c: SlipwayCase, notes: string[]): Promise<number | null> {
	try {
		return (await slipwayFastpath(c)).mpps;
	} catch (error) {
		if (!(error instanceof SlipwayNotReady)) throw error;
		notes.push(`slipway ${c.instance}: ${error.message}`);
		return null;
	}
}

/** Other DPDK processes competing for the 2 CPUs (tests of other sessions): named in a note, since they skew every figure. */
function otherDataplanes(): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
		try {
			const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
			if (/^(slipwayd|dpdk-|l3fwd)/.test(comm)) found.push(`${comm}[${pid}]`);
		} catch { /* exited meanwhile */ }
	}
	return found;
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

export async function benchFastpath(seconds = 5): Promise<Record<string, number | null>> {
	ensureL3fwd();
	const notes: string[] = [];
	const dir = mkdtempSync(path.join(tmpdir(), 'slipway-bench-fp-'));
	try {
		const base = routesFor(BASE_ROUTES);
		const basePcap = path.join(dir, 'udp64-10.2.pcap');
		writeUdpPcap(basePcap, {count: FRAMES, dstMac: PCAP_PORT0_MAC, dsts: destinationsFor(base.slice(0, 256), FRAMES)});

		const many = routesFor(MANY_ROUTES);
		const manyPcap = path.join(dir, 'udp64-spread.pcap');
		writeUdpPcap(manyPcap, {count: FRAMES, dstMac: PCAP_PORT0_MAC, dsts: destinationsFor(many, FRAMES)});

		const busy = new Set<string>();
		const check = () => { for (const p of otherDataplanes()) busy.add(p); };
		check();
		const l3 = await l3fwdMpps({pcap: basePcap, routes: base, seconds, prefix: 'bench-l3fwd'});
		check();
		const sw = await slipwayOrNull({pcap: basePcap, routes: base, rules: 0, seconds, instance: 'bench-fp'}, notes);

		check();
		const l3m = await l3fwdMpps({pcap: manyPcap, routes: many, seconds, prefix: 'bench-l3fwd-1m'});
		check();
		const swm = await slipwayOrNull({pcap: manyPcap, routes: many, rules: 0, seconds, instance: 'bench-fp-1m'}, notes);

		check();
		const swr = await slipwayOrNull({pcap: basePcap, routes: base, rules: RULES, seconds, instance: 'bench-fp-1k'}, notes);

		// the ceiling of these ports on this lcore: receive and send, no lookup, no rewrite
		check();
		const io = await testpmdRxPps(benchVdevs(basePcap), 'io', seconds, 'bench-fp-testpmd') / 1e6;

		for (const [name, r] of [['routes', l3], ['1m_routes', l3m]] as const) {
			if (r.mpps < 0.99 * r.rxMpps) notes.push(`l3fwd ${name}: forwarded ${r.mpps.toFixed(2)} of ${r.rxMpps.toFixed(2)} Mpps received: routes miss the traffic?`);
		}
		check();
		if (busy.size > 0) notes.push(`other DPDK processes ran during the benchmark, figures are skewed: ${[...busy].join(', ')}`);
		const hz = tscHz();
		notes.push(`cycles/packet = TSC ${(hz / 1e6).toFixed(0)} MHz / pps of the one lcore (no hardware counters for perf here)`);
		for (const n of notes) console.error(`  note: ${n}`);

		return {
			slipway_mpps: sw,
			l3fwd_mpps: l3.mpps,
			ratio: ratio(sw, l3.mpps),
			slipway_mpps_1m_routes: swm,
			l3fwd_mpps_1m_routes: l3m.mpps,
			ratio_1m_routes: ratio(swm, l3m.mpps),
			slipway_mpps_1k_rules: swr,
			ratio_1k_rules: ratio(swr, l3.mpps),
			cycles_per_packet: sw === null ? null : hz / (sw * 1e6),
			l3fwd_cycles_per_packet: l3.cyclesPerPacket,
			l3fwd_cycles_per_packet_1m_routes: l3m.cyclesPerPacket,
			l3fwd_rx_mpps: l3.rxMpps,
			l3fwd_rx_mpps_1m_routes: l3m.rxMpps,
			l3fwd_1m_routes_load_s: l3m.startSeconds,
			testpmd_io_mpps: io,
			testpmd_io_cycles_per_packet: hz / (io * 1e6),
		};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

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
 *   1k_rules  the `routes` case with 1,000 rules active (999 deny rules that
 *             never match plus a catch-all ROUTE rule), compared with l3fwd
 *             LPM and with l3fwd in ACL mode holding the same 999 deny rules
 *             (one list, written in both formats) ahead of the 1,024 routes
 *   fib       l3fwd --lookup=fib (rte_fib DIR24_8, the table slipway uses)
 *             on the `routes` case
 *   taps      the `routes` case with a capture on (issue 11): one on port
 *             1's rx, which receives nothing (every hook of port 0 is called
 *             and finds nothing to do); one at port 0's rx whose JIT filter
 *             ('tcp port 80') takes none of the UDP; one taking everything
 *             at port 0's rx with a 64 KiB ring nobody reads (each record
 *             lost and counted). Capture off is the `routes` case itself.
 *   busy_poll the `routes` case with --poll-mode busy: every other slipway
 *             case runs with idle back-off on (the default), and a loaded
 *             worker should never sleep
 *   no_taps   capture off against a slipwayd with the capture and trace
 *             hooks compiled out (build-notaps/, -DSW_BENCH_NO_TAPS): the
 *             `routes` case with each binary in turn, NO_TAPS_PAIRS times
 *             (alternating which goes first), means compared: the cost of
 *             the hooks when nothing is armed
 *
 * testpmd io on the same ports gives the ceiling: what net_pcap replay and
 * net_null cost per packet on this lcore before any lookup or rewrite.
 *
 * Cycles per packet: this machine exposes no hardware counters to perf
 * (`perf stat -e cycles` says <not supported>), so it is TSC rate / pps of
 * the one forwarding lcore, which busy-polls at 100 %: exact when the core
 * runs at the TSC rate, an estimate under turbo or a hypervisor.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, type CaptureOptions, type Slipway } from '../../ts-api/src/index';
import { benchVdevs, ensureL3fwd, l3fwdMpps, tscHz } from './l3fwd';
import {
  benchRules,
  destinationsFor,
  PCAP_PORT0_MAC,
  routesFor,
  writeUdpPcap,
  type BenchRoute,
  type BenchRule,
} from './pcap';
import { testpmdRxPps } from './peers';

/** Frames in each pcap: net_pcap holds them all in mbufs of l3fwd's 8,192-mbuf pool. */
const FRAMES = 4096;
const BASE_ROUTES = 1024;
const MANY_ROUTES = 1_000_000;
const RULES = 1000;
const NO_TAPS_PAIRS = 3;
const ROOT = path.resolve(__dirname, '..', '..');

/** slipwayd with the capture and trace hooks compiled out, for the no_taps case. */
function ensureNoTapsBuild(): string {
  const dir = path.join(ROOT, 'build-notaps');
  try {
    readFileSync(path.join(dir, 'build.ninja'));
  } catch {
    execFileSync('meson', ['setup', dir, '--buildtype=release', '-Dc_args=-DSW_BENCH_NO_TAPS'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  execFileSync('ninja', ['-C', dir, 'dataplane/slipwayd'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(dir, 'dataplane', 'slipwayd');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

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
  /** a capture on while the rate is measured */
  capture?: CaptureOptions;
  /** the workers' idle mode (slipwayd's default: sleep, i.e. back-off on) */
  pollMode?: 'sleep' | 'busy';
  /** slipwayd binary (default: the build's) */
  binary?: string;
}

export interface SlipwayFastpathResult {
  /** packets sent on port 1 per second, millions */
  mpps: number;
  /** packets received on port 0 per second, millions: a shortfall of mpps means punts or misses */
  rxMpps: number;
  /** seconds to load the routes over the control ring */
  loadSeconds: number;
}

/*
 * The slipway side: slipwayd on the same ports with one worker (the frames
 * are addressed to net_pcap port 0's MAC, as slipway routes only frames for
 * its port),
 * every route via a gateway on port 1 whose neighbour is set, and for the
 * rules case 999 rules that never match the traffic plus one catch-all
 * ROUTE rule of lowest priority, so every packet is classified by the ACL
 * and then routed. Rate: port 1 tx packets over the window, as xconnect.ts.
 *
 * Requests are encoded here against the ABI (slipway_ctl.h) and sent with
 * requestMany: one batch per table.
 */
const GW = [10, 255, 0, 1];

function routePayload(prefix: string): Uint8Array {
  const [addr, len] = prefix.split('/');
  const b = new Uint8Array(216);
  const v = new DataView(b.buffer);
  b[0] = 4;
  b[1] = Number(len);
  b[2] = 1; /* FORWARD */
  b[3] = 1;
  b.set(addr!.split('.').map(Number), 8);
  v.setUint16(24, 1, true); // nh[0].port
  b.set(GW, 24 + 8); // nh[0].gw
  return b;
}

function ruleDrop(r: BenchRule): Uint8Array {
  const { id } = r;
  const [addr, len] = r.dst.split('/');
  const b = new Uint8Array(80);
  const v = new DataView(b.buffer);
  v.setUint32(0, id, true);
  v.setUint32(4, 1000 + id, true);
  b[8] = 4;
  b[9] = 17;
  b[10] = 3; /* DROP */
  v.setUint16(12, 0xffff, true);
  v.setUint16(14, 0xffff, true);
  v.setUint16(18, 0xffff, true);
  b[33] = Number(len); // dst in 192.168.0.0/16: never the traffic
  v.setUint16(36, 0xffff, true); // sport any
  v.setUint16(38, r.dport, true);
  v.setUint16(40, r.dport, true);
  b.set(addr!.split('.').map(Number), 64);
  return b;
}

function ruleCatchAll(id: number): Uint8Array {
  const b = new Uint8Array(80);
  const v = new DataView(b.buffer);
  v.setUint32(0, id, true);
  v.setUint32(4, 1, true);
  b[8] = 4;
  b[10] = 2; /* ROUTE */
  v.setUint16(12, 0xffff, true);
  v.setUint16(14, 0xffff, true);
  v.setUint16(18, 0xffff, true);
  v.setUint16(36, 0xffff, true);
  v.setUint16(40, 0xffff, true);
  return b;
}

function neighPayload(): Uint8Array {
  const b = new Uint8Array(32);
  b[2] = 4;
  new DataView(b.buffer).setUint16(0, 1, true);
  b.set([0x02, 0, 0, 0, 0, 0x99], 4);
  b.set(GW, 16);
  return b;
}

async function batch(sw: Slipway, what: string, op: number, payloads: Uint8Array[]): Promise<void> {
  const rs = await sw.requestMany(payloads.map((payload) => ({ op, payload })));
  const bad = rs.findIndex((r) => r.status !== 0);
  if (bad >= 0)
    throw new Error(
      `${what}: item ${bad} failed: status ${rs[bad]!.status} ${Buffer.from(rs[bad]!.payload).toString()}`,
    );
}

export async function slipwayFastpath(c: SlipwayCase): Promise<SlipwayFastpathResult> {
  const sw = await launch({
    instance: c.instance,
    ports: [...benchVdevs(c.pcap)],
    workers: '1',
    readyTimeoutMs: 60_000,
    maxRoutes: Math.max(65_536, Math.ceil(c.routes.length * 1.1)),
    ...(c.pollMode ? { pollMode: c.pollMode } : {}),
    ...(c.binary ? { binary: c.binary } : {}),
  });
  try {
    await batch(sw, 'neighbour', 0x40, [neighPayload()]);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < c.routes.length; i += 100_000)
      await batch(
        sw,
        'routes',
        0x50,
        c.routes.slice(i, i + 100_000).map((r) => routePayload(r.prefix)),
      );
    const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
    if (c.rules > 0) {
      const rules = benchRules(c.rules - 1).map(ruleDrop);
      rules.push(ruleCatchAll(c.rules));
      await batch(sw, 'rules', 0x60, rules);
    }
    // nobody reads it: its heartbeat keeps it on, a full ring loses records
    const cap = c.capture ? await sw.taps.capture(c.capture) : undefined;
    await new Promise((r) => setTimeout(r, 1000));
    const a = await sw.stats();
    const t1 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, c.seconds * 1000));
    const b = await sw.stats();
    const ns = Number(process.hrtime.bigint() - t1);
    const tx = Number(b.ports[1]!.txPackets - a.ports[1]!.txPackets);
    const rx = Number(b.ports[0]!.rxPackets - a.ports[0]!.rxPackets);
    if (cap) {
      const info = (await sw.taps.list()).find((x) => x.id === cap.id);
      if (!info || info.state !== 'running') throw new Error(`bench ${c.instance}: the capture ended early`);
      await cap.stop();
    }
    return { mpps: (tx / ns) * 1e3, rxMpps: (rx / ns) * 1e3, loadSeconds: loadS };
  } finally {
    await sw.shutdown();
  }
}

async function slipwayRun(c: SlipwayCase, notes: string[]): Promise<SlipwayFastpathResult> {
  const r = await slipwayFastpath(c);
  if (r.mpps < 0.99 * r.rxMpps)
    notes.push(
      `slipway ${c.instance}: forwarded ${r.mpps.toFixed(2)} of ${r.rxMpps.toFixed(2)} Mpps received: routes miss the traffic?`,
    );
  return r;
}

/** Other DPDK processes competing for the 2 CPUs (tests of other sessions): named in a note, since they skew every figure. */
function otherDataplanes(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      // a zombie is one of ours that stopped and is not reaped yet: it runs nothing
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat[stat.lastIndexOf(')') + 2];
      if (/^(slipwayd|dpdk-|l3fwd)/.test(comm) && state !== 'Z') found.push(`${comm}[${pid}]`);
    } catch {
      /* exited meanwhile */
    }
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
    writeUdpPcap(basePcap, {
      count: FRAMES,
      dstMac: PCAP_PORT0_MAC,
      dsts: destinationsFor(base.slice(0, 256), FRAMES),
    });

    const many = routesFor(MANY_ROUTES);
    const manyPcap = path.join(dir, 'udp64-spread.pcap');
    writeUdpPcap(manyPcap, { count: FRAMES, dstMac: PCAP_PORT0_MAC, dsts: destinationsFor(many, FRAMES) });

    const busy = new Set<string>();
    const check = () => {
      for (const p of otherDataplanes()) busy.add(p);
    };
    check();
    const l3 = await l3fwdMpps({ pcap: basePcap, routes: base, seconds, prefix: 'bench-l3fwd' });
    check();
    const sw = await slipwayRun({ pcap: basePcap, routes: base, rules: 0, seconds, instance: 'bench-fp' }, notes);

    // the same with a capture on (see taps above)
    const tapRun = async (name: string, capture: CaptureOptions) => {
      check();
      return slipwayRun(
        { pcap: basePcap, routes: base, rules: 0, seconds, instance: `bench-fp-${name}`, capture },
        notes,
      );
    };
    const tapIdle = await tapRun('tap-idle', { port: 1, points: ['rx'] });
    const capNone = await tapRun('cap-none', { port: 0, points: ['rx'], filter: 'tcp port 80' });
    const capAll = await tapRun('cap-all', { port: 0, points: ['rx'], snaplen: 64, ringBytes: 64 * 1024 });
    // idle back-off is on in every slipway case (the default); busy polling for comparison
    check();
    const swBusy = await slipwayRun(
      { pcap: basePcap, routes: base, rules: 0, seconds, instance: 'bench-fp-busy', pollMode: 'busy' },
      notes,
    );

    // capture off against the hooks compiled out, in alternating pairs
    const noTapsBinary = ensureNoTapsBuild();
    const withHooks: number[] = [];
    const noHooks: number[] = [];
    for (let i = 0; i < NO_TAPS_PAIRS; i++) {
      for (const hooks of i % 2 === 0 ? [true, false] : [false, true]) {
        check();
        const r = await slipwayRun(
          {
            pcap: basePcap,
            routes: base,
            rules: 0,
            seconds,
            instance: hooks ? 'bench-fp-hooks' : 'bench-fp-nohooks',
            ...(hooks ? {} : { binary: noTapsBinary }),
          },
          notes,
        );
        (hooks ? withHooks : noHooks).push(r.mpps);
      }
    }
    const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / mean(xs);

    check();
    const l3m = await l3fwdMpps({ pcap: manyPcap, routes: many, seconds, prefix: 'bench-l3fwd-1m' });
    check();
    const swm = await slipwayRun({ pcap: manyPcap, routes: many, rules: 0, seconds, instance: 'bench-fp-1m' }, notes);

    check();
    const swr = await slipwayRun(
      { pcap: basePcap, routes: base, rules: RULES, seconds, instance: 'bench-fp-1k' },
      notes,
    );
    // l3fwd's other modes on the same traffic: rte_fib (slipway's IPv4 table), and rte_acl
    // holding the same 999 deny rules ahead of the 1,024 routes
    check();
    const l3f = await l3fwdMpps({ pcap: basePcap, routes: base, seconds, prefix: 'bench-l3fwd-fib', lookup: 'fib' });
    check();
    const l3a = await l3fwdMpps({
      pcap: basePcap,
      routes: base,
      rules: benchRules(RULES - 1),
      seconds,
      prefix: 'bench-l3fwd-acl',
      lookup: 'acl',
    });

    // the ceiling of these ports on this lcore: receive and send, no lookup, no rewrite
    check();
    const io = (await testpmdRxPps(benchVdevs(basePcap), 'io', seconds, 'bench-fp-testpmd')) / 1e6;

    for (const [name, r] of [
      ['routes', l3],
      ['1m_routes', l3m],
      ['fib', l3f],
      ['acl', l3a],
    ] as const) {
      if (r.mpps < 0.99 * r.rxMpps)
        notes.push(
          `l3fwd ${name}: forwarded ${r.mpps.toFixed(2)} of ${r.rxMpps.toFixed(2)} Mpps received: routes miss the traffic?`,
        );
    }
    check();
    if (busy.size > 0)
      notes.push(`other DPDK processes ran during the benchmark, figures are skewed: ${[...busy].join(', ')}`);
    const hz = tscHz();
    notes.push(
      `cycles/packet = TSC ${(hz / 1e6).toFixed(0)} MHz / pps of the one lcore (no hardware counters for perf here)`,
    );
    for (const n of notes) console.error(`  note: ${n}`);

    return {
      slipway_mpps: sw.mpps,
      l3fwd_mpps: l3.mpps,
      ratio: ratio(sw.mpps, l3.mpps),
      slipway_mpps_tap_idle: tapIdle.mpps,
      ratio_tap_idle_vs_off: ratio(tapIdle.mpps, sw.mpps),
      slipway_mpps_capture_filter_none: capNone.mpps,
      ratio_capture_filter_none_vs_off: ratio(capNone.mpps, sw.mpps),
      slipway_mpps_capture_all_lost: capAll.mpps,
      ratio_capture_all_lost_vs_off: ratio(capAll.mpps, sw.mpps),
      slipway_mpps_capture_off_mean: mean(withHooks),
      slipway_mpps_taps_compiled_out_mean: mean(noHooks),
      ratio_capture_off_vs_compiled_out: ratio(mean(withHooks), mean(noHooks)),
      capture_off_runs_spread: Math.max(spread(withHooks), spread(noHooks)),
      slipway_mpps_busy_poll: swBusy.mpps,
      ratio_backoff_vs_busy_poll: ratio(sw.mpps, swBusy.mpps),
      slipway_mpps_1m_routes: swm.mpps,
      l3fwd_mpps_1m_routes: l3m.mpps,
      ratio_1m_routes: ratio(swm.mpps, l3m.mpps),
      slipway_mpps_1k_rules: swr.mpps,
      ratio_1k_rules: ratio(swr.mpps, l3.mpps),
      l3fwd_fib_mpps: l3f.mpps,
      ratio_vs_l3fwd_fib: ratio(sw.mpps, l3f.mpps),
      l3fwd_acl_mpps: l3a.mpps,
      ratio_1k_rules_vs_l3fwd_acl: ratio(swr.mpps, l3a.mpps),
      l3fwd_acl_cycles_per_packet: l3a.cyclesPerPacket,
      cycles_per_packet: hz / (sw.mpps * 1e6),
      cycles_per_packet_1m_routes: hz / (swm.mpps * 1e6),
      cycles_per_packet_1k_rules: hz / (swr.mpps * 1e6),
      slipway_1m_routes_load_s: swm.loadSeconds,
      l3fwd_cycles_per_packet: l3.cyclesPerPacket,
      l3fwd_cycles_per_packet_1m_routes: l3m.cyclesPerPacket,
      l3fwd_rx_mpps: l3.rxMpps,
      l3fwd_rx_mpps_1m_routes: l3m.rxMpps,
      l3fwd_1m_routes_load_s: l3m.startSeconds,
      testpmd_io_mpps: io,
      testpmd_io_cycles_per_packet: hz / (io * 1e6),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

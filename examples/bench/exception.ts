/*
 * The exception path (issue 5): what the host stack gets through slipway's
 * vEth, against DPDK's testpmd on the same path and against the plain veth
 * with no DPDK at all, all in one run, one DPDK process at a time.
 *
 * TCP: iperf3 for 2 × --seconds (10 s by default) from a peer namespace A
 * (test/e2e/netns.ts: a veth pair, TSO/GSO/tx checksum off on both ends
 * since af_packet cannot take super-frames) to a server on the host bound
 * to 10.77.0.1/24 on:
 *   slipway  vEth bexc0 of slipwayd port 0 = net_af_packet on the veth's host
 *            end (frames to the host's address are punted to the vEth, the
 *            kernel's answers injected back into port 0)
 *   testpmd  a net_tap (bexct0) io-forwarded to and from the same
 *            net_af_packet port
 *   veth     the veth's host end itself, with the veth's default offloads
 *            (the kernel's best: headline veth_tcp_gbps) and with
 *            tso/gso/tx off on both ends like the DPDK paths
 *            (veth_nooffload_tcp_gbps)
 * Then the same the other way (iperf3 -R: the host sends, tcp_reverse_*):
 * there the kernel hands slipway's vEth TSO super-frames, which slipway
 * segments (rte_gso), while net_tap's kernel side segments in software.
 * DPDK runs: main lcore 0, one forwarding lcore 1 (slipwayd's worker,
 * testpmd's forwarding lcore); iperf3 client and server pinned to CPU 0.
 * slipwayd has the host's address as a local route and its punt policer
 * off in both benchmarks (see puntPolicerOff).
 *
 * Punt rate: 64-byte UDP frames replayed by net_pcap (infinite_rx) as port
 * 0, addressed to the port's MAC (which is also the vEth's / TAP's, so the
 * kernel takes them as PACKET_HOST) and to 10.2.x.y, for which slipway has
 * no route: every frame is punted. The rate is packets per second the
 * kernel received on the vEth (/sys/class/net/IF/statistics/rx_packets,
 * delta over --seconds). testpmd io-forwards the same net_pcap port to a
 * net_tap with the same MAC. What the kernel does with each frame, the
 * same in both runs: IPv4 input route lookup; 10.2.x.y is not a local
 * address and forwarding is off on the vEth/TAP, so the frame is counted
 * in Ip InAddrErrors and dropped: no ICMP, no ARP, nothing is sent back
 * (IPv6 is off on the interface too). The TAP write runs that receive path
 * synchronously in the writer's thread: slipwayd's main lcore, testpmd's
 * forwarding lcore.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { defaultLogFile, launch, type PortCounterValues, type Slipway, type Stats } from '../../ts-api/src/index';
import { createTopology, run, sleep, waitFor, type Topology } from '../../test/e2e/netns';
import { PCAP_PORT0_MAC, writeUdpPcap } from './pcap';
import { startTestpmd, testpmdForwardStats } from './peers';

const PEER_ADDR = '10.77.0.2';
const HOST_ADDR = '10.77.0.1';
const HOST_CIDR = `${HOST_ADDR}/24`;
const VIF_PREFIX = 'bexc';
const VIF = `${VIF_PREFIX}0`;
const TAP = 'bexct0';
const IPERF_PORT = 5301;
const MAIN_LCORE = 0;
const WORKER_LCORE = 1;
/** CPU the iperf3 client and server are pinned to: the one DPDK does not busy-poll. */
const IPERF_CPU = 0;
/** Frames in the punt pcap (net_pcap keeps them all in mbufs while it runs). */
const PUNT_FRAMES = 256;

type Figures = Record<string, number | null>;

// ---------------------------------------------------------------------------
// Clean-up that also runs on SIGINT/SIGTERM.

type Undo = () => Promise<void>;

class Cleanup {
  private readonly pending = new Map<number, Undo>();
  private next = 0;

  /** Registers fn; returns a function running it once (later calls wait for the same run). */
  add(what: string, fn: () => Promise<unknown> | unknown): Undo {
    const id = this.next++;
    let done: Promise<void> | undefined;
    const once: Undo = () => {
      done ??= (async () => {
        this.pending.delete(id);
        try {
          await fn();
        } catch (error) {
          console.error(`  cleanup: ${what}: ${(error as Error).message}`);
        }
      })();
      return done;
    };
    this.pending.set(id, once);
    return once;
  }

  /** Runs everything still registered, newest first. */
  async all(): Promise<void> {
    for (const id of [...this.pending.keys()].reverse()) await this.pending.get(id)?.();
  }
}

// ---------------------------------------------------------------------------
// iperf3

export interface TcpResult {
  /** receiver's throughput, Gbit/s */
  gbps: number;
  /** bytes the client wrote */
  sentBytes: number;
  /** bytes the server read (from the server's own -J report) */
  receivedBytes: number;
  /** TCP retransmissions the client's kernel counted */
  retransmits: number;
  /** the client's MSS */
  mss: number | null;
  seconds: number;
}

interface IperfEnd {
  error?: string;
  start?: { tcp_mss_default?: number; tcp_mss?: number };
  end?: {
    sum_sent?: { bytes: number; bits_per_second: number; retransmits?: number; seconds: number };
    sum_received?: { bytes: number; bits_per_second: number; seconds: number };
  };
}

function parseIperf(who: string, text: string): IperfEnd {
  let j: IperfEnd;
  try {
    j = JSON.parse(text) as IperfEnd;
  } catch {
    throw new Error(`iperf3 ${who}: no JSON report:\n${text.slice(-2000)}`);
  }
  if (j.error) throw new Error(`iperf3 ${who}: ${j.error}`);
  return j;
}

/**
 * iperf3's server stops reading when the client's TEST_END arrives, even
 * with data still in flight (esnet/iperf#382): it reads what was sent less
 * at most the client's largest send buffer and its own largest receive
 * window, this many bytes.
 */
export function tcpBufferBound(): number {
  const max = (f: string) => Number(readFileSync(`/proc/sys/net/ipv4/${f}`, 'utf8').trim().split(/\s+/)[2]);
  return max('tcp_wmem') + max('tcp_rmem');
}

async function iperfListening(addr: string, port: number): Promise<boolean> {
  const r = await run('ss', ['-Hltn', 'src', `${addr}:${port}`], { allowFail: true });
  return r.stdout.trim().length > 0;
}

/**
 * One iperf3 TCP test: a one-off server (-1) on the host bound to `addr`,
 * the client in namespace `ns`, both pinned to `cpu`, for `seconds`.
 * The server is always stopped, also when the client fails.
 */
export async function iperf3Tcp(
  ns: string,
  addr: string,
  seconds: number,
  opts: { port?: number; cpu?: number; reverse?: boolean } = {},
): Promise<TcpResult> {
  const port = opts.port ?? IPERF_PORT;
  const cpu = String(opts.cpu ?? IPERF_CPU);
  if (await iperfListening(addr, port)) throw new Error(`something already listens on ${addr}:${port}`);
  const server: ChildProcess = spawn(
    'taskset',
    ['-c', cpu, 'iperf3', '-s', '-B', addr, '-p', String(port), '-1', '-J'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverOut = '';
  server.stdout!.on('data', (d: Buffer) => {
    serverOut += d.toString();
  });
  server.stderr!.on('data', (d: Buffer) => {
    serverOut += d.toString();
  });
  const serverExit = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const alive = () => server.exitCode === null && server.signalCode === null;
  const killOnExit = () => server.kill('SIGKILL');
  process.on('exit', killOnExit);
  try {
    await waitFor(
      `iperf3 server listening on ${addr}:${port}`,
      async () => {
        if (!alive()) throw new Error(`iperf3 server exited: ${serverOut.trim()}`);
        return iperfListening(addr, port);
      },
      5000,
    );
    const client = await run(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'taskset',
        '-c',
        cpu,
        'iperf3',
        '-c',
        addr,
        '-p',
        String(port),
        '-t',
        String(seconds),
        '-J',
        '--connect-timeout',
        '5000',
        ...(opts.reverse ? ['-R'] : []),
      ],
      { allowFail: true, timeoutMs: (seconds + 30) * 1000 },
    );
    const c = parseIperf(`client in ${ns} -> ${addr}:${port}`, client.stdout);
    // the one-off server prints its report and exits once the client is done
    await Promise.race([serverExit, sleep(10_000)]);
    if (alive()) throw new Error(`iperf3 server on ${addr}:${port} still running 10 s after the client finished`);
    const s = parseIperf(`server on ${addr}:${port}`, serverOut);
    const sent = c.end?.sum_sent,
      recv = c.end?.sum_received;
    // -R: the host sends, the client in the namespace receives and reports it
    const srecv = opts.reverse ? recv : s.end?.sum_received;
    if (!sent || !recv || !srecv)
      throw new Error(`iperf3 ${ns} -> ${addr}: report without sums:\n${client.stdout.slice(-2000)}`);
    return {
      gbps: recv.bits_per_second / 1e9,
      sentBytes: sent.bytes,
      receivedBytes: srecv.bytes,
      retransmits: sent.retransmits ?? 0,
      mss: c.start?.tcp_mss_default ?? c.start?.tcp_mss ?? null,
      seconds: recv.seconds,
    };
  } finally {
    if (alive()) {
      server.kill('SIGTERM');
      await Promise.race([serverExit, sleep(2000)]);
      if (alive()) server.kill('SIGKILL');
    }
    process.off('exit', killOnExit);
  }
}

// ---------------------------------------------------------------------------
// Host-side interfaces

const sysfs = (iface: string, attr: string) => readFileSync(`/sys/class/net/${iface}/${attr}`, 'utf8').trim();
const sysctl = (key: string, value: string | number) => run('sysctl', ['-qw', `${key}=${value}`]);

async function ifaceExists(iface: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `interface ${iface} to exist`,
    () => {
      try {
        return sysfs(iface, 'ifindex') !== '';
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
}

/** The address iperf3's server binds to, on `iface`, which is brought up (IPv6 off: no RS/MLD noise). */
async function hostAddress(iface: string): Promise<void> {
  await sysctl(`net.ipv6.conf.${iface}.disable_ipv6`, 1);
  await run('ip', ['addr', 'add', HOST_CIDR, 'dev', iface]);
  await run('ip', ['link', 'set', 'dev', iface, 'up']);
}

/** A's neighbour cache forgotten (each path answers ARP with another MAC), then one ping must get through. */
async function reachable(topo: Topology, what: string): Promise<void> {
  await run('ip', ['-n', topo.a.ns, 'neigh', 'flush', 'all']);
  await waitFor(
    `${topo.a.ns} to reach ${HOST_ADDR} through ${what}`,
    async () =>
      (await run('ip', ['netns', 'exec', topo.a.ns, 'ping', '-c', '1', '-W', '1', HOST_ADDR], { allowFail: true }))
        .code === 0,
    15_000,
    200,
  );
}

/**
 * Makes `iface` a sink for the punt frames: IPv6 off, IPv4 forwarding off
 * (frames to addresses not of this host are counted and dropped, never
 * forwarded out of the machine), up. Checks its MAC is the frames' one.
 */
async function puntSink(iface: string): Promise<void> {
  await sysctl(`net.ipv6.conf.${iface}.disable_ipv6`, 1);
  await sysctl(`net.ipv4.conf.${iface}.forwarding`, 0);
  await run('ip', ['link', 'set', 'dev', iface, 'up']);
  const mac = sysfs(iface, 'address');
  if (mac !== PCAP_PORT0_MAC)
    throw new Error(
      `${iface} has MAC ${mac}, the punt frames go to ${PCAP_PORT0_MAC}: the kernel would drop them as PACKET_OTHERHOST`,
    );
}

/**
 * Interfaces created while this runs start with forwarding off, so no punt
 * frame is forwarded out of the machine before puntSink() has run on the
 * new interface (only matters on a host with ip_forward=1).
 */
async function withoutDefaultForwarding<T>(cleanup: Cleanup, fn: () => Promise<T>): Promise<T> {
  const key = '/proc/sys/net/ipv4/conf/default/forwarding';
  const old = readFileSync(key, 'utf8').trim();
  if (old === '0') return fn();
  writeFileSync(key, '0');
  const restore = cleanup.add(`restore ${key}`, () => writeFileSync(key, old));
  try {
    return await fn();
  } finally {
    await restore();
  }
}

const rxPackets = (iface: string) => Number(sysfs(iface, 'statistics/rx_packets'));
const rxDropped = (iface: string) => Number(sysfs(iface, 'statistics/rx_dropped'));

/** Ip InAddrErrors of the host namespace (/proc/net/snmp): where the punt frames end. */
function inAddrErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Ip:'));
  const names = lines[0]!.split(/\s+/),
    values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('InAddrErrors')]);
}

// ---------------------------------------------------------------------------
// slipwayd

/** How a slipwayd run ended: its log tells whether the mempool came back full. */
function checkLog(instance: string, notes: string[]): void {
  try {
    const log = readFileSync(defaultLogFile(instance), 'utf8');
    if (/leaked \d+ mbufs/.test(log)) notes.push(`slipwayd ${instance} leaked mbufs: see ${defaultLogFile(instance)}`);
  } catch {
    /* no log: nothing to check */
  }
}

async function slipway<T>(
  cleanup: Cleanup,
  notes: string[],
  instance: string,
  port: string,
  fn: (sw: Slipway) => Promise<T>,
): Promise<T> {
  const sw = await launch({
    instance,
    ports: [port],
    workers: String(WORKER_LCORE),
    mainLcore: MAIN_LCORE,
    vifPrefix: VIF_PREFIX,
    readyTimeoutMs: 30_000,
  });
  const stop = cleanup.add(`stop slipwayd ${instance}`, () => sw.shutdown());
  try {
    await ifaceExists(VIF);
    return await fn(sw);
  } finally {
    await stop();
    checkLog(instance, notes);
  }
}

const d = (a: Stats, b: Stats, key: keyof PortCounterValues) => Number(b.ports[0]![key] - a.ports[0]![key]);

/** The delta of a counter slipwayd may not have (yet): null when it has not. */
function dOpt(a: Stats, b: Stats, key: string): number | null {
  const x = (a.ports[0] as unknown as Record<string, unknown>)[key],
    y = (b.ports[0] as unknown as Record<string, unknown>)[key];
  return typeof x === 'bigint' && typeof y === 'bigint' ? Number(y - x) : null;
}

/** Policer drops of port 0 (the L3 counters named police*), 0 while slipwayd has no policer. */
function policed(s: Stats): number {
  let n = 0n;
  for (const [k, v] of Object.entries(s.ports[0]!.l3)) if (k.startsWith('police')) n += v as bigint;
  return Number(n);
}

/*
 * PUNT POLICER OFF. slipwayd polices what it punts, per port and class, by
 * default (other 100,000 pps, host 250,000 pps: see Slipway.policer); both
 * benchmarks measure what the path itself carries, as testpmd and the veth
 * have no policer, so they turn port 0's policer off for every class (rate
 * 0 = no limit) and report what it dropped anyway (punt_policed_pps,
 * tcp_policed_packets).
 */
async function puntPolicerOff(sw: Slipway): Promise<void> {
  await sw.policer.set({ port: 0, ratePps: 0 });
}

interface SlipwayTcp {
  tcp: TcpResult;
  /** iperf3 -R: host -> peer */
  reverse: TcpResult;
  reverseGsoSegments: number | null;
  reverseInjectDrops: number;
  punted: number;
  puntDrops: number;
  vifTx: number;
  vifTxDrops: number;
  injected: number;
  /** punt policer drops (0 unless turning it off failed) */
  policed: number;
  /** frames the vEth's GRO merged into others / segments its GSO made, when slipwayd counts them */
  groMerged: number | null;
  gsoSegments: number | null;
}

async function slipwayTcp(topo: Topology, seconds: number, cleanup: Cleanup, notes: string[]): Promise<SlipwayTcp> {
  return slipway(cleanup, notes, 'bench-exc-tcp', topo.devargs[0], async (sw) => {
    // the host's address as a local route, as a configured host has it
    // (classified as host traffic rather than as having no route)
    await sw.routes.add({ prefix: `${HOST_ADDR}/32`, type: 'local' });
    await puntPolicerOff(sw);
    await hostAddress(VIF);
    await reachable(topo, `slipway (${VIF})`);
    const a = await sw.stats();
    const tcp = await iperf3Tcp(topo.a.ns, HOST_ADDR, seconds);
    const b = await sw.stats();
    // host -> peer: the kernel hands the vEth TSO super-frames
    const reverse = await iperf3Tcp(topo.a.ns, HOST_ADDR, seconds, { reverse: true });
    const c = await sw.stats();
    return {
      reverse,
      reverseGsoSegments: dOpt(b, c, 'vifGsoSegments'),
      reverseInjectDrops: d(b, c, 'injectDrops'),
      tcp,
      policed: policed(b) - policed(a),
      punted: d(a, b, 'puntPackets'),
      puntDrops: d(a, b, 'puntDrops'),
      vifTx: d(a, b, 'vifTxPackets'),
      vifTxDrops: d(a, b, 'vifTxDrops'),
      injected: d(a, b, 'injectPackets'),
      groMerged: dOpt(a, b, 'vifGroMerged'),
      gsoSegments: dOpt(a, b, 'vifGsoSegments'),
    };
  });
}

interface PuntResult {
  /** packets/s the kernel received on the vEth / TAP */
  pps: number;
  /** packets/s the kernel counted in Ip InAddrErrors meanwhile (should equal pps) */
  inAddrErrorsPps: number;
  /** packets/s the vEth / TAP counted as rx_dropped: written to it, refused by the kernel */
  rxDroppedPps: number;
}

/** rx_packets of `iface` and InAddrErrors over `seconds`, after warmUpMs (1 s). */
async function kernelRate(iface: string, seconds: number, warmUpMs = 1000): Promise<PuntResult & { ns: number }> {
  await sleep(warmUpMs);
  const r0 = rxPackets(iface),
    x0 = rxDropped(iface),
    e0 = inAddrErrors(),
    t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const r1 = rxPackets(iface),
    x1 = rxDropped(iface),
    e1 = inAddrErrors(),
    ns = Number(process.hrtime.bigint() - t0);
  return {
    pps: ((r1 - r0) / ns) * 1e9,
    inAddrErrorsPps: ((e1 - e0) / ns) * 1e9,
    rxDroppedPps: ((x1 - x0) / ns) * 1e9,
    ns,
  };
}

async function slipwayPunt(pcap: string, seconds: number, cleanup: Cleanup, notes: string[]) {
  return withoutDefaultForwarding(cleanup, () =>
    slipway(cleanup, notes, 'bench-exc-punt', `net_pcap0,rx_pcap=${pcap},infinite_rx=1`, async (sw) => {
      await puntSink(VIF);
      await puntPolicerOff(sw);
      await sleep(1500);
      // slipway's counters over the same window as the kernel's
      const a = await sw.stats();
      const k = await kernelRate(VIF, seconds, 0);
      const b = await sw.stats();
      const per = (n: number) => (n / k.ns) * 1e9;
      return {
        ...k,
        rxPps: per(Number(b.ports[0]!.rxPackets - a.ports[0]!.rxPackets)),
        puntedPps: per(d(a, b, 'puntPackets')),
        puntDropsPps: per(d(a, b, 'puntDrops')),
        groMergedPps: ((m) => (m === null ? null : per(m)))(dOpt(a, b, 'vifGroMerged')),
        vifTxPps: per(d(a, b, 'vifTxPackets')),
        vifTxDropsPps: per(d(a, b, 'vifTxDrops')),
        policedPps: per(policed(b) - policed(a)),
      };
    }),
  );
}

// ---------------------------------------------------------------------------
// testpmd

async function testpmd<T>(
  cleanup: Cleanup,
  vdevs: string[],
  prefix: string,
  fn: () => Promise<T>,
): Promise<{ r: T; out: string }> {
  const tp = startTestpmd(vdevs, { prefix, lcores: `${MAIN_LCORE},${WORKER_LCORE}` });
  let out = '';
  const stop = cleanup.add(`stop testpmd ${prefix}`, async () => {
    out = await tp.stop();
  });
  try {
    await tp.ready();
    await ifaceExists(TAP);
    const r = await fn();
    await stop();
    return { r, out };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- testpmd ---\n${out.slice(-2000)}`, { cause: error });
  }
}

async function testpmdTcp(
  topo: Topology,
  seconds: number,
  cleanup: Cleanup,
): Promise<{ tcp: TcpResult; reverse: TcpResult }> {
  const { r } = await testpmd(
    cleanup,
    [`net_af_packet0,iface=${topo.a.hostIf}`, `net_tap0,iface=${TAP}`],
    'bench-exc-testpmd-tcp',
    async () => {
      await hostAddress(TAP);
      await reachable(topo, `testpmd (${TAP})`);
      const tcp = await iperf3Tcp(topo.a.ns, HOST_ADDR, seconds);
      return { tcp, reverse: await iperf3Tcp(topo.a.ns, HOST_ADDR, seconds, { reverse: true }) };
    },
  );
  return r;
}

async function testpmdPunt(pcap: string, seconds: number, cleanup: Cleanup) {
  return withoutDefaultForwarding(cleanup, async () => {
    const { r, out } = await testpmd(
      cleanup,
      [`net_pcap0,rx_pcap=${pcap},infinite_rx=1`, `net_tap0,iface=${TAP},mac=${PCAP_PORT0_MAC}`],
      'bench-exc-testpmd-punt',
      async () => {
        await puntSink(TAP);
        return kernelRate(TAP, seconds);
      },
    );
    // whole-run totals of the TAP port (port 1): what testpmd could not write
    const tap = testpmdForwardStats(out).find((p) => p.port === 1);
    const dropped = tap && tap.txPackets + tap.txDropped > 0 ? tap.txDropped / (tap.txPackets + tap.txDropped) : null;
    return { ...r, txDroppedFraction: dropped };
  });
}

// ---------------------------------------------------------------------------
// the plain veth

async function vethTcp(
  topo: Topology,
  seconds: number,
  offloads: boolean,
  cleanup: Cleanup,
  reverse = false,
): Promise<TcpResult> {
  const { ns, hostIf, peerIf } = topo.a;
  const features = (on: boolean) => ['tso', on ? 'on' : 'off', 'gso', on ? 'on' : 'off', 'tx', on ? 'on' : 'off'];
  // netns.ts keeps the host stack off the host end; here it is the endpoint
  const undo = cleanup.add(`restore ${hostIf}`, async () => {
    await run('ip', ['addr', 'del', HOST_CIDR, 'dev', hostIf], { allowFail: true });
    await sysctl(`net.ipv4.conf.${hostIf}.arp_ignore`, 8);
    await sysctl(`net.ipv4.conf.${hostIf}.rp_filter`, 1);
    await run('ethtool', ['-K', hostIf, ...features(false)]);
    await run('ethtool', ['-K', peerIf, ...features(false)], { netns: ns });
  });
  try {
    await run('ethtool', ['-K', hostIf, ...features(offloads)]);
    await run('ethtool', ['-K', peerIf, ...features(offloads)], { netns: ns });
    await sysctl(`net.ipv4.conf.${hostIf}.arp_ignore`, 0);
    await sysctl(`net.ipv4.conf.${hostIf}.rp_filter`, 0);
    await run('ip', ['addr', 'add', HOST_CIDR, 'dev', hostIf]);
    await reachable(topo, `the veth (${hostIf})`);
    return await iperf3Tcp(ns, HOST_ADDR, seconds, { reverse });
  } finally {
    await undo();
  }
}

// ---------------------------------------------------------------------------

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null || b === 0 ? null : a / b;

const TARGETS: Array<[string, number]> = [
  ['tcp_vs_testpmd', 1.5],
  ['tcp_vs_veth', 0.5],
  ['punt_vs_testpmd', 1.0],
];

export async function benchException(seconds = 5): Promise<Figures> {
  const tcpSeconds = 2 * seconds;
  const notes: string[] = [];
  const cleanup = new Cleanup();
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`bench exception: ${sig}: cleaning up`);
    void cleanup.all().finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : 15)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-bench-exc-'));
  try {
    const topo = await createTopology({ addrsA: [`${PEER_ADDR}/24`] });
    cleanup.add('remove namespaces and veths', async () => {
      for (const p of await topo.teardown()) console.error(`  cleanup: ${p}`);
    });

    const sw = await slipwayTcp(topo, tcpSeconds, cleanup, notes);
    const { tcp: tp, reverse: tpReverse } = await testpmdTcp(topo, tcpSeconds, cleanup);
    const veth = await vethTcp(topo, tcpSeconds, true, cleanup);
    const vethReverse = await vethTcp(topo, tcpSeconds, true, cleanup, true);
    const vethOff = await vethTcp(topo, tcpSeconds, false, cleanup);
    for (const [what, r] of [
      ['slipway', sw.tcp],
      ['testpmd', tp],
      ['veth', veth],
      ['veth (offloads off)', vethOff],
    ] as const) {
      if (r.receivedBytes > r.sentBytes || r.sentBytes - r.receivedBytes > tcpBufferBound())
        notes.push(`${what} TCP: the server read ${r.receivedBytes} of the ${r.sentBytes} bytes sent`);
    }
    // every punted frame reaches the vEth, as a frame of its own or merged by GRO into another
    const reached = sw.vifTx + (sw.groMerged ?? 0);
    if (reached < 0.99 * (sw.punted - sw.puntDrops))
      notes.push(
        `slipway TCP: ${sw.punted} punted (${sw.puntDrops} dropped), only ${reached} reached ${VIF} (${sw.vifTx} written, ${sw.groMerged ?? 'n/a'} merged by GRO)`,
      );

    const pcap = path.join(dir, 'udp64-punt.pcap');
    writeUdpPcap(pcap, { count: PUNT_FRAMES, dstMac: PCAP_PORT0_MAC });
    const sp = await slipwayPunt(pcap, seconds, cleanup, notes);
    const tpp = await testpmdPunt(pcap, seconds, cleanup);
    for (const [what, r] of [
      ['slipway', sp],
      ['testpmd', tpp],
    ] as const) {
      if (Math.abs(r.inAddrErrorsPps - r.pps) > 0.05 * r.pps)
        notes.push(
          `${what} punt: the kernel counted ${r.inAddrErrorsPps.toFixed(0)} InAddrErrors/s for ${r.pps.toFixed(0)} packets/s received: not all dropped as designed?`,
        );
    }

    const figures: Figures = {
      tcp_gbps: sw.tcp.gbps,
      testpmd_tcp_gbps: tp.gbps,
      veth_tcp_gbps: veth.gbps,
      veth_nooffload_tcp_gbps: vethOff.gbps,
      tcp_vs_testpmd: ratio(sw.tcp.gbps, tp.gbps),
      tcp_vs_veth: ratio(sw.tcp.gbps, veth.gbps),
      tcp_vs_veth_nooffload: ratio(sw.tcp.gbps, vethOff.gbps),
      tcp_reverse_gbps: sw.reverse.gbps,
      testpmd_tcp_reverse_gbps: tpReverse.gbps,
      veth_tcp_reverse_gbps: vethReverse.gbps,
      tcp_reverse_vs_testpmd: ratio(sw.reverse.gbps, tpReverse.gbps),
      tcp_reverse_vs_veth: ratio(sw.reverse.gbps, vethReverse.gbps),
      tcp_reverse_vif_gso_segments: sw.reverseGsoSegments,
      tcp_reverse_inject_drops: sw.reverseInjectDrops,
      tcp_retransmits: sw.tcp.retransmits,
      testpmd_tcp_retransmits: tp.retransmits,
      veth_tcp_retransmits: veth.retransmits,
      veth_nooffload_tcp_retransmits: vethOff.retransmits,
      tcp_mss: sw.tcp.mss,
      tcp_seconds: tcpSeconds,
      tcp_punt_packets: sw.punted,
      tcp_punt_drops: sw.puntDrops,
      tcp_vif_tx_packets: sw.vifTx,
      tcp_vif_tx_drops: sw.vifTxDrops,
      tcp_inject_packets: sw.injected,
      tcp_policed_packets: sw.policed,
      tcp_vif_gro_merged: sw.groMerged,
      tcp_vif_gso_segments: sw.gsoSegments,
      punt_pps: sp.pps,
      testpmd_punt_pps: tpp.pps,
      punt_vs_testpmd: ratio(sp.pps, tpp.pps),
      punt_port_rx_pps: sp.rxPps,
      punt_fastpath_pps: sp.puntedPps,
      punt_drops_pps: sp.puntDropsPps,
      punt_vif_tx_pps: sp.vifTxPps,
      punt_vif_gro_merged_pps: sp.groMergedPps,
      punt_vif_tx_drops_pps: sp.vifTxDropsPps,
      punt_policed_pps: sp.policedPps,
      punt_kernel_in_addr_errors_pps: sp.inAddrErrorsPps,
      testpmd_punt_kernel_in_addr_errors_pps: tpp.inAddrErrorsPps,
      punt_kernel_rx_dropped_pps: sp.rxDroppedPps,
      testpmd_punt_kernel_rx_dropped_pps: tpp.rxDroppedPps,
      testpmd_punt_tx_dropped_fraction: tpp.txDroppedFraction,
      punt_seconds: seconds,
      cpus: cpus().length,
      main_lcore: MAIN_LCORE,
      worker_lcore: WORKER_LCORE,
      testpmd_fwd_lcore: WORKER_LCORE,
      iperf3_cpu: IPERF_CPU,
    };
    for (const [k, min] of TARGETS) {
      const v = figures[k];
      notes.push(`target ${k} >= ${min}: ${v == null ? 'n/a' : `${v.toFixed(2)} ${v >= min ? 'met' : 'MISSED'}`}`);
    }
    for (const n of notes) console.error(`  note: ${n}`);
    return figures;
  } finally {
    await cleanup.all();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

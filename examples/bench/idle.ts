/*
 * What an idle dataplane costs: CPU time of the whole slipwayd process over
 * `seconds` with two ports that receive nothing (net_null with no-rx), in
 * its default poll mode (idle back-off: workers sleep, the main lcore
 * sleeps on its futex) and with --poll-mode busy, against testpmd io
 * forwarding the same idle ports (DPDK's samples poll without pause), in
 * the same run. CPU is in percent of one CPU (the scheduler's run time of
 * every thread, from /proc/PID/task/TID/schedstat).
 *
 * Then what back-off costs a low-rate flow: two namespaces (il-a, il-b),
 * each joined by a veth pair to one of slipwayd's two net_af_packet ports,
 * the ports cross-connected both ways (one worker); a ping every 0.2 s from
 * il-a to il-b for `seconds` (at least 25 pings), each per-packet RTT
 * parsed; p50/p99 in the default mode and with --poll-mode busy, on the
 * same topology in the same run. Every echo crosses the worker twice (the
 * request on port 0, the reply on port 1), so the added p99 is compared
 * with the sleep bound (--idle-sleep-us, 1,000 µs by default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { launch } from '../../ts-api/src/index';
import { run } from '../../test/e2e/netns';
import { startTestpmd } from './peers';

/** The idle worker's longest sleep, slipwayd's default (--idle-sleep-us). */
const IDLE_SLEEP_US = 1000;
const PING_INTERVAL_S = 0.2;
const LAT_A = { ns: 'il-a', hostIf: 'ilh0', peerIf: 'ilp0', addr: '10.79.0.1/24' };
const LAT_B = { ns: 'il-b', hostIf: 'ilh1', peerIf: 'ilp1', addr: '10.79.0.2/24' };

const IDLE_PORTS = ['net_null0,no-rx=1', 'net_null1,no-rx=1'];

/**
 * CPU time of a process, all its threads, in seconds: the scheduler's own
 * run time of each (/proc/PID/task/TID/schedstat, ns). utime + stime from
 * /proc/PID/stat are sampled at the timer tick, which over- or undercharges
 * a thread that wakes for a few µs at a time by whole ticks.
 */
function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e9;
}

/** Percent of one CPU the process used over `seconds`, after `settleMs`. */
async function cpuPercent(pid: number, seconds: number, settleMs = 1000): Promise<number> {
  await new Promise((r) => setTimeout(r, settleMs));
  const c0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c1 = cpuSeconds(pid);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return ((c1 - c0) / wall) * 100;
}

async function slipwaydIdle(seconds: number, pollMode: 'sleep' | 'busy'): Promise<number> {
  const sw = await launch({ instance: `bench-idle-${pollMode}`, ports: IDLE_PORTS, workers: '1', pollMode });
  try {
    // the client's own watch reads the heartbeat: keep it, it is part of any deployment
    return await cpuPercent(sw.pid, seconds);
  } finally {
    await sw.shutdown();
  }
}

/** Removes the latency topology (also what a failed run left behind). */
async function latTeardown(): Promise<void> {
  for (const p of [LAT_A, LAT_B]) {
    await run('ip', ['link', 'del', 'dev', p.hostIf], { allowFail: true });
    await run('ip', ['netns', 'del', p.ns], { allowFail: true });
  }
}

/** Two namespaces, each a host (no forwarding, no IPv6) behind a veth pair whose host end slipwayd takes. */
async function latSetUp(): Promise<void> {
  await latTeardown();
  for (const p of [LAT_A, LAT_B]) {
    await run('ip', ['netns', 'add', p.ns]);
    await run('ip', ['link', 'add', p.hostIf, 'type', 'veth', 'peer', 'name', p.peerIf, 'netns', p.ns]);
    // the host end belongs to af_packet: the host stack must neither answer
    // nor route what arrives there, nor send anything of its own
    await run('ip', ['link', 'set', 'dev', p.hostIf, 'up']);
    await run('sysctl', ['-qw', `net.ipv6.conf.${p.hostIf}.disable_ipv6=1`]);
    await run('sysctl', ['-qw', `net.ipv4.conf.${p.hostIf}.arp_ignore=8`]);
    await run('sysctl', ['-qw', `net.ipv4.conf.${p.hostIf}.rp_filter=1`]);
    await run('sysctl', ['-qw', `net.ipv4.conf.${p.hostIf}.forwarding=0`]);
    await run('ethtool', ['-K', p.hostIf, 'tso', 'off', 'gso', 'off', 'tx', 'off']);
    await run('sysctl', ['-qw', 'net.ipv4.ip_forward=0'], { netns: p.ns });
    await run('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1'], { netns: p.ns });
    await run('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1'], { netns: p.ns });
    await run('ip', ['-n', p.ns, 'link', 'set', 'dev', 'lo', 'up']);
    await run('ethtool', ['-K', p.peerIf, 'tso', 'off', 'gso', 'off', 'tx', 'off'], { netns: p.ns });
    await run('ip', ['-n', p.ns, 'addr', 'add', p.addr, 'dev', p.peerIf]);
    await run('ip', ['-n', p.ns, 'link', 'set', 'dev', p.peerIf, 'up']);
  }
}

/** Value at quantile q (0..1) of sorted values, nearest rank. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Per-packet RTTs (µs) of `count` pings il-a -> il-b, one every 0.2 s, through slipwayd in `pollMode`. */
async function pingRtts(pollMode: 'sleep' | 'busy', count: number): Promise<number[]> {
  const sw = await launch({
    instance: `bench-idle-lat-${pollMode}`,
    ports: [`net_af_packet0,iface=${LAT_A.hostIf}`, `net_af_packet1,iface=${LAT_B.hostIf}`],
    workers: '1',
    pollMode,
  });
  try {
    await sw.xconnects.add(0, 1);
    await sw.xconnects.add(1, 0);
    const dst = LAT_B.addr.split('/')[0]!;
    // resolve ARP and warm the path first; then let the worker fall asleep
    await run('ping', ['-n', '-c', '3', '-i', '0.2', '-W', '1', dst], { netns: LAT_A.ns });
    await new Promise((r) => setTimeout(r, 500));
    const r = await run('ping', ['-n', '-c', String(count), '-i', String(PING_INTERVAL_S), '-W', '1', dst], {
      netns: LAT_A.ns,
      allowFail: true,
      timeoutMs: (count * PING_INTERVAL_S + 15) * 1000,
    });
    const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
    if (rtts.length < count * 0.9) {
      throw new Error(`only ${rtts.length} of ${count} pings answered (${pollMode}):\n${r.stdout}${r.stderr}`);
    }
    return rtts.sort((a, b) => a - b);
  } finally {
    await sw.shutdown();
  }
}

/** p50/p99 ping RTT through slipwayd with back-off and with busy polling, same topology, same run. */
export async function benchIdleLatency(seconds = 5): Promise<Record<string, number>> {
  const count = Math.max(25, Math.round(seconds / PING_INTERVAL_S));
  await latSetUp();
  try {
    const sleep = await pingRtts('sleep', count);
    const busy = await pingRtts('busy', count);
    const p99Added = quantile(sleep, 0.99) - quantile(busy, 0.99);
    return {
      ping_count: count,
      slipway_ping_p50_us: quantile(sleep, 0.5),
      slipway_ping_p99_us: quantile(sleep, 0.99),
      busy_poll_ping_p50_us: quantile(busy, 0.5),
      busy_poll_ping_p99_us: quantile(busy, 0.99),
      ping_p99_added_us: p99Added,
      idle_sleep_bound_us: IDLE_SLEEP_US,
      ping_p99_added_ratio_to_sleep_bound: p99Added / IDLE_SLEEP_US,
    };
  } finally {
    await latTeardown();
  }
}

export async function benchIdle(seconds = 5): Promise<Record<string, number>> {
  const sleep = await slipwaydIdle(seconds, 'sleep');
  const busy = await slipwaydIdle(seconds, 'busy');
  const tp = startTestpmd(IDLE_PORTS, { prefix: 'bench-idle-testpmd' });
  let testpmd: number;
  try {
    await tp.ready();
    testpmd = await cpuPercent(tp.child.pid!, seconds);
  } finally {
    await tp.stop();
  }

  return {
    slipway_idle_cpu_pct: sleep,
    slipway_busy_poll_idle_cpu_pct: busy,
    testpmd_idle_cpu_pct: testpmd,
    idle_cpu_ratio_vs_testpmd: sleep / testpmd,
    ...(await benchIdleLatency(seconds)),
  };
}

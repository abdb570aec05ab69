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
 *
 * Then the same two figures with rx interrupts (--poll-mode interrupt),
 * which DPDK 22.11 has for net_tap: two net_tap ports, slipwayd running in
 * namespace it-a (through a wrapper, so that port 0's TAP is made there)
 * and port 1's TAP moved into it-b, cross-connected both ways; idle CPU
 * and ping RTTs with interrupts against back-off and busy polling on the
 * same TAP ports in the same run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultBinary, launch, type Slipway } from '../../ts-api/src/index';
import { run } from '../../test/e2e/netns';
import { startTestpmd } from './peers';

/** The idle worker's longest sleep, slipwayd's default (--idle-sleep-us). */
const IDLE_SLEEP_US = 1000;
const PING_INTERVAL_S = 0.2;
const LAT_A = { ns: 'il-a', hostIf: 'ilh0', peerIf: 'ilp0', addr: '10.79.0.1/24' };
const LAT_B = { ns: 'il-b', hostIf: 'ilh1', peerIf: 'ilp1', addr: '10.79.0.2/24' };

const IDLE_PORTS = ['net_null0,no-rx=1', 'net_null1,no-rx=1'];
const TAP_A = { ns: 'it-a', tap: 'itt0', addr: '10.78.0.1/24' };
const TAP_B = { ns: 'it-b', tap: 'itt1', addr: '10.78.0.2/24' };
type PollMode = 'sleep' | 'busy' | 'interrupt';

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

async function slipwaydIdle(seconds: number, pollMode: PollMode): Promise<number> {
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

/** Per-packet RTTs (µs), sorted, of `count` pings from `ns` to `dst`, one every 0.2 s, through slipwayd in `what`. */
async function pingRtts(ns: string, dst: string, count: number, what: string): Promise<number[]> {
  // resolve ARP and warm the path first; then let the worker fall asleep
  await run('ping', ['-n', '-c', '3', '-i', '0.2', '-W', '1', dst], { netns: ns });
  await new Promise((r) => setTimeout(r, 500));
  const r = await run('ping', ['-n', '-c', String(count), '-i', String(PING_INTERVAL_S), '-W', '1', dst], {
    netns: ns,
    allowFail: true,
    timeoutMs: (count * PING_INTERVAL_S + 15) * 1000,
  });
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (rtts.length < count * 0.9) {
    throw new Error(`only ${rtts.length} of ${count} pings answered (${what}):\n${r.stdout}${r.stderr}`);
  }
  return rtts.sort((a, b) => a - b);
}

/** Cross-connects ports 0 and 1 both ways, runs fn, stops slipwayd. */
async function crossConnected<T>(sw: Slipway, fn: () => Promise<T>): Promise<T> {
  try {
    await sw.xconnects.add(0, 1);
    await sw.xconnects.add(1, 0);
    return await fn();
  } finally {
    await sw.shutdown();
  }
}

/** RTTs il-a -> il-b through slipwayd's two net_af_packet ports in `pollMode`. */
async function afPacketRtts(pollMode: PollMode, count: number): Promise<number[]> {
  const sw = await launch({
    instance: `bench-idle-lat-${pollMode}`,
    ports: [`net_af_packet0,iface=${LAT_A.hostIf}`, `net_af_packet1,iface=${LAT_B.hostIf}`],
    workers: '1',
    pollMode,
  });
  return crossConnected(sw, () => pingRtts(LAT_A.ns, LAT_B.addr.split('/')[0]!, count, `af_packet, ${pollMode}`));
}

async function tapTeardown(): Promise<void> {
  for (const p of [TAP_A, TAP_B]) await run('ip', ['netns', 'del', p.ns], { allowFail: true });
}

/**
 * slipwayd in it-a with two net_tap ports, port 1's TAP moved into it-b,
 * the TAPs addressed, in `pollMode`; fn runs with the client, then
 * slipwayd stops (its TAPs go with it).
 */
async function withTapSlipway<T>(pollMode: PollMode, fn: (sw: Slipway) => Promise<T>): Promise<T> {
  await tapTeardown();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-idle-'));
  try {
    for (const p of [TAP_A, TAP_B]) {
      await run('ip', ['netns', 'add', p.ns]);
      const sysctls = [
        'net.ipv4.ip_forward=0',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ];
      await run('sysctl', ['-qw', ...sysctls], { netns: p.ns });
    }
    const wrapper = path.join(dir, 'slipwayd-in-it-a');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${TAP_A.ns} ${defaultBinary()} "$@"\n`, { mode: 0o755 });
    const sw = await launch({
      instance: `bench-idle-tap-${pollMode}`,
      ports: [`net_tap0,iface=${TAP_A.tap}`, `net_tap1,iface=${TAP_B.tap}`],
      workers: '1',
      pollMode,
      binary: wrapper,
      vifPrefix: 'itv',
    });
    return await crossConnected(sw, async () => {
      await run('ip', ['-n', TAP_A.ns, 'link', 'set', 'dev', TAP_B.tap, 'netns', TAP_B.ns]);
      for (const p of [TAP_A, TAP_B]) {
        await run('ip', ['-n', p.ns, 'addr', 'add', p.addr, 'dev', p.tap]);
        await run('ip', ['-n', p.ns, 'link', 'set', 'dev', p.tap, 'up']);
      }
      return fn(sw);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await tapTeardown();
  }
}

/** p50/p99 ping RTT through slipwayd with back-off and with busy polling, same topology, same run. */
export async function benchIdleLatency(seconds = 5): Promise<Record<string, number>> {
  const count = Math.max(25, Math.round(seconds / PING_INTERVAL_S));
  await latSetUp();
  try {
    const sleep = await afPacketRtts('sleep', count);
    const busy = await afPacketRtts('busy', count);
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

/** Rx interrupts on net_tap ports: idle CPU and ping RTTs against back-off and busy polling on the same ports. */
export async function benchIdleInterrupt(seconds = 5): Promise<Record<string, number>> {
  const count = Math.max(25, Math.round(seconds / PING_INTERVAL_S));
  const dst = TAP_B.addr.split('/')[0]!;
  const out: Record<string, number> = {};
  const rtts: Partial<Record<PollMode, number[]>> = {};
  for (const mode of ['interrupt', 'sleep', 'busy'] as const) {
    await withTapSlipway(mode, async (sw) => {
      out[`tap_${mode}_idle_cpu_pct`] = await cpuPercent(sw.pid, seconds);
      rtts[mode] = await pingRtts(TAP_A.ns, dst, count, `net_tap, ${mode}`);
    });
  }
  for (const mode of ['interrupt', 'sleep', 'busy'] as const) {
    out[`tap_${mode}_ping_p50_us`] = quantile(rtts[mode]!, 0.5);
    out[`tap_${mode}_ping_p99_us`] = quantile(rtts[mode]!, 0.99);
  }
  out.tap_interrupt_ping_p99_added_us = out.tap_interrupt_ping_p99_us! - out.tap_busy_ping_p99_us!;
  out.tap_sleep_ping_p99_added_us = out.tap_sleep_ping_p99_us! - out.tap_busy_ping_p99_us!;
  out.tap_interrupt_idle_cpu_ratio_vs_sleep = out.tap_interrupt_idle_cpu_pct! / out.tap_sleep_idle_cpu_pct!;
  return out;
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
    ...(await benchIdleInterrupt(seconds)),
  };
}

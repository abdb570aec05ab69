/*
 * What an idle dataplane costs: CPU time of the whole slipwayd process over
 * `seconds` with two ports that receive nothing (net_null with no-rx), in
 * its default poll mode (idle back-off: workers sleep, the main lcore
 * sleeps on its futex) and with --poll-mode busy, against testpmd io
 * forwarding the same idle ports (DPDK's samples poll without pause), in
 * the same run. CPU is in percent of one CPU (user + system, from
 * /proc/PID/stat).
 */
import { readFileSync } from 'node:fs';
import { launch } from '../../ts-api/src/index';
import { startTestpmd } from './peers';

const IDLE_PORTS = ['net_null0,no-rx=1', 'net_null1,no-rx=1'];

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 (utime, stime) are at 11 and 12 after the state field
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
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
  };
}

/*
 * Control-plane speed: the shared-memory control ring from TypeScript
 * against slipwayd's Unix-socket JSON baseline (--json-socket), same
 * daemon, same handlers, same run.
 *
 *   (a) single request round trips (await one, then the next): hello, and
 *       xconnect add/remove alternating; p50 and p99 in µs;
 *   (b) batched/pipelined table updates per second: xconnect add/del
 *       alternating on existing ports;
 *   (c) the same over the JSON socket (node:net client, pipelined with a
 *       window of 4096 requests in flight).
 *
 * Placement: the JS thread is moved off the CPU of slipwayd's main lcore
 * (taskset -a -p: the JS thread and the libuv workers) for both transports. Sharing that
 * CPU, the two fight: slipwayd's main lcore polls for --spin-us after each
 * request and the woken JS thread waits for it (p99 ~ that spin). The
 * figures rtt_shared_cpu_* show the ring with the JS thread on the main
 * lcore's CPU, for comparison.
 *
 * Ports are quiet on purpose: two veth pairs created here in the root
 * namespace (IPv6 disabled, nothing attached to the far ends), handed to
 * slipwayd as net_af_packet, deleted afterwards. net_null would flood rx and
 * compete for the CPU with the control loop.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { launch, type Slipway } from '../../ts-api/src/index';
import { churn } from '../../ts-api/src/client/internal';
import { JsonClient } from './jsonclient';

const RTT_N = 20_000;
const WARMUP_N = 3_000;
const BATCH_N = 1_000_000;
const BASELINE_BATCH_N = 200_000;
const MAIN_LCORE = 0;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function sysctl(key: string): void {
  execFileSync('sysctl', ['-qw', key], { stdio: 'ignore' });
}

/** Two veth pairs whose host ends slipwayd attaches to; removed by the returned function. */
function quietPorts(): { devargs: string[]; remove: () => void } {
  const ends = [0, 1].map((i) => ({ host: `swb${i}-${process.pid}`, far: `swc${i}-${process.pid}` }));
  const remove = () => {
    for (const e of ends) {
      try {
        ip(['link', 'del', 'dev', e.host]);
      } catch {}
    }
  };

  try {
    for (const e of ends) {
      ip(['link', 'add', e.host, 'type', 'veth', 'peer', 'name', e.far]);
      for (const dev of [e.host, e.far]) {
        sysctl(`net.ipv6.conf.${dev}.disable_ipv6=1`);
        ip(['link', 'set', 'dev', dev, 'up']);
      }
    }
  } catch (error) {
    remove();
    throw error;
  }

  return { devargs: ends.map((e, i) => `net_af_packet${i},iface=${e.host}`), remove };
}

/** Sets the CPU list of every thread of this process (JS thread and libuv workers); returns the previous list. */
function pinJsThread(cpus: string): string {
  const prev = /list:\s*(\S+)/.exec(execFileSync('taskset', ['-p', '-c', String(process.pid)]).toString())?.[1] ?? '';
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return prev;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

interface Rtt {
  p50: number;
  p99: number;
  mean: number;
}

/** Times `n` awaited calls of fn (after `warmup` untimed ones); µs. */
async function rtt(n: number, warmup: number, fn: (i: number) => Promise<unknown>): Promise<Rtt> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const us = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    us[i] = (performance.now() - t0) * 1000;
  }

  const mean = us.reduce((a, b) => a + b, 0) / n;
  us.sort();
  return { p50: percentile(us, 0.5), p99: percentile(us, 0.99), mean };
}

/** CPU seconds (user + system) of one thread of slipwayd (its main lcore is the main thread). */
function threadCpuS(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function ring(sw: Slipway): Promise<Record<string, number>> {
  const hello = await rtt(RTT_N, WARMUP_N, () => sw.hello());
  const xc = await rtt(RTT_N, WARMUP_N, (i) => (i % 2 === 0 ? sw.xconnects.add(0, 1) : sw.xconnects.remove(0)));
  await churn(sw, 20_000, 0, 1); // warm-up
  const dp0 = threadCpuS(sw.pid, sw.pid);
  const js0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await churn(sw, BATCH_N, 0, 1);
  const s = (performance.now() - t0) / 1000;
  const js = process.cpuUsage(js0);
  const dpCpu = threadCpuS(sw.pid, sw.pid) - dp0;
  if (!r.ok) throw new Error(`ring churn: ${r.failed} of ${r.length} updates failed: ${JSON.stringify(r.summary())}`);
  return {
    rtt_p50_us: hello.p50,
    rtt_p99_us: hello.p99,
    rtt_mean_us: hello.mean,
    xc_rtt_p50_us: xc.p50,
    xc_rtt_p99_us: xc.p99,
    batched_ops: BATCH_N,
    batched_ops_per_s: BATCH_N / s,
    // where the time goes during the batch: CPU of this process and of slipwayd's main lcore, % of wall time
    batched_js_cpu_pct: (js.user + js.system) / 1e4 / s,
    batched_dp_main_cpu_pct: (dpCpu * 100) / s,
  };
}

async function baseline(path: string): Promise<Record<string, number>> {
  const c = await JsonClient.open(path);
  try {
    const hello = await rtt(RTT_N, WARMUP_N, () => c.request('hello'));
    const xc = await rtt(RTT_N, WARMUP_N, (i) =>
      i % 2 === 0 ? c.request('xc_add', { in: 0, out: 1 }) : c.request('xc_del', { in: 0 }),
    );
    await c.churn(20_000, 0, 1);
    const t0 = performance.now();
    const failed = await c.churn(BASELINE_BATCH_N, 0, 1);
    const s = (performance.now() - t0) / 1000;
    if (failed > 0) throw new Error(`json churn: ${failed} of ${BASELINE_BATCH_N} updates failed`);
    return {
      baseline_rtt_p50_us: hello.p50,
      baseline_rtt_p99_us: hello.p99,
      baseline_rtt_mean_us: hello.mean,
      baseline_xc_rtt_p50_us: xc.p50,
      baseline_xc_rtt_p99_us: xc.p99,
      baseline_batched_ops: BASELINE_BATCH_N,
      baseline_batched_ops_per_s: BASELINE_BATCH_N / s,
    };
  } finally {
    await c.close();
  }
}

export async function benchControl(): Promise<Record<string, number>> {
  const ports = quietPorts();
  const sock = `/tmp/slipway-bench-${process.pid}.sock`;
  try {
    const sw = await launch({
      instance: `bench-ctl-${process.pid}`,
      ports: ports.devargs,
      mainLcore: MAIN_LCORE,
      workers: '1',
      jsonSocket: sock,
      vifPrefix: 'swbv',
    });
    let a: Record<string, number>;
    let b: Record<string, number>;
    let shared: Rtt;
    const allCpus = pinJsThread('0-1023');
    const cpus = allCpus.split(',').flatMap((r) => {
      const [lo, hi] = r.split('-').map(Number);
      return Array.from({ length: (hi ?? lo!) - lo! + 1 }, (_, i) => lo! + i);
    });
    const away = cpus.filter((c) => c !== MAIN_LCORE);
    try {
      pinJsThread(String(MAIN_LCORE));
      shared = await rtt(RTT_N / 4, WARMUP_N, () => sw.hello());
      pinJsThread(away.length > 0 ? away.join(',') : allCpus);
      a = await ring(sw);
      b = await baseline(sock);
    } finally {
      pinJsThread(allCpus);
      await sw.shutdown();
    }

    return {
      ...a,
      rtt_shared_cpu_p50_us: shared.p50,
      rtt_shared_cpu_p99_us: shared.p99,
      ...b,
      // > 1 means the control ring is better
      rtt_p50_ratio: b.baseline_rtt_p50_us! / a.rtt_p50_us!,
      rtt_p99_ratio: b.baseline_rtt_p99_us! / a.rtt_p99_us!,
      xc_rtt_p50_ratio: b.baseline_xc_rtt_p50_us! / a.xc_rtt_p50_us!,
      batched_ratio: a.batched_ops_per_s! / b.baseline_batched_ops_per_s!,
    };
  } finally {
    ports.remove();
    rmSync(sock, { force: true });
  }
}

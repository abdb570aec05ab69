/*
 * Control-plane speed: the shared-memory control ring from TypeScript
 * against slipwayd's Unix-socket JSON baseline (--json-socket), same
 * daemon, same handlers, same run.
 *
 *   (a) single request round trips (await one, then the next): hello, and
 *       xconnect add/remove alternating; p50 and p99 in µs;
 *   (b) batched/pipelined table updates per second: xconnect add/del
 *       alternating on existing ports;
 *   (c) with 4 clients attached (3 more processes, control-peer.ts), one of
 *       them busy with batches: this client's round trips and batched
 *       updates/s; then all 4 sending batches at once, their total;
 *   (d) 1,000,000 IPv4 routes added over the ring as one batch (and
 *       removed), routes/s, beside the published figures of VPP (~300k
 *       routes/s, VPP-1638) and grout (77k routes/s); 10,000 rules added
 *       (and removed) as one batch, rules/s;
 *   (e) (a) and (b) over the JSON socket (node:net client, pipelined with a
 *       window of 4096 requests in flight). The JSON socket knows no route
 *       or rule operation: (d) has no baseline of its own.
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
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { launch, type Rule, type RouteSpec, type Slipway } from '../../ts-api/src/index';
import { churn } from '../../ts-api/src/client/internal';
import { JsonClient } from './jsonclient';

const RTT_N = 20_000;
const WARMUP_N = 3_000;
const BATCH_N = 1_000_000;
const BASELINE_BATCH_N = 200_000;
const ROUTES_N = 1_000_000;
const RULES_N = 10_000;
const MAIN_LCORE = 0;
const PORTS = 4;
/** Published route programming rates, quoted (not measured here). */
const VPP_ROUTES_PER_S = 300_000; // FD.io VPP, "more like 300k last i measured" (VPP-1638, N. Ranns, 2019)
const GROUT_ROUTES_PER_S = 77_000; // DPDK grout, as quoted in issue 10

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function sysctl(key: string): void {
  execFileSync('sysctl', ['-qw', key], { stdio: 'ignore' });
}

/** `n` veth pairs whose host ends slipwayd attaches to; removed by the returned function. */
function quietPorts(n: number): { devargs: string[]; remove: () => void } {
  const ends = Array.from({ length: n }, (_, i) => ({ host: `swb${i}-${process.pid}`, far: `swc${i}-${process.pid}` }));
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

/** Sets the CPU list of every thread of process `pid` (JS thread and libuv workers); returns the previous list. */
function pinJsThread(cpus: string, pid = process.pid): string {
  const prev = /list:\s*(\S+)/.exec(execFileSync('taskset', ['-p', '-c', String(pid)]).toString())?.[1] ?? '';
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return prev;
}

/** Another client process (control-peer.ts), connected and pinned to `cpus`. */
class Peer {
  private constructor(private readonly child: ChildProcess) {}

  static async start(instance: string, cpus: string): Promise<Peer> {
    const tsx = require.resolve('tsx/cjs');
    const child = fork(path.join(__dirname, 'control-peer.ts'), [instance, ''], {
      execArgv: ['--require', tsx],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const peer = new Peer(child);
    const first = await peer.reply();
    if (!first.ready) throw new Error(`bench peer: ${JSON.stringify(first)}`);
    pinJsThread(cpus, child.pid);
    return peer;
  }

  private async reply(): Promise<{ ready?: boolean; ops?: number; ms?: number; error?: string }> {
    const [m] = (await Promise.race([once(this.child, 'message'), once(this.child, 'exit')])) as [
      { ready?: boolean; ops?: number; ms?: number; error?: string } | number,
    ];
    if (typeof m !== 'object' || m === null) throw new Error(`bench peer exited (${String(m)})`);
    if (m.error) throw new Error(`bench peer: ${m.error}`);
    return m;
  }

  /** One batch of `n` cross-connect updates; its updates and ms. */
  async churn(n: number, inPort: number, outPort: number): Promise<{ ops: number; ms: number }> {
    this.child.send({ cmd: 'churn', n, inPort, outPort });
    const r = await this.reply();
    return { ops: r.ops ?? 0, ms: r.ms ?? 0 };
  }

  /** Batches until stopBusy(). */
  busy(inPort: number, outPort: number): Promise<{ ops: number; ms: number }> {
    this.child.send({ cmd: 'busy', inPort, outPort });
    return this.reply().then((r) => ({ ops: r.ops ?? 0, ms: r.ms ?? 0 }));
  }

  stopBusy(): void {
    this.child.send({ cmd: 'stop' });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ cmd: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await once(this.child, 'exit');
    clearTimeout(timer);
  }
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

/**
 * (c): 4 clients attached, this one and three peers. One peer busy with
 * batches: this client's round trips and batched updates/s. Then every
 * client sending a batch at once: the total.
 */
async function fourClients(sw: Slipway, cpus: string): Promise<Record<string, number>> {
  const peers: Peer[] = [];
  try {
    for (let i = 0; i < 3; i++) peers.push(await Peer.start(sw.instance, cpus));
    const busy = peers[0]!.busy(1, 2);
    const hello = await rtt(RTT_N, WARMUP_N, () => sw.hello());
    const t0 = performance.now();
    const r = await churn(sw, BATCH_N / 4, 0, 1);
    const s = (performance.now() - t0) / 1000;
    peers[0]!.stopBusy();
    const b = await busy;
    if (!r.ok) throw new Error(`ring churn beside a busy client: ${r.failed} of ${r.length} failed`);

    // all four at once, each on its own in-port: the total over the whole run
    const each = BATCH_N / 4;
    const t1 = performance.now();
    const all = await Promise.all([
      churn(sw, each, 0, 1).then((x) => x.length - x.failed),
      ...peers.map((p, i) => p.churn(each, i + 1, (i + 2) % PORTS).then((x) => x.ops)),
    ]);
    const s4 = (performance.now() - t1) / 1000;
    const ops = all.reduce((a, x) => a + x, 0);
    if (ops !== 4 * each) throw new Error(`4 clients: ${ops} of ${4 * each} updates succeeded`);
    return {
      rtt_4clients_one_busy_p50_us: hello.p50,
      rtt_4clients_one_busy_p99_us: hello.p99,
      batched_4clients_one_busy_ops_per_s: BATCH_N / 4 / s,
      busy_peer_ops_per_s: (b.ops / b.ms) * 1000,
      batched_4clients_total_ops_per_s: ops / s4,
    };
  } finally {
    await Promise.all(peers.map((p) => p.close()));
  }
}

/** (d): a million IPv4 routes and ten thousand rules, each added and removed as one batch. */
async function tables(sw: Slipway): Promise<Record<string, number>> {
  const routes: RouteSpec[] = new Array(ROUTES_N);
  for (let i = 0; i < ROUTES_N; i++) {
    const n = (1 << 16) + i; // 1.0.0.0/24 onwards
    routes[i] = {
      prefix: `${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}.0/24`,
      via: [{ port: i & 1, gw: `10.${i & 1}.0.1` }],
    };
  }
  let t0 = performance.now();
  const added = await sw.routes.addMany(routes, { timeoutMs: 60_000 });
  const routeAddS = (performance.now() - t0) / 1000;
  if (!added.ok) throw new Error(`routes: ${added.failed} of ${ROUTES_N} failed: ${JSON.stringify(added.summary())}`);
  const installed = (await sw.stats({ refresh: true })).tables.routes4;
  if (installed < ROUTES_N) throw new Error(`routes: ${installed} IPv4 routes in the table after the batch`);
  t0 = performance.now();
  const removed = await sw.routes.removeMany(
    routes.map((r) => r.prefix),
    { timeoutMs: 60_000 },
  );
  const routeDelS = (performance.now() - t0) / 1000;
  if (!removed.ok) throw new Error(`route removal: ${removed.failed} of ${ROUTES_N} failed`);

  const rules: Rule[] = Array.from({ length: RULES_N }, (_, i) => ({
    id: i + 1,
    priority: 1_000 + i,
    match: { proto: 'udp', dst: `192.168.${(i + 1) >> 8}.${(i + 1) & 0xff}/32`, dport: 1_000 + (i % 60_000) },
    action: { type: 'drop' } as const,
  }));
  t0 = performance.now();
  const ruled = await sw.rules.addMany(rules, { timeoutMs: 60_000 });
  const ruleAddS = (performance.now() - t0) / 1000;
  if (!ruled.ok) throw new Error(`rules: ${ruled.failed} of ${RULES_N} failed: ${JSON.stringify(ruled.summary())}`);
  t0 = performance.now();
  const unruled = await sw.rules.removeMany(
    rules.map((r) => r.id),
    { timeoutMs: 60_000 },
  );
  const ruleDelS = (performance.now() - t0) / 1000;
  if (!unruled.ok) throw new Error(`rule removal: ${unruled.failed} of ${RULES_N} failed`);
  const routesPerS = ROUTES_N / routeAddS;
  return {
    routes_added: ROUTES_N,
    routes_per_s: routesPerS,
    route_removals_per_s: ROUTES_N / routeDelS,
    vpp_routes_per_s_published: VPP_ROUTES_PER_S,
    grout_routes_per_s_published: GROUT_ROUTES_PER_S,
    routes_vs_vpp_published_ratio: routesPerS / VPP_ROUTES_PER_S,
    routes_vs_grout_published_ratio: routesPerS / GROUT_ROUTES_PER_S,
    rules_added: RULES_N,
    rules_per_s: RULES_N / ruleAddS,
    rules_load_ms: ruleAddS * 1000,
    rule_removals_per_s: RULES_N / ruleDelS,
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
  const ports = quietPorts(PORTS);
  const sock = `/tmp/slipway-bench-${process.pid}.sock`;
  try {
    const sw = await launch({
      instance: `bench-ctl-${process.pid}`,
      ports: ports.devargs,
      mainLcore: MAIN_LCORE,
      workers: '1',
      jsonSocket: sock,
      vifPrefix: 'swbv',
      maxRoutes: 1_100_000,
      readyTimeoutMs: 60_000,
    });
    let a: Record<string, number>;
    let b: Record<string, number>;
    let four: Record<string, number>;
    let tbl: Record<string, number>;
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
      const awayCpus = away.length > 0 ? away.join(',') : allCpus;
      pinJsThread(awayCpus);
      a = await ring(sw);
      four = await fourClients(sw, awayCpus);
      tbl = await tables(sw);
      b = await baseline(sock);
    } finally {
      pinJsThread(allCpus);
      await sw.shutdown();
    }

    return {
      ...a,
      rtt_shared_cpu_p50_us: shared.p50,
      rtt_shared_cpu_p99_us: shared.p99,
      ...four,
      batched_4clients_vs_1_ratio: four.batched_4clients_total_ops_per_s! / a.batched_ops_per_s!,
      ...tbl,
      ...b,
      // > 1 means the control ring is better
      rtt_p50_ratio: b.baseline_rtt_p50_us! / a.rtt_p50_us!,
      rtt_p99_ratio: b.baseline_rtt_p99_us! / a.rtt_p99_us!,
      xc_rtt_p50_ratio: b.baseline_xc_rtt_p50_us! / a.xc_rtt_p50_us!,
      batched_ratio: a.batched_ops_per_s! / b.baseline_batched_ops_per_s!,
      rtt_4clients_one_busy_p50_ratio: b.baseline_rtt_p50_us! / four.rtt_4clients_one_busy_p50_us!,
      rtt_4clients_one_busy_p99_ratio: b.baseline_rtt_p99_us! / four.rtt_4clients_one_busy_p99_us!,
      batched_4clients_one_busy_ratio: four.batched_4clients_one_busy_ops_per_s! / b.baseline_batched_ops_per_s!,
      batched_4clients_total_ratio: four.batched_4clients_total_ops_per_s! / b.baseline_batched_ops_per_s!,
    };
  } finally {
    ports.remove();
    rmSync(sock, { force: true });
  }
}

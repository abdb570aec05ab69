/*
 * What every end-to-end test file shares: one topology (netns.ts) and one
 * slipwayd per file, set up in test.before and always torn down in
 * test.after.always, plus assertions on forwarding and counters.
 *
 * Only one slipwayd runs at a time (ava runs one file at a time).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { ExecutionContext, TestFn } from 'ava';
import {
  connect,
  ctlPath,
  defaultLogFile as launchLogFile,
  launch,
  type LaunchOptions,
  type LcoreStatsInfo,
  type PortStats,
  type Slipway,
  type Stats,
} from '../../ts-api/src/index';
import { createLogger } from '../../ts-api/src/index';
import {
  createTopology,
  exited,
  hugepagesTotal,
  ping,
  quietIpv6,
  run,
  vifNotRouter,
  sleep,
  track,
  waitFor,
  type PingResult,
  type Topology,
  type TopologyOptions,
} from './netns';
import { slipctlArgv } from '../cli-entry';

export const REPO = path.resolve(__dirname, '..', '..');

// The slipwayd under test is this checkout's, whatever else is on PATH
// (launch() and slipctl look at SLIPWAYD before PATH).
process.env.SLIPWAYD ??= path.join(REPO, 'build', 'dataplane', 'slipwayd');

/** Quiet by default; SLIPWAY_LOG_LEVEL=debug shows the library's logs. */
export const logger = createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' });

export function defaultLogFile(instance: string): string {
  return launchLogFile(instance);
}

/** Last lines of the instance's slipwayd log, for failure messages. */
export function logTail(instance: string, lines = 30): string {
  try {
    const all = readFileSync(defaultLogFile(instance), 'utf8').trimEnd().split('\n');
    return `--- last lines of ${defaultLogFile(instance)} ---\n${all.slice(-lines).join('\n')}`;
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }

  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Lists files of the hugetlbfs mounts (empty when nothing is mounted). */
export function hugepageFiles(): string[] {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[2] === 'hugetlbfs')
    .map((l) => l.split(' ')[1]!);
  return mounts.flatMap((m) => {
    try {
      return readdirSync(m).map((f) => path.join(m, f));
    } catch {
      return [];
    }
  });
}

export interface SuiteOptions extends TopologyOptions {
  /** instance name suffix: the instance is e2e-<name>-<pid> */
  name: string;
  vifPrefix: string;
  /** do not launch slipwayd in before() (the test starts it itself) */
  noDaemon?: boolean;
}

export interface Suite {
  topo: Topology;
  instance: string;
  vifPrefix: string;
  /** the launching controller; undefined when noDaemon or after release() */
  sw?: Slipway;
  /** slipwayd pid */
  pid: number;
  vif(port: number): string;
}

/**
 * Starts slipwayd on the topology's two ports and quiets the vEth
 * interfaces' IPv6; `extra` adds or overrides launch options (an EAL lcore
 * map, kernel sync, ...).
 */
export async function startDataplane(s: Suite, extra: Partial<LaunchOptions> = {}): Promise<Slipway> {
  // SW_KEEP_LOGS=1 keeps every start's log in one file (to read a flaky run's first start)
  if (!process.env.SW_KEEP_LOGS) rmSync(defaultLogFile(s.instance), { force: true });
  let sw: Slipway;
  try {
    sw = await launch({
      instance: s.instance,
      ports: s.topo.devargs,
      workers: '1',
      vifPrefix: s.vifPrefix,
      noHuge: hugepagesTotal() === 0,
      readyTimeoutMs: 30_000,
      logger,
      ...extra,
    });
  } catch (error) {
    throw new Error(`launch of ${s.instance} failed: ${(error as Error).message}\n${logTail(s.instance)}`, {
      cause: error,
    });
  }

  s.sw = sw;
  s.pid = sw.pid;
  // the vEths are where the instance put them: its namespace (vifNetns) or ours
  const ns = extra.vifNetns;
  for (const port of [0, 1]) {
    await waitFor(
      `${s.vif(port)} to exist${ns ? ` in ${ns}` : ''}`,
      async () =>
        (await run('ip', [...(ns ? ['-n', ns] : []), 'link', 'show', 'dev', s.vif(port)], { allowFail: true })).code ===
        0,
      5000,
    );
    if (!ns) {
      // a namespace of the test's own sets these itself
      await quietIpv6(s.vif(port));
      await vifNotRouter(s.vif(port));
    }
  }

  return sw;
}

/**
 * Stops the instance however it can: a clean shutdown, else SIGTERM/SIGKILL
 * of its pid. Takes a suite, or the same three fields of an instance a test
 * launched itself.
 */
export async function stopDataplane(s: Pick<Suite, 'instance' | 'sw' | 'pid'>): Promise<string[]> {
  const problems: string[] = [];
  if (s.sw) {
    try {
      await s.sw.close();
    } catch {}

    s.sw = undefined;
  }

  if (existsSync(ctlPath(s.instance))) {
    try {
      const sw = await connect(s.instance, { logger, timeoutMs: 3000 });
      await sw.shutdown({ timeoutMs: 15_000 });
    } catch (error) {
      problems.push(`clean shutdown of ${s.instance} failed: ${(error as Error).message}`);
    }
  }

  if (s.pid > 0 && pidAlive(s.pid)) {
    process.kill(s.pid, 'SIGTERM');
    await sleep(2000);
    if (pidAlive(s.pid)) {
      process.kill(s.pid, 'SIGKILL');
      problems.push(`slipwayd pid ${s.pid} had to be killed`);
    }
  }

  rmSync(ctlPath(s.instance), { force: true });
  return problems;
}

/**
 * Kills slipwayd instances an earlier test process left behind (its
 * instance e2e-<name>-<pid> names a pid that is gone: ava killed a worker
 * that timed out, before its after.always hooks ran), as
 * removeStaleNamespaces does for namespaces. Returns what it killed.
 */
export function killStaleDataplanes(): string[] {
  const killed: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!argv[0]?.endsWith('slipwayd')) continue;
    const instance = argv[argv.indexOf('--instance') + 1] ?? '';
    const m = /^e2e-[\w-]+-(\d+)$/.exec(instance);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    try {
      process.kill(Number(d), 'SIGKILL');
      killed.push(`${instance} (pid ${d})`);
    } catch {
      /* exited meanwhile */
    }
    rmSync(ctlPath(instance), { force: true });
  }
  return killed;
}

/**
 * Registers before/after.always hooks creating the topology and launching
 * slipwayd; returns the suite filled in by before().
 */
export function e2eSuite(test: TestFn, opts: SuiteOptions): Suite {
  const s: Suite = {
    topo: undefined as unknown as Topology,
    instance: `e2e-${opts.name}-${process.pid}`,
    vifPrefix: opts.vifPrefix,
    pid: 0,
    vif: (port: number) => `${opts.vifPrefix}${port}`,
  };

  test.before(async () => {
    for (const k of killStaleDataplanes()) process.stderr.write(`e2e: killed a stale slipwayd: ${k}\n`);
    s.topo = await createTopology(opts);
    if (!opts.noDaemon) {
      await startDataplane(s);
    }
  });

  test.after.always(async (t) => {
    const problems = await stopDataplane(s);
    if (s.topo) {
      problems.push(...(await s.topo.teardown()));
    }

    for (const p of problems) {
      t.log(`teardown: ${p}`);
    }
  });

  return s;
}

/** The suite's client, connecting when needed. */
export async function controller(s: Suite): Promise<Slipway> {
  s.sw ??= await connect(s.instance, { logger });
  return s.sw;
}

/** Pings B from A and asserts 0% loss and no duplicates; returns the result. */
export async function assertForwards(t: ExecutionContext, s: Suite, what: string, count = 5): Promise<PingResult> {
  const dst = s.topo.b.addrs[0]!.split('/')[0]!;
  const r = await ping(s.topo.a.ns, dst, { count, intervalS: 0.05, waitS: 2 });
  t.true(
    r.lossPct === 0 && r.received === count && r.duplicates === 0,
    `${what}: ping ${s.topo.a.ns} -> ${dst} lost packets (${r.transmitted} sent, ${r.received} received, +${r.duplicates} dup)\n${r.output}\n${logTail(s.instance)}`,
  );
  return r;
}

/** The (first) lcore of that role in the statistics. */
export function lcoreStats(stats: Stats, role: 'main' | 'worker'): LcoreStatsInfo {
  const l = stats.lcores.find((x) => x.role === role);
  if (!l) throw new Error(`no ${role} lcore in the statistics: ${JSON.stringify(stats.lcores, (_, v) => String(v))}`);
  return l;
}

/** The statistics around a quiet window of ms, measured after settleMs (the loops settle into their idle first). */
export async function statsOver(sw: Slipway, ms: number, settleMs = 500): Promise<{ before: Stats; after: Stats }> {
  await sleep(settleMs);
  const before = await sw.stats();
  await sleep(ms);
  return { before, after: await sw.stats() };
}

export function portStats(stats: Stats, port: number): PortStats {
  const p = stats.ports.find((x) => x.port === port);
  if (!p) {
    throw new Error(`stats have no port ${port} (ports ${stats.ports.map((x) => x.port).join(',')})`);
  }

  return p;
}

export type Counter = Exclude<keyof PortStats, 'port' | 'dev'>;

/** after - before for one counter of one port, as a number. */
export function delta(before: Stats, after: Stats, port: number, counter: Counter): number {
  return Number((portStats(after, port)[counter] as bigint) - (portStats(before, port)[counter] as bigint));
}

/** Starts a TypeScript script (through tsx) or slipctl as its own node process, collecting its output. */
function spawnTs(script: string | 'slipctl', args: string[]) {
  const argv = script === 'slipctl' ? slipctlArgv() : ['--require', 'tsx/cjs', script];
  const child = track(
    spawn(process.execPath, [...argv, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out.stderr += d.toString();
  });
  return { child, out };
}

/** Runs the helper controller script as its own node process (tsx for TypeScript). */
export function spawnController(instance: string, mode: 'hold' | 'try' | 'hammer', args: string[] = []) {
  const { child, out } = spawnTs(path.join(__dirname, 'helpers', 'controller.ts'), [instance, mode, ...args]);
  return {
    child,
    output: () => ({ ...out }),
    /** Resolves with the first stdout line matching re (or rejects when the child exits first). */
    async line(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
      return waitFor(
        `controller output matching ${re} (stdout: ${out.stdout.trim()}; stderr: ${out.stderr.trim()})`,
        () => {
          const m = re.exec(out.stdout);
          if (!m && (child.exitCode !== null || child.signalCode !== null)) {
            throw new Error(`controller exited (${child.exitCode ?? child.signalCode})`);
          }

          return m;
        },
        timeoutMs,
      ) as Promise<RegExpExecArray>;
    },
    exited: () => exited(child),
  };
}

/** Runs slipctl (the TypeScript source through tsx) and returns its output and exit code. */
export function slipctl(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { child, out } = spawnTs('slipctl', args);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), ...out });
    });
  });
}

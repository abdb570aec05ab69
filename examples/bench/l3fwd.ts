/*
 * DPDK's own l3fwd (LPM, FIB or ACL mode), built by scripts/build-l3fwd.sh, as the
 * measuring peer of the fast-path benchmark: one forwarding lcore, net_pcap
 * replaying a pcap (infinite_rx) on port 0, net_null (no-rx) on port 1.
 *
 * l3fwd prints no counters, so the rate comes from the EAL telemetry socket
 * (/ethdev/stats of both ports, sampled twice `seconds` apart by one small
 * Python client speaking the same protocol as dpdk-telemetry.py).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeL3fwdAclRules, writeL3fwdRoutes, type BenchRoute, type BenchRule } from './pcap';

const ROOT = path.resolve(__dirname, '../..');
export const L3FWD_BIN = path.join(ROOT, 'build/l3fwd/dpdk-l3fwd');

/** The ports both routers use: port 0 receives the pcap, port 1 (net_null, Rx off) sends. */
export function benchVdevs(pcap: string): [string, string] {
  return [`net_pcap0,rx_pcap=${pcap},infinite_rx=1`, 'net_null0,no-rx=1'];
}

/** Builds l3fwd if needed (a no-op when up to date). */
export function ensureL3fwd(): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/build-l3fwd.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface L3fwdOptions {
  /** pcap replayed on port 0 */
  pcap: string;
  /** l3fwd --rule_ipv4 file ("R<prefix>/<len> <port>" lines) */
  routesFile?: string;
  /** routes to write into a temporary --rule_ipv4 file (instead of routesFile) */
  routes?: readonly BenchRoute[];
  /** measuring window */
  seconds: number;
  /** EAL --file-prefix; the telemetry socket lives under /var/run/dpdk/<prefix> */
  prefix: string;
  /** lcore that forwards (default 1) */
  lcore?: number;
  /** 'lpm' (default), 'fib' (rte_fib DIR24_8) or 'acl' (routes and rules in one rte_acl classifier) */
  lookup?: 'lpm' | 'fib' | 'acl';
  /** with lookup 'acl': deny rules ahead of the routes (writeL3fwdAclRules) */
  rules?: readonly BenchRule[];
  /** seconds of traffic before the window opens (default 1) */
  warmup?: number;
  /** seconds allowed for EAL init and the route load (default 600: rte_lpm loads 1M routes in tens of seconds) */
  startTimeout?: number;
}

export interface L3fwdResult {
  /** packets sent on port 1 (forwarded), Mpps */
  mpps: number;
  /** packets received on port 0, Mpps; above mpps when packets missed their route or were dropped */
  rxMpps: number;
  /** Tx errors (packets dropped at port 1) during the window */
  txErrors: number;
  /** length of the window, s */
  seconds: number;
  /** from spawn to "entering main loop" (EAL init and route load), s */
  startSeconds: number;
  /** TSC cycles per forwarded packet on the one busy-polling lcore (tscHz / pps) */
  cyclesPerPacket: number;
  tscHz: number;
}

interface PortStats {
  ipackets: number;
  opackets: number;
  oerrors: number;
  imissed: number;
  rx_nombuf: number;
}
interface Sample {
  t0: number;
  t1: number;
  a: PortStats[];
  b: PortStats[];
}

/** Samples /ethdev/stats of ports 0 and 1 at t0 and t0 + seconds (monotonic clock). */
const SAMPLER = String.raw`
import json, socket, sys, time
path, secs = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
n = json.loads(s.recv(1024).decode())["max_output_len"]
def stats():
    out = []
    for p in (0, 1):
        s.send(("/ethdev/stats,%d" % p).encode())
        out.append(json.loads(s.recv(n).decode())["/ethdev/stats"])
    return out
t0 = time.monotonic(); a = stats()
time.sleep(secs)
t1 = time.monotonic(); b = stats()
print(json.dumps({"t0": t0, "t1": t1, "a": a, "b": b}))
`;

function runtimeDir(prefix: string): string {
  // EAL's rule: /var/run/dpdk for root, else $XDG_RUNTIME_DIR/dpdk (or /tmp/dpdk)
  const base = process.getuid?.() === 0 ? '/var/run' : (process.env.XDG_RUNTIME_DIR ?? '/tmp');
  return path.join(base, 'dpdk', prefix);
}

/** TSC rate: the kernel's calibration (dmesg), else /proc/cpuinfo's "cpu MHz". */
export function tscHz(): number {
  try {
    const log = execFileSync('dmesg', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = [...log.matchAll(/tsc: (?:Refined TSC clocksource calibration|Detected): ([\d.]+) MHz/g)].pop();
    if (m) return Number(m[1]) * 1e6;
  } catch {
    /* dmesg restricted: fall through */
  }
  const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  if (!m) throw new Error('cannot tell the TSC rate: no "tsc:" line in dmesg, no "cpu MHz" in /proc/cpuinfo');
  return Number(m[1]) * 1e6;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGINT (l3fwd closes its ports and exits), then SIGKILL after 5 s. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs l3fwd on one lcore against the pcap, measures `seconds` of
 * forwarding, and stops it (also when anything fails).
 */
export async function l3fwdMpps(opts: L3fwdOptions): Promise<L3fwdResult> {
  if (!existsSync(L3FWD_BIN)) throw new Error(`${L3FWD_BIN} missing: run scripts/build-l3fwd.sh`);
  if (opts.routes && opts.routesFile) throw new Error('l3fwdMpps: give routes or routesFile, not both');
  const lcore = opts.lcore ?? 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-l3fwd-'));
  const rundir = runtimeDir(opts.prefix);
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  try {
    const args = ['-l', String(lcore), '--no-pci', '--in-memory', `--file-prefix=${opts.prefix}`];
    for (const v of benchVdevs(opts.pcap)) args.push('--vdev', v);
    args.push(
      '--',
      '-p',
      '0x3',
      '-P',
      `--lookup=${opts.lookup ?? 'lpm'}`,
      '--parse-ptype',
      '--config',
      `(0,0,${lcore}),(1,0,${lcore})`,
    );
    if (opts.lookup === 'acl') {
      const rules4 = path.join(dir, 'acl4');
      const rules6 = path.join(dir, 'acl6');
      if (!opts.routes) throw new Error('l3fwdMpps: lookup acl takes routes (and rules), not a routes file');
      writeL3fwdAclRules(rules4, rules6, opts.rules ?? [], opts.routes);
      args.push(`--rule_ipv4=${rules4}`, `--rule_ipv6=${rules6}`);
    } else if (opts.routes || opts.routesFile) {
      // l3fwd reads neither file unless it is given both; the IPv6 one holds fd02::/64 -> 1
      const rules4 = opts.routesFile ?? path.join(dir, 'routes4');
      const rules6 = path.join(dir, 'routes6');
      writeL3fwdRoutes(opts.routesFile ? path.join(dir, 'unused4') : rules4, rules6, opts.routes ?? []);
      args.push(`--rule_ipv4=${rules4}`, `--rule_ipv6=${rules6}`);
    }

    const t0 = Date.now();
    child = spawn(L3FWD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (d: Buffer) => {
      out = (out + d.toString()).slice(-20000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<void>((resolve) => child!.on('exit', () => resolve()));
    const fail = (why: string) => new Error(`l3fwd ${why}:\n${out.slice(-3000)}`);
    try {
      const limit = (opts.startTimeout ?? 600) * 1000;
      while (!out.includes('entering main loop')) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw fail(`exited during start-up (${child.exitCode ?? child.signalCode})`);
        if (Date.now() - t0 > limit) throw fail(`not forwarding after ${limit / 1000} s`);
        await sleep(100);
      }
      const startSeconds = (Date.now() - t0) / 1000;
      await sleep((opts.warmup ?? 1) * 1000);

      const sock = path.join(rundir, 'dpdk_telemetry.v2');
      if (!existsSync(sock)) throw fail(`telemetry socket ${sock} missing`);
      const sampler = spawn('python3', ['-c', SAMPLER, sock, String(opts.seconds)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let json = '',
        err = '';
      sampler.stdout.on('data', (d: Buffer) => {
        json += d.toString();
      });
      sampler.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => sampler.on('exit', (c) => resolve(c)));
      if (code !== 0) throw fail(`telemetry sampling failed (${code}): ${err.trim()}`);
      const s = JSON.parse(json) as Sample;
      const dt = s.t1 - s.t0;
      const tx = s.b[1]!.opackets - s.a[1]!.opackets;
      const rx = s.b[0]!.ipackets - s.a[0]!.ipackets;
      if (child.exitCode !== null || child.signalCode !== null) throw fail('exited while measuring');
      const hz = tscHz();
      return {
        mpps: tx / dt / 1e6,
        rxMpps: rx / dt / 1e6,
        txErrors: s.b[1]!.oerrors - s.a[1]!.oerrors,
        seconds: dt,
        startSeconds,
        cyclesPerPacket: tx > 0 ? (hz * dt) / tx : NaN,
        tscHz: hz,
      };
    } finally {
      await stop(child, exited);
    }
  } finally {
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    // --in-memory still leaves the runtime directory with the telemetry socket
    rmSync(rundir, { recursive: true, force: true });
  }
}

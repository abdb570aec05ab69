/*
 * End-to-end fixture: two peers in their own network namespaces, each on a
 * veth pair whose host-side end is handed to slipwayd as a net_af_packet port.
 *
 *   netns sw-a-<id>                 host                          netns sw-b-<id>
 *   swp0-<id> ══ veth ══ swh0-<id> ─ net_af_packet0 ┐   ┌ net_af_packet1 ─ swh1-<id> ══ veth ══ swp1-<id>
 *                                                 slipwayd
 *
 * The host-side ends carry no addresses, have IPv6 disabled, answer no ARP
 * (arp_ignore=8) and use strict reverse-path filtering, so the host stack
 * never answers the peers behind slipwayd's back (a ping from A to the
 * address on vEth0 arriving on swh0-<id> fails the rp_filter check because
 * the route back to A is through vEth0). AF_PACKET still sees every frame.
 * The peers have IPv6 disabled too, so counters can be compared exactly.
 *
 * Everything created here is removed by teardown(), which tests register
 * with test.after.always(); stale namespaces of dead runs are removed first.
 *
 * Self-check by hand (root):  node --require tsx/cjs test/e2e/selfcheck.ts
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  netns?: string;
  allowFail?: boolean;
  timeoutMs?: number;
}

/** Runs a command (in a namespace with `ip netns exec` when netns is set). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const result = { stdout: String(stdout), stderr: String(stderr), code };
      if (error && !opts.allowFail) {
        const where = opts.netns ? ` (netns ${opts.netns})` : '';
        reject(
          new Error(
            `\`${[cmd, ...args].join(' ')}\`${where} failed with ${error.killed ? 'timeout' : `exit code ${code}`}: ${result.stderr.trim() || result.stdout.trim() || error.message}`,
          ),
        );
        return;
      }

      resolve(result);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls fn until it returns a truthy value; throws naming `what` after timeoutMs. */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }

    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }

    await sleep(intervalMs);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// Child processes started by the fixture (tcpdump, ping, controllers): all of
// them are killed by killTracked(), which every teardown calls.

const tracked = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }

  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export async function killTracked(): Promise<void> {
  const children = [...tracked];
  for (const child of children) {
    child.kill('SIGTERM');
  }

  await Promise.race([Promise.all(children.map(async (c) => exited(c))), sleep(2000)]);
  for (const child of tracked) {
    child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// ping

export interface PingResult {
  transmitted: number;
  received: number;
  lossPct: number;
  duplicates: number;
  errors: number;
  output: string;
}

/** Parses ping's summary ("5 packets transmitted, 5 received, +1 duplicates, 0% packet loss"). */
export function parsePing(output: string): PingResult {
  const m =
    /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss/.exec(
      output,
    );
  if (!m) {
    throw new Error(`cannot parse ping output:\n${output}`);
  }

  return {
    transmitted: Number(m[1]),
    received: Number(m[2]),
    duplicates: Number(m[3] ?? 0),
    errors: Number(m[4] ?? 0),
    lossPct: Number(m[5]),
    output,
  };
}

export interface PingOptions {
  count?: number;
  intervalS?: number;
  /** seconds to wait for the last reply */
  waitS?: number;
  /** more ping options (-M do, -s SIZE, ...) */
  extra?: string[];
  /**
   * Wait for `count` replies up to a deadline (ping -w) instead of two round
   * trips after the last request once one reply came (ping's default, which
   * counts a reply a loaded machine delays as lost). Requests continue past
   * `count` while replies are missing: for "every request answered" checks.
   */
  allReplies?: boolean;
}

/** Pings from a namespace and returns the parsed summary (a lossy ping is not an error). */
export async function ping(netns: string, dst: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 5;
  const interval = opts.intervalS ?? 0.05;
  const args = [
    '-n',
    '-c',
    String(count),
    '-i',
    String(interval),
    '-W',
    String(opts.waitS ?? 1),
    ...(opts.allReplies ? ['-w', String(Math.ceil(count * interval + (opts.waitS ?? 1)))] : []),
    ...(opts.extra ?? []),
    dst,
  ];
  const result = await run('ping', args, {
    netns,
    allowFail: true,
    timeoutMs: (count * interval + (opts.waitS ?? 1) + 10) * 1000,
  });
  return parsePing(result.stdout + result.stderr);
}

export interface BackgroundPing {
  child: ChildProcess;
  /** Interrupts ping (SIGINT) and returns its summary. */
  stop(): Promise<PingResult>;
}

/** Spawns a tracked child; output() is what it printed so far, stdout and stderr together. */
export function spawnCollecting(cmd: string, args: string[]): { child: ChildProcess; output(): string } {
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const add = (d: Buffer) => {
    output += d.toString();
  };

  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  return { child, output: () => output };
}

/** Starts `ping -i interval` in a namespace until stop() is called. */
export function pingInBackground(netns: string, dst: string, intervalS = 0.01): BackgroundPing {
  // `ip netns exec` execs ping in place, so the signal reaches ping itself.
  const { child, output } = spawnCollecting('ip', ['netns', 'exec', netns, 'ping', '-n', '-i', String(intervalS), dst]);
  return {
    child,
    async stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
      return parsePing(output());
    },
  };
}

// ---------------------------------------------------------------------------
// tcpdump

export interface CaptureOptions {
  netns?: string;
  /** pcap filter words, e.g. ['icmp'] */
  filter?: string[];
  /** write a pcap file (tcpdump -U -w) instead of text lines; stop() reads it back */
  pcapFile?: string;
  readyTimeoutMs?: number;
}

export interface Capture {
  iface: string;
  /** Text lines captured so far (text mode only). */
  readonly lines: string[];
  /** Stops tcpdump (SIGINT) and returns every captured packet as a text line. */
  stop(): Promise<string[]>;
}

/** Starts tcpdump and resolves once it is listening ("listening on" on stderr). */
export async function capture(iface: string, opts: CaptureOptions = {}): Promise<Capture> {
  // -p: do not turn promiscuous mode on (it would be mirrored to the port);
  // -Z root: keep privileges so the -w file can be written anywhere.
  const args = [
    '-i',
    iface,
    '-nn',
    '-p',
    '-Z',
    'root',
    ...(opts.pcapFile ? ['-U', '-w', opts.pcapFile] : ['-l']),
    ...(opts.filter ?? []),
  ];
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, 'tcpdump', ...args]] : ['tcpdump', args];
  const child = track(spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
  });
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        resolve();
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`tcpdump -i ${iface} exited (${code ?? signal}) before listening: ${stderr.trim()}`)),
    );
    child.once('error', reject);
  });
  const timeoutMs = opts.readyTimeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      listening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`tcpdump -i ${iface} not listening after ${timeoutMs} ms: ${stderr.trim()}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    iface,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited(child);
        clearTimeout(killer);
      }

      if (partial) {
        lines.push(partial);
        partial = '';
      }

      if (opts.pcapFile) {
        const read = await run('tcpdump', ['-nn', '-r', opts.pcapFile], { allowFail: true });
        return read.stdout.split('\n').filter((l) => l.length > 0);
      }

      return [...lines];
    },
  };
}

// ---------------------------------------------------------------------------
// Interface counters

export interface IfCounters {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

/** Kernel counters of an interface (in a namespace when netns is set). */
export async function ifCounters(iface: string, netns?: string): Promise<IfCounters> {
  const { stdout } = await run('ip', [...(netns ? ['-n', netns] : []), '-j', '-s', 'link', 'show', 'dev', iface]);
  const [link] = JSON.parse(stdout) as Array<{ stats64: { rx: Record<string, number>; tx: Record<string, number> } }>;
  const { rx, tx } = link.stats64;
  return {
    rxPackets: rx.packets,
    txPackets: tx.packets,
    rxBytes: rx.bytes,
    txBytes: tx.bytes,
    rxDropped: rx.dropped,
    txDropped: tx.dropped,
  };
}

export async function linkExists(iface: string, netns?: string): Promise<boolean> {
  const result = await run('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', iface], { allowFail: true });
  return result.code === 0;
}

/** Disables IPv6 on a host interface so it stays quiet (no RS, MLD, DAD). */
export async function quietIpv6(iface: string, netns?: string): Promise<void> {
  await run('sysctl', ['-qw', `net.ipv6.conf.${iface}.disable_ipv6=1`], { netns });
}

export function hugepagesFree(): number {
  const m = /HugePages_Free:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

export function hugepagesTotal(): number {
  const m = /HugePages_Total:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------
// The topology

export interface Peer {
  /** network namespace */
  ns: string;
  /** veth end in the host namespace, attached to slipwayd */
  hostIf: string;
  /** veth end inside the namespace */
  peerIf: string;
  /** CIDR addresses on peerIf */
  addrs: string[];
}

export interface Topology {
  id: string;
  a: Peer;
  b: Peer;
  /** devargs for slipwayd ports 0 (peer A) and 1 (peer B) */
  devargs: [string, string];
  /** Removes namespaces, interfaces and fixture processes; idempotent, never throws. */
  teardown(): Promise<string[]>;
}

export interface TopologyOptions {
  /** unique suffix, ≤ 10 characters; default the process id */
  id?: string;
  addrsA?: string[];
  addrsB?: string[];
  /** the DPDK driver on the host ends: af_packet (default) or af_xdp */
  driver?: 'af_packet' | 'af_xdp';
}

const NS_RE = /^sw-[ab]-(\d+)$/;

/** Removes namespaces of earlier runs whose process is gone (sw-a-<pid>, sw-b-<pid>). */
export async function removeStaleNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  const removed: string[] = [];
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0];
    const m = NS_RE.exec(name ?? '');
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      await killNamespacePids(name!);
      await run('ip', ['netns', 'del', name!], { allowFail: true });
      removed.push(name!);
    }
  }

  return removed;
}

async function killNamespacePids(ns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', ns], { allowFail: true });
  for (const pid of stdout
    .split('\n')
    .map(Number)
    .filter((p) => p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

async function setUpHostEnd(iface: string): Promise<void> {
  await run('ip', ['link', 'set', 'dev', iface, 'up']);
  await quietIpv6(iface);
  await run('ethtool', ['-K', iface, 'tso', 'off', 'gso', 'off', 'tx', 'off']);
  // The host stack must not answer what the peers send on this interface
  // (tc drop actions are not available on every kernel, sysctls are).
  await run('sysctl', ['-qw', `net.ipv4.conf.${iface}.arp_ignore=8`]);
  await run('sysctl', ['-qw', `net.ipv4.conf.${iface}.rp_filter=1`]);
  // AF_PACKET sees every frame, and so does the host stack: with
  // net.ipv4.ip_forward=1 it would route what the peers send here
  await run('sysctl', ['-qw', `net.ipv4.conf.${iface}.forwarding=0`]);
}

/**
 * A vEth belongs to the test, not to the host's router: what the fast path
 * punts must not be forwarded by the host stack even when the machine has
 * net.ipv4.ip_forward=1 (the per-interface value is what the kernel checks
 * on input). IPv6 has no per-interface switch; tests that give vEths IPv6
 * addresses set net.ipv6.conf.all.forwarding themselves.
 */
export async function vifNotRouter(iface: string): Promise<void> {
  await run('sysctl', ['-qw', `net.ipv4.conf.${iface}.forwarding=0`]);
}

async function setUpPeer(peer: Peer): Promise<void> {
  const ns = peer.ns;
  // A peer is a host, not a router: a new namespace copies the machine's
  // settings (net.core.devconf_inherit_init_net), ip_forward=1 included
  await run('sysctl', ['-qw', 'net.ipv4.ip_forward=0'], { netns: ns });
  await run('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=0'], { netns: ns });
  await run('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1'], { netns: ns });
  await run('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1'], { netns: ns });
  await run('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
  await run('ethtool', ['-K', peer.peerIf, 'tso', 'off', 'gso', 'off', 'tx', 'off'], { netns: ns });
  for (const addr of peer.addrs) {
    await run('ip', ['-n', ns, 'addr', 'add', addr, 'dev', peer.peerIf]);
  }

  await run('ip', ['-n', ns, 'link', 'set', 'dev', peer.peerIf, 'up']);
}

/** Creates namespaces A and B with their veth pairs; cleans up after itself if any step fails. */
export async function createTopology(opts: TopologyOptions = {}): Promise<Topology> {
  if (process.getuid?.() !== 0) {
    throw new Error('end-to-end tests need root (network namespaces, TAP interfaces, hugepages)');
  }

  const id = opts.id ?? String(process.pid);
  const driver = opts.driver ?? 'af_packet';
  if (id.length > 10 || !/^[\w]+$/.test(id)) {
    throw new Error(`topology id "${id}" must be 1..10 word characters (interface names are at most 15)`);
  }

  const a: Peer = { ns: `sw-a-${id}`, hostIf: `swh0-${id}`, peerIf: `swp0-${id}`, addrs: opts.addrsA ?? [] };
  const b: Peer = { ns: `sw-b-${id}`, hostIf: `swh1-${id}`, peerIf: `swp1-${id}`, addrs: opts.addrsB ?? [] };
  const created: Peer[] = [];

  let tornDown = false;
  const teardown = async (): Promise<string[]> => {
    const problems: string[] = [];
    await killTracked();
    for (const peer of [a, b]) {
      await killNamespacePids(peer.ns);
      // Deleting one veth end deletes the pair; deleting the namespace deletes its end.
      const del = await run('ip', ['link', 'del', 'dev', peer.hostIf], { allowFail: true });
      if (del.code !== 0 && !/Cannot find device|does not exist/.test(del.stderr)) {
        problems.push(`ip link del ${peer.hostIf}: ${del.stderr.trim()}`);
      }

      const nsDel = await run('ip', ['netns', 'del', peer.ns], { allowFail: true });
      if (nsDel.code !== 0 && !/No such file/.test(nsDel.stderr)) {
        problems.push(`ip netns del ${peer.ns}: ${nsDel.stderr.trim()}`);
      }
    }

    tornDown = true;
    process.removeListener('exit', lastResort);
    return problems;
  };

  // If the worker dies before the after.always hook, still remove what we can.
  const lastResort = () => {
    if (tornDown) {
      return;
    }

    for (const peer of [a, b]) {
      for (const argv of [
        ['link', 'del', 'dev', peer.hostIf],
        ['netns', 'del', peer.ns],
      ]) {
        try {
          execFileSync('ip', argv, { stdio: 'ignore' });
        } catch {}
      }
    }
  };

  process.once('exit', lastResort);

  try {
    await removeStaleNamespaces();
    for (const peer of [a, b]) {
      await run('ip', ['netns', 'add', peer.ns]);
      created.push(peer);
      await run('ip', ['link', 'add', peer.hostIf, 'type', 'veth', 'peer', 'name', peer.peerIf, 'netns', peer.ns]);
      await setUpHostEnd(peer.hostIf);
      await setUpPeer(peer);
    }
  } catch (error) {
    await teardown();
    throw error;
  }

  return {
    id,
    a,
    b,
    devargs: [`net_${driver}0,iface=${a.hostIf}`, `net_${driver}1,iface=${b.hostIf}`],
    teardown,
  };
}

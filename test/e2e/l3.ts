/*
 * The routed topology shared by routing, rules and malformed tests:
 *
 *   A (10.1.0.2/24, fd01::2/64) -- port 0 [slipwayd] port 1 -- B (10.2.0.2/24, fd02::2/64)
 *                                   vEth0                vEth1
 *                          10.1.0.1, fd01::1       10.2.0.1, fd02::1
 *
 * The host's vEth addresses are LOCAL routes in slipway, the /24 and /64
 * are connected routes, the peers are neighbours set from TypeScript (MACs
 * from /sys/class/net), and the peers' default routes point at the vEth
 * addresses (resolved by ARP/ND through the punt path).
 */
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Slipway, Stats, L3CounterValues } from '../../ts-api/src/index';
import { REPO, logTail, portStats, type Suite } from './harness';
import { run, waitFor } from './netns';

export const A4 = '10.1.0.2';
export const B4 = '10.2.0.2';
export const A6 = 'fd01::2';
export const B6 = 'fd02::2';
export const HOST4 = ['10.1.0.1', '10.2.0.1'];
export const HOST6 = ['fd01::1', 'fd02::1'];

export interface L3Env {
  macA: string;
  macB: string;
  portMac: [string, string];
}

async function macOf(ns: string, iface: string): Promise<string> {
  return (await run('cat', [`/sys/class/net/${iface}/address`], { netns: ns })).stdout.trim();
}

/** Addresses, peers' IPv6 and default routes, vEth addresses; routes and neighbours in slipway. */
export async function setUpL3(s: Suite, sw: Slipway): Promise<L3Env> {
  const peers = [s.topo.a, s.topo.b];
  for (const [i, p] of peers.entries()) {
    const ns = p.ns;
    for (const k of ['all', 'default', p.peerIf]) {
      await run('sysctl', ['-qw', `net.ipv6.conf.${k}.disable_ipv6=0`], { netns: ns });
    }

    await run('sysctl', ['-qw', `net.ipv6.conf.${p.peerIf}.accept_dad=0`], { netns: ns });
    await run('ip', ['-n', ns, '-6', 'addr', 'add', `fd0${i + 1}::2/64`, 'dev', p.peerIf, 'nodad']);
    await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', HOST4[i]!]);
    await run('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', HOST6[i]!]);
  }

  for (const port of [0, 1]) {
    const vif = s.vif(port);
    await run('sysctl', ['-qw', `net.ipv6.conf.${vif}.disable_ipv6=0`]);
    await run('sysctl', ['-qw', `net.ipv6.conf.${vif}.accept_dad=0`]);
    await run('ip', ['addr', 'add', `${HOST4[port]}/24`, 'dev', vif]);
    await run('ip', ['-6', 'addr', 'add', `${HOST6[port]}/64`, 'dev', vif, 'nodad']);
    await run('ip', ['link', 'set', 'dev', vif, 'up']);
  }

  return installL3(s, sw);
}

/** setUpL3's part in slipway: routes and neighbours (again, after a restart). */
export async function installL3(s: Suite, sw: Slipway): Promise<L3Env> {
  const macA = await macOf(s.topo.a.ns, s.topo.a.peerIf);
  const macB = await macOf(s.topo.b.ns, s.topo.b.peerIf);
  const ports = await sw.ports.list();
  const routes = await sw.routes.addMany([
    { prefix: `${HOST4[0]}/32`, type: 'local' },
    { prefix: `${HOST4[1]}/32`, type: 'local' },
    { prefix: `${HOST6[0]}/128`, type: 'local' },
    { prefix: `${HOST6[1]}/128`, type: 'local' },
    { prefix: '10.1.0.0/24', via: [{ port: 0 }] },
    { prefix: '10.2.0.0/24', via: [{ port: 1 }] },
    { prefix: 'fd01::/64', via: [{ port: 0 }] },
    { prefix: 'fd02::/64', via: [{ port: 1 }] },
  ]);
  routes.throwIfFailed();
  const neigh = await sw.neighbours.addMany([
    { port: 0, ip: A4, mac: macA },
    { port: 0, ip: A6, mac: macA },
    { port: 1, ip: B4, mac: macB },
    { port: 1, ip: B6, mac: macB },
  ]);
  neigh.throwIfFailed();
  return { macA, macB, portMac: [ports[0]!.mac, ports[1]!.mac] };
}

/** Sends hand-made frames from a peer (test/e2e/tools/sendraw.py). */
export async function sendraw(
  ns: string,
  iface: string,
  dstMac: string,
  kind: string,
  count: number,
  env: Record<string, string> = {},
): Promise<void> {
  const script = path.join(REPO, 'test/e2e/tools/sendraw.py');
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  await run('env', [...envArgs, 'python3', script, iface, dstMac, kind, String(count)], { netns: ns });
}

export type L3Counter = keyof L3CounterValues;

/** after - before of one L3 counter of one port. */
export function l3delta(before: Stats, after: Stats, port: number, c: L3Counter): number {
  return Number(portStats(after, port).l3[c] - portStats(before, port).l3[c]);
}

/** Waits until the L3 counter `c` of `port` moved by at least `n` since `before`; returns the last stats. */
export async function waitL3(
  sw: Slipway,
  before: Stats,
  port: number,
  c: L3Counter,
  n: number,
  ms = 3000,
): Promise<Stats> {
  let last = before;
  try {
    await waitFor(
      `${c} on port ${port} to move by ${n}`,
      async () => {
        last = await sw.stats();
        return l3delta(before, last, port, c) >= n;
      },
      ms,
    );
  } catch {}

  return last;
}

/** Every L3 counter that moved, for failure messages. */
export function l3moved(before: Stats, after: Stats, port: number): string {
  const b = portStats(before, port).l3;
  const a = portStats(after, port).l3;
  return (
    Object.keys(a)
      .filter((k) => a[k as L3Counter] !== b[k as L3Counter])
      .map((k) => `${k}+${a[k as L3Counter] - b[k as L3Counter]}`)
      .join(' ') || '(none)'
  );
}

/** Asserts that exactly `n` more of counter `c` were seen on `port`, naming what moved otherwise. */
export function assertL3(
  t: ExecutionContext,
  s: Suite,
  before: Stats,
  after: Stats,
  port: number,
  c: L3Counter,
  n: number,
  atLeast = false,
): void {
  const d = l3delta(before, after, port, c);
  const ok = atLeast ? d >= n : d === n;
  t.true(
    ok,
    `port ${port} ${c} moved by ${d}, expected ${atLeast ? '>= ' : ''}${n}; moved: ${l3moved(before, after, port)}\n${ok ? '' : logTail(s.instance, 10)}`,
  );
}

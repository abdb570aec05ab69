/*
 * A fabric of slipway routers (examples/fabric.sh, driven here step by step):
 * three slipwayd instances in a triangle, each with its vEths in its own
 * namespace where FRR's zebra, bfdd and bgpd run, kernel sync on, a host
 * behind each.
 *
 *            h1 10.1.0.2
 *                |  port 0
 *             [ R1 ]            R<i> port k: to the k-th other router, in order
 *       port 1 /    \ port 2    link i-j: 172.16.<ij>.0/24, router k is .k
 *      port 1 /      \ port 1
 *        [ R2 ]------[ R3 ]
 *          | port 2  port 2 |
 *      h2 10.2.0.2      h3 10.3.0.2
 *
 * What slipway itself did is asserted: the routes kernel sync installed
 * (origin kernel-route, next hops through the right port), routedPackets of
 * every router's ports, and a capture on every vEth that must stay empty
 * while hosts ping each other. Then link 1-2 goes down (its carrier): BGP
 * withdraws, the traffic and the fast paths move to the path through R3; the
 * link comes back and so do the direct routes. Then link 1-3 stops carrying
 * IP while its carrier stays up (a drop rule at each end): only BFD can tell,
 * and the traffic moves through R2. Everything is removed at the end
 * (fabric.sh down), whatever happened.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { connect, type Route, type Slipway, type Stats } from '../../ts-api/src/index';
import { REPO, logger, logTail } from './harness';
import { l3delta, l3moved } from './l3';
import {
  capture,
  killTracked,
  ping,
  pingInBackground,
  run,
  sleep,
  waitFor,
  type Capture,
  type PingResult,
} from './netns';

const N = 3;
const PREFIX = `fb${process.pid}-`;
const DIR = `/tmp/${PREFIX}fabric`;
const SCRIPT = path.join(REPO, 'examples', 'fabric.sh');
const COUNT = 20;

const rns = (i: number) => `${PREFIX}r${i}`;
const hns = (i: number) => `${PREFIX}h${i}`;
const inst = rns;
const others = (i: number) => [1, 2, 3].filter((j) => j !== i);
const portTo = (i: number, j: number) => others(i).indexOf(j) + 1;
const linkNet = (i: number, j: number) => `172.16.${Math.min(i, j)}${Math.max(i, j)}`;
const addrOn = (i: number, j: number) => `${linkNet(i, j)}.${i}`; // router i's address on link i-j
const host = (i: number) => `10.${i}.0.2`;
const lan = (i: number) => `10.${i}.0.0/24`;

const sws: Record<number, Slipway> = {};

/** Runs examples/fabric.sh with this file's prefix; never rejects. */
function fabric(args: string[], timeoutMs = 180_000, prefix = PREFIX): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      SCRIPT,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: 16 << 20,
        env: {
          ...process.env,
          FABRIC_PREFIX: prefix,
          FABRIC_DIR: `/tmp/${prefix}fabric`,
          FABRIC_ROUTERS: String(N),
          FABRIC_TIMEOUT: '60',
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}`.replace(/^.*Disabling MPLS support.*\n/gm, '') });
      },
    );
  });
}

async function step(args: string[]): Promise<string> {
  const r = await fabric(args);
  if (r.code !== 0) {
    throw new Error(`examples/fabric.sh ${args.join(' ')} failed (${r.code}):\n${r.out}`);
  }

  return r.out;
}

interface BgpNeighbour {
  bgpState: string;
  lastResetDueTo?: string;
  lastNotificationReason?: string;
  peerBfdInfo?: { status: string };
}

async function bgpNeighbours(i: number): Promise<Record<string, BgpNeighbour>> {
  const { stdout } = await run('vtysh', ['--vty_socket', `${DIR}/r${i}`, '-d', 'bgpd', '-c', 'show bgp neighbor json']);
  return JSON.parse(stdout) as Record<string, BgpNeighbour>;
}

async function kernelRoute(i: number, prefix: string): Promise<string> {
  return (await run('ip', ['-n', rns(i), 'route', 'show', prefix, 'proto', 'bgp'])).stdout.trim();
}

async function fastRoute(i: number, prefix: string): Promise<Route | undefined> {
  return (await sws[i]!.routes.list({ family: 4 })).find((r) => r.prefix === prefix);
}

/** Router i's fast path sends host j's /24 to router k: a route kernel sync installed. */
async function assertFastVia(t: import('ava').ExecutionContext, i: number, j: number, k: number): Promise<void> {
  t.deepEqual(
    await fastRoute(i, lan(j)),
    {
      prefix: lan(j),
      family: 4,
      type: 'forward',
      origin: 'kernel-route',
      via: [{ port: portTo(i, k), gw: addrOn(k, i) }],
    },
    `r${i}: ${lan(j)} through r${k}`,
  );
  t.regex(
    await kernelRoute(i, lan(j)),
    new RegExp(`via ${addrOn(k, i).replaceAll('.', '\\.')} dev vEth${portTo(i, k)} `),
  );
}

async function allStats(): Promise<Record<number, Stats>> {
  const out: Record<number, Stats> = {};
  for (let i = 1; i <= N; i++) out[i] = await sws[i]!.stats();
  return out;
}

const routed = (b: Record<number, Stats>, a: Record<number, Stats>, i: number, port: number) =>
  l3delta(b[i]!, a[i]!, port, 'routedPackets');

function moved(b: Record<number, Stats>, a: Record<number, Stats>): string {
  const lines: string[] = [];
  for (let i = 1; i <= N; i++) {
    for (let p = 0; p < N; p++) lines.push(`r${i} port ${p}: ${l3moved(b[i]!, a[i]!, p)}`);
  }

  return lines.join('\n');
}

/** tcpdump on every vEth of every router (ICMP only). */
async function captureVifs(): Promise<Capture[]> {
  const caps: Capture[] = [];
  for (let i = 1; i <= N; i++) {
    for (let p = 0; p < N; p++) caps.push(await capture(`vEth${p}`, { netns: rns(i), filter: ['icmp'] }));
  }

  return caps;
}

async function stopCaptures(caps: Capture[]): Promise<string[]> {
  const lines = await Promise.all(
    caps.map(async (c, n) => (await c.stop()).map((l) => `r${Math.floor(n / N) + 1} ${c.iface}: ${l}`)),
  );
  return lines.flat();
}

/**
 * Pings host b from host a COUNT times while every vEth is captured;
 * asserts no loss, no ICMP on a vEth, and that exactly the routers of
 * `path` (in order) routed the requests and the replies, each on the port
 * it received them on; the others routed nothing.
 */
async function assertPath(t: import('ava').ExecutionContext, a: number, b: number, routers: number[]): Promise<void> {
  const caps = await captureVifs();
  const before = await allStats();
  const r = await ping(hns(a), host(b), { count: COUNT, intervalS: 0.02, waitS: 2 });
  await sleep(300);
  const after = await allStats();
  const onVifs = await stopCaptures(caps);
  const what = `h${a} -> h${b} through ${routers.map((i) => `r${i}`).join(', ')}`;
  t.true(
    r.lossPct === 0 && r.received === COUNT,
    `${what}:\n${r.output}\n${moved(before, after)}\n${logTail(inst(a), 10)}`,
  );
  t.deepEqual(onVifs, [], `${what}: ICMP on the vEths`);
  for (let i = 1; i <= N; i++) {
    const k = routers.indexOf(i);
    for (let p = 0; p < N; p++) {
      let want = 0;
      if (k >= 0) {
        // requests arrive from the previous hop (or the host), replies from the next (or the host)
        const from = k === 0 ? 0 : portTo(i, routers[k - 1]!);
        const back = k === routers.length - 1 ? 0 : portTo(i, routers[k + 1]!);
        want = (p === from ? COUNT : 0) + (p === back ? COUNT : 0);
      }

      t.is(
        routed(before, after, i, p),
        want,
        `${what}: r${i} port ${p} routedPackets (${l3moved(before[i]!, after[i]!, p)})`,
      );
    }
  }
}

/** A ping every 10 ms across a change: how long the hosts had no path. */
function lossText(r: PingResult): string {
  const lost = r.transmitted - r.received;
  return `a ping every 10 ms lost ${lost} of ${r.transmitted} (about ${lost * 10} ms without a path)`;
}

test.before(async () => {
  if (!existsSync('/usr/lib/frr/bgpd') || !existsSync('/usr/bin/vtysh')) {
    throw new Error('FRR is not installed (Debian package frr: npm run setup installs it)');
  }

  // fabrics of dead runs of this file
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  const stale = new Set<string>();
  for (const name of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    const m = /^fb(\d+)-[rh][123]$/.exec(name);
    if (m && Number(m[1]) !== process.pid) {
      try {
        process.kill(Number(m[1]), 0);
      } catch {
        stale.add(m[1]!);
      }
    }
  }

  for (const pid of stale) await fabric(['down'], 120_000, `fb${pid}-`);

  await step(['up']);
  for (let i = 1; i <= N; i++) sws[i] = await connect(inst(i), { logger });
});

test.after.always(async (t) => {
  await killTracked();
  for (const sw of Object.values(sws)) await sw.close().catch(() => {});
  const r = await fabric(['down'], 120_000);
  if (r.code !== 0) t.log(`fabric.sh down: ${r.out}`);
  const left = [
    ...(await run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(PREFIX)),
    ...(await run('ip', ['-o', 'link'])).stdout.split('\n').filter((l) => l.includes(PREFIX)),
  ];
  for (const l of left) t.log(`left behind: ${l}`);
});

test.serial(
  'BGP comes up over the vEths; every router learns the others’ prefixes and kernel sync installs them',
  async (t) => {
    for (let i = 1; i <= N; i++) {
      t.is(sws[i]!.header().vifNetns, rns(i));
      const nb = await bgpNeighbours(i);
      t.deepEqual(
        Object.keys(nb).sort(),
        others(i)
          .map((j) => addrOn(j, i))
          .sort(),
      );
      for (const [peer, n] of Object.entries(nb)) t.is(n.bgpState, 'Established', `r${i} -> ${peer}`);
      // BFD comes up beside BGP, not before it: give it its few packets
      await waitFor(
        `r${i}: BFD up with every peer`,
        async () => Object.values(await bgpNeighbours(i)).every((n) => n.peerBfdInfo?.status === 'Up'),
        10_000,
      ).catch(() => {});
      for (const [peer, n] of Object.entries(await bgpNeighbours(i))) {
        t.is(n.peerBfdInfo?.status, 'Up', `r${i} -> ${peer}: BFD ${JSON.stringify(n.peerBfdInfo)}`);
      }

      for (const j of others(i)) await assertFastVia(t, i, j, j);
      // the peers' link addresses, resolved by the kernel over the vEths, are fast-path neighbours
      const neigh = (await sws[i]!.neighbours.list()).map((n) => `${n.port} ${n.ip} ${n.origin}`);
      for (const j of others(i))
        t.true(neigh.includes(`${portTo(i, j)} ${addrOn(j, i)} kernel-neighbour`), neigh.join(', '));
    }
  },
);

test.serial('traffic between hosts crosses two fast paths and never a vEth', async (t) => {
  // the first packets of each pair punt: the routers' kernels resolve the hosts, sync follows
  for (let a = 1; a <= N; a++) {
    for (const b of others(a)) await ping(hns(a), host(b), { count: 3, intervalS: 0.2, waitS: 2 });
  }

  await sleep(500);
  await assertPath(t, 1, 2, [1, 2]);
  await assertPath(t, 1, 3, [1, 3]);
  await assertPath(t, 2, 3, [2, 3]);
});

test.serial('link 1-2 down: BGP withdraws, traffic and the fast paths move through r3, and back', async (t) => {
  const outage = pingInBackground(hns(1), host(2), 0.01);
  await sleep(500);
  await step(['fail', '1', '2']);
  t.log(`link 1-2 down: ${lossText(await outage.stop())}`);
  t.false((await sws[1]!.ports.get(portTo(1, 2))).linkUp, 'r1 port 1 has no link');
  const vif = (await run('ip', ['-n', rns(1), 'link', 'show', 'dev', `vEth${portTo(1, 2)}`])).stdout;
  t.true(vif.includes('NO-CARRIER'), `r1's vEth to r2 lost its carrier:\n${vif}`);
  t.not((await bgpNeighbours(1))[addrOn(2, 1)]?.bgpState, 'Established');
  await assertFastVia(t, 1, 2, 3);
  await assertFastVia(t, 2, 1, 3);
  await assertFastVia(t, 1, 3, 3); // untouched
  await assertPath(t, 1, 2, [1, 3, 2]);

  const back = pingInBackground(hns(1), host(2), 0.01);
  await sleep(500);
  await step(['restore', '1', '2']);
  t.log(`link 1-2 up again: ${lossText(await back.stop())}`);
  await assertFastVia(t, 1, 2, 2);
  await assertFastVia(t, 2, 1, 1);
  await assertPath(t, 1, 2, [1, 2]);
});

test.serial(
  'link 1-3 stops carrying IP, its carrier up: BFD tells BGP, traffic and the fast paths move through r2',
  async (t) => {
    const outage = pingInBackground(hns(1), host(3), 0.01);
    await sleep(500);
    await step(['silence', '1', '3']);
    t.log(`link 1-3 silent: ${lossText(await outage.stop())} (BGP hold time 6 s; BFD 5 x 300 ms)`);
    t.true((await sws[1]!.ports.get(portTo(1, 3))).linkUp, 'r1 port 2 still has its link');
    for (const [i, j] of [
      [1, 3],
      [3, 1],
    ] as const) {
      const n = (await bgpNeighbours(i))[addrOn(j, i)]!;
      t.is(n.peerBfdInfo?.status, 'Down', `r${i} -> r${j}: ${JSON.stringify(n.peerBfdInfo)}`);
      t.true(
        n.lastResetDueTo === 'BFD down received' || n.lastNotificationReason === 'Cease/BFD Down',
        `r${i} -> r${j}: the session went down because of BFD (${n.lastResetDueTo}; ${n.lastNotificationReason})`,
      );
    }

    await assertFastVia(t, 1, 3, 2);
    await assertFastVia(t, 3, 1, 2);
    await assertPath(t, 1, 3, [1, 2, 3]);
  },
);

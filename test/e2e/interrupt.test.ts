/*
 * --poll-mode interrupt on net_tap ports, the driver with rx interrupts in
 * DPDK 22.11. slipwayd runs in namespace A (through a wrapper), so port
 * 0's TAP is created there, where the PMD also reads its link; port 1's
 * TAP is moved into namespace B once started (its link then reads down:
 * the PMD asks by name in its own namespace; a cross-connect does not
 * care). A and B share 10.95.0.0/24 over the cross-connects. The vEths
 * live in a third namespace (--vif-netns), where the kernel's own frames
 * start.
 *
 * What slipwayd itself counts decides: an idle worker sleeps until
 * something arrives (its sleeps, about ten a second from its 100 ms bound,
 * not the thousand of back-off), packets end its sleeps through the rx
 * interrupt (its interrupt wake-ups), and a frame the kernel sends on a
 * vEth rings it (the answer does not wait for that bound). On ports without
 * rx interrupts, interrupt mode backs off as sleep mode does: idle.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { LcoreStatsInfo, Slipway, Stats } from '../../ts-api/src/index';
import { defaultBinary } from '../../ts-api/src/index';
import {
  controller,
  defaultLogFile,
  delta,
  e2eSuite,
  lcoreStats,
  logTail,
  pidAlive,
  startDataplane,
  statsOver,
} from './harness';
import { ping, run, sleep } from './netns';

const id = String(process.pid);
const TAP = [`swt0-${id}`, `swt1-${id}`];
const VNS = `sw-irqv-${id}`;
const A = '10.95.0.1';
const B = '10.95.0.2';
const VIF0 = '10.96.0.1';
const A_VIF = '10.96.0.2';

const s = e2eSuite(test, { name: 'irq', vifPrefix: 'irv', noDaemon: true });

function worker(st: Stats): LcoreStatsInfo {
  return lcoreStats(st, 'worker');
}

async function inNs(ns: string, ...args: string[]): Promise<void> {
  await run('ip', ['-n', ns, ...args]);
}

test.serial.before(async () => {
  // the vEths' namespaces of dead runs of this file
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  for (const name of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    const m = /^sw-irqv-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      await run('ip', ['netns', 'del', name], { allowFail: true });
    }
  }

  await run('ip', ['netns', 'add', VNS]);
  for (const ns of [VNS, s.topo.a.ns, s.topo.b.ns]) {
    await run(
      'sysctl',
      ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.ip_forward=0'],
      { netns: ns },
    );
  }

  const wrapper = path.join(mkdtempSync(path.join(tmpdir(), 'sw-irq-')), 'slipwayd-in-a');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${s.topo.a.ns} ${defaultBinary()} "$@"\n`, { mode: 0o755 });
  const sw = await startDataplane(s, {
    ports: [`net_tap0,iface=${TAP[0]}`, `net_tap1,iface=${TAP[1]}`],
    pollMode: 'interrupt',
    vifNetns: VNS,
    binary: wrapper,
  });
  // the TAPs' file descriptors stay slipwayd's: their kernel ends can live anywhere
  await run('ip', ['-n', s.topo.a.ns, 'link', 'set', 'dev', TAP[1]!, 'netns', s.topo.b.ns]);
  for (const [i, ns] of [s.topo.a.ns, s.topo.b.ns].entries()) {
    await run('sysctl', ['-qw', `net.ipv6.conf.${TAP[i]!}.disable_ipv6=1`], { netns: ns });
    await inNs(ns, 'addr', 'add', `${i === 0 ? A : B}/24`, 'dev', TAP[i]!);
    await inNs(ns, 'link', 'set', 'dev', TAP[i]!, 'up');
  }

  // port 0 also carries 10.96.0.0/24 between A and the vEth: what A sends
  // there is not cross-connected but punted (no route), and the vEth's
  // frames go out through port 0
  await inNs(s.topo.a.ns, 'addr', 'add', `${A_VIF}/24`, 'dev', TAP[0]!);
  await inNs(VNS, 'addr', 'add', `${VIF0}/24`, 'dev', s.vif(0));
  await inNs(VNS, 'link', 'set', 'dev', s.vif(0), 'up');
  await sw.xconnects.add(1, 0);
});

test.after.always(async () => {
  // the suite's own after.always stops slipwayd first (the TAPs go with it)
  await run('ip', ['netns', 'del', VNS], { allowFail: true });
});

/** Cross-connects 0 -> 1 for the duration of fn. */
async function crossConnected<T>(sw: Slipway, fn: () => Promise<T>): Promise<T> {
  await sw.xconnects.add(0, 1);
  try {
    return await fn();
  } finally {
    await sw.xconnects.remove(0);
  }
}

test.serial('the start finds an rx interrupt on each net_tap queue', (t) => {
  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  t.regex(log, /port 0 \(net_tap\): rx interrupts on 1 queue/);
  t.regex(log, /port 1 \(net_tap\): rx interrupts on 1 queue/);
});

test.serial('idle, the worker sleeps until something arrives: about ten sleeps a second, not a thousand', async (t) => {
  const sw = await controller(s);
  const { before, after } = await statsOver(sw, 2000);
  const sleeps = Number(worker(after).sleeps - worker(before).sleeps);
  const asleep = Number(worker(after).sleepNs - worker(before).sleepNs);
  // bounded by 100 ms each: about 20 in 2 s; back-off to 1 ms sleeps would be 2,000
  t.true(sleeps > 0 && sleeps < 200, `the worker slept ${sleeps} times in 2 s`);
  t.true(asleep > 1e9, `asleep ${asleep} ns of 2 s`);
});

test.serial('each echo request, 300 ms after the last, ends a sleep through the rx interrupt', async (t) => {
  const sw = await controller(s);
  await crossConnected(sw, async () => {
    await ping(s.topo.a.ns, B, { count: 1, waitS: 2 }); // ARP settled
    const before = await sw.stats();
    const r = await ping(s.topo.a.ns, B, { count: 10, intervalS: 0.3, waitS: 2 });
    const after = await sw.stats();
    t.is(r.received, 10, `${r.output}\n${logTail(s.instance)}`);
    t.true(delta(before, after, 0, 'xcPackets') >= 10, 'the requests were cross-connected 0 -> 1');
    t.true(delta(before, after, 1, 'xcPackets') >= 10, 'the replies were cross-connected 1 -> 0');
    const wakes = Number(worker(after).intrWakes - worker(before).intrWakes);
    // each request finds the worker asleep (it is awake a few µs per 100 ms);
    // a reply that comes after the worker's 200 µs tail wakes it too
    t.true(wakes >= 10, `${wakes} sleeps ended by an rx interrupt for 10 echo requests`);
  });
});

test.serial('a frame the kernel sends on a vEth rings the sleeping worker: no wait for its 100 ms bound', async (t) => {
  const sw = await controller(s);
  await ping(VNS, A_VIF, { count: 1, waitS: 2 }); // ARP settled
  await sleep(300);
  const before = await sw.stats();
  // each echo request starts in the kernel (VNS), 300 ms after the last
  // packet: the worker sleeps in ppoll, and only its bell says the inject
  // ring has work
  const r = await run('ping', ['-n', '-c', '10', '-i', '0.3', '-W', '2', A_VIF], { netns: VNS, allowFail: true });
  const after = await sw.stats();
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
  t.is(rtts.length, 10, `${r.stdout}${r.stderr}\n${logTail(s.instance)}`);
  t.true(delta(before, after, 0, 'injectPackets') >= 10, 'the requests left through port 0');
  // waiting for the 100 ms bound would make the median about 50 ms
  const median = rtts[4]!;
  t.true(median < 20, `median RTT ${median} ms (all: ${rtts.join(' ')})`);
});

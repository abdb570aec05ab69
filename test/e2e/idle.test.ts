/*
 * Idle back-off, as slipwayd accounts for it: with nothing to receive, the
 * worker spends most of its time asleep (its own busy/idle/sleep clock in
 * the statistics area); the first packets wake it and every one of them is
 * routed; with --poll-mode busy it never sleeps. The main lcore, with nothing
 * at all to do, sleeps up to 10 ms at a time (its idle passes count its
 * wake-ups), and what it must handle rings its bell: a ping to the host's
 * address (punted by the worker, answered by the kernel through the vEth)
 * pays no such sleep. Figures of CPU use and latency are in the benchmark
 * (npm run bench -- idle), not here.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import type { LcoreStatsInfo, Stats } from '../../ts-api/src/index';
import {
  controller,
  defaultLogFile,
  e2eSuite,
  lcoreStats,
  logTail,
  startDataplane,
  statsOver,
  stopDataplane,
} from './harness';
import { A4, B4, HOST4, assertL3, installL3, setUpL3 } from './l3';
import { ping, run, sleep } from './netns';

const s = e2eSuite(test, { name: 'idle', vifPrefix: 'idv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });

function worker(st: Stats): LcoreStatsInfo {
  return lcoreStats(st, 'worker');
}

/** The worker's time over an interval: busy, idle polling and asleep, in ns. */
function clock(before: Stats, after: Stats) {
  const a = worker(before);
  const b = worker(after);
  const busy = Number(b.busyNs - a.busyNs);
  const idle = Number(b.idleNs - a.idleNs);
  const asleep = Number(b.sleepNs - a.sleepNs);
  return { busy, idle, asleep, total: busy + idle + asleep };
}

test.serial.before(async () => {
  const sw = await controller(s);
  await setUpL3(s, sw);
});

test.serial('with nothing to receive the worker sleeps most of its time', async (t) => {
  const sw = await controller(s);
  const { before, after } = await statsOver(sw, 2000);
  const c = clock(before, after);
  t.true(c.total > 1e9, `the worker's clock moved ${c.total} ns over 2 s`);
  t.true(c.asleep > 0.5 * c.total, `asleep ${c.asleep} of ${c.total} ns (busy ${c.busy}, idle ${c.idle})`);
});

test.serial('the first packets wake it: every ping is routed', async (t) => {
  const sw = await controller(s);
  await sleep(1000); // asleep at its longest
  const before = await sw.stats();
  const r = await ping(s.topo.a.ns, B4, { count: 10, intervalS: 0.3, waitS: 2 });
  const after = await sw.stats();
  t.is(r.received, 10, `${r.output}\n${logTail(s.instance)}`);
  assertL3(t, s, before, after, 0, 'routedPackets', 10);
  assertL3(t, s, before, after, 1, 'routedPackets', 10);
  t.true(worker(after).busyPolls > worker(before).busyPolls, 'the worker polled busy for them');
});

test.serial('with nothing at all to do the main lcore sleeps 10 ms at a time, not 2 ms', async (t) => {
  const sw = await controller(s);
  const { before, after } = await statsOver(sw, 2000);
  const a = lcoreStats(before, 'main');
  const b = lcoreStats(after, 'main');
  const idlePolls = Number(b.idlePolls - a.idlePolls);
  const busyPolls = Number(b.busyPolls - a.busyPolls);
  const asleep = Number(b.sleepNs - a.sleepNs);
  // 10 ms sleeps: about 200 passes (the vEths' own traffic wakes it too); 2 ms sleeps: 1,000
  t.true(idlePolls + busyPolls < 700, `main lcore: ${idlePolls} idle and ${busyPolls} busy passes in 2 s`);
  t.true(asleep > 1.5e9, `main lcore asleep ${asleep} ns of 2 s`);
});

test.serial('a punted ping after a quiet spell rings the bell: answered without the deep sleep', async (t) => {
  const sw = await controller(s);
  await sleep(1000);
  const before = await sw.stats();
  // every echo comes 300 ms after the last: the main lcore is in deep idle each time
  const r = await run('ping', ['-n', '-c', '10', '-i', '0.3', '-W', '2', HOST4[0]!], {
    netns: s.topo.a.ns,
    allowFail: true,
  });
  const after = await sw.stats();
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
  t.is(rtts.length, 10, `${r.stdout}${r.stderr}\n${logTail(s.instance)}`);
  assertL3(t, s, before, after, 0, 'puntLocal', 10, true);
  t.true(after.ports[0]!.injectPackets - before.ports[0]!.injectPackets >= 10n, 'the answers were injected');
  // without the bell each echo would wait for the main lcore's 10 ms sleep (5 ms on average)
  const median = rtts[4]!;
  t.true(median < 4, `median RTT ${median} ms (all: ${rtts.join(' ')})`);
});

test.serial('--poll-mode busy: the worker never sleeps', async (t) => {
  await stopDataplane(s);
  const sw = await startDataplane(s, { pollMode: 'busy' });
  const { before, after } = await statsOver(sw, 1000);
  const c = clock(before, after);
  t.true(c.total > 0.5e9, `the worker's clock moved ${c.total} ns over 1 s`);
  t.is(c.asleep, 0, `asleep ${c.asleep} ns in busy mode`);
});

test.serial(
  '--poll-mode interrupt on ports without rx interrupts (af_packet): the worker backs off as in sleep mode',
  async (t) => {
    await stopDataplane(s);
    const sw = await startDataplane(s, { pollMode: 'interrupt' });
    await installL3(s, sw);
    const log = readFileSync(defaultLogFile(s.instance), 'utf8');
    t.regex(log, /port 0 \(net_af_packet\): no usable rx interrupt on 1 of 1 queue/);
    const { before, after } = await statsOver(sw, 2000);
    const sleeps = Number(worker(after).sleeps - worker(before).sleeps);
    // back-off sleeps of at most 1 ms: about 2,000 in 2 s (a wait for an
    // interrupt, bounded by 100 ms, would be about 20)
    t.true(sleeps > 100, `the worker slept ${sleeps} times in 2 s`);
    t.is(worker(after).intrWakes, 0n, 'no interrupt to end a sleep');
    const r = await ping(s.topo.a.ns, B4, { count: 5, intervalS: 0.3, waitS: 2 });
    t.is(r.received, 5, `${r.output}\n${logTail(s.instance)}`);
  },
);

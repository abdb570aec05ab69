/*
 * Idle back-off, as slipwayd accounts for it: with nothing to receive, the
 * worker spends most of its time asleep (its own busy/idle/sleep clock in
 * the statistics area); the first packets wake it and every one of them is
 * routed; with --poll-mode busy it never sleeps. Figures of CPU use are in
 * the benchmark (npm run bench -- idle), not here.
 */
import test from 'ava';
import type { LcoreStatsInfo, Stats } from '../../ts-api/src/index';
import { controller, e2eSuite, logTail, startDataplane, stopDataplane } from './harness';
import { A4, B4, assertL3, setUpL3 } from './l3';
import { ping, sleep } from './netns';

const s = e2eSuite(test, { name: 'idle', vifPrefix: 'idv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });

function worker(st: Stats): LcoreStatsInfo {
  const w = st.lcores.find((l) => l.role === 'worker');
  if (!w) throw new Error(`no worker lcore in the statistics: ${JSON.stringify(st.lcores, (_, v) => String(v))}`);
  return w;
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
  await sleep(500);
  const before = await sw.stats();
  await sleep(2000);
  const after = await sw.stats();
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

test.serial('--poll-mode busy: the worker never sleeps', async (t) => {
  await stopDataplane(s);
  const sw = await startDataplane(s, { pollMode: 'busy' });
  await sleep(500);
  const before = await sw.stats();
  await sleep(1000);
  const after = await sw.stats();
  const c = clock(before, after);
  t.true(c.total > 0.5e9, `the worker's clock moved ${c.total} ns over 1 s`);
  t.is(c.asleep, 0, `asleep ${c.asleep} ns in busy mode`);
});

/*
 * Dataplane lifecycle: the control file's mode, link events from the port's
 * kernel interface, the cross-connect switch under load (every packet handled
 * exactly once), two instances side by side, and more than one worker lcore.
 */
import test from 'ava';
import { statSync } from 'node:fs';
import { ctlPath, launch, SlipwayError, type Slipway, type SlipwayEvent, type Stats } from '../../ts-api/src/index';
import {
  assertForwards,
  controller,
  delta,
  e2eSuite,
  logger,
  portStats,
  startDataplane,
  stopDataplane,
} from './harness';
import { ifCounters, pingInBackground, quietIpv6, run, sleep, waitFor } from './netns';

const s = e2eSuite(test, { name: 'life', vifPrefix: 'lfe', addrsA: ['10.16.0.1/24'], addrsB: ['10.16.0.2/24'] });

/** The next event matching `want`, or an error after `ms`. */
async function nextEvent(
  it: AsyncIterator<SlipwayEvent>,
  want: (e: SlipwayEvent) => boolean,
  ms: number,
): Promise<SlipwayEvent> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no matching event within ${ms} ms`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), left);
      }),
    ]).finally(() => clearTimeout(timer));
    if (r.done) throw new Error('event iterator ended');
    if (want(r.value)) return r.value;
  }
}

test.serial('the control file is mode 0600', (t) => {
  const st = statSync(ctlPath(s.instance));
  t.is(st.mode & 0o777, 0o600, `mode of ${ctlPath(s.instance)} is ${(st.mode & 0o777).toString(8)}`);
  t.is(st.uid, process.getuid!(), 'owned by the user running slipwayd');
});

test.serial('the port following its interface link down and up: events and port state', async (t) => {
  const sw = await controller(s);
  const it = sw.events();
  const { ns, peerIf } = s.topo.a;
  try {
    const t0 = Date.now();
    await run('ip', ['-n', ns, 'link', 'set', 'dev', peerIf, 'down']);
    const down = await nextEvent(it, (e) => e.type === 'link' && e.port === 0, 3000);
    const downMs = Date.now() - t0;
    t.false('linkUp' in down && down.linkUp, `link event after the peer went down: ${JSON.stringify(down)}`);
    t.false((await sw.ports.get(0)).linkUp, 'ports.get(0).linkUp is false while the peer is down');

    const t1 = Date.now();
    await run('ip', ['-n', ns, 'link', 'set', 'dev', peerIf, 'up']);
    const up = await nextEvent(it, (e) => e.type === 'link' && e.port === 0, 3000);
    t.true('linkUp' in up && up.linkUp, `link event after the peer came back: ${JSON.stringify(up)}`);
    t.true((await sw.ports.get(0)).linkUp, 'ports.get(0).linkUp is true again');
    t.log(`link down seen after ${downMs} ms, up after ${Date.now() - t1} ms`);
  } finally {
    await it.return?.();
  }

  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await waitFor(
    'A to reach B after the link came back',
    async () => {
      const r = await run('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', '10.16.0.2'], { allowFail: true });
      return r.code === 0;
    },
    10_000,
    200,
  );
  await assertForwards(t, s, 'after link down/up');
});

interface Snap {
  stats: Stats;
  aTx: number;
  bRx: number;
  vifRx: number;
}

async function snap(sw: Slipway): Promise<Snap> {
  return {
    stats: await sw.stats(),
    aTx: (await ifCounters(s.topo.a.peerIf, s.topo.a.ns)).txPackets,
    bRx: (await ifCounters(s.topo.b.peerIf, s.topo.b.ns)).rxPackets,
    vifRx: (await ifCounters(s.vif(0))).rxPackets,
  };
}

test.serial('cross-connect switched 40 times under ping -i 0.002: every packet handled exactly once', async (t) => {
  const sw = await controller(s);
  const list = await sw.xconnects.list();
  t.deepEqual(
    list.map((x) => [x.inPort, x.outPort]).sort(),
    [
      [0, 1],
      [1, 0],
    ],
    'both cross-connects in place',
  );

  const before = await snap(sw);
  const bg = pingInBackground(s.topo.a.ns, '10.16.0.2', 0.002);
  await sleep(100);
  for (let i = 0; i < 40; i++) {
    await sw.xconnects.remove(0);
    await sleep(10);
    await sw.xconnects.add(0, 1);
    await sleep(15);
  }

  const pingResult = await bg.stop();
  let after = await snap(sw);
  const d = (port: number, c: Parameters<typeof delta>[3]) => delta(before.stats, after.stats, port, c);
  const dev = (port: number, k: 'imissed') =>
    Number(portStats(after.stats, port).dev[k] - portStats(before.stats, port).dev[k]);
  await waitFor(
    'counters to settle',
    async () => {
      after = await snap(sw);
      return (
        d(0, 'rxPackets') + dev(0, 'imissed') === after.aTx - before.aTx &&
        d(0, 'vifTxPackets') + d(0, 'vifTxDrops') === d(0, 'puntPackets') &&
        after.vifRx - before.vifRx === d(0, 'vifTxPackets')
      );
    },
    3000,
  ).catch(() => undefined);

  const rx = d(0, 'rxPackets');
  const xc = d(0, 'xcPackets');
  const punt = d(0, 'puntPackets');
  t.log(
    `ping: ${pingResult.transmitted} sent, ${pingResult.received} received; port 0 rx ${rx} = xc ${xc} + punt ${punt}` +
      ` + punt drops ${d(0, 'puntDrops')} + no-route ${d(0, 'noRoute')}; port 1 tx ${d(1, 'txPackets')}; B got ${after.bRx - before.bRx}`,
  );
  t.true(pingResult.transmitted > 100, `enough traffic during the switching (${pingResult.transmitted} pings)`);
  t.is(rx + dev(0, 'imissed'), after.aTx - before.aTx, 'port 0 received everything A sent');
  t.is(
    rx,
    xc + punt + d(0, 'puntDrops') + d(0, 'noRoute'),
    'each packet received on port 0 was forwarded or punted, once',
  );
  t.true(xc > 0 && punt > 0, `both the fast path (${xc}) and the vEth (${punt}) were used while switching`);
  t.is(
    d(1, 'txPackets') + d(1, 'txDrops'),
    xc + d(1, 'injectPackets'),
    'port 1 sent what was cross-connected to it (and injected from its vEth)',
  );
  t.is(after.bRx - before.bRx, d(1, 'txPackets'), 'B received exactly what port 1 sent');
  t.is(d(0, 'vifTxPackets') + d(0, 'vifTxDrops'), punt, 'everything punted was written to vEth0 or counted as dropped');
  t.is(after.vifRx - before.vifRx, d(0, 'vifTxPackets'), `the kernel counted on ${s.vif(0)} what slipwayd wrote to it`);
});

test.serial(
  'two instances side by side with their own vEth prefix; a duplicate instance name is refused',
  async (t) => {
    const id = String(process.pid % 100000);
    const hostIf = `swq0-${id}`;
    const otherEnd = `swq1-${id}`;
    const instance = `${s.instance}-b`;
    let other: Slipway | undefined;
    t.teardown(async () => {
      if (other) await other.shutdown({ timeoutMs: 10_000 }).catch(() => undefined);
      await run('ip', ['link', 'del', 'dev', hostIf], { allowFail: true });
    });
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', otherEnd]);
    for (const i of [hostIf, otherEnd]) {
      await quietIpv6(i);
      await run('ip', ['link', 'set', 'dev', i, 'up']);
    }

    other = await launch({
      instance,
      ports: [`net_af_packet0,iface=${hostIf}`],
      vifPrefix: 'lfb',
      readyTimeoutMs: 30_000,
      logger,
    });
    t.is((await other.ports.list())[0]?.vif, 'lfb0', 'the second instance names its vEth with its own prefix');
    const first = await controller(s);
    t.deepEqual(
      (await first.ports.list()).map((p) => p.vif),
      ['lfe0', 'lfe1'],
      'the first instance keeps its vEths',
    );
    t.not(other.pid, first.pid);
    await assertForwards(t, s, 'with a second instance running');

    const dup = await launch({ instance, ports: [], readyTimeoutMs: 10_000, logger }).then(
      (sw) => ({ ok: true as const, sw }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (dup.ok) {
      await dup.sw.shutdown();
      t.fail('a second slipwayd with the same instance name was started');
    } else {
      t.true(dup.error instanceof SlipwayError, String(dup.error));
      t.regex(
        (dup.error as Error).message,
        new RegExp(`${instance}.*(already running|pid ${other.pid})`),
        (dup.error as Error).message,
      );
    }

    await other.shutdown({ timeoutMs: 10_000 });
    other = undefined;
    t.false(
      (await run('ip', ['link', 'show', 'dev', 'lfb0'], { allowFail: true })).code === 0,
      'lfb0 is gone with its instance',
    );
    await assertForwards(t, s, 'after the second instance stopped');
  },
);

test.serial('two worker lcores: ports are spread over them and traffic forwards', async (t) => {
  const problems = await stopDataplane(s);
  t.deepEqual(problems, [], 'the single-worker instance stopped cleanly');
  // 2 CPUs: map worker lcores 1 and 2 onto CPU 1
  const sw = await startDataplane(s, { eal: ['--lcores', '0@0,1@1,2@1'] });

  t.is((await sw.hello()).nWorkers, 2);
  const ports = await sw.ports.list();
  t.deepEqual(
    ports.map((p) => p.workerLcore).sort(),
    [1, 2],
    `one port per worker: ${JSON.stringify(ports.map((p) => [p.port, p.workerLcore]))}`,
  );
  t.true(
    ports.every((p) => p.nTxq === 2 && p.nRxq === 2),
    `an rx and a tx queue per worker on every port: ${JSON.stringify(ports.map((p) => [p.nRxq, p.nTxq]))}`,
  );
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'two workers', 20);
  const st = await sw.stats();
  const workers = st.lcores.filter((l) => l.role === 'worker');
  t.is(workers.length, 2);
  t.true(
    workers.every((w) => w.busyPolls > 0n),
    `both workers moved packets: ${JSON.stringify(workers, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`,
  );
});

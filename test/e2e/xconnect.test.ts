/*
 * Fast-path cross-connects: 0->1 and 1->0 forward A<->B without the kernel,
 * every packet is accounted for, and removing one while traffic flows sends
 * the traffic back to the vEth without a restart.
 */
import test from 'ava';
import { assertForwards, controller, delta, e2eSuite, logTail, portStats } from './harness';
import { capture, ifCounters, ping, pingInBackground, sleep, waitFor, type IfCounters } from './netns';
import type { Stats } from '../../ts-api/src/index';

const s = e2eSuite(test, { name: 'xc', vifPrefix: 'swx', addrsA: ['10.12.0.1/24'], addrsB: ['10.12.0.2/24'] });

interface Snapshot {
  stats: Stats;
  aTx: IfCounters;
  bTx: IfCounters;
}

async function snapshot(): Promise<Snapshot> {
  const sw = await controller(s);
  return {
    stats: await sw.stats(),
    aTx: await ifCounters(s.topo.a.peerIf, s.topo.a.ns),
    bTx: await ifCounters(s.topo.b.peerIf, s.topo.b.ns),
  };
}

test.serial('cross-connects 0->1 and 1->0 can be added and listed', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  const list = await sw.xconnects.list();
  t.deepEqual(
    [...list].sort((x, y) => x.inPort - y.inPort),
    [
      { inPort: 0, outPort: 1 },
      { inPort: 1, outPort: 0 },
    ],
    `xconnect list: ${JSON.stringify(list)}`,
  );
});

test.serial('A pings B through the fast path: 0% loss, nothing on vEth0, every packet counted', async (t) => {
  const sw = await controller(s);
  // resolve ARP first so the measured window holds ICMP only (ARP would be counted too, but keep it simple)
  await assertForwards(t, s, 'warm-up');
  await sleep(200);

  const cap = await capture(s.vif(0));
  const before = await snapshot();
  const count = 50;
  const r = await ping(s.topo.a.ns, '10.12.0.2', { count, intervalS: 0.01, waitS: 2 });

  // Wait for the counters to settle: what A sent has been received on port 0.
  let after = await snapshot();
  await waitFor(
    'port counters to settle',
    async () => {
      after = await snapshot();
      const aSent = after.aTx.txPackets - before.aTx.txPackets;
      const bSent = after.bTx.txPackets - before.bTx.txPackets;
      return (
        delta(before.stats, after.stats, 0, 'rxPackets') === aSent &&
        delta(before.stats, after.stats, 1, 'rxPackets') === bSent &&
        delta(before.stats, after.stats, 1, 'txPackets') >= delta(before.stats, after.stats, 0, 'xcPackets') &&
        delta(before.stats, after.stats, 0, 'txPackets') >= delta(before.stats, after.stats, 1, 'xcPackets')
      );
    },
    3000,
  ).catch(() => undefined);
  await sleep(100);
  const lines = await cap.stop();

  t.is(r.lossPct, 0, `ping A -> B lost packets:\n${r.output}\n${logTail(s.instance)}`);
  t.is(r.received, count, `ping A -> B: ${r.received}/${count} replies`);
  t.is(r.duplicates, 0, `ping A -> B: ${r.duplicates} duplicates`);
  t.deepEqual(
    lines.filter((l) => /ICMP|10\.12\.0\./.test(l)),
    [],
    `tcpdump on ${s.vif(0)} saw fast-path traffic`,
  );

  const aSent = after.aTx.txPackets - before.aTx.txPackets;
  const aGot = after.aTx.rxPackets - before.aTx.rxPackets;
  const bSent = after.bTx.txPackets - before.bTx.txPackets;
  const bGot = after.bTx.rxPackets - before.bTx.rxPackets;
  const d = (port: number, c: Parameters<typeof delta>[3]) => delta(before.stats, after.stats, port, c);
  const report = JSON.stringify({
    aSent,
    aGot,
    bSent,
    bGot,
    port0: {
      rx: d(0, 'rxPackets'),
      xc: d(0, 'xcPackets'),
      punt: d(0, 'puntPackets'),
      tx: d(0, 'txPackets'),
      inject: d(0, 'injectPackets'),
      txDrops: d(0, 'txDrops'),
      noRoute: d(0, 'noRoute'),
    },
    port1: {
      rx: d(1, 'rxPackets'),
      xc: d(1, 'xcPackets'),
      punt: d(1, 'puntPackets'),
      tx: d(1, 'txPackets'),
      inject: d(1, 'injectPackets'),
      txDrops: d(1, 'txDrops'),
      noRoute: d(1, 'noRoute'),
    },
  });
  t.log(`counters over the ping: ${report}`);

  t.true(
    aSent >= count && bSent >= count,
    `peers sent ${aSent} and ${bSent} packets, expected at least ${count} each: ${report}`,
  );
  // A -> port 0 -> (xc) -> port 1 -> B
  t.is(d(0, 'rxPackets'), aSent, `port 0 rx == what A sent: ${report}`);
  t.is(d(0, 'xcPackets'), d(0, 'rxPackets'), `port 0 xc == port 0 rx: ${report}`);
  t.is(d(0, 'puntPackets'), 0, `nothing from A punted: ${report}`);
  t.is(
    d(1, 'txPackets'),
    d(0, 'xcPackets') + d(1, 'injectPackets'),
    `port 1 tx == port 0 xc (+ injected from vEth1): ${report}`,
  );
  t.is(d(1, 'injectPackets'), 0, `vEth1 stayed quiet: ${report}`);
  t.is(bGot, d(1, 'txPackets'), `B received what port 1 sent: ${report}`);
  // B -> port 1 -> (xc) -> port 0 -> A
  t.is(d(1, 'rxPackets'), bSent, `port 1 rx == what B sent: ${report}`);
  t.is(d(1, 'xcPackets'), d(1, 'rxPackets'), `port 1 xc == port 1 rx: ${report}`);
  t.is(d(1, 'puntPackets'), 0, `nothing from B punted: ${report}`);
  t.is(
    d(0, 'txPackets'),
    d(1, 'xcPackets') + d(0, 'injectPackets'),
    `port 0 tx == port 1 xc (+ injected from vEth0): ${report}`,
  );
  t.is(aGot, d(0, 'txPackets'), `A received what port 0 sent: ${report}`);
  for (const port of [0, 1]) {
    t.is(d(port, 'txDrops') + d(port, 'noRoute') + d(port, 'puntDrops'), 0, `port ${port} dropped nothing: ${report}`);
  }

  const sync = await sw.stats({ sync: true });
  t.true(sync.updatedNs > 0n, 'stats sync refreshed the device counters');
  t.true(
    portStats(sync, 0).dev.ipackets >= portStats(sync, 0).rxPackets,
    `port 0 device ipackets ${portStats(sync, 0).dev.ipackets} >= fast-path rx ${portStats(sync, 0).rxPackets}`,
  );
});

test.serial(
  'removing cross-connect 0->1 during ping -i 0.01 sends the traffic to vEth0 without a restart',
  async (t) => {
    const sw = await controller(s);
    const pidBefore = (await sw.hello()).dpPid;
    const cap = await capture(s.vif(0), { filter: ['icmp'] });
    const before = await sw.stats();
    const pinger = pingInBackground(s.topo.a.ns, '10.12.0.2', 0.01);
    await sleep(700);
    const seenWhileConnected = [...cap.lines];
    const mid = await sw.stats();
    await sw.xconnects.remove(0);
    const removedAt = Date.now();
    await waitFor(
      `ICMP on ${s.vif(0)} after removing the cross-connect`,
      () => cap.lines.some((l) => l.includes('10.12.0.1 > 10.12.0.2: ICMP echo request')),
      3000,
    ).catch(() => undefined);
    const delayMs = Date.now() - removedAt;
    await sleep(300);
    const r = await pinger.stop();
    await sleep(100);
    const lines = await cap.stop();
    const after = await sw.stats();
    const hello = await sw.hello();

    t.log(
      `ping: ${r.transmitted} sent, ${r.received} received; ICMP on ${s.vif(0)} ${delayMs} ms after removal; ${lines.length} lines`,
    );
    t.deepEqual(seenWhileConnected, [], `tcpdump on ${s.vif(0)} saw ICMP while the cross-connect was in place`);
    t.true(
      delta(before, mid, 0, 'xcPackets') > 10,
      `traffic was cross-connected before removal (xc moved by ${delta(before, mid, 0, 'xcPackets')})`,
    );
    const requests = lines.filter((l) => l.includes('10.12.0.1 > 10.12.0.2: ICMP echo request'));
    t.true(
      requests.length > 5,
      `tcpdump on ${s.vif(0)} saw ${requests.length} echo requests after removal:\n${lines.slice(0, 20).join('\n')}\n${logTail(s.instance)}`,
    );
    t.true(
      delta(mid, after, 0, 'puntPackets') >= requests.length,
      `port 0 punted ${delta(mid, after, 0, 'puntPackets')} packets, tcpdump saw ${requests.length}`,
    );
    t.is(hello.dpPid, pidBefore, 'slipwayd was not restarted');
    t.is(hello.dpPid, s.pid, 'same slipwayd as launched');
    t.true(
      r.received > 0 && r.received < r.transmitted,
      `replies stopped after the removal (${r.received}/${r.transmitted})`,
    );

    // Every packet received on port 0 was either cross-connected or punted: the switch lost or duplicated none.
    const rx = delta(before, after, 0, 'rxPackets');
    const xc = delta(before, after, 0, 'xcPackets');
    const punt = delta(before, after, 0, 'puntPackets');
    t.is(delta(before, after, 0, 'puntDrops'), 0, 'no punt drops at 100 pps');
    t.is(rx, xc + punt, `port 0: rx ${rx} == xc ${xc} + punt ${punt}`);
    const list = await sw.xconnects.list();
    t.deepEqual(list, [{ inPort: 1, outPort: 0 }], `only 1->0 is left: ${JSON.stringify(list)}`);

    // and back on the fast path
    await sw.xconnects.add(0, 1);
    await assertForwards(t, s, 'after re-adding 0->1');
  },
);

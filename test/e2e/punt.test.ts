/*
 * The vEth exception path: what the fast path does not match goes to the
 * ingress port's vEth, what the kernel sends on vEthN leaves through port N.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { controller, delta, e2eSuite, logTail } from './harness';
import { capture, ping, run } from './netns';

const s = e2eSuite(test, { name: 'punt', vifPrefix: 'vEth', addrsA: ['10.11.0.2/24'], addrsB: ['10.11.1.2/24'] });

test.serial('each port has a vEth carrying the port MAC', async (t) => {
  const sw = await controller(s);
  const ports = await sw.ports.list();
  t.is(ports.length, 2, `expected 2 ports, got ${JSON.stringify(ports)}`);
  for (const p of ports) {
    t.is(p.vif, s.vif(p.port), `port ${p.port} vif name`);
    const mac = readFileSync(`/sys/class/net/${p.vif}/address`, 'utf8').trim();
    t.is(mac, p.mac.toLowerCase(), `${p.vif} has port ${p.port}'s MAC`);
    t.true(p.started, `port ${p.port} started`);
  }
});

test.serial(
  'peer A pings an address on vEth0: the host stack replies and tcpdump on vEth0 sees the request',
  async (t) => {
    const sw = await controller(s);
    await run('ip', ['addr', 'add', '10.11.0.1/24', 'dev', s.vif(0)]);
    await run('ip', ['link', 'set', 'dev', s.vif(0), 'up']);

    const before = await sw.stats();
    const cap = await capture(s.vif(0), { filter: ['icmp', 'or', 'arp'] });
    const result = await ping(s.topo.a.ns, '10.11.0.1', { count: 3, intervalS: 0.2, waitS: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = await cap.stop();
    const after = await sw.stats();

    t.log(`tcpdump -i ${s.vif(0)}:\n${lines.join('\n')}`);
    t.is(
      result.lossPct,
      0,
      `ping ${s.topo.a.ns} -> 10.11.0.1 (vEth0) lost packets:\n${result.output}\n${logTail(s.instance)}`,
    );
    t.is(result.duplicates, 0, `duplicate replies (the host answered on the veth too?):\n${result.output}`);
    const requests = lines.filter((l) => l.includes('10.11.0.2 > 10.11.0.1: ICMP echo request'));
    const replies = lines.filter((l) => l.includes('10.11.0.1 > 10.11.0.2: ICMP echo reply'));
    t.is(requests.length, 3, `tcpdump on ${s.vif(0)} should show 3 echo requests:\n${lines.join('\n')}`);
    t.is(replies.length, 3, `tcpdump on ${s.vif(0)} should show 3 echo replies:\n${lines.join('\n')}`);

    // requests were punted to vEth0, replies injected from it into port 0
    t.true(
      delta(before, after, 0, 'puntPackets') >= 3,
      `port 0 punt_packets moved by ${delta(before, after, 0, 'puntPackets')}`,
    );
    t.true(
      delta(before, after, 0, 'vifTxPackets') >= 3,
      `port 0 vif_tx_packets moved by ${delta(before, after, 0, 'vifTxPackets')}`,
    );
    t.true(
      delta(before, after, 0, 'vifRxPackets') >= 3,
      `port 0 vif_rx_packets moved by ${delta(before, after, 0, 'vifRxPackets')}`,
    );
    t.true(
      delta(before, after, 0, 'injectPackets') >= 3,
      `port 0 inject_packets moved by ${delta(before, after, 0, 'injectPackets')}`,
    );
    t.is(delta(before, after, 0, 'xcPackets'), 0, 'nothing was cross-connected');
    t.is(delta(before, after, 1, 'txPackets'), 0, 'nothing left through port 1');
  },
);

test.serial('ARP for vEth0 is answered by the host with the port MAC', async (t) => {
  const sw = await controller(s);
  const port0 = await sw.ports.get(0);
  const neigh = await run('ip', ['-n', s.topo.a.ns, 'neigh', 'show', '10.11.0.1']);
  t.regex(
    neigh.stdout,
    new RegExp(`lladdr ${port0.mac.toLowerCase()}`),
    `A's neighbour entry for 10.11.0.1: ${neigh.stdout.trim()}`,
  );
});

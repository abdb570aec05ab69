/*
 * Malformed frames (runt, truncated IPv4/IPv6 headers, IHL < 5, lengths
 * beyond the frame, bad versions) are counted in drop_malformed, never
 * forwarded, and the dataplane keeps forwarding afterwards.
 */
import test from 'ava';
import { controller, e2eSuite, logTail } from './harness';
import { A4, B4, assertL3, sendraw, setUpL3, type L3Env } from './l3';
import { capture, ping, sleep } from './netns';

const s = e2eSuite(test, { name: 'malformed', vifPrefix: 'mfv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
let env: L3Env;
const N = 5;

test.serial.before(async () => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
  await ping(s.topo.b.ns, A4, { count: 1, waitS: 2 });
});

test.serial('control: a well-formed frame of the same flow (good4) is routed to B', async (t) => {
  const sw = await controller(s);
  const before = await sw.stats();
  const cap = await capture(s.topo.b.peerIf, { netns: s.topo.b.ns, filter: ['-Q', 'in', 'udp', 'port', '5678'] });
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', N);
  await sleep(300);
  const lines = await cap.stop();
  const after = await sw.stats();
  t.is(lines.length, N, lines.join('\n'));
  assertL3(t, s, before, after, 0, 'routedPackets', N);
});

for (const kind of ['runt', 'trunc4', 'ihl4', 'len4', 'ver4', 'trunc6', 'len6', 'ver6']) {
  test.serial(`${kind}: ${N} frames counted in drop_malformed, none reaches B or vEth0`, async (t) => {
    const sw = await controller(s);
    const before = await sw.stats();
    // everything except the kernels' own ARP/ND/MLD chatter
    const quiet = ['not', 'arp', 'and', 'not', 'icmp6', 'and', 'not', 'ip6', 'multicast'];
    const capB = await capture(s.topo.b.peerIf, { netns: s.topo.b.ns, filter: ['-Q', 'in', ...quiet] });
    const capV = await capture(s.vif(0), { filter: quiet });
    await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], kind, N);
    await sleep(300);
    const linesB = await capB.stop();
    const linesV = await capV.stop();
    const after = await sw.stats();
    assertL3(t, s, before, after, 0, 'dropMalformed', N);
    assertL3(t, s, before, after, 0, 'routedPackets', 0);
    t.deepEqual(linesB, [], `B received:\n${linesB.join('\n')}`);
    t.deepEqual(linesV, [], `vEth0 received:\n${linesV.join('\n')}`);
  });
}

test.serial('after every malformed kind the dataplane still forwards A <-> B in both families', async (t) => {
  const sw = await controller(s);
  t.true(sw.isAlive());
  for (const dst of [B4, 'fd02::2']) {
    const r = await ping(s.topo.a.ns, dst, { count: 10, intervalS: 0.02, waitS: 2 });
    t.is(r.lossPct, 0, `ping ${dst}:\n${r.output}\n${logTail(s.instance, 10)}`);
  }
});

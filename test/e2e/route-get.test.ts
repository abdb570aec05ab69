/*
 * route get against a real dataplane: the longest-prefix match and, for an
 * ECMP route, the member a flow's hash picks, which is where the fast path
 * really sends that flow. The route 10.9.0.0/16 has two next hops, A (port
 * 0) and B (port 1): every flow from A to 10.9.0.1 is seen on exactly the
 * port route get named for it.
 */
import test from 'ava';
import { controller, e2eSuite } from './harness';
import { A4, B4, setUpL3, type L3Env, sendraw } from './l3';
import { capture, ping, sleep } from './netns';

const s = e2eSuite(test, { name: 'rget', vifPrefix: 'rgv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
let env: L3Env;
const FAR = '10.9.0.1';

test.serial.before(async () => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  await sw.routes.add({
    prefix: '10.9.0.0/16',
    via: [
      { port: 0, gw: A4 },
      { port: 1, gw: B4 },
    ],
  });
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
});

test.serial('the longest prefix, a host route of a neighbour, and no route', async (t) => {
  const sw = await controller(s);
  const far = await sw.routes.get(FAR);
  t.true(far.found);
  t.is(far.route?.prefix, '10.9.0.0/16');
  const host = await sw.routes.get(B4);
  t.is(host.route?.prefix, `${B4}/32`, 'the neighbour B installed a host route');
  t.true(host.resolved);
  t.is(host.mac, env.macB);
  t.is(host.outPort, 1);
  t.false((await sw.routes.get('192.0.2.1')).found);
});

test.serial('every flow leaves by the ECMP member route get names for it', async (t) => {
  const sw = await controller(s);
  const filter = ['-Q', 'in', 'udp', 'and', 'dst', 'host', FAR];
  const onA = await capture(s.topo.a.peerIf, { netns: s.topo.a.ns, filter });
  const onB = await capture(s.topo.b.peerIf, { netns: s.topo.b.ns, filter });
  const want = new Map<number, number>();
  for (let sport = 2000; sport < 2016; sport++) {
    const m = await sw.routes.get(FAR, { from: A4, proto: 'udp', sport, dport: 5678 });
    t.true(m.found && m.resolved, JSON.stringify(m));
    want.set(sport, m.outPort!);
    await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1, {
      DST4: FAR,
      SPORT: String(sport),
    });
  }
  await sleep(300);
  const seenA = await onA.stop();
  const seenB = await onB.stop();
  const sportsOf = (lines: string[]) => lines.map((l) => Number(/\.(\d+) > /.exec(l)?.[1])).sort((x, y) => x - y);
  const expected = (port: number) => [...want].filter(([, p]) => p === port).map(([sp]) => sp);
  t.deepEqual(sportsOf(seenA), expected(0), `flows seen back on A:\n${seenA.join('\n')}`);
  t.deepEqual(sportsOf(seenB), expected(1), `flows seen on B:\n${seenB.join('\n')}`);
  t.true(expected(0).length > 0 && expected(1).length > 0, `16 flows use both members: ${JSON.stringify([...want])}`);
});

/*
 * Match-action rules on the routed topology: every action does what it
 * says (forward as is, route, drop, punt, mirror to the vEth, count), the
 * per-rule counters equal what was sent, and inserting rules while a 2 ms
 * ping runs loses nothing.
 */
import test from 'ava';
import type { Rule } from '../../ts-api/src/index';
import { controller, e2eSuite, logTail } from './harness';
import { A4, B4, assertL3, sendraw, setUpL3, type L3Env } from './l3';
import { capture, ping, sleep } from './netns';

const s = e2eSuite(test, { name: 'rules', vifPrefix: 'rlv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
let env: L3Env;
const N = 5;
/** sendraw good4: 14 + 20 + 8 + 18 bytes */
const FRAME = 60;
const match = {
  inPort: 0,
  src: `${A4}/32`,
  dst: `${B4}/32`,
  proto: 'udp',
  sport: 1234,
  dport: [5000, 6000] as [number, number],
};

test.serial.before(async () => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
  await ping(s.topo.b.ns, A4, { count: 1, waitS: 2 });
});

const cases: Array<{
  action: Rule['action'];
  onB: number;
  ttlB?: number;
  onVeth: number;
  counter?: 'ruleDrops' | 'rulePunts';
}> = [
  { action: { type: 'forward', port: 1 }, onB: N, ttlB: 64, onVeth: 0 },
  { action: { type: 'route' }, onB: N, ttlB: 63, onVeth: 0 },
  { action: { type: 'drop' }, onB: 0, onVeth: 0, counter: 'ruleDrops' },
  { action: { type: 'punt' }, onB: 0, onVeth: N, counter: 'rulePunts' },
  { action: { type: 'mirror' }, onB: N, ttlB: 63, onVeth: N },
  { action: { type: 'count' }, onB: N, ttlB: 63, onVeth: 0 },
];

for (const [i, c] of cases.entries()) {
  test.serial(
    `rule action ${JSON.stringify(c.action)}: B sees ${c.onB}, vEth0 sees ${c.onVeth}, the rule counted ${N} packets`,
    async (t) => {
      const sw = await controller(s);
      const id = 10 + i;
      await sw.rules.add({ id, priority: 100, match, action: c.action });
      const listed = (await sw.rules.list()).find((e) => e.rule.id === id);
      t.deepEqual(listed?.rule, { id, priority: 100, match: { ...match, family: 4, proto: 17 }, action: c.action });
      const before = await sw.stats();
      const capB = await capture(s.topo.b.peerIf, {
        netns: s.topo.b.ns,
        filter: ['-v', '-Q', 'in', 'udp', 'port', '5678'],
      });
      const capV = await capture(s.vif(0), { filter: ['udp', 'port', '5678'] });
      await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', N);
      await sleep(300);
      const linesB = await capB.stop();
      const linesV = await capV.stop();
      const after = await sw.stats();
      const entry = (await sw.rules.list()).find((e) => e.rule.id === id);
      await sw.rules.remove(id);
      const textB = linesB.join('\n');
      const seenB = (textB.match(/10\.1\.0\.2\.1234 > 10\.2\.0\.2\.5678/g) ?? []).length;
      t.is(seenB, c.onB, `B saw ${seenB}:\n${textB}\n${logTail(s.instance, 10)}`);
      if (c.ttlB !== undefined) {
        const ttls = [...textB.matchAll(/ttl (\d+)/g)].map((m) => Number(m[1]));
        t.true(
          ttls.length === c.onB && ttls.every((x) => x === c.ttlB),
          `ttl on B ${ttls.join(',')}, expected ${c.ttlB}`,
        );
      }

      const seenV = linesV.filter((l) => l.includes('10.1.0.2.1234 > 10.2.0.2.5678')).length;
      t.is(seenV, c.onVeth, `vEth0 saw ${seenV}:\n${linesV.join('\n')}`);
      t.is(entry?.packets, BigInt(N), `rule ${id} packets`);
      t.is(entry?.bytes, BigInt(N * FRAME), `rule ${id} bytes`);
      if (c.counter) {
        assertL3(t, s, before, after, 0, c.counter, N);
      }
    },
  );
}

test.serial('a higher-priority rule wins over a lower one (drop at 10 under punt at 20)', async (t) => {
  const sw = await controller(s);
  const r = await sw.rules.addMany([
    { id: 30, priority: 10, match, action: { type: 'drop' } },
    { id: 31, priority: 20, match: { family: 4, dst: '10.2.0.0/24' }, action: { type: 'punt' } },
  ]);
  r.throwIfFailed();
  const before = await sw.stats();
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', N);
  await sleep(300);
  const after = await sw.stats();
  const list = await sw.rules.list();
  t.is(list.find((e) => e.rule.id === 31)?.packets, BigInt(N));
  t.is(list.find((e) => e.rule.id === 30)?.packets, 0n);
  assertL3(t, s, before, after, 0, 'rulePunts', N);
  assertL3(t, s, before, after, 0, 'ruleDrops', 0);
  (await sw.rules.removeMany([30, 31])).throwIfFailed();
  t.deepEqual(await sw.rules.list(), []);
});

test.serial(
  'inserting a COUNT rule and a higher-priority ROUTE rule while ping -i 0.002 runs: zero loss, the rules count',
  async (t) => {
    const sw = await controller(s);
    const count = 1000;
    const p = ping(s.topo.a.ns, B4, { count, intervalS: 0.002, waitS: 2 });
    let done = false;
    void p.finally(() => {
      done = true;
    });
    let rounds = 0;
    let counted = 0n;
    const icmp = { family: 4 as const, proto: 'icmp', dst: `${B4}/32` };
    while (!done) {
      await sw.rules.add({ id: 40, priority: 10, match: icmp, action: { type: 'count' } });
      await sleep(15);
      await sw.rules.add({ id: 41, priority: 20, match: icmp, action: { type: 'route' } });
      await sleep(15);
      const list = await sw.rules.list();
      counted +=
        (list.find((e) => e.rule.id === 40)?.packets ?? 0n) + (list.find((e) => e.rule.id === 41)?.packets ?? 0n);
      (await sw.rules.removeMany([40, 41])).throwIfFailed();
      await sleep(5);
      rounds++;
    }

    const r = await p;
    t.log(`${rounds} insert/remove rounds while pinging; rules counted ${counted} packets`);
    t.true(rounds >= 20, `only ${rounds} rounds`);
    t.true(counted > 0n, 'the inserted rules matched the ping');
    t.true(
      r.transmitted === count && r.received === count && r.lossPct === 0,
      `${r.transmitted} sent, ${r.received} received:\n${r.output.split('\n').slice(-4).join('\n')}\n${logTail(s.instance, 10)}`,
    );
  },
);

test.serial('rules: BAD_ARGUMENT before sending, NO_PORT and NOT_FOUND from the dataplane', async (t) => {
  const sw = await controller(s);
  const bad = await t.throwsAsync(
    sw.rules.add({ id: 1, priority: 1, match: { src: '10.1.0.0/33' }, action: { type: 'drop' } }),
  );
  t.is((bad as { code?: string }).code, 'BAD_ARGUMENT');
  t.regex(bad!.message, /10\.1\.0\.0\/33/);
  const noPort = await t.throwsAsync(
    sw.rules.add({ id: 1, priority: 1, match: {}, action: { type: 'forward', port: 7 } }),
  );
  t.is((noPort as { code?: string }).code, 'NO_PORT');
  const missing = await t.throwsAsync(sw.rules.remove(12345));
  t.is((missing as { code?: string }).code, 'NOT_FOUND');
  t.regex(missing!.message, /12345/);
});

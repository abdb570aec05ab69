/*
 * slipctl trace / explain and sw.taps.trace() / explain() against a real
 * dataplane on the routed topology (test/e2e/l3.ts):
 *
 *  - a trace of a routed ping names the route (the neighbour's host route),
 *    the next hop and its neighbour, the output port, the worker, and what
 *    the packet became (forwarded, seen at tx);
 *  - flows to an ECMP route: each trace record names the member the flow
 *    hash picked, which is the port the packet really left by, and which
 *    ROUTE_GET and EXPLAIN name for the same flow;
 *  - a rule that matched, a punt (no route) with its policer verdict, a
 *    drop (a drop route) with its reason: trace and explain agree on each;
 *  - the CLI prints the same records, and --json.
 */
import test from 'ava';
import type { TraceRecord } from '../../ts-api/src/index';
import { controller, e2eSuite, slipctl } from './harness';
import { A4, B4, setUpL3, sendraw, type L3Env } from './l3';
import { ping, sleep } from './netns';

const s = e2eSuite(test, { name: 'trace', vifPrefix: 'trv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
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
  await sw.routes.add({ prefix: '198.51.100.0/24', type: 'drop' });
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
});

/** What explain says for the packet a trace record saw. */
async function explainOf(r: TraceRecord): Promise<TraceRecord> {
  const sw = await controller(s);
  const f = r.frame;
  return sw.taps.explain({
    inPort: r.inPort,
    src: f.src!,
    dst: f.dst!,
    proto: f.proto!,
    ...(f.sport === null ? {} : { sport: f.sport, dport: f.dport! }),
    srcMac: f.srcMac,
    dstMac: f.dstMac,
    ttl: f.ttl!,
    length: f.family === 4 ? f.length - 14 : undefined,
  });
}

/** The verdict part of a record, for comparing a trace with explain. */
function verdict(r: TraceRecord) {
  return {
    action: r.action,
    step: r.step,
    outPort: r.outPort,
    reason: r.reason,
    puntClass: r.puntClass,
    rule: r.rule,
    route:
      r.route === null
        ? null
        : { ...r.route, group: undefined, flowHash: r.route.nextHops > 1 ? r.route.flowHash : undefined },
  };
}

test.serial('a routed ping: the route, the next hop and its neighbour, the output port', async (t) => {
  const sw = await controller(s);
  const tr = await sw.taps.trace({ port: 0, count: 3, filter: `icmp and dst host ${B4}` });
  t.is(tr.info.kind, 'trace');
  t.true(tr.info.jit);
  const pinging = ping(s.topo.a.ns, B4, { count: 3, intervalS: 0.05, waitS: 2 });
  const recs: TraceRecord[] = [];
  for await (const r of tr.records({ max: 3, timeoutMs: 10_000 })) recs.push(r);
  await pinging;
  await tr.stop();
  t.is(recs.length, 3);
  const ports = await sw.ports.list();
  const host = await sw.routes.get(B4);
  for (const r of recs) {
    t.like(r, { inPort: 0, queue: 0, action: 'forward', step: 'route', outPort: 1, observed: true, explain: false });
    t.is(r.lcore, ports[0]!.workerLcore);
    t.like(r.frame, { family: 4, src: A4, dst: B4, proto: 1, ttl: 64, srcMac: env.macA, dstMac: env.portMac[0] });
    t.like(r.route, {
      found: true,
      prefix: `${B4}/32`,
      type: 'forward',
      nextHops: 1,
      member: 0,
      port: 1,
      gw: host.nextHop?.gw ?? null, // the neighbour's host route: as route get names it
      resolved: true,
      mac: env.macB,
    });
    t.is(r.rule, null);
    t.true(r.latencyNs !== null && r.latencyNs >= 0 && r.tscOut >= r.tscRx, `${r.tscRx} -> ${r.tscOut}`);
    t.deepEqual(verdict(await explainOf(r)), verdict(r), 'explain agrees with the trace');
  }
});

test.serial('ECMP: each flow leaves by the member the trace, route get and explain name', async (t) => {
  const sw = await controller(s);
  const tr = await sw.taps.trace({ port: 0, count: 16, filter: `udp and dst host ${FAR}` });
  for (let sport = 3000; sport < 3016; sport++) {
    await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1, { DST4: FAR, SPORT: String(sport) });
  }
  const recs: TraceRecord[] = [];
  for await (const r of tr.records({ max: 16, timeoutMs: 10_000 })) recs.push(r);
  await tr.stop();
  t.is(recs.length, 16);
  const members = new Set<number>();
  for (const r of recs) {
    const m = await sw.routes.get(FAR, { from: A4, proto: 'udp', sport: r.frame.sport!, dport: r.frame.dport! });
    t.is(r.route?.prefix, '10.9.0.0/16');
    t.is(r.route?.nextHops, 2);
    t.is(r.route?.member, m.member, `sport ${r.frame.sport}`);
    t.is(r.outPort, m.outPort, `sport ${r.frame.sport}: the trace saw it leave where route get says`);
    t.is(r.route?.gw, m.nextHop?.gw ?? null);
    t.is(r.route?.mac, m.mac);
    t.deepEqual(verdict(await explainOf(r)), verdict(r), `sport ${r.frame.sport}: explain agrees`);
    members.add(r.route!.member!);
  }
  t.is(members.size, 2, '16 flows use both members');
});

test.serial('a rule, a punt and a drop: trace and explain agree', async (t) => {
  const sw = await controller(s);
  await sw.rules.add({
    id: 41,
    priority: 10,
    match: { family: 4, proto: 'udp', dport: 5678 },
    action: { type: 'count' },
  });
  const tr = await sw.taps.trace({ port: 0, count: 3, filter: 'udp' });
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1, { DST4: B4 });
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1, { DST4: '192.0.2.1', DPORT: '9' });
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1, { DST4: '198.51.100.7', DPORT: '9' });
  const recs: TraceRecord[] = [];
  for await (const r of tr.records({ max: 3, timeoutMs: 10_000 })) recs.push(r);
  await tr.stop();
  await sw.rules.remove(41);
  t.is(recs.length, 3);
  const [routed, punted, dropped] = recs;
  t.like(routed, { action: 'forward', outPort: 1, rule: { id: 41, priority: 10, action: 'count' } });
  t.like(punted, { action: 'punt', reason: 'puntNoRoute', puntClass: 'other', police: 'pass', rule: null });
  t.like(punted!.route, { found: false });
  t.like(dropped, { action: 'drop', reason: 'dropRoute', step: 'route', rule: null });
  t.like(dropped!.route, { found: true, prefix: '198.51.100.0/24', type: 'drop' });
  await sw.rules.add({
    id: 41,
    priority: 10,
    match: { family: 4, proto: 'udp', dport: 5678 },
    action: { type: 'count' },
  });
  t.deepEqual(verdict(await explainOf(routed!)), verdict(routed!));
  await sw.rules.remove(41);
  const p = await explainOf(punted!);
  t.deepEqual(verdict(p), { ...verdict(punted!) });
  t.is(p.police, null, 'explain cannot know the token bucket');
  t.deepEqual(verdict(await explainOf(dropped!)), verdict(dropped!));
});

test.serial('explain of what sendraw cannot send: a TTL that expires, a VLAN tag, IPv6', async (t) => {
  const sw = await controller(s);
  t.like(await sw.taps.explain({ inPort: 0, src: A4, dst: B4, ttl: 1 }), {
    action: 'punt',
    reason: 'puntTtl',
    puntClass: 'icmp',
    explain: true,
    observed: false,
  });
  t.like(await sw.taps.explain({ inPort: 0, src: A4, dst: B4, vlan: 100 }), {
    action: 'punt',
    reason: 'puntOther',
    step: 'checks',
  });
  const six = await sw.taps.explain({ inPort: 1, src: 'fd02::2', dst: 'fd01::2', proto: 'tcp', sport: 1, dport: 22 });
  t.like(six, { action: 'forward', outPort: 0, step: 'route' });
  t.like(six.route, { prefix: 'fd01::2/128', resolved: true, mac: env.macA });
  await t.throwsAsync(sw.taps.explain({ inPort: 9, src: A4, dst: B4 }), { code: 'NO_PORT' });
  await t.throwsAsync(sw.taps.explain({ inPort: 0, src: A4, dst: 'fd01::2' }), { code: 'BAD_ARGUMENT' });
});

test.serial('slipctl trace and explain print the records, and --json', async (t) => {
  const run = slipctl(['-i', s.instance, 'trace', '--port', '0', '-c', '2', 'icmp', 'and', 'dst', 'host', B4]);
  const sw = await controller(s);
  await sleep(1500);
  for (let i = 0; i < 20 && (await sw.taps.list()).length === 0; i++) await sleep(250);
  await ping(s.topo.a.ns, B4, { count: 2, intervalS: 0.1, waitS: 2 });
  const r = await run;
  t.is(r.code, 0, r.stderr);
  const blocks = r.stdout.trim().split(/\n(?=#)/);
  t.is(blocks.length, 2, r.stdout);
  for (const b of blocks) {
    t.regex(b, new RegExp(`IPv4 ${A4.replace(/\./g, '\\.')} > ${B4.replace(/\./g, '\\.')} icmp`));
    t.regex(
      b,
      new RegExp(
        `route +${B4.replace(/\./g, '\\.')}/32, next hop 1 of 1: port 1 via ${B4.replace(/\./g, '\\.')}, neighbour ${env.macB}`,
      ),
    );
    t.regex(b, /verdict +forward out of port 1 \(by route\) \[did\]/);
  }
  const e = await slipctl([
    '-i',
    s.instance,
    '--json',
    'explain',
    '--in-port',
    '0',
    '--src',
    A4,
    '--dst',
    FAR,
    '--proto',
    'udp',
    '--sport',
    '3001',
    '--dport',
    '5678',
  ]);
  t.is(e.code, 0, e.stderr);
  const j = JSON.parse(e.stdout) as TraceRecord;
  const m = await sw.routes.get(FAR, { from: A4, proto: 'udp', sport: 3001, dport: 5678 });
  t.like(j, { explain: true, action: 'forward', outPort: m.outPort });
  t.is(j.route?.member, m.member);
  const text = await slipctl(['-i', s.instance, 'explain', '--in-port', '0', '--src', A4, '--dst', '192.0.2.9']);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /verdict +punt to port 0's vEth: puntNoRoute, class icmp \(by route\) \[would\]/);
});

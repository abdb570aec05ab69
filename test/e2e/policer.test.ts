/*
 * The punt policer protects the host stack: a flood of unmatched traffic
 * is held to the configured rate on its way to the vEth, another punt class
 * of the same port is untouched by it, routed traffic between A and B loses
 * nothing meanwhile, ARP for the host's address still resolves, and the
 * policer reports when it starts and stops dropping.
 *
 * The flood comes from inside the dataplane: port 2 is a net_pcap replay
 * generator (infinite_rx) started only for the length of a flood, so the
 * kernel's veth and AF_PACKET queues, which would drop frames of their own
 * under a flood, are not in its way, and every count below is slipway's.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type PolicerEvent, type SlipwayEvent, type Stats } from '../../ts-api/src/index';
import { abi } from '../../ts-api/src/wire';
import { arpRequestFrame, PCAP_PORT0_MAC, udpFrames, writePcap } from '../../examples/bench/pcap';
import { controller, e2eSuite, logTail, portStats } from './harness';
import { A4, B4, HOST4, l3delta, l3moved, setUpL3, type L3Env } from './l3';
import { ping, quietIpv6, run, sleep, vifNotRouter, waitFor } from './netns';

const s = e2eSuite(test, { name: 'police', vifPrefix: 'pol', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-police-'));
let env: L3Env;
const seen: SlipwayEvent[] = [];
let stopEvents: (() => Promise<unknown>) | undefined;

/* The generator port and what it replays: UDP to 10.1.0.77, inside A's
 * connected prefix with no neighbour, so every frame is punted
 * (punt_no_neigh, class "other"); one frame in 1024 is an ARP request (class
 * "arp") for an address nobody has. */
const GEN = 2;
const FLOOD_DST = '10.1.0.77';
const LIMIT = 1000;
const BURST = 100;

test.after.always(async () => {
  await stopEvents?.();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the generator for about `ms`; returns the stats around it and how long it ran. */
async function flood(ms: number): Promise<{ before: Stats; after: Stats; elapsedS: number }> {
  const sw = await controller(s);
  const before = await sw.stats();
  const t0 = performance.now();
  await sw.ports.start(GEN);
  await sleep(ms);
  await sw.ports.stop(GEN);
  const elapsedS = (performance.now() - t0) / 1000;
  return { before, after: await sw.stats(), elapsedS };
}

test.serial('each port starts with the defaults; settings are checked by the dataplane too', async (t) => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  const pcap = path.join(dir, 'flood.pcap');
  const frames = udpFrames({ count: 1023, dstMac: PCAP_PORT0_MAC, dsts: [FLOOD_DST], src4: '10.3.0.2' });
  frames.push(arpRequestFrame('02:00:00:00:0f:01', '10.3.0.98', '10.3.0.99'));
  writePcap(pcap, frames);
  const gen = await sw.ports.add(`net_pcap0,rx_pcap=${pcap},infinite_rx=1`);
  t.is(gen.port, GEN);
  await sw.ports.stop(GEN);
  t.is(gen.mac, PCAP_PORT0_MAC, 'the generator frames are addressed to its port');
  await quietIpv6(gen.vif);
  await vifNotRouter(gen.vif);

  const it = sw.events();
  stopEvents = async () => it.return?.();
  void (async () => {
    for await (const ev of it) seen.push(ev);
  })();

  const defaults = await sw.policer.get();
  t.is(defaults.port, 'default');
  t.deepEqual(await sw.policer.get(0), { ...defaults, port: 0 });
  t.true(defaults.classes.arp.ratePps > 0 && defaults.classes.other.ratePps > 0, JSON.stringify(defaults));

  const set = await sw.policer.set({ port: GEN, class: 'other', ratePps: LIMIT, burst: BURST });
  t.deepEqual(set.classes.other, { ratePps: LIMIT, burst: BURST });
  t.deepEqual(set.classes.arp, defaults.classes.arp);
  t.deepEqual((await sw.policer.get(1)).classes, defaults.classes, 'port 1 is untouched');
  t.deepEqual((await sw.policer.get()).classes, defaults.classes, 'the defaults are untouched');
  // the generator's ARP share is far above its default: let all of it through
  await sw.policer.set({ port: GEN, class: 'arp', ratePps: 1_000_000, burst: 100_000 });

  // what the TS checks would stop, sent raw: the dataplane names the problem
  const raw = (port: number, puntClass: number, rate: number, burst: number) => {
    const b = new Uint8Array(abi.PolicerSet.SIZE);
    const v = new DataView(b.buffer);
    v.setUint16(abi.PolicerSet.port, port, true);
    v.setUint8(abi.PolicerSet.punt_class, puntClass);
    v.setUint32(abi.PolicerSet.rate_pps, rate, true);
    v.setUint32(abi.PolicerSet.burst, burst, true);
    return sw.request(abi.Op.POLICER_SET, b);
  };

  const text = (p: Uint8Array) => Buffer.from(p).toString('utf8').replace(/\0.*$/s, '');
  const badClass = await raw(0, 9, 100, 10);
  t.is(abi.STATUS_NAMES[badClass.status], 'INVALID');
  t.regex(text(badClass.payload), /punt class 9 is unknown/);
  const badBurst = await raw(0, 0, 100, 0);
  t.is(abi.STATUS_NAMES[badBurst.status], 'INVALID');
  t.regex(text(badBurst.payload), /burst 0 packets is out of range/);
  const badPort = await raw(7, 0, 100, 10);
  t.is(abi.STATUS_NAMES[badPort.status], 'NO_PORT');
  t.regex(text(badPort.payload), /port 7 does not exist/);
  t.deepEqual(
    (await sw.policer.get(GEN)).classes.other,
    { ratePps: LIMIT, burst: BURST },
    'refused settings changed nothing',
  );
});

test.serial(
  'a flood is held to the limit, ARP of the same port passes; routed pings lose nothing; ARP for the host resolves',
  async (t) => {
    const sw = await controller(s);
    // warm up: both peers know their gateway
    await ping(s.topo.a.ns, B4, { count: 2, intervalS: 0.1, waitS: 2 });
    await ping(s.topo.b.ns, A4, { count: 2, intervalS: 0.1, waitS: 2 });
    const seenBefore = seen.length;
    const routedBefore = await sw.stats();

    const floodRun = flood(3000);
    await sleep(300);
    const pingRun = ping(s.topo.b.ns, A4, { count: 200, intervalS: 0.01, waitS: 2 });
    // ARP for the host's address while the flood runs: forget it, then reach the host
    await run('ip', ['-n', s.topo.a.ns, 'neigh', 'flush', 'dev', s.topo.a.peerIf]);
    const hostPing = await ping(s.topo.a.ns, HOST4[0]!, { count: 3, intervalS: 0.2, waitS: 2 });
    const neigh = (await run('ip', ['-n', s.topo.a.ns, 'neigh', 'show', HOST4[0]!, 'dev', s.topo.a.peerIf])).stdout;
    const routedPing = await pingRun;
    const { before, after, elapsedS } = await floodRun;
    const routedAfter = await sw.stats();

    const rx = Number(portStats(after, GEN).rxPackets - portStats(before, GEN).rxPackets);
    const punted = l3delta(before, after, GEN, 'puntNoNeigh');
    const policed = l3delta(before, after, GEN, 'policeOther');
    const passed = punted - policed;
    const arp = l3delta(before, after, GEN, 'puntArp');
    const why = `generator ran ${elapsedS.toFixed(2)} s: rx ${rx}; punted ${punted}, policed ${policed}, passed ${passed}; ARP ${arp}; moved: ${l3moved(before, after, GEN)}`;
    t.log(why);
    t.true(punted > 50 * LIMIT * elapsedS, `the flood must exceed the limit to test it: ${why}`);
    t.is(punted + arp, rx, `every frame of the generator was classified: ${why}`);
    // a bucket of BURST plus LIMIT a second while the generator ran
    t.true(passed <= BURST + LIMIT * elapsedS * 1.05, `punted past the policer above ${LIMIT}/s: ${why}`);
    t.true(passed >= LIMIT * 0.5 * Math.min(elapsedS, 2.5), `the policer let too little through: ${why}`);
    t.true(arp > 0, `the generator's ARP frames were punted: ${why}`);
    t.is(l3delta(before, after, GEN, 'policeArp'), 0, `a flood of "other" took nothing from "arp": ${why}`);

    const ab = `moved on port 1: ${l3moved(routedBefore, routedAfter, 1)}; port 0: ${l3moved(routedBefore, routedAfter, 0)}`;
    t.is(
      routedPing.received,
      200,
      `routed B -> A lost packets under the flood (${ab}):\n${routedPing.output}\n${logTail(s.instance, 10)}`,
    );
    t.true(hostPing.received >= 1, `A could not reach the host during the flood:\n${hostPing.output}`);
    t.regex(
      neigh,
      new RegExp(`lladdr ${env.portMac[0]}`, 'i'),
      `ARP for ${HOST4[0]} did not resolve during the flood: ${neigh}`,
    );

    // the events: dropping started, and stopped once the flood was over
    const policerEvents = () =>
      seen
        .slice(seenBefore)
        .filter((e): e is PolicerEvent => e.type === 'policer' && e.port === GEN && e.class === 'other');
    const start = (await waitFor(
      'a policer event: the generator port drops "other"',
      () => policerEvents().find((e) => e.dropping),
      3000,
    ))!;
    t.true(start.dropPps > 0 && start.drops > 0, JSON.stringify(start));
    const stop = (await waitFor(
      `a policer event: the generator port stopped dropping "other" (seen ${JSON.stringify(policerEvents())})`,
      () => policerEvents().find((e) => !e.dropping),
      3000,
    ))!;
    t.is(
      stop.drops,
      Number(portStats(before, GEN).l3.policeOther) + policed,
      `the total in the event: ${JSON.stringify(stop)}`,
    );
  },
);

test.serial('rate 0 turns the class off: the same flood passes, none of it policed', async (t) => {
  const sw = await controller(s);
  const off = await sw.policer.set({ port: GEN, class: 'other', ratePps: 0 });
  t.deepEqual(off.classes.other, { ratePps: 0, burst: 0 });
  const a = await flood(500);
  const punted = l3delta(a.before, a.after, GEN, 'puntNoNeigh');
  t.is(
    l3delta(a.before, a.after, GEN, 'policeOther'),
    0,
    `policed with the policer off; moved: ${l3moved(a.before, a.after, GEN)}`,
  );
  t.true(punted > LIMIT * 2, `punted ${punted}; moved: ${l3moved(a.before, a.after, GEN)}`);
  // and back on: the configuration changed under traffic, no restart
  await sw.policer.set({ port: GEN, class: 'other', ratePps: LIMIT, burst: BURST });
  const b = await flood(500);
  t.true(
    l3delta(b.before, b.after, GEN, 'policeOther') > 0,
    `not policed after turning it back on; moved: ${l3moved(b.before, b.after, GEN)}`,
  );
});

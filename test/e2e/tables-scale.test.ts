/*
 * Table scale inside `npm test`: 100,000 IPv4 routes and 10,000 rules load
 * from TypeScript in batches over the control ring, every item answered OK,
 * and traffic keeps being routed through them. Ports: a net_pcap replay
 * generator (64-byte UDP to 10.2.0.0/16) into a quiet net_null, so no
 * namespaces are needed. The 1,000,000-route case is route-scale.test.ts.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, launch, type Rule, type RouteSpec, type Slipway } from '../../ts-api/src/index';
import { benchVdevs } from '../../examples/bench/l3fwd';
import { destinationsFor, PCAP_PORT0_MAC, routesFor, writeUdpPcap } from '../../examples/bench/pcap';
import { logTail, logger } from './harness';
import { hugepagesTotal } from './netns';

const instance = `e2e-tables-${process.pid}`;
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-tables-'));
let sw: Slipway | undefined;

test.after.always(async () => {
  if (sw) await sw.shutdown({ timeoutMs: 15_000 }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/*
 * A window of traffic with exact accounting: the generator (port 0) is
 * stopped at both ends of the window, so every counter is at rest when it
 * is read and every frame received is either forwarded on port 1 or counted
 * as lost (drop and punt counters, which must not move).
 */
async function forwardedOver(ms: number): Promise<{ rx: number; tx: number; lost: number }> {
  const a = await sw!.stats();
  await sw!.ports.start(0);
  await new Promise((resolve) => setTimeout(resolve, ms));
  await sw!.ports.stop(0);
  const b = await sw!.stats();
  const d = (p: number, k: 'rxPackets' | 'txPackets' | 'txDrops' | 'puntPackets' | 'puntDrops' | 'injectPackets') =>
    Number(b.ports[p]![k] - a.ports[p]![k]);
  const l3 = (k: 'dropMalformed' | 'dropRoute' | 'dropPortDown' | 'ruleDrops' | 'puntNoRoute' | 'puntNoNeigh') =>
    Number(b.ports[0]!.l3[k] - a.ports[0]!.l3[k]);
  const lost =
    d(1, 'txDrops') +
    d(0, 'puntPackets') +
    d(0, 'puntDrops') +
    l3('dropMalformed') +
    l3('dropRoute') +
    l3('dropPortDown') +
    l3('ruleDrops') +
    l3('puntNoRoute') +
    l3('puntNoNeigh');
  // what the kernel sent on the vEth (IPv6 router solicitations, ...) left through port 1 too
  return { rx: d(0, 'rxPackets'), tx: d(1, 'txPackets') - d(1, 'injectPackets'), lost };
}

function routedAll(r: { rx: number; tx: number; lost: number }): boolean {
  return r.rx > 0 && r.lost === 0 && r.rx === r.tx;
}

test.serial('100,000 routes and 10,000 rules load in batches and traffic is routed through them', async (t) => {
  const routes = routesFor(100_000);
  const pcap = path.join(dir, 'udp.pcap');
  writeUdpPcap(pcap, { count: 1024, dstMac: PCAP_PORT0_MAC, dsts: destinationsFor(routes.slice(0, 256), 1024) });
  sw = await launch({
    instance,
    ports: [...benchVdevs(pcap)],
    vifPrefix: 'tsc',
    maxRoutes: 131_072,
    noHuge: hugepagesTotal() === 0,
    readyTimeoutMs: 30_000,
    logger,
  }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${logTail(instance)}`);
  });
  await sw.ports.stop(0); // the generator runs only inside forwardedOver's windows
  await sw.neighbours.add({ port: 1, ip: '10.255.0.1', mac: '02:00:00:00:00:99' });

  const specs: RouteSpec[] = routes.map((r) => ({ prefix: r.prefix, via: [{ port: 1, gw: '10.255.0.1' }] }));
  let t0 = Date.now();
  const rr = await sw.routes.addMany(specs);
  const routeMs = Date.now() - t0;
  t.is(rr.failed, 0, `route batch: ${JSON.stringify(rr.summary())}`);
  const st = await sw.stats();
  t.is(st.tables.routes4, 100_000 + 1, 'routes4 counts the batch plus the neighbour host route');
  t.true(st.tables.memBytes > 0n, 'table memory is reported');

  const first = await forwardedOver(1000);
  t.true(routedAll(first), `routed without loss: ${JSON.stringify(first)}`);

  // 9,999 rules that never match this traffic, one catch-all COUNT rule of lowest priority
  const rules: Rule[] = Array.from({ length: 9_999 }, (_, i) => ({
    id: i + 1,
    priority: 1_000 + i,
    match: { proto: 'udp', dst: `192.168.${(i + 1) >> 8}.${(i + 1) & 0xff}/32`, dport: 1_000 + (i % 60_000) },
    action: { type: 'drop' } as const,
  }));
  rules.push({ id: 10_000, priority: 1, match: { family: 4 }, action: { type: 'count' } });
  // a second client asks every 10 ms while the batch loads and its classifier compiles off the
  // main lcore: it is answered all along, and neither client ever takes the dataplane for gone
  const other = await connect(instance, { name: 'pinger', logger });
  const gone: string[] = [];
  for (const c of [sw, other]) c.on('dataplane-gone', (e) => gone.push(JSON.stringify(e)));
  let loading = true;
  const during: number[] = [];
  const pinger = (async () => {
    while (loading) {
      const p0 = performance.now();
      await other.hello();
      if (loading) during.push(performance.now() - p0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  t0 = Date.now();
  const rl = await sw.rules.addMany(rules);
  const ruleMs = Date.now() - t0;
  loading = false;
  await pinger;
  await other.close();
  t.is(rl.failed, 0, `rule batch: ${JSON.stringify(rl.summary())}`);
  t.deepEqual(gone, [], 'no client took the dataplane for gone');
  t.true(
    during.length >= 3,
    `${during.length} requests of the other client were answered during the ${ruleMs} ms load`,
  );
  // a hang detector, not a latency target: far below the 10 s after which a client gives up
  t.true(Math.max(...during) < 2000, `slowest answer during the load: ${Math.max(...during).toFixed(1)} ms`);

  const second = await forwardedOver(1000);
  t.true(routedAll(second), `routed through 10,000 rules without loss: ${JSON.stringify(second)}`);
  const listed = await sw.rules.list();
  t.is(listed.length, 10_000, 'all rules listed');
  const catchAll = listed.find((e) => e.rule.id === 10_000);
  t.is(catchAll?.packets, BigInt(second.rx), 'the catch-all rule counted every packet of the window');
  t.true(
    listed.filter((e) => e.rule.id !== 10_000).every((e) => e.packets === 0n),
    'no other rule matched',
  );
  const sorted = [...during].sort((a, b) => a - b);
  t.log(
    `100,000 routes in ${routeMs} ms, 10,000 rules in ${ruleMs} ms; ${(second.tx / 1e6).toFixed(1)} Mpps through the rules; ` +
      `the other client during the load: ${during.length} answers, p50 ${sorted[sorted.length >> 1]?.toFixed(2)} ms, max ${sorted[sorted.length - 1]?.toFixed(2)} ms`,
  );
});

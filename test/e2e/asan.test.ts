/*
 * An end-to-end subset under AddressSanitizer and UndefinedBehaviorSanitizer:
 * build-asan/dataplane/slipwayd (scripts/build-c.sh), --no-huge, driven
 * through the paths where memory is handled: routed traffic in both
 * families, rules (an ACL rebuilt on the control thread) under traffic,
 * hostile frames, a route batch, kernel sync on and off, a port stopped and
 * started, an MTU set from the vEth, malformed messages in the request ring,
 * then a clean stop. Any sanitizer report makes slipwayd stop at once
 * (halt_on_error) and fails the test with the report; at exit LeakSanitizer
 * checks what was still allocated and the mempool must be full.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { ctlPath, type TraceRecord } from '../../ts-api/src/index';
import { MSG_HDR_SIZE, Op } from '../../ts-api/src/wire/abi';
import {
  REPO,
  controller,
  defaultLogFile,
  e2eSuite,
  logTail,
  pidAlive,
  startDataplane,
  stopDataplane,
} from './harness';
import { A4, B4, B6, HOST4, assertL3, sendraw, setUpL3, type L3Env } from './l3';
import { ping, run, sleep, waitFor } from './netns';
import { RawController } from './rawring';

const BINARY = path.join(REPO, 'build-asan', 'dataplane', 'slipwayd');
const s = e2eSuite(test, {
  name: 'asan',
  vifPrefix: 'asv',
  noDaemon: true,
  addrsA: [`${A4}/24`],
  addrsB: [`${B4}/24`],
});
let env: L3Env;

/** The sanitizers' reports in the log, if any. */
function reports(): string[] {
  const log = existsSync(defaultLogFile(s.instance)) ? readFileSync(defaultLogFile(s.instance), 'utf8') : '';
  return log.split('\n').filter((l) => /AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY: /.test(l));
}

test.serial.before(async () => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: npm run build builds it (scripts/build-c.sh)`);
  // a report stops slipwayd at once, with its stack; nothing goes unnoticed
  process.env.ASAN_OPTIONS = 'halt_on_error=1:detect_leaks=1:abort_on_error=0';
  process.env.UBSAN_OPTIONS = 'halt_on_error=1:print_stacktrace=1';
  const sw = await startDataplane(s, { binary: BINARY, noHuge: true, readyTimeoutMs: 60_000, mbufs: 4095 });
  env = await setUpL3(s, sw);
  (await sw.routes.addMany([{ prefix: '0.0.0.0/0', via: [{ port: 1, gw: B4 }] }])).throwIfFailed();
});

test.after.always(() => {
  delete process.env.ASAN_OPTIONS;
  delete process.env.UBSAN_OPTIONS;
});

test.serial('routed traffic in both families', async (t) => {
  const sw = await controller(s);
  const before = await sw.stats();
  const r4 = await ping(s.topo.a.ns, B4, { count: 10, intervalS: 0.02, waitS: 2 });
  const r6 = await ping(s.topo.a.ns, B6, { count: 10, intervalS: 0.02, waitS: 2 });
  const after = await sw.stats();
  t.is(r4.received + r6.received, 20, `${r4.output}\n${r6.output}\n${logTail(s.instance)}`);
  assertL3(t, s, before, after, 0, 'routedPackets', 20);
  t.deepEqual(reports(), []);
});

test.serial('rules rebuilt under traffic, hostile frames, a route batch', async (t) => {
  const sw = await controller(s);
  const flood = ping(s.topo.a.ns, B4, { count: 200, intervalS: 0.01, waitS: 2 });
  for (let round = 0; round < 5; round++) {
    (
      await sw.rules.addMany(
        Array.from({ length: 100 }, (_, i) => ({
          id: 1000 + i,
          priority: 10 + i,
          match: { family: 4 as const, proto: 'udp' as const, dport: 20_000 + i },
          action: { type: 'drop' as const },
        })),
      )
    ).throwIfFailed();
    await sw.rules.add({
      id: 2000,
      priority: 5,
      match: { family: 6, proto: 'tcp', dport: 22 },
      action: { type: 'drop' },
    });
    (await sw.rules.removeMany(Array.from({ length: 100 }, (_, i) => 1000 + i))).throwIfFailed();
  }
  for (const kind of ['badcksum4', 'martsrc4_255', 'ext6_long', 'ext6_trunc', 'hbh6', 'tcp22_6_frag', 'good6']) {
    await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], kind, 3);
  }
  await sw.rules.remove(2000);
  const routes = Array.from({ length: 1000 }, (_, i) => ({
    prefix: `172.${16 + (i >> 8)}.${i & 255}.0/24`,
    via: [{ port: 1, gw: B4 }],
  }));
  (await sw.routes.addMany(routes)).throwIfFailed();
  (await sw.routes.removeMany(routes.map((r) => r.prefix))).throwIfFailed();
  const r = await flood;
  t.true(r.received > 0, r.output);
  t.deepEqual(reports(), []);
});

test.serial('kernel sync on and off, an MTU from the vEth, a port stopped and started', async (t) => {
  const sw = await controller(s);
  await sw.kernelSync.set(true);
  await run('ip', ['addr', 'add', '10.77.0.1/24', 'dev', s.vif(1)]);
  await waitFor('the vEth address in the fast path', async () =>
    (await sw.routes.list({ family: 4 })).some((r) => r.prefix === '10.77.0.1/32'),
  );
  await run('ip', ['addr', 'del', '10.77.0.1/24', 'dev', s.vif(1)]);
  await sw.kernelSync.set(false);
  await run('ip', ['link', 'set', 'dev', s.vif(1), 'mtu', '1400']);
  await waitFor('port 1 MTU 1400', async () => (await sw.ports.get(1)).mtu === 1400);
  await run('ip', ['link', 'set', 'dev', s.vif(1), 'mtu', '1500']);
  await sw.ports.stop(0);
  await sw.ports.start(0);
  await waitFor('A to reach the host again', async () => {
    return (await ping(s.topo.a.ns, HOST4[0]!, { count: 1, waitS: 1 })).received === 1;
  });
  t.deepEqual(reports(), []);
});

test.serial('captures (a JIT filter, a ring nobody reads), a trace and explain under routed traffic', async (t) => {
  const sw = await controller(s);
  const c = await sw.taps.capture({ points: ['rx', 'tx', 'punt', 'inject', 'drop'], filter: 'icmp', snaplen: 128 });
  const full = await sw.taps.capture({ points: ['rx', 'tx'], ringBytes: 64 * 1024 }); // nobody reads it
  const tr = await sw.taps.trace({ port: 0, count: 3, filter: `icmp and dst host ${B4}` });
  const r = await ping(s.topo.a.ns, B4, { count: 10, intervalS: 0.02, waitS: 2 });
  t.is(r.received, 10, `${r.output}\n${logTail(s.instance)}`);
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], 'good4', 1000); // routed UDP: records enough to fill 64 KiB
  const recs: TraceRecord[] = [];
  for await (const x of tr.records({ max: 3, timeoutMs: 10_000 })) recs.push(x);
  await tr.stop();
  t.deepEqual(
    recs.map((x) => `${x.action} ${x.outPort}`),
    ['forward 1', 'forward 1', 'forward 1'],
  );
  const e = await sw.taps.explain({ inPort: 0, src: A4, dst: B4, proto: 'icmp' });
  t.like(e, { action: 'forward', outPort: 1, explain: true });
  await c.stop();
  const got = c.poll();
  t.is(got.filter((p) => p.port === 0 && p.point === 'rx').length, 10, 'echo requests at rx on port 0');
  t.is(got.filter((p) => p.port === 1 && p.point === 'tx').length, 10, 'echo requests at tx on port 1');
  t.true(got.every((p) => p.data.length === Math.min(p.origLen, 128)));
  await full.stop();
  t.true(full.stats().lost > 0n, `the unread ring overflowed: ${full.stats().lost} lost`);
  t.deepEqual(await sw.taps.list(), []);
  t.deepEqual(reports(), []);
});

test.serial('malformed messages in the request ring', async (t) => {
  const raw = new RawController(ctlPath(s.instance));
  raw.claimSlot();
  try {
    raw.writeRaw(raw.message(MSG_HDR_SIZE + 4, Op.PORT_SET, new Uint8Array([0, 0, 1, 0])).bytes);
    t.is((await raw.response()).status, 1, 'MALFORMED');
    const m = raw.message(64, Op.PORT_GET);
    raw.writeRaw(m.bytes, MSG_HDR_SIZE);
    t.is((await raw.response()).status, 1, 'MALFORMED');
  } finally {
    raw.releaseSlot();
  }
  t.truthy(await (await controller(s)).hello(), 'the dataplane still answers');
  t.deepEqual(reports(), []);
});

test.serial('a clean stop: no sanitizer report, no leak, the mempool full', async (t) => {
  const pid = s.pid;
  t.deepEqual(await stopDataplane(s), []);
  await waitFor(`slipwayd pid ${pid} to exit`, () => !pidAlive(pid), 30_000);
  s.pid = 0;
  await sleep(100);
  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  t.deepEqual(reports(), [], logTail(s.instance, 60));
  t.regex(log, /shutdown: mempool sw_mbuf: (\d+)\/\1 mbufs free/, logTail(s.instance));
});

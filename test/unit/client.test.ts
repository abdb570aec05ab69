/**
 * The Slipway client against a fake dataplane (test/unit/helpers): connect
 * checks, pipelining, errors, timeouts, events, stats, shutdown. Slots, the
 * event log and the checks of the control file are in clients.test.ts.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Op, Role, State } from '../../ts-api/src/wire/abi';
import { connect, Slipway } from '../../ts-api/src/client/slipway';
import type { SlipwayEvent } from './helpers/codec';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { FakeDataplane, FakeOptions, tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });

async function withFake(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  tag: string,
  opts: Omit<FakeOptions, 'file'> = {},
): Promise<{ fake: FakeDataplane; sw: Slipway; instance: string }> {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file, ...opts }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  return { fake, sw, instance: c.instance };
}

async function rejects(p: Promise<unknown>, code: string): Promise<SlipwayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SlipwayError && e.code === code) return e;
    throw new Error(`expected ${code}, got ${String(e)}`);
  }
  throw new Error(`expected ${code}, but it resolved`);
}

function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

test('connect fails with NOT_RUNNING, ABI_MISMATCH as appropriate', async (t) => {
  const c = tmpCtl('nf');
  t.regex((await rejects(connect(c.instance, { ctlDir: c.dir, logger }), 'NOT_RUNNING')).message, /no control file/);
  const cases: [Omit<FakeOptions, 'file'>, string, RegExp][] = [
    [{ magic: 0x12345678 }, 'ABI_MISMATCH', /bad magic/],
    [{ abiVersion: 99 }, 'ABI_MISMATCH', /ABI version 99/],
    [{ state: State.STARTING }, 'NOT_RUNNING', /starting/],
    [{ dpPid: deadPid() }, 'NOT_RUNNING', /is gone/],
  ];
  for (const [opts, code, re] of cases) {
    const fake = new FakeDataplane({ file: c.file, ...opts });
    try {
      t.regex((await rejects(connect(c.instance, { ctlDir: c.dir, logger }), code)).message, re);
    } finally {
      fake.destroy();
    }
  }
  await rejects(connect('bad name!', { logger }), 'BAD_ARGUMENT');
});

test('ports and xconnects round-trip through the rings', async (t) => {
  const { sw, fake } = await withFake(t, 'ops');
  t.like(await sw.hello(), { abiVersion: 3, dpPid: process.pid, maxPorts: 16, nPorts: 0 });
  const p0 = await sw.ports.add('net_null0');
  t.like(p0, { port: 0, name: 'net_null0', started: false, workerLcore: null, vif: 'vEth0' });
  await sw.ports.add('net_null1,size=64');
  t.like(await sw.ports.start(1), { port: 1, started: true, workerLcore: 1 });
  t.like(await sw.ports.set(0, { mtu: 9000, mac: '02:AA:bb:cc:dd:ee', promisc: true }), {
    mtu: 9000,
    mac: '02:aa:bb:cc:dd:ee',
    promisc: true,
  });
  t.deepEqual(
    (await sw.ports.list()).map((p) => [p.port, p.name, p.started]),
    [
      [0, 'net_null0', false],
      [1, 'net_null1', true],
    ],
  );
  t.like(await sw.ports.stop(1), { started: false });
  t.is((await sw.ports.get(0)).mtu, 9000);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  t.deepEqual(await sw.xconnects.list(), [
    { inPort: 0, outPort: 1 },
    { inPort: 1, outPort: 0 },
  ]);
  await sw.xconnects.remove(0);
  t.deepEqual(await sw.xconnects.list(), [{ inPort: 1, outPort: 0 }]);
  t.is(fake.seen.length, 13);
});

test('dataplane statuses become SlipwayErrors with its message; TS validation stops bad arguments first', async (t) => {
  const { sw, fake } = await withFake(t, 'err');
  const e = await rejects(sw.ports.get(3), 'NO_PORT');
  t.is(e.message, 'port 3 does not exist');
  t.is(e.status, 3);
  await sw.ports.add('net_null0');
  t.is((await rejects(sw.ports.set(0, { mtu: 20 }), 'RANGE')).message, 'port 0: mtu 20 out of range 68..9600');
  await sw.xconnects.add(0, 0);
  await rejects(sw.xconnects.add(0, 0), 'EXISTS');
  await rejects(sw.xconnects.remove(5), 'NOT_FOUND');

  const before = fake.seen.length;
  t.regex((await rejects(sw.ports.get(16), 'BAD_ARGUMENT')).message, /bad port 16/);
  t.regex((await rejects(sw.ports.start(-1), 'BAD_ARGUMENT')).message, /bad port -1/);
  t.regex((await rejects(sw.ports.set(0, { mac: 'zz' }), 'BAD_ARGUMENT')).message, /"zz"/);
  await rejects(sw.ports.set(0, {}), 'BAD_ARGUMENT');
  await rejects(sw.ports.add(''), 'BAD_ARGUMENT');
  await rejects(sw.xconnects.add(0, 1.5), 'BAD_ARGUMENT');
  t.is(fake.seen.length, before, 'nothing was sent');

  // the raw path reaches the dataplane's own validation
  const raw = await sw.request(Op.PORT_GET, encodeRawPort(300));
  t.is(raw.status, 5);
  t.is(new TextDecoder().decode(raw.payload), 'port 300 out of range');
  t.is((await sw.request(Op.PORT_GET, new Uint8Array(3))).status, 1);
  t.is((await sw.request(0x4242)).status, 2);
});

function encodeRawPort(port: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint16(0, port, true);
  return b;
}

test('many requests in flight, more than the request ring holds, all resolve to their own answer', async (t) => {
  const { sw } = await withFake(t, 'pipe', { reqSize: 256, respSize: 4096 });
  await sw.ports.add('net_null0');
  await sw.ports.add('net_null1');
  const reqs = Array.from({ length: 300 }, (_, i) =>
    i % 3 === 2 ? sw.ports.get(5).catch((e: SlipwayError) => e.code) : sw.ports.get(i % 3),
  );
  const res = await Promise.all(reqs);
  res.forEach((r, i) => t.deepEqual(i % 3 === 2 ? r : (r as { port: number }).port, i % 3 === 2 ? 'NO_PORT' : i % 3));
});

test('unsolicited responses (stale seq) are ignored', async (t) => {
  const { sw, fake } = await withFake(t, 'stale');
  fake.slots[sw.slot()!.index].resp.produce({ type: Op.HELLO, seq: 12345, status: 0, payload: new Uint8Array(24) });
  t.is((await sw.hello()).dpPid, process.pid);
});

test('a request without an answer times out; a vanished dataplane fails requests with DATAPLANE_GONE', async (t) => {
  const sleeper = spawn('sleep', ['30']);
  t.teardown(() => sleeper.kill('SIGKILL'));
  const { sw } = await withFake(t, 'tmo', { ignore: [Op.XC_LIST, Op.HELLO], dpPid: sleeper.pid });
  const t0 = Date.now();
  t.regex(
    (await rejects(sw.request(Op.XC_LIST, new Uint8Array(0), { timeoutMs: 150 }), 'TIMEOUT')).message,
    /XC_LIST.*150 ms/,
  );
  t.true(Date.now() - t0 >= 140);
  const pending = sw.hello();
  sleeper.kill('SIGKILL');
  t.regex((await rejects(pending, 'DATAPLANE_GONE')).message, new RegExp(`pid ${sleeper.pid}`));
  await rejects(sw.hello(), 'DATAPLANE_GONE');
});

test('events reach every iterator in order and iterators end on close', async (t) => {
  const { sw, fake } = await withFake(t, 'evt');
  const a = sw.events();
  const b = sw.events();
  await sw.ports.add('net_null0');
  await sw.ports.start(0);
  fake.emit({ type: 'link', port: 0, linkUp: true, started: true, linkSpeed: 10000 });
  fake.emit({ type: 'client-gone', pid: 77, slot: 3 });
  const take = async (it: AsyncIterableIterator<SlipwayEvent>, n: number) => {
    const out: SlipwayEvent[] = [];
    for await (const e of it) {
      out.push(e);
      if (out.length === n) break;
    }
    return out;
  };
  const ea = await take(a, 4);
  t.deepEqual(
    ea.map((e) => e.type),
    ['port-added', 'port-started', 'link', 'client-gone'],
  );
  t.like(ea[2], { port: 0, linkUp: true, linkSpeed: 10000 });
  t.like(ea[3], { pid: 77, slot: 3 });
  t.deepEqual(await take(b, 4), ea);
  t.deepEqual(
    ea.map((e) => e.seq),
    [0, 1, 2, 3],
  );

  const c = sw.events();
  const pending = c.next();
  await sw.close();
  t.deepEqual(await pending, { value: undefined, done: true });
});

test('stats sums per-lcore counters of existing ports and reads device counters', async (t) => {
  const { sw, fake } = await withFake(t, 'stats');
  const v = new DataView(fake.buf);
  v.setUint32(fake.statsOff + 32, 0b101, true); // ports 0 and 2 exist
  fake.setLcore(0, 0, Role.MAIN, 1n, 2n);
  fake.setLcore(1, 3, Role.WORKER, 10n, 20n, { busy: 300n, idle: 200n, sleep: 500n, sleeps: 7n, intrWakes: 3n });
  fake.setCounter(0, 0, 'vif_rx_packets', 5n);
  fake.setCounter(1, 0, 'rx_packets', 100n);
  fake.setCounter(0, 0, 'rx_packets', 1n);
  fake.setCounter(1, 2, 'no_route', 2n ** 40n);
  fake.setCounter(1, 1, 'rx_packets', 999n); // port 1 does not exist
  fake.setDev(2, 7n, 8n);
  const s = await sw.stats();
  t.is(fake.seen.at(-1)?.type, Op.STATS_REFRESH);
  t.deepEqual(
    s.ports.map((p) => p.port),
    [0, 2],
  );
  t.is(s.ports[0].rxPackets, 101n);
  t.is(s.ports[0].vifRxPackets, 5n);
  t.is(s.ports[1].noRoute, 2n ** 40n);
  t.deepEqual(s.ports[1].dev, {
    ipackets: 7n,
    opackets: 8n,
    ibytes: 0n,
    obytes: 0n,
    imissed: 0n,
    ierrors: 0n,
    oerrors: 0n,
    rxNombuf: 0n,
  });
  t.deepEqual(s.lcores, [
    {
      lcoreId: 0,
      role: 'main',
      busyPolls: 1n,
      idlePolls: 2n,
      busyNs: 0n,
      idleNs: 0n,
      sleepNs: 0n,
      sleeps: 0n,
      intrWakes: 0n,
    },
    {
      lcoreId: 3,
      role: 'worker',
      busyPolls: 10n,
      idlePolls: 20n,
      busyNs: 300n,
      idleNs: 200n,
      sleepNs: 500n,
      sleeps: 7n,
      intrWakes: 3n,
    },
  ]);
  t.is(s.mbufTotal, 8192);
  t.is(s.mbufFree, 8000);
  const n = fake.seen.length;
  await sw.stats({ refresh: false });
  t.is(fake.seen.length, n, 'refresh: false sends nothing');
});

test('shutdown sends SIGTERM and waits for the pid and the file to go', async (t) => {
  const c = tmpCtl('shut');
  // A stand-in dataplane process: removes the control file on SIGTERM, then exits.
  const child = spawn('sh', ['-c', `trap 'rm -f ${c.file}; exit 0' TERM; while :; do sleep 0.05; done`]);
  t.teardown(() => child.kill('SIGKILL'));
  const fake = new FakeDataplane({ file: c.file, dpPid: child.pid }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  await sw.shutdown({ timeoutMs: 3000 });
  t.false(fs.existsSync(c.file));
  t.true(sw.isClosed);
  t.not(child.exitCode ?? child.signalCode, undefined);
});

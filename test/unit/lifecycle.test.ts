/**
 * Lifecycle against the fake dataplane: connect retry with backoff, the
 * dataplane heartbeat watch ('dataplane-gone'), a restarted dataplane
 * ('dataplane-restarted') and the replay of the desired configuration.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from '../../ts-api/src/client/slipway';
import type { DataplaneGoneEvent, DataplaneRestartedEvent } from '../../ts-api/src/client/connection';
import type { ReplaySummary } from '../../ts-api/src/client/replay';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { FakeDataplane, tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

test('connect retries with backoff until the dataplane is up; without retry it fails at once', async (t) => {
  const c = tmpCtl('retry');
  await t.throwsAsync(connect(c.instance, { ctlDir: c.dir, logger }), {
    instanceOf: SlipwayError,
    message: /no control file/,
  });
  let fake: FakeDataplane | undefined;
  t.teardown(() => fake?.destroy());
  setTimeout(() => (fake = new FakeDataplane({ file: c.file }).start()), 300);
  const t0 = Date.now();
  const sw = await connect(c.instance, {
    ctlDir: c.dir,
    logger,
    retry: { attempts: 20, initialDelayMs: 10, maxDelayMs: 100 },
  });
  t.teardown(() => sw.close());
  t.true(Date.now() - t0 >= 250, `connected after ${Date.now() - t0} ms, the file appeared after 300`);
  t.is((await sw.hello()).dpPid, process.pid);

  const missing = tmpCtl('retry2');
  const t1 = Date.now();
  const e = await t.throwsAsync(
    connect(missing.instance, {
      ctlDir: missing.dir,
      logger,
      retry: { attempts: 4, initialDelayMs: 20, maxDelayMs: 40 },
    }),
    { instanceOf: SlipwayError },
  );
  t.is(e?.code, 'NOT_RUNNING');
  t.true(Date.now() - t1 >= 20 + 40 + 40, `three delays of 20, 40, 40 ms (took ${Date.now() - t1} ms)`);
  await t.throwsAsync(connect(c.instance, { ctlDir: c.dir, logger, retry: { attempts: 0 } }), {
    message: /bad retry.attempts 0/,
  });
});

test('a stale dataplane heartbeat emits dataplane-gone within a second and fails requests with DATAPLANE_GONE', async (t) => {
  const c = tmpCtl('hb');
  const fake = new FakeDataplane({ file: c.file }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  await sw.hello();
  const gone = once(sw, 'dataplane-gone') as Promise<[DataplaneGoneEvent]>;
  const t0 = Date.now();
  fake.stop(); // no more heartbeats, no more answers
  const pending = sw.hello();
  const [ev] = await within(gone, 1000, 'dataplane-gone');
  t.like(ev, { instance: c.instance, pid: process.pid, reason: 'heartbeat' });
  t.true(ev.heartbeatAgeMs >= 500, `heartbeat age ${ev.heartbeatAgeMs} ms`);
  t.true(Date.now() - t0 < 1000);
  const e = await t.throwsAsync(pending, { instanceOf: SlipwayError });
  t.is(e?.code, 'DATAPLANE_GONE');
  t.is((await t.throwsAsync(sw.hello(), { instanceOf: SlipwayError }))?.code, 'DATAPLANE_GONE');
});

test('replay: a restarted dataplane is detected within a second and gets ports, settings and cross-connects again', async (t) => {
  const c = tmpCtl('replay');
  const first = new FakeDataplane({ file: c.file }).start();
  let second: FakeDataplane | undefined;
  t.teardown(() => {
    first.destroy();
    second?.destroy();
  });
  const sw = await connect(c.instance, { ctlDir: c.dir, logger, replay: true });
  t.teardown(() => sw.close());
  await sw.ports.add('net_null0');
  await sw.ports.add('net_null1,size=64');
  await sw.ports.set(1, { mtu: 9000, mac: '02:AA:00:00:00:01' });
  await sw.ports.start(0);
  await sw.xconnects.add(0, 1);
  const many = await sw.xconnects.addMany([
    [1, 0],
    [0, 2],
    [3, 3],
  ]);
  t.deepEqual([...many.statuses], [0, 6, 0], 'pair 0 -> 2: EXISTS, not recorded');
  await sw.xconnects.removeMany([3]);
  t.deepEqual(sw.desired?.snapshot().xconnects, [
    { inPort: 0, outPort: 1 },
    { inPort: 1, outPort: 0 },
  ]);

  const stand = spawn('sleep', ['30']); // the "new slipwayd" pid
  t.teardown(() => stand.kill('SIGKILL'));
  const standPid = stand.pid as number;
  const gone = once(sw, 'dataplane-gone') as Promise<[DataplaneGoneEvent]>;
  const restarted = once(sw, 'dataplane-restarted') as Promise<[DataplaneRestartedEvent]>;
  const replayed = once(sw, 'replayed') as Promise<[ReplaySummary]>;
  const t0 = Date.now();
  first.destroy(); // the file goes away with the old dataplane
  const [g] = await within(gone, 1000, 'dataplane-gone');
  t.is(g.reason, 'file-removed');
  second = new FakeDataplane({ file: c.file, dpPid: standPid }).start();
  const [r] = await within(restarted, 1000, 'dataplane-restarted');
  t.deepEqual(r, { instance: c.instance, oldPid: process.pid, newPid: standPid });
  const [summary] = await within(replayed, 1000, 'replayed');
  t.log(`restart handled in ${Date.now() - t0} ms: ${JSON.stringify(summary)}`);
  t.like(summary, { pid: standPid, portsPresent: 0, portsAdded: 2, xconnects: 2, failures: [] });
  t.is(sw.pid, standPid);
  t.deepEqual(
    second.ports.map((p) => [p.name, p.mtu, p.mac, p.started]),
    [
      ['net_null0', 1500, '02:00:00:00:00:00', true],
      ['net_null1', 9000, '02:aa:00:00:00:01', false],
    ],
  );
  t.deepEqual([...second.xcs].sort(), [
    [0, 1],
    [1, 0],
  ]);
  t.deepEqual(second.active(), [sw.slot()!.index], 'a slot was claimed on the new dataplane');
  t.is(second.slot32(sw.slot()!.index, 'pid'), process.pid);
  t.is((await sw.hello()).dpPid, standPid, 'the same client works against the new dataplane');
});

test('without replay a restart leaves the client unusable with DATAPLANE_GONE', async (t) => {
  const c = tmpCtl('norep');
  const first = new FakeDataplane({ file: c.file }).start();
  let second: FakeDataplane | undefined;
  t.teardown(() => {
    first.destroy();
    second?.destroy();
  });
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  const restarted = once(sw, 'dataplane-restarted') as Promise<[DataplaneRestartedEvent]>;
  const stand = spawn('sleep', ['30']);
  t.teardown(() => stand.kill('SIGKILL'));
  const standPid = stand.pid as number;
  first.destroy();
  second = new FakeDataplane({ file: c.file, dpPid: standPid }).start();
  const [r] = await within(restarted, 1500, 'dataplane-restarted');
  t.is(r.newPid, standPid);
  const e = await t.throwsAsync(sw.hello(), { instanceOf: SlipwayError });
  t.is(e?.code, 'DATAPLANE_GONE');
  t.is(sw.desired, undefined);
});

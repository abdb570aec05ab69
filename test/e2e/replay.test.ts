/*
 * Replay after a dataplane crash: a controller in replay mode configures
 * cross-connects, slipwayd is SIGKILLed, a new slipwayd of the same
 * instance is started by hand; the library detects the death and the
 * restart within a second, claims a slot, replays, and A pings B through
 * the fast path again.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync } from 'node:fs';
import {
  buildArgv,
  ctlPath,
  defaultBinary,
  launch,
  type DataplaneGoneEvent,
  type DataplaneRestartedEvent,
  type ReplaySummary,
} from '../../ts-api/src/index';
import { loadNative, readHeader } from '../../ts-api/src/wire';
import { assertForwards, defaultLogFile, e2eSuite, logger, logTail, pidAlive } from './harness';
import { hugepagesTotal, quietIpv6, run, track, waitFor } from './netns';

const s = e2eSuite(test, {
  name: 'rpl',
  vifPrefix: 'rpl',
  addrsA: ['10.18.0.1/24'],
  addrsB: ['10.18.0.2/24'],
  noDaemon: true,
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms\n${logTail(s.instance)}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test.serial(
  'SIGKILLed slipwayd: the restarted one is detected within 1 s, gets the cross-connects replayed, and forwards again',
  async (t) => {
    const opts = {
      instance: s.instance,
      ports: s.topo.devargs,
      workers: '1',
      vifPrefix: s.vifPrefix,
      noHuge: hugepagesTotal() === 0,
      readyTimeoutMs: 30_000,
      logger,
    };
    const sw = await launch({ ...opts, replay: true });
    s.sw = sw;
    s.pid = sw.pid;
    for (const port of [0, 1]) {
      await waitFor(
        `${s.vif(port)} to exist`,
        async () => (await run('ip', ['link', 'show', 'dev', s.vif(port)], { allowFail: true })).code === 0,
        5000,
      );
      await quietIpv6(s.vif(port));
    }

    const added = await sw.xconnects.addMany([
      [0, 1],
      [1, 0],
    ]);
    t.true(added.ok, `xconnect addMany: ${JSON.stringify(added.summary())}`);
    await assertForwards(t, s, 'before the crash');

    const gone = once(sw, 'dataplane-gone') as Promise<[DataplaneGoneEvent]>;
    const restarted = once(sw, 'dataplane-restarted') as Promise<[DataplaneRestartedEvent]>;
    const replayed = once(sw, 'replayed') as Promise<[ReplaySummary]>;
    const oldPid = sw.pid;
    const killedAt = Date.now();
    process.kill(oldPid, 'SIGKILL');
    const [g] = await within(gone, 1000, 'dataplane-gone');
    t.log(`dataplane-gone (${g.reason}) ${Date.now() - killedAt} ms after SIGKILL`);
    t.is(g.pid, oldPid);
    await waitFor(`pid ${oldPid} to be reaped`, () => !pidAlive(oldPid), 5000);

    // A new slipwayd for the same instance, started behind the library's back.
    const log = openSync(defaultLogFile(s.instance), 'a');
    const child = track(spawn(defaultBinary(), buildArgv(opts), { stdio: ['ignore', log, log] }));
    closeSync(log);
    const newPid = child.pid as number;
    s.pid = newPid;
    const native = loadNative();
    const readyAt = await waitFor(
      'the new slipwayd to be ready',
      () => {
        try {
          const h = readHeader(native.mapFile(ctlPath(s.instance)));
          return h.dpPid === newPid && h.state === 2 ? Date.now() : 0;
        } catch {
          return 0;
        }
      },
      30_000,
      5,
    );
    const [r] = await within(restarted, 1500, 'dataplane-restarted');
    const detectMs = Date.now() - readyAt;
    t.deepEqual(r, { instance: s.instance, oldPid, newPid }, 'restarted event names both pids');
    t.true(detectMs <= 1000, `restart detected ${detectMs} ms after the new dataplane became ready`);
    const [summary] = await within(replayed, 5000, 'replayed');
    t.log(`restart detected after ${detectMs} ms; replay: ${JSON.stringify(summary)}`);
    t.like(summary, { pid: newPid, portsPresent: 2, portsAdded: 0, xconnects: 2, failures: [] });
    t.is(sw.pid, newPid);
    t.deepEqual(
      [...(await sw.xconnects.list())].sort((a, b) => a.inPort - b.inPort),
      [
        { inPort: 0, outPort: 1 },
        { inPort: 1, outPort: 0 },
      ],
    );
    t.truthy(sw.slot(), 'the replaying client holds a slot of the new dataplane');

    for (const port of [0, 1]) {
      await waitFor(
        `${s.vif(port)} to exist again`,
        async () => (await run('ip', ['link', 'show', 'dev', s.vif(port)], { allowFail: true })).code === 0,
        5000,
      );
      await quietIpv6(s.vif(port));
    }

    await assertForwards(t, s, 'after the restart and replay', 10);
    const stats = await sw.stats();
    t.true(
      stats.ports.every((p) => p.xcPackets > 0n),
      `both ports cross-connected packets after the replay: ${stats.ports.map((p) => `${p.port}:${p.xcPackets}`).join(' ')}`,
    );
  },
);

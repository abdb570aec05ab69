/*
 * --no-huge, the development fallback: slipwayd starts without hugepages
 * (EAL takes anonymous memory; --in-memory is not added, EAL refuses it
 * with --no-huge), serves requests, and stops with its mempool full.
 */
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import { launch, type Slipway } from '../../ts-api/src/index';
import { defaultLogFile, logTail, logger, pidAlive, stopDataplane } from './harness';
import { waitFor } from './netns';

const instance = `e2e-nohuge-${process.pid}`;
let sw: Slipway | undefined;
let pid = 0;

test.after.always(async () => {
  await stopDataplane({ instance, sw, pid });
});

test.serial('slipwayd runs with --no-huge and stops clean', async (t) => {
  rmSync(defaultLogFile(instance), { force: true });
  sw = await launch({
    instance,
    ports: ['net_null0,no-rx=1', 'net_null1,no-rx=1'],
    vifPrefix: 'nhg',
    noHuge: true,
    readyTimeoutMs: 30_000,
    logger,
  });
  pid = sw.pid;
  const ports = await sw.ports.list();
  t.deepEqual(
    ports.map((p) => [p.port, p.started]),
    [
      [0, true],
      [1, true],
    ],
  );
  await sw.xconnects.add(0, 1);
  const p = await sw.policer.set({ port: 1, class: 'icmp', ratePps: 10 });
  t.deepEqual(p.classes.icmp, { ratePps: 10, burst: 16 });
  await sw.shutdown({ timeoutMs: 15_000 });
  sw = undefined;
  await waitFor('slipwayd to exit', () => !pidAlive(pid), 10_000);
  const log = readFileSync(defaultLogFile(instance), 'utf8');
  t.regex(log, /--no-huge: mempool in ordinary pages/);
  t.regex(log, /shutdown: mempool sw_mbuf: (\d+)\/\1 mbufs free/, logTail(instance));
});

/*
 * One controller at a time: a second live controller gets LEASE_HELD naming
 * the holder, and SIGKILL of the holder leaves the dataplane forwarding and
 * lets a new controller take the lease over.
 */
import test from 'ava';
import { connect, SlipwayError, type Slipway } from '../../ts-api/src/index';
import { assertForwards, controller, e2eSuite, logger, logTail, pidAlive, spawnController } from './harness';
import { sleep } from './netns';

const s = e2eSuite(test, { name: 'lease', vifPrefix: 'swl', addrsA: ['10.14.0.1/24'], addrsB: ['10.14.0.2/24'] });

test.serial('set-up: cross-connects forward A <-> B, then the launcher releases its lease', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'baseline');
  await sw.close();
  s.sw = undefined;
});

test.serial('a second live controller gets LEASE_HELD "lease held by pid N"', async (t) => {
  const holder = spawnController(s.instance, 'hold');
  const m = await holder.line(/READY (\d+) (\d+)/);
  const holderPid = Number(m[1]);
  t.is(holderPid, holder.child.pid ?? -1, 'holder reports its own pid');
  t.is(Number(m[2]), s.pid, 'holder talks to our slipwayd');

  // from another process
  const other = spawnController(s.instance, 'try');
  await other.exited();
  const out = other.output();
  t.regex(
    out.stdout,
    new RegExp(`^ERROR LEASE_HELD .*lease held by pid ${holderPid}\\b`, 'm'),
    `second controller process: ${out.stdout}${out.stderr}`,
  );

  // and from this process
  try {
    const sw = await connect(s.instance, { logger, timeoutMs: 3000 });
    await sw.close();
    t.fail('connect succeeded while another live process holds the lease');
  } catch (error) {
    t.true(error instanceof SlipwayError, String(error));
    t.is((error as SlipwayError).code, 'LEASE_HELD', (error as Error).message);
    t.regex((error as Error).message, new RegExp(`lease held by pid ${holderPid}\\b`));
  }

  holder.child.kill('SIGTERM');
  await holder.exited();
});

test.serial(
  'SIGKILL of the controller: the dataplane keeps forwarding and a new controller takes the lease',
  async (t) => {
    const holder = spawnController(s.instance, 'hold');
    const m = await holder.line(/READY (\d+)/);
    const holderPid = Number(m[1]);

    holder.child.kill('SIGKILL');
    const exit = await holder.exited(); // reaped, so the pid is really gone
    t.is(exit.signal, 'SIGKILL');
    t.false(pidAlive(holderPid), `controller pid ${holderPid} is gone`);

    await assertForwards(t, s, 'after the controller was killed');
    t.true(pidAlive(s.pid), `slipwayd survived its controller\n${logTail(s.instance)}`);

    // The dead holder's lease is reclaimed (allow the dataplane a moment if it does the reclaiming).
    let sw: Slipway | undefined;
    let lastError: unknown;
    const deadline = Date.now() + 5000;
    while (!sw && Date.now() < deadline) {
      try {
        sw = await connect(s.instance, { logger, timeoutMs: 3000 });
      } catch (error) {
        lastError = error;
        if (!(error instanceof SlipwayError && error.code === 'LEASE_HELD')) {
          break;
        }

        await sleep(200);
      }
    }

    if (!sw) {
      t.fail(`no new controller could take the lease of dead pid ${holderPid}: ${String(lastError)}`);
      return;
    }

    s.sw = sw;
    const hello = await sw.hello();
    t.is(hello.dpPid, s.pid, 'same dataplane, not restarted');
    const xcs = await sw.xconnects.list();
    t.is(xcs.length, 2, `cross-connects survived the controller: ${JSON.stringify(xcs)}`);

    // the new controller can change configuration
    await sw.xconnects.remove(0);
    await sw.xconnects.add(0, 1);
    await assertForwards(t, s, 'after the new controller re-added 0->1');

    // and a live third party is refused with the new holder's pid
    const other = spawnController(s.instance, 'try');
    await other.exited();
    t.regex(
      other.output().stdout,
      new RegExp(`^ERROR LEASE_HELD .*lease held by pid ${process.pid}\\b`, 'm'),
      `third controller: ${other.output().stdout}${other.output().stderr}`,
    );
  },
);

/*
 * Many clients at once against a real slipwayd: an application holds a
 * client while slipctl reads statistics and adds a route; four clients send
 * requests together and each gets exactly its own answers; SIGKILL of a
 * client frees its slot (another client gets CLIENT_GONE) and the others
 * keep working; a claim in progress is not judged by the previous
 * occupant's pid and heartbeat, and a stuck one is freed after 10 s; a control file planted by another user is refused, naming
 * its owner.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, ctlPath, defaultLogFile, SlipwayError, type SlipwayEvent } from '../../ts-api/src/index';
import { loadNative } from '../../ts-api/src/native';
import { SLOT_HDR_SIZE, SlotHdr, SlotState } from '../../ts-api/src/wire/abi/control';
import { ownPidns, validateHeader } from '../../ts-api/src/wire/ctlfile';
import { SlotTable } from '../../ts-api/src/wire/slots';
import { assertForwards, controller, e2eSuite, logger, logTail, pidAlive, slipctl, spawnController } from './harness';
import { sleep, waitFor } from './netns';

const s = e2eSuite(test, { name: 'clients', vifPrefix: 'swl', addrsA: ['10.14.0.1/24'], addrsB: ['10.14.0.2/24'] });

test.serial('set-up: cross-connects forward A <-> B', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'baseline');
});

test.serial('an application holds a client while slipctl stats and slipctl route add run and succeed', async (t) => {
  const app = spawnController(s.instance, 'hold');
  const m = await app.line(/READY (\d+) (\d+) (\d+)/);
  t.is(Number(m[2]), s.pid, 'the application talks to our slipwayd');
  try {
    const stats = await slipctl(['-i', s.instance, '--json', 'stats']);
    t.is(stats.code, 0, `slipctl stats: ${stats.stderr}`);
    t.true(Array.isArray(JSON.parse(stats.stdout).ports), stats.stdout.slice(0, 200));
    const add = await slipctl(['-i', s.instance, 'route', 'add', '10.77.0.0/24', 'via', '1']);
    t.is(add.code, 0, `slipctl route add: ${add.stdout}${add.stderr}`);
    const sw = await controller(s);
    const routes = await sw.routes.list();
    t.truthy(
      routes.find((r) => r.prefix === '10.77.0.0/24'),
      `the route slipctl added is there: ${JSON.stringify(routes.map((r) => r.prefix))}`,
    );
    t.true(pidAlive(app.child.pid ?? -1), 'the application is still connected');
    await sw.routes.remove('10.77.0.0/24');
  } finally {
    app.child.kill('SIGTERM');
    await app.exited();
  }
});

test.serial('4 clients send requests at once and each gets exactly its own answers', async (t) => {
  const n = 2000;
  const clients = [0, 1, 2, 3].map((k) => spawnController(s.instance, 'hammer', [String(k), String(n)]));
  const done = await Promise.all(clients.map((c) => c.line(/DONE (\d+) (\d+) (\d+) (.*)/, 60_000)));
  for (const d of done) {
    t.is(Number(d[2]), n, `client ${d[1]}: ${d[2]} right answers, ${d[3]} wrong (first: ${d[4]})`);
    t.is(Number(d[3]), 0, `client ${d[1]}: wrong answers, first ${d[4]}`);
  }
  await Promise.all(clients.map((c) => c.exited()));
  const sw = await controller(s);
  const ours = (await sw.routes.list()).filter((r) => /^10\.10[0-3]\./.test(r.prefix));
  t.is(ours.length, 4 * n, 'every client added its routes');
  (await sw.routes.removeMany(ours.map((r) => r.prefix))).throwIfFailed();
});

test.serial(
  'SIGKILL of a client frees its slot, another client gets CLIENT_GONE, the others keep working',
  async (t) => {
    const sw = await controller(s);
    const events = sw.events();
    const victim = spawnController(s.instance, 'hold');
    const witness = spawnController(s.instance, 'hold');
    const [, victimPid, , victimSlot] = (await victim.line(/READY (\d+) (\d+) (\d+)/)).map(Number);
    await witness.line(/READY (\d+)/);

    victim.child.kill('SIGKILL');
    const exit = await victim.exited();
    t.is(exit.signal, 'SIGKILL');

    const gone = await waitForEvent(events, (e) => e.type === 'client-gone' && e.pid === victimPid, 15_000);
    t.like(gone, { type: 'client-gone', pid: victimPid, slot: victimSlot });
    await witness.line(new RegExp(`EVENT client-gone .*"pid":${victimPid}\\b`), 5000);
    await events.return?.();

    t.is((await sw.hello()).dpPid, s.pid, 'this client still works');
    const other = spawnController(s.instance, 'try');
    await other.exited();
    t.regex(
      other.output().stdout,
      /^CONNECTED /m,
      `a new client connects: ${other.output().stdout}${other.output().stderr}`,
    );
    t.true(pidAlive(witness.child.pid ?? -1), 'the witness survived');
    witness.child.kill('SIGTERM');
    await witness.exited();
    await assertForwards(t, s, 'after a client was killed');
    t.true(pidAlive(s.pid), `slipwayd survived\n${logTail(s.instance)}`);
  },
);

test.serial(
  'a slot being claimed is not judged by the previous client: freed only when the claim takes longer than 10 s',
  async (t) => {
    const sw = await controller(s);
    const events = sw.events();
    const buf = loadNative().mapFile(ctlPath(s.instance));
    const slots = new SlotTable(buf, validateHeader(buf, ctlPath(s.instance)));
    const free = slots.list().find((v) => v.state === SlotState.FREE)!;
    t.truthy(free, 'a free slot');
    const i32 = new Int32Array(buf, slots.offset(free.index), SLOT_HDR_SIZE / 4);
    const i64 = new BigInt64Array(buf, slots.offset(free.index), SLOT_HDR_SIZE / 8);
    // what a finished client leaves behind: a pid that no longer runs, an old heartbeat
    const dead = spawnSync('true').pid!;
    Atomics.store(i32, SlotHdr.pid / 4, dead);
    Atomics.store(i32, SlotHdr.pidns / 4, ownPidns() | 0);
    Atomics.store(i64, SlotHdr.heartbeat_ns / 8, 1n);
    // a claimer stopped between its compare-and-swap and writing its identity
    t.is(Atomics.compareExchange(i32, SlotHdr.state / 4, SlotState.FREE, SlotState.CLAIMING), SlotState.FREE);
    const t0 = Date.now();
    await sleep(1500); // six checks of the slots
    t.is(Atomics.load(i32, SlotHdr.state / 4), SlotState.CLAIMING, 'a claim in progress is left alone');
    await waitFor('the stuck claim to be freed', () => Atomics.load(i32, SlotHdr.state / 4) === SlotState.FREE, 30_000);
    t.true(Date.now() - t0 >= 9_000, `freed after ${Date.now() - t0} ms, not before the 10 s allowed`);
    const gone = await waitForEvent(events, (e) => e.type === 'client-gone' && e.slot === free.index, 5_000);
    t.like(gone, { type: 'client-gone', slot: free.index });
    await events.return?.();
    t.regex(readFileSync(defaultLogFile(s.instance), 'utf8'), /claim did not finish in 10000 ms/);
    t.is((await sw.hello()).dpPid, s.pid, 'this client still works');
  },
);

test.serial('a control file planted by another user (nobody) is refused, naming its owner', async (t) => {
  const instance = `e2e-planted-${process.pid}`;
  const file = ctlPath(instance);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, Buffer.alloc(1 << 20), { mode: 0o600 });
  t.teardown(() => rmSync(file, { force: true }));
  chownSync(file, 65534, 65534);

  const e = await t.throwsAsync(connect(instance, { logger }), { instanceOf: SlipwayError });
  t.is(e?.code, 'INSECURE');
  t.regex(e?.message ?? '', /owned by uid 65534 \(nobody\), expected uid 0 \(root\)/);

  const cli = await slipctl(['-i', instance, 'status']);
  t.not(cli.code, 0);
  t.regex(cli.stderr, /owned by uid 65534 \(nobody\)/);
});

async function waitForEvent(
  it: AsyncIterableIterator<SlipwayEvent>,
  match: (e: SlipwayEvent) => boolean,
  timeoutMs: number,
): Promise<SlipwayEvent> {
  let found: SlipwayEvent | undefined;
  const reader = (async () => {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      if (match(r.value)) {
        found = r.value;
        return;
      }
    }
  })();
  await waitFor('the event', () => found !== undefined, timeoutMs);
  void reader;
  return found as SlipwayEvent;
}

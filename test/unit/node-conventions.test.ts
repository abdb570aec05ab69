/**
 * What a Node user expects of the library, against the fake dataplane: an
 * AbortSignal ends every wait (a request, a batch, connect, launch, an
 * events iteration, shutdown) with ABORTED named AbortError; `await using`
 * closes a client; any logger with debug/info/warn/error works, and
 * without one the library writes nothing.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Slipway } from '../../ts-api/src/client/slipway';
import { launch } from '../../ts-api/src/launch';
import { SlipwayError } from '../../ts-api/src/errors';
import type { LogMeta, Logger } from '../../ts-api/src/logger';
import { Op, SlotState } from '../../ts-api/src/wire/abi';
import { pidAlive } from '../../ts-api/src/wire/ctlfile';
import { FakeDataplane, type FakeOptions, tmpCtl } from './helpers/fake-dataplane';

type Teardown = { teardown: (fn: () => void | Promise<void>) => void };

/** A logger as a user might write one: no child(), every call kept. */
function recorder(): Logger & { lines: Array<{ level: string; message: string; meta?: LogMeta }> } {
  const lines: Array<{ level: string; message: string; meta?: LogMeta }> = [];
  const at = (level: string) => (message: string, meta?: LogMeta) => void lines.push({ level, message, meta });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

function fakeFor(t: Teardown, tag: string, opts: Omit<FakeOptions, 'file'> = {}) {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file, ...opts }).start();
  t.teardown(() => fake.destroy());
  const open = async (o: Parameters<typeof connect>[1] = {}): Promise<Slipway> => {
    const sw = await connect(c.instance, { ctlDir: c.dir, ...o });
    t.teardown(() => sw.close());
    return sw;
  };
  return { c, fake, open };
}

async function rejection(p: Promise<unknown>): Promise<SlipwayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SlipwayError) return e;
    throw e;
  }
  throw new Error('expected a rejection, but it resolved');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a request: an aborted signal sends nothing, an abort while waiting rejects at once, the client goes on', async (t) => {
  const { fake, open } = fakeFor(t, 'abrq', { ignore: [Op.XC_LIST] });
  const sw = await open();
  const seen = fake.seen.length;
  const early = await rejection(sw.xconnects.list({ signal: AbortSignal.abort() }));
  t.is(early.code, 'ABORTED');
  t.is(early.name, 'AbortError');
  await sleep(20);
  t.is(fake.seen.length, seen, 'a call aborted before it started sends nothing');

  const ac = new AbortController();
  const t0 = performance.now();
  const waiting = sw.xconnects.list({ signal: ac.signal }); // the fake never answers XC_LIST
  setTimeout(() => ac.abort(new Error('operator gave up')), 50);
  const e = await rejection(waiting);
  t.true(performance.now() - t0 < 1000, `rejected ${(performance.now() - t0).toFixed(0)} ms after the call`);
  t.is(e.code, 'ABORTED');
  t.regex(e.message, /XC_LIST \(seq \d+\): aborted: operator gave up$/);
  t.true(e instanceof SlipwayError && e.name === 'AbortError');
  t.truthy(await sw.hello({ signal: new AbortController().signal }), 'the client still works');
  t.truthy(await sw.stats({ refresh: true, signal: AbortSignal.timeout(5000) }));
});

test('a batch: an abort stops writing what is left; late answers of what was written are dropped quietly', async (t) => {
  const { fake, open } = fakeFor(t, 'abbt');
  const log = recorder();
  const sw = await open({ logger: log });
  fake.pause(); // the dataplane, alive, takes nothing: the request ring fills
  const ac = new AbortController();
  const items = Array.from({ length: 5000 }, () => ({ op: Op.HELLO }));
  const p = sw.requestBatch(items, { signal: ac.signal });
  await sleep(50);
  ac.abort();
  const e = await rejection(p);
  t.is(e.code, 'ABORTED');
  t.regex(e.message, /: aborted$/);
  t.regex(e.message, /0 of 5000 answered when aborted/);
  fake.start();
  t.truthy(await sw.hello(), 'the client works once the dataplane serves again');
  await sleep(50);
  const written = fake.seen.filter((m) => m.type === Op.HELLO).length - 1;
  t.true(written > 0 && written < 5000, `${written} of 5000 items were written before the abort`);
  t.deepEqual(
    log.lines.filter((l) => /not pending/.test(l.message)),
    [],
    'the answers of the batch given up are not taken for strays',
  );
});

test('connect: an abort ends the retries', async (t) => {
  const c = tmpCtl('abcn');
  const t0 = performance.now();
  const e = await rejection(
    connect(c.instance, {
      ctlDir: c.dir,
      retry: { attempts: 1000, initialDelayMs: 20, maxDelayMs: 200 },
      signal: AbortSignal.timeout(150),
    }),
  );
  t.is(e.code, 'ABORTED');
  t.regex(e.message, new RegExp(`instance ${c.instance}: connect: aborted`));
  t.true(performance.now() - t0 < 2000);
});

test('launch: an abort while waiting for READY kills the process it started', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-ablaunch-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'slipwayd');
  const pidFile = path.join(dir, 'pid');
  fs.writeFileSync(bin, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`, { mode: 0o755 });
  const c = tmpCtl('abla');
  const e = await rejection(
    launch({
      instance: c.instance,
      binary: bin,
      ctlDir: c.dir,
      logFile: path.join(dir, 'log'),
      signal: AbortSignal.timeout(300),
    }),
  );
  t.is(e.code, 'ABORTED');
  t.regex(e.message, /launch \(slipwayd pid \d+ killed before it was ready\): aborted/);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(10);
  t.false(pidAlive(pid), `the process launch() started (pid ${pid}) is gone`);
});

test('events: an abort ends the iteration with ABORTED; an already aborted signal ends it at once', async (t) => {
  const { fake, open } = fakeFor(t, 'abev');
  const sw = await open();
  const ac = new AbortController();
  const it = sw.events({ signal: ac.signal });
  fake.emit({ type: 'client-gone', pid: 1, slot: 3 });
  t.like((await it.next()).value, { type: 'client-gone', slot: 3 });
  const waiting = it.next();
  setTimeout(() => ac.abort(), 20);
  const e = await rejection(waiting);
  t.is(e.code, 'ABORTED');
  t.is(e.name, 'AbortError');
  t.deepEqual(await it.next(), { value: undefined, done: true });
  const gone = sw.events({ signal: AbortSignal.abort() });
  t.is((await rejection(gone.next())).code, 'ABORTED');
  // for await ... of: the abort is the loop's error, as with node:events on()
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 20);
  const loop = (async () => {
    for await (const ev of sw.events({ signal: ac2.signal })) void ev;
  })();
  t.is((await rejection(loop)).code, 'ABORTED');
});

test('shutdown: an abort ends the wait for a dataplane that does not stop, and closes the client', async (t) => {
  const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], { stdio: 'ignore' });
  t.teardown(() => void child.kill('SIGKILL'));
  await sleep(50);
  const { open } = fakeFor(t, 'absd', { dpPid: child.pid });
  const sw = await open();
  const t0 = performance.now();
  const e = await rejection(sw.shutdown({ timeoutMs: 20_000, signal: AbortSignal.timeout(200) }));
  t.is(e.code, 'ABORTED');
  t.regex(e.message, new RegExp(`stopping dataplane pid ${child.pid} \\(SIGTERM sent\\): aborted`));
  t.true(performance.now() - t0 < 2000);
  t.true(sw.isClosed);
  t.true(pidAlive(child.pid as number), 'nothing was killed: the abort only ended the wait');
});

test('await using closes the client (its slot is released) when the block ends', async (t) => {
  const { c, fake } = fakeFor(t, 'using');
  let index = -1;
  {
    await using sw = await connect(c.instance, { ctlDir: c.dir });
    index = sw.slot()!.index;
    t.is(fake.slot32(index, 'state'), SlotState.ACTIVE);
    t.truthy(await sw.hello());
  }
  t.not(fake.slot32(index, 'state'), SlotState.ACTIVE, 'released at the end of the block');
});

test('any logger: one without child() gets the instance in every line; one with child() is asked for it', async (t) => {
  const { c, open } = fakeFor(t, 'logs');
  const plain = recorder();
  const sw = await open({ logger: plain });
  await sw.close();
  const connected = plain.lines.find((l) => l.message === 'connected');
  t.like(connected, { level: 'debug', meta: { instance: c.instance } });
  t.true(plain.lines.some((l) => l.message === 'closed' && l.meta?.instance === c.instance));

  const childMeta: LogMeta[] = [];
  const parent = recorder();
  const withChild: Logger = { ...parent, child: (m) => (childMeta.push(m), parent) };
  await (await open({ logger: withChild })).close();
  t.deepEqual(childMeta[0], { instance: c.instance });
  t.true(parent.lines.some((l) => l.message === 'connected'));
});

test.serial('without a logger the library writes nothing, even when it has something to warn about', async (t) => {
  const { fake, open } = fakeFor(t, 'quiet');
  const written: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep = (chunk: unknown): boolean => (written.push(String(chunk)), true);
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  try {
    const sw = await open({ watchIntervalMs: 10 });
    const lost = new Promise((resolve) => sw.once('slot-lost', resolve));
    fake.free(sw.slot()!.index); // the client warns about a lost slot
    await lost;
    t.truthy(await sw.hello());
    await sw.close();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  t.deepEqual(written, []);
});

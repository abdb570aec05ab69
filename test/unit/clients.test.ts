/**
 * Many clients against the fake dataplane: slot claim and release, all
 * slots taken (BUSY), a dead client's slot, a slot lost under a running
 * client; the event log (a cursor per client, wrap, missed counts, bounded
 * iterator queues); the checks of the control file before it is mapped.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CtlHeader, Op, SlotState } from '../../ts-api/src/wire/abi';
import { connect, type Slipway } from '../../ts-api/src/client/slipway';
import type { SlotLostEvent } from '../../ts-api/src/client/connection';
import type { SlipwayEvent } from '../../ts-api/src/events';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { ownPidns, startTicks } from '../../ts-api/src/wire/ctlfile';
import { EventLog } from '../../ts-api/src/wire/evlog';
import { encodeRouteList } from '../../ts-api/src/codec/routes';
import { FakeDataplane, type FakeOptions, tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });
type Teardown = { teardown: (fn: () => void | Promise<void>) => void };

function fakeFor(t: Teardown, tag: string, opts: Omit<FakeOptions, 'file'> = {}) {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file, ...opts }).start();
  t.teardown(() => fake.destroy());
  const open = async (o: { name?: string; watchIntervalMs?: number } = {}): Promise<Slipway> => {
    const sw = await connect(c.instance, { ctlDir: c.dir, logger, ...o });
    t.teardown(() => sw.close());
    return sw;
  };
  return { c, fake, open };
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
  return Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function take(it: AsyncIterableIterator<SlipwayEvent>, n: number): Promise<SlipwayEvent[]> {
  const out: SlipwayEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/* ---------------- slots ---------------- */

test('a client claims a slot with its identity, beats, and releases it on close', async (t) => {
  const { fake, open } = fakeFor(t, 'claim');
  const sw = await open({ name: 'unit-app', watchIntervalMs: 20 });
  const i = sw.slot()!.index;
  t.is(fake.slot32(i, 'state'), SlotState.ACTIVE);
  t.is(fake.slot32(i, 'pid'), process.pid);
  t.is(fake.slot32(i, 'pidns'), ownPidns());
  t.is(fake.slot64(i, 'start_ticks'), startTicks('self') ?? -1n);
  t.is(fake.slotName(i), 'unit-app');
  t.is(fake.slot32(i, 'gen'), sw.slot()!.gen);
  const hb = fake.slot64(i, 'heartbeat_ns');
  t.true(hb > 0n);
  await sleep(100);
  t.true(fake.slot64(i, 'heartbeat_ns') > hb, 'the heartbeat advances');

  // a second client of the same process has a slot and rings of its own
  const other = await open({ name: 'second' });
  t.not(other.slot()!.index, i);
  const [a, b] = await Promise.all([sw.hello(), other.hello()]);
  t.is(a.dpPid, b.dpPid);
  t.deepEqual([...new Set(fake.seenSlot)].sort(), [i, other.slot()!.index].sort(), 'each answered on its own slot');

  await sw.close();
  t.not(fake.slot32(i, 'state'), SlotState.ACTIVE, 'released');
  await sleep(20);
  t.is(fake.slot32(i, 'state'), SlotState.FREE, 'the dataplane freed the released slot');
  await rejects(sw.hello(), 'CLOSED');
  t.truthy(await other.hello(), 'the other client keeps working');
});

test('every client gets exactly its own answers, several clients in flight at once', async (t) => {
  const { fake, open } = fakeFor(t, 'own', { reqSize: 512, respSize: 1024, echoSlot: true });
  const clients = await Promise.all([0, 1, 2, 3].map((k) => open({ name: `c${k}` })));
  await clients[0].ports.add('net_null0');
  const asks = clients.flatMap((sw, k) =>
    Array.from({ length: 200 }, async () => {
      const r = await sw.request(Op.PORT_DEVARGS, encodePortRef(0));
      return { k, text: new TextDecoder().decode(r.payload) };
    }),
  );
  const answers = await Promise.all(asks);
  for (const { k, text } of answers) {
    t.regex(text, new RegExp(`^net_null0,slot=${clients[k].slot()!.index},seq=\\d+$`), `client ${k}`);
  }
  t.is(new Set(answers.map((a) => a.text)).size, answers.length, 'no answer was delivered twice');
  t.is(fake.active().length, 4);
});

function encodePortRef(port: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint16(0, port, true);
  return b;
}

test('all slots taken: connect fails with BUSY naming the instance and the 16 slots; retry gets one when freed', async (t) => {
  const { c, fake, open } = fakeFor(t, 'busy');
  const held = await Promise.all(Array.from({ length: 16 }, (_, k) => open({ name: `holder${k}` })));
  const e = await rejects(connect(c.instance, { ctlDir: c.dir, logger }), 'BUSY');
  t.regex(
    e.message,
    new RegExp(`^instance ${c.instance}: all 16 client slots are in use \\(0: pid ${process.pid} \\(holder0\\)`),
  );
  const waiting = connect(c.instance, { ctlDir: c.dir, logger, retry: { attempts: 20, initialDelayMs: 10 } });
  setTimeout(() => void held[7].close(), 50);
  const sw = await waiting;
  t.teardown(() => sw.close());
  t.is(sw.slot()!.index, 7, 'the freed slot');
  t.is(fake.active().length, 16);
});

test("a dead client's slot is freed with CLIENT_GONE, which reaches the other clients", async (t) => {
  const { fake, open } = fakeFor(t, 'dead');
  const sw = await open();
  const events = sw.events();
  // a client that died without releasing: slot 9 ACTIVE, a pid of our namespace that is gone
  const dead = deadPid();
  fake.setSlot32(9, 'pid', dead);
  fake.setSlot32(9, 'pidns', ownPidns());
  fake.setSlot64(9, 'heartbeat_ns', fake.slot64(sw.slot()!.index, 'heartbeat_ns'));
  fake.setSlot32(9, 'state', SlotState.ACTIVE);
  const [e] = await take(events, 1);
  t.deepEqual(e, { type: 'client-gone', seq: 0, pid: dead, slot: 9 });
  t.is(fake.slot32(9, 'state'), SlotState.FREE);
  t.truthy(await sw.hello(), 'the living client is unaffected');
});

test('a slot freed under a running client: requests in flight fail with SLOT_LOST, a new slot is claimed, later requests work', async (t) => {
  const { fake, open } = fakeFor(t, 'lost', { ignore: [Op.XC_LIST] });
  const sw = await open({ watchIntervalMs: 10 });
  const first = sw.slot()!;
  const lost = once(sw, 'slot-lost') as Promise<[SlotLostEvent]>;
  const pending = sw.request(Op.XC_LIST); // never answered
  await sleep(20);
  fake.free(first.index); // what slipwayd does when the heartbeat is too old
  const err = await rejects(pending, 'SLOT_LOST');
  t.regex(
    err.message,
    new RegExp(`client slot ${first.index} was freed by the dataplane; 1 request\\(s\\) in flight were lost`),
  );
  const [ev] = await lost;
  t.like(ev, { slot: first.index, failed: 1, reason: 'freed by the dataplane' });
  t.is(ev.newSlot, sw.slot()!.index);
  t.truthy(await sw.hello(), 'a new request goes through the new slot');
  t.is(fake.slot32(sw.slot()!.index, 'pid'), process.pid);
});

test('a slot lost while every other slot is taken: BUSY until one is free, then the client works again', async (t) => {
  const { fake, open } = fakeFor(t, 'lostbusy', { nSlots: 2 });
  const sw = await open({ watchIntervalMs: 10 });
  const other = await open();
  const mine = sw.slot()!.index;
  fake.free(mine);
  // somebody else takes it before we notice
  fake.setSlot32(mine, 'pid', process.pid);
  fake.setSlot32(mine, 'gen', fake.slot32(mine, 'gen') + 1);
  fake.setSlot64(mine, 'heartbeat_ns', fake.slot64(other.slot()!.index, 'heartbeat_ns'));
  fake.setSlot32(mine, 'state', SlotState.ACTIVE);
  await sleep(50);
  t.is(sw.slot(), undefined);
  t.regex((await rejects(sw.hello(), 'BUSY')).message, /all 2 client slots are in use/);
  t.truthy(await sw.stats({ refresh: false }), 'statistics need no slot');
  await other.close();
  await sleep(20);
  t.truthy(await sw.hello());
});

/* ---------------- the event log ---------------- */

test('event log: a cursor per client, records wrap, overwritten events are counted, never returned', (t) => {
  const buf = new ArrayBuffer(4096 + 8 * 128);
  const log = new EventLog(buf, 4096, 8);
  t.deepEqual(log.read(0n), { records: [], missed: 0n, missedFrom: 0n, cursor: 0n });
  for (let i = 0; i < 5; i++) log.append(1, new Uint8Array([i]));
  const a = log.read(0n);
  t.deepEqual(
    a.records.map((r) => [r.seq, r.payload[0]]),
    [0n, 1n, 2n, 3n, 4n].map((s) => [s, Number(s)]),
  );
  t.is(a.cursor, 5n);
  for (let i = 5; i < 30; i++) log.append(1, new Uint8Array([i]));
  // a reader at 5 is 25 behind an 8-record log: 17 missed, the last 8 read
  const b = log.read(5n);
  t.is(b.missed, 17n);
  t.is(b.missedFrom, 5n);
  t.deepEqual(
    b.records.map((r) => Number(r.seq)),
    [22, 23, 24, 25, 26, 27, 28, 29],
  );
  t.is(b.cursor, 30n);
  // another reader, with its own cursor, at the end already
  t.deepEqual(log.read(30n).records, []);
  // a record overwritten between evt_next and the read (its seq is newer): missed
  new DataView(buf).setBigUint64(4096 + (29 % 8) * 128, 37n, true);
  const c = log.read(28n);
  t.deepEqual([c.records.map((r) => Number(r.seq)), c.missed, c.missedFrom], [[28], 1n, 29n]);
  // being written
  new DataView(buf).setBigUint64(4096 + (28 % 8) * 128, 0xffff_ffff_ffff_ffffn, true);
  t.is(log.read(28n).missed, 2n);
  // a corrupt log
  const v = new DataView(buf);
  v.setUint16(4096 + (27 % 8) * 128 + 10, 500, true);
  t.throws(() => log.read(27n), { message: /event 27 .*payload of 500 bytes, at most 112/ });
  v.setBigUint64(CtlHeader.evt_next, 3n, true);
  t.throws(() => log.read(30n), { message: /evt_next went back from 30 to 3/ });
});

test('events: a reader too slow for the log gets events-missed with the count, then the events still there', async (t) => {
  const { fake, open } = fakeFor(t, 'missed', { evtRecords: 8 });
  const sw = await open();
  const it = sw.events();
  const first = fake.emit({ type: 'link', port: 0, linkUp: true, started: true, linkSpeed: 1 });
  t.like((await take(it, 1))[0], { type: 'link', seq: Number(first) });
  // 20 events in one tick: the reader cannot run in between
  for (let i = 0; i < 20; i++) fake.emit({ type: 'client-gone', pid: 1000 + i, slot: 1 });
  const got = await take(it, 9);
  t.deepEqual(got[0], { type: 'events-missed', seq: 1, count: 12, reason: 'overwritten' });
  t.deepEqual(
    got.slice(1).map((e) => (e as { pid: number }).pid),
    [1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019],
  );
});

test('events: a bounded iterator queue drops and counts, and says so before the next event', async (t) => {
  const { fake, open } = fakeFor(t, 'qfull');
  const sw = await open();
  const slow = sw.events({ queueSize: 4 });
  const fast = sw.events();
  for (let i = 0; i < 10; i++) fake.emit({ type: 'client-gone', pid: i, slot: 0 });
  const all = await take(fast, 10);
  t.is(all.length, 10, 'the other iterator got everything');
  const got = await take(slow, 5);
  t.deepEqual(
    got.slice(0, 4).map((e) => (e as { pid: number }).pid),
    [0, 1, 2, 3],
  );
  t.deepEqual(got[4], { type: 'events-missed', seq: 4, count: 6, reason: 'queue-full' });
  fake.emit({ type: 'client-gone', pid: 99, slot: 0 });
  t.like((await take(slow, 1))[0], { pid: 99 });
});

test('a corrupt event record fails the client with PROTOCOL, it never loops', async (t) => {
  const { fake, open } = fakeFor(t, 'badevt');
  const sw = await open();
  const it = sw.events();
  const seq = fake.emit({ type: 'link', port: 0, linkUp: true, started: true, linkSpeed: 1 });
  t.like((await take(it, 1))[0], { type: 'link' });
  // the next record claims a 200-byte payload
  const next = fake.emit({ type: 'link', port: 0, linkUp: false, started: true, linkSpeed: 1 });
  t.is(next, seq + 1n);
  const off = fake.evlog.offset + Number(next % 1024n) * 128 + 10;
  new DataView(fake.buf).setUint16(off, 200, true);
  const e = await t.throwsAsync(it.next(), { instanceOf: SlipwayError });
  t.is(e?.code, 'PROTOCOL');
});

/* ---------------- the control file before it is mapped ---------------- */

test('the control file is refused unless it is a regular root file of mode 0600 in a private directory', async (t) => {
  const { c } = fakeFor(t, 'sec');
  const insecure = async (re: RegExp) =>
    t.regex((await rejects(connect(c.instance, { ctlDir: c.dir, logger }), 'INSECURE')).message, re);

  fs.chmodSync(c.file, 0o644);
  await insecure(/control file \S+ has mode 0644, expected 0600; refusing to use it/);
  fs.chmodSync(c.file, 0o600);

  fs.chownSync(c.file, 65534, 65534);
  await insecure(/control file \S+ is owned by uid 65534 \(nobody\), expected uid 0 \(root\)/);
  fs.chownSync(c.file, 0, 0);

  fs.chmodSync(c.dir, 0o755);
  await insecure(/control directory \S+ has mode 0755, expected no group or other access/);
  fs.chmodSync(c.dir, 0o700);

  const real = `${c.file}.real`;
  fs.renameSync(c.file, real);
  fs.symlinkSync(real, c.file);
  await insecure(/control file \S+ is a symbolic link/);
  fs.rmSync(c.file);

  spawnSync('mkfifo', ['-m', '600', c.file]);
  await insecure(/control file \S+ is a FIFO, not a regular file/);
  fs.rmSync(c.file);

  fs.renameSync(real, c.file);
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  await sw.close();

  // the directory: a symbolic link to a private directory is not the directory
  const link = path.join(path.dirname(c.dir), `${path.basename(c.dir)}-link`);
  fs.symlinkSync(c.dir, link);
  t.teardown(() => fs.rmSync(link, { force: true }));
  t.regex(
    (await rejects(connect(c.instance, { ctlDir: link, logger }), 'INSECURE')).message,
    /control directory \S+ is a symbolic link, not a directory/,
  );
});

test('a header that does not describe the file it is in is refused before any use', async (t) => {
  const cases: [string, (f: FakeDataplane) => void, RegExp][] = [
    [
      'file_size',
      (f) => new DataView(f.buf).setBigUint64(CtlHeader.file_size, 1n << 40n, true),
      /header says 1099511627776 bytes, the file has/,
    ],
    ['slots', (f) => f.setHeader32('n_slots', 100000), /100000 client slots/],
    ['slot size', (f) => f.setHeader32('slot_size', 64), /slot size 64 does not hold/],
    ['event log', (f) => f.setHeader32('evt_off', 0x7fff_ffc0), /event log at 2147483584 .* is outside/],
    ['overlap', (f) => f.setHeader32('stats_off', f.header32('evt_off')), /overlaps stats area/],
    ['ring size', (f) => f.setHeader32('req_size', 1000), /request ring size 1000 is not a power of two/],
  ];
  for (const [what, corrupt, re] of cases) {
    const c = tmpCtl('hdr');
    const fake = new FakeDataplane({ file: c.file });
    try {
      corrupt(fake);
      const e = await rejects(connect(c.instance, { ctlDir: c.dir, logger }), 'ABI_MISMATCH');
      t.regex(e.message, re, what);
    } finally {
      fake.destroy();
    }
  }
  // a slot whose ring lies outside it: PROTOCOL, and the slot is given back
  const c = tmpCtl('slotoff');
  const fake = new FakeDataplane({ file: c.file, nSlots: 1 });
  t.teardown(() => fake.destroy());
  fake.setSlot32(0, 'resp_off', 0xfff_fff0);
  t.regex(
    (await rejects(connect(c.instance, { ctlDir: c.dir, logger }), 'PROTOCOL')).message,
    /client slot 0: response ring at 268435440 .* is outside/,
  );
  t.is(fake.slot32(0, 'state'), SlotState.FREE);
});

test('a response of length 0xFFFFFFF9 fails the client with PROTOCOL instead of looping', async (t) => {
  const { fake, open } = fakeFor(t, 'wrap', { ignore: [Op.HELLO] });
  const sw = await open();
  const pending = sw.hello();
  const resp = fake.slots[sw.slot()!.index].resp;
  // (0xFFFFFFF9 + 7) & ~7 is 0 in 32 bits: a reader that rounds first never advances
  const v = resp.view;
  v.setUint32(0, 0xfffffff9, true);
  v.setUint16(4, Op.HELLO, true);
  Atomics.store(new Int32Array(resp.buffer, resp.offset, 1), 0, 16);
  const e = await rejects(pending, 'PROTOCOL');
  t.regex(e.message, /bad message length 4294967289/);
  await rejects(sw.hello(), 'PROTOCOL');
});

test('a listing whose cursor does not advance, or an empty page that is not the last, is PROTOCOL, not an endless loop', async (t) => {
  const { fake, open } = fakeFor(t, 'page');
  const sw = await open();
  // every ROUTE_LIST answered with one route and next = 1, whatever the cursor
  const page = encodeRouteList({ items: [{ prefix: '10.0.0.0/8', type: 'drop' }], next: 1 });
  fake.override = (m) => (m.type === Op.ROUTE_LIST ? [0, page] : undefined);
  const e = await rejects(sw.routes.list(), 'PROTOCOL');
  t.regex(e.message, /route list: .*page of 1 entries with next cursor 1 after cursor 1 \(a cursor must advance\)/);
  const empty = encodeRouteList({ items: [], next: 5 });
  fake.override = (m) => (m.type === Op.ROUTE_LIST ? [0, empty] : undefined);
  t.regex((await rejects(sw.routes.list(), 'PROTOCOL')).message, /page of 0 entries with next cursor 5 after cursor 0/);
});

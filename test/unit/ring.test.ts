/**
 * The SPSC ring over a plain ArrayBuffer (wrap, PAD, full ring, u32 index
 * wrap-around, wake protocol) and the native futex across two mappings.
 */
import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MSG_HDR_SIZE, Op, RING_DATA_OFF, RingHdr, msgAlign } from '../../ts-api/src/wire/abi';
import { SlipwayError } from '../../ts-api/src/errors';
import { loadNative, nativeCandidates } from '../../ts-api/src/native';
import { Ring, WakeFn } from '../../ts-api/src/wire/ring';

function makeRing(
  size: number,
  opts: { start?: number; wake?: WakeFn } = {},
): { buf: ArrayBuffer; ring: Ring; data: DataView } {
  const buf = new ArrayBuffer(RING_DATA_OFF + size);
  Ring.init(buf, 0, size);
  if (opts.start !== undefined) {
    const v = new DataView(buf);
    v.setUint32(RingHdr.prod, opts.start, true);
    v.setUint32(RingHdr.cons, opts.start, true);
  }
  return { buf, ring: new Ring(buf, 0, size, { wake: opts.wake }), data: new DataView(buf, RING_DATA_OFF) };
}

const payload = (n: number, fill: number) => new Uint8Array(n).fill(fill & 0xff);

test('messages come out in order with their header fields and payloads', (t) => {
  const { ring } = makeRing(1024);
  t.true(ring.isEmpty());
  t.is(ring.consume(), null);
  t.true(ring.produce({ type: Op.HELLO, seq: 1 }));
  t.true(ring.produce({ type: Op.PORT_GET, seq: 2, flags: 3, status: 4, payload: payload(8, 0xab) }));
  t.is(ring.used(), 16 + 24);
  t.deepEqual(ring.consume(), { type: Op.HELLO, flags: 0, seq: 1, status: 0, payload: new Uint8Array(0) });
  t.deepEqual(ring.consume(), { type: Op.PORT_GET, flags: 3, seq: 2, status: 4, payload: payload(8, 0xab) });
  t.is(ring.consume(), null);
  t.is(ring.used(), 0);
});

test('a message that does not fit before the end is preceded by a PAD covering the rest', (t) => {
  const { ring, data } = makeRing(64);
  t.true(ring.produce({ type: 1, seq: 1, payload: payload(8, 1) })); // 24 bytes at 0
  t.true(ring.produce({ type: 1, seq: 2, payload: payload(8, 2) })); // 24 bytes at 24
  t.is(ring.consume()?.seq, 1);
  t.is(ring.consume()?.seq, 2);
  t.true(ring.produce({ type: 1, seq: 3, payload: payload(8, 3) })); // 16 left at 48 < 24: PAD 16, then at 0
  t.is(data.getUint32(48, true), 16, 'PAD len covers the rest of the area');
  t.is(data.getUint16(52, true), Op.PAD);
  t.is(data.getUint32(8, true), 3, 'message starts again at offset 0');
  t.is(ring.prod, 64 + 24);
  t.deepEqual(ring.consume()?.payload, payload(8, 3));
  t.is(ring.cons, 64 + 24);
});

test('with only 8 bytes before the end the PAD keeps len and type in those 8 bytes', (t) => {
  const { ring, data } = makeRing(64);
  t.true(ring.produce({ type: 1, seq: 1, payload: payload(40, 1) })); // 56 bytes
  t.is(ring.consume()?.seq, 1);
  t.true(ring.produce({ type: 1, seq: 2, payload: payload(4, 2) })); // needs 24, 8 left
  t.is(data.getUint32(56, true), 8);
  t.is(data.getUint16(60, true), Op.PAD);
  t.is(ring.consume()?.seq, 2);
  t.is(ring.cons, 64 + 24);
});

test('a consumer skips an 8-byte tail even when the producer wrote nothing there', (t) => {
  const { ring, buf, data } = makeRing(64);
  const ctl = new DataView(buf);
  // Hand-made producer: message at 0 after an implicit 8-byte skip from 56.
  ctl.setUint32(RingHdr.prod, 56, true);
  ctl.setUint32(RingHdr.cons, 56, true);
  data.setUint32(56, 0xdeadbeef, true); // garbage in the tail
  data.setUint32(0, 16, true);
  data.setUint16(4, 9, true);
  data.setUint32(8, 77, true);
  ctl.setUint32(RingHdr.prod, 64 + 16, true);
  t.like(ring.consume(), { type: 9, seq: 77 });
});

test('a full ring refuses to produce, and accepts again once consumed', (t) => {
  const { ring } = makeRing(128);
  let n = 0;
  while (ring.produce({ type: 1, seq: n, payload: payload(16, n) })) n++;
  t.is(n, 4); // 4 x 32 bytes
  t.false(ring.fits(16));
  t.is(ring.used(), 128);
  t.is(ring.consume()?.seq, 0);
  t.true(ring.fits(16));
  t.true(ring.produce({ type: 1, seq: 99, payload: payload(16, 99) }));
  t.deepEqual(
    [1, 2, 3, 99].map(() => ring.consume()?.seq),
    [1, 2, 3, 99],
  );
  t.throws(() => ring.produce({ type: 1, seq: 1, payload: payload(200, 0) }), { instanceOf: SlipwayError });
});

test('model check: random produce/consume sequences keep FIFO order across index wrap-around', (t) => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('produce' as const), len: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ kind: fc.constant('consume' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.constantFrom(0, 0xffffff00, 0xfffffff8), (ops, start) => {
      const size = 256;
      const { ring } = makeRing(size, { start });
      const model: Uint8Array[] = [];
      let seq = 0;
      for (const o of ops) {
        if (o.kind === 'produce') {
          const p = payload(o.len, seq);
          // accepted exactly when the message (plus a PAD if it would cross the end) fits
          const alen = msgAlign(MSG_HDR_SIZE + o.len);
          const toEnd = size - (ring.prod % size);
          const fits = (alen > toEnd ? toEnd : 0) + alen <= size - ring.used();
          const ok = ring.produce({ type: 5, seq, payload: p });
          t.is(ok, fits);
          if (ok) model.push(p);
          seq++;
        } else {
          const m = ring.consume();
          const want = model.shift();
          if (want === undefined) t.is(m, null);
          else t.deepEqual(m?.payload, want);
        }
        t.true(ring.used() <= size);
        t.is(ring.prod % 8, 0);
      }
      for (let m = ring.consume(); m !== null; m = ring.consume()) t.deepEqual(m.payload, model.shift());
      t.is(model.length, 0);
      t.true(ring.isEmpty());
    }),
    { numRuns: 200 },
  );
});

test('producer bumps the wake counter every time and calls wake only when sleepers != 0', (t) => {
  const calls: number[] = [];
  const { ring } = makeRing(256, { wake: (_b, off, count) => (calls.push(off, count), 0) });
  const w0 = ring.wakeValue();
  ring.produce({ type: 1, seq: 1 });
  t.is(ring.wakeValue(), w0 + 1);
  t.deepEqual(calls, []);
  ring.setSleepers(1);
  ring.produce({ type: 1, seq: 2 });
  t.is(ring.wakeValue(), w0 + 2);
  t.deepEqual(calls, [RingHdr.wake, 1]);
  t.is(ring.wakeOffset, RingHdr.wake);
});

test('corrupt lengths and indices are PROTOCOL errors', (t) => {
  const { ring, buf, data } = makeRing(64);
  ring.produce({ type: 1, seq: 1 });
  data.setUint32(0, 8, true); // len below the header size
  t.is(t.throws(() => ring.consume(), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  new DataView(buf).setUint32(RingHdr.prod, 1000, true); // more published than the ring holds
  t.is(t.throws(() => ring.consume(), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  t.throws(() => new Ring(new ArrayBuffer(RING_DATA_OFF + 100), 0, 100), { instanceOf: SlipwayError });
});

test('skipAll drops everything published', (t) => {
  const { ring } = makeRing(256);
  ring.produce({ type: 1, seq: 1 });
  ring.produce({ type: 1, seq: 2 });
  ring.skipAll();
  t.is(ring.consume(), null);
});

/* ---------------- native ---------------- */

function shmFile(tag: string, size = 4096): string {
  const f = `/dev/shm/slipway-unit-${process.pid}-${tag}`;
  fs.writeFileSync(f, Buffer.alloc(size));
  return f;
}

test('native: mapFile shares bytes with the file and names the path on errors', (t) => {
  const f = shmFile('map');
  try {
    const n = loadNative();
    const a = n.mapFile(f);
    t.is(a.byteLength, 4096);
    new Uint8Array(a)[10] = 42;
    t.is(fs.readFileSync(f)[10], 42);
    const e = t.throws(() => n.mapFile('/dev/shm/slipway-unit-does-not-exist')) as NodeJS.ErrnoException;
    t.is(e.code, 'ENOENT');
    t.true(e.message.includes('/dev/shm/slipway-unit-does-not-exist'));
  } finally {
    fs.rmSync(f, { force: true });
  }
});

test('native: futex wait results and monotonic clock', async (t) => {
  const f = shmFile('wait');
  try {
    const n = loadNative();
    const b = n.mapFile(f);
    t.is(n.futexWaitSync(b, 0, 1, 1000), 'not-equal');
    t.is(n.futexWaitSync(b, 0, 0, 5), 'timeout');
    t.is(await n.futexWait(b, 4, 0, 5), 'timeout');
    t.is(await n.futexWait(b, 4, 7, 1000), 'not-equal');
    t.is(n.futexWake(b, 8, 1), 0);
    t.throws(() => n.futexWake(b, 2, 1));
    t.throws(() => n.futexWake(b, 4096, 1));
    const a = n.monotonicNs();
    const c = n.monotonicNs();
    t.is(typeof a, 'bigint');
    t.true(c >= a);
  } finally {
    fs.rmSync(f, { force: true });
  }
});

test('native: futexWake wakes a waiter on another mapping of the same file (shared futex)', async (t) => {
  const f = shmFile('wake');
  const native = nativeCandidates().find((p) => fs.existsSync(p));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const n = require(workerData.native);
     const b = n.mapFile(workerData.file);
     parentPort.postMessage('waiting');
     parentPort.postMessage(n.futexWaitSync(b, 64, 0, 5000));`,
    { eval: true, workerData: { file: f, native } },
  );
  try {
    const n = loadNative();
    const b = n.mapFile(f); // a different mapping (address) than the worker's
    const results: string[] = [];
    const done = new Promise<string>((resolve, reject) => {
      worker.on('message', (m: string) => (m === 'waiting' ? results.push(m) : resolve(m)));
      worker.on('error', reject);
    });
    const t0 = Date.now();
    let woken = 0;
    while (woken === 0 && Date.now() - t0 < 4000) {
      woken = n.futexWake(b, 64, 1); // the word stays 0: only a wake can end the wait early
      if (woken === 0) await new Promise((r) => setTimeout(r, 2));
    }
    t.is(woken, 1);
    t.is(await done, 'ok');
    t.true(Date.now() - t0 < 4000);
  } finally {
    await worker.terminate();
    fs.rmSync(f, { force: true });
  }
});

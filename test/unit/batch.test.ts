/**
 * Batching: in-place encoding (Ring.reserve/commit), the non-allocating
 * drain, and requestMany / xconnects.addMany / removeMany / churn against
 * the fake dataplane, each item with its own status.
 */
import test from 'ava';
import fc from 'fast-check';
import { MAX_PORTS, MSG_F_MORE, Op } from '../../ts-api/src/wire/abi';
import { BatchError } from '../../ts-api/src/client/batch';
import { churn } from '../../ts-api/src/client/internal';
import { XcAddSource, XcChurnSource, XcDelSource } from '../../ts-api/src/codec/xconnects';
import { connect, Slipway } from '../../ts-api/src/client/slipway';
import * as codec from './helpers/codec';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { Ring } from '../../ts-api/src/wire/ring';
import { FakeDataplane, FakeOptions, tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });
const port = fc.integer({ min: 0, max: MAX_PORTS - 1 });

async function withFake(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  tag: string,
  opts: Omit<FakeOptions, 'file'> = {},
): Promise<{ fake: FakeDataplane; sw: Slipway }> {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file, ...opts }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  return { fake, sw };
}

function ringOn(size: number, wake?: () => number): Ring {
  const buf = new ArrayBuffer(256 + size);
  Ring.init(buf, 0, size);
  return new Ring(buf, 0, size, { wake, name: 'test ring' });
}

test('reserve() writes in place what produce() writes; nothing is visible before commit(), one wake per commit', (t) => {
  let wakes = 0;
  const r = ringOn(512, () => ++wakes);
  new Int32Array(r.buffer, 132, 1)[0] = 1; // a sleeping consumer
  const a = r.reserve(Op.XC_ADD, 7, 8);
  r.view.setUint16(a, 3, true);
  r.view.setUint16(a + 2, 4, true);
  const b = r.reserve(Op.XC_DEL, 8, 8);
  r.view.setUint16(b, 3, true);
  t.true(r.isEmpty(), 'reserved messages are not published');
  t.true(r.commit());
  t.false(r.commit(), 'nothing left to commit');
  t.is(wakes, 1, 'one wake for the whole commit');
  t.deepEqual(r.consume(), {
    type: Op.XC_ADD,
    flags: 0,
    seq: 7,
    status: 0,
    payload: codec.encodeXConnect({ inPort: 3, outPort: 4 }),
  });
  t.deepEqual(r.consume(), { type: Op.XC_DEL, flags: 0, seq: 8, status: 0, payload: codec.encodePortRef(3) });
  t.is(r.consume(), null);
});

test('batch sources encode every item exactly like the single-request encoders (golden equivalence)', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(port, port), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (pairs, seq0) => {
        const sources = [
          new XcAddSource(pairs),
          new XcDelSource(pairs.map((p) => p[0])),
          new XcChurnSource(pairs.length, pairs[0][0], pairs[0][1]),
        ] as const;
        for (const src of sources) {
          const r = ringOn(4096);
          const want: codec.Message[] = [];
          for (let i = 0; i < src.count; i++) {
            const seq = (seq0 + i) >>> 0;
            const off = r.reserve(src.op(i), seq, src.payloadLen(i));
            src.write(i, r.view, r.data, off);
            const payload =
              src.op(i) === Op.XC_ADD
                ? codec.encodeXConnect(
                    src instanceof XcChurnSource
                      ? { inPort: pairs[0][0], outPort: pairs[0][1] }
                      : { inPort: pairs[i][0], outPort: pairs[i][1] },
                  )
                : codec.encodePortRef(src instanceof XcChurnSource ? pairs[0][0] : pairs[i][0]);
            want.push({ type: src.op(i), flags: 0, seq, status: 0, payload });
          }
          r.commit();
          const got: codec.Message[] = [];
          for (let m = r.consume(); m; m = r.consume()) got.push(m);
          t.deepEqual(got, want, src.what);
        }
      },
    ),
    { numRuns: 50 },
  );
});

test('drain() visits every message without copying and releases the consumer index once, PAD skipped', (t) => {
  const r = ringOn(256);
  const seen: [number, number, number, string][] = [];
  for (let round = 0; round < 20; round++) {
    for (let k = 0; k < 3; k++)
      t.true(
        r.produce({ type: 0x20 + k, seq: round * 3 + k, status: k, payload: codec.encodeErrorText(`m${round}.${k}`) }),
      );
    const n = r.drain((type, seq, status, off, len) =>
      seen.push([type, seq, status, codec.decodeErrorText(r.data.subarray(off, off + len))]),
    );
    t.is(n, 3, `round ${round}: three messages`);
    t.true(r.isEmpty());
  }
  t.deepEqual(seen.slice(-3), [
    [0x20, 57, 0, 'm19.0'],
    [0x21, 58, 1, 'm19.1'],
    [0x22, 59, 2, 'm19.2'],
  ]);
  t.is(seen.length, 60);
});

test('requestMany: more items than the request ring holds, each with its own status and payload', async (t) => {
  const { sw, fake } = await withFake(t, 'many', { reqSize: 1024, respSize: 4096 });
  await sw.ports.add('net_null0');
  const items = Array.from({ length: 3000 }, (_, i) =>
    i % 3 === 0
      ? { op: Op.PORT_GET, payload: codec.encodePortRef(0) }
      : i % 3 === 1
        ? { op: Op.PORT_GET, payload: codec.encodePortRef(9) }
        : { op: Op.HELLO },
  );
  const res = await sw.requestMany(items);
  t.is(res.length, 3000);
  res.forEach((r, i) => {
    if (i % 3 === 0) t.is(codec.decodePortInfoPayload(r.payload).port, 0, `item ${i}`);
    else if (i % 3 === 1)
      t.deepEqual([r.status, codec.decodeErrorText(r.payload)], [3, 'port 9 does not exist'], `item ${i}`);
    else t.is(codec.decodeHello(r.payload).dpPid, process.pid, `item ${i}`);
  });
  t.is(fake.seen.length, 3001);
  // every item but the last says more of the batch follow (SW_MSG_F_MORE): the dataplane commits it once
  const flags = fake.seen.slice(1).map((m) => m.flags);
  t.is(flags.filter((f) => f === MSG_F_MORE).length, 2999);
  t.is(flags[2999], 0, 'the last item ends the batch');
  await sw.hello();
  t.is(fake.seen[fake.seen.length - 1].flags, 0, 'a single request has no flag');
  t.deepEqual(await sw.requestMany([]), []);
});

test('xconnects.addMany / removeMany: per-pair statuses, BatchError lists the failures, bad pairs rejected before sending', async (t) => {
  const { sw, fake } = await withFake(t, 'xcmany');
  const r = await sw.xconnects.addMany([[0, 1], { inPort: 1, outPort: 0 }, [0, 2], [5, 6]]);
  t.deepEqual([...r.statuses], [0, 0, 6, 0]);
  t.is(r.failed, 1);
  t.false(r.ok);
  t.deepEqual(r.summary(), { OK: 3, EXISTS: 1 });
  t.is(r.error(2)?.code, 'EXISTS');
  t.is(r.error(0), undefined);
  const e = t.throws(() => r.throwIfFailed(), { instanceOf: BatchError });
  t.is(e?.code, 'BATCH_FAILED');
  t.deepEqual(
    e?.failures.map((f) => [f.index, f.error.code]),
    [[2, 'EXISTS']],
  );
  t.regex(
    e?.message ?? '',
    /xconnect add of 4 pairs: 1 of 4 items failed: #2 EXISTS: .*port 0 is already cross-connected/,
  );
  t.deepEqual([...fake.xcs].sort(), [
    [0, 1],
    [1, 0],
    [5, 6],
  ]);

  const d = await sw.xconnects.removeMany([0, 7, 5]);
  t.deepEqual([...d.statuses], [0, 7, 0]);
  t.deepEqual([...fake.xcs], [[1, 0]]);

  const before = fake.seen.length;
  const bad = await t.throwsAsync(
    sw.xconnects.addMany([
      [0, 1],
      [2, 16],
    ]),
    { instanceOf: SlipwayError },
  );
  t.is(bad?.code, 'BAD_ARGUMENT');
  t.regex(bad?.message ?? '', /out port of pair #1 16/);
  await t.throwsAsync(sw.requestMany([{ op: 0x10000 }]), { message: /item #0: op 65536/ });
  t.is(fake.seen.length, before, 'nothing was sent');
});

test('churn: thousands of alternating updates through a small ring leave the table as it was; singles interleave', async (t) => {
  const { sw, fake } = await withFake(t, 'churn', { reqSize: 512, respSize: 2048 });
  const [r, hello, list] = await Promise.all([churn(sw, 4000, 2, 3), sw.hello(), sw.xconnects.list()]);
  t.is(r.length, 4000);
  t.true(r.ok, JSON.stringify(r.summary()));
  t.is(hello.dpPid, process.pid);
  t.true(Array.isArray(list));
  t.is(fake.xcs.size, 0);
  t.is(fake.seen.filter((m) => m.type === Op.XC_ADD).length, 2000);
});

test('a batch that gets no answers times out naming the batch and its progress', async (t) => {
  const c = tmpCtl('btmo');
  const fake = new FakeDataplane({ file: c.file, ignore: [Op.XC_ADD] }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger, timeoutMs: 200 });
  t.teardown(() => sw.close());
  const e = await t.throwsAsync(
    sw.xconnects.addMany([
      [0, 1],
      [1, 0],
    ]),
    { instanceOf: SlipwayError },
  );
  t.is(e?.code, 'TIMEOUT');
  t.regex(e?.message ?? '', /xconnect add of 2 pairs: no response for 200 ms \(0 of 2 answered\)/);
});

test.serial(
  'a batch larger than the request ring reaches the dataplane as one batch: room is refilled within ms, not after a 50 ms sleep',
  async (t) => {
    // The fake holds every answer until no request came for 30 ms (as slipwayd
    // holds a batch): a client that waited for answers before writing more
    // would let it commit mid-batch (72 commits with the former 50 ms sleep).
    const { sw, fake } = await withFake(t, 'onebatch', { reqSize: 1024, respSize: 256 * 1024, holdMs: 30 });
    const n = 3000;
    const t0 = performance.now();
    const r = await churn(sw, n, 0, 1);
    t.is(r.length, n);
    t.is(r.failed, 0);
    t.log(
      `${n} updates through a 1 KiB ring in ${(performance.now() - t0).toFixed(0)} ms, ${fake.commits} commit(s); longest gap ${fake.maxHeldGapMs.toFixed(1)} ms`,
    );
    // one commit when nothing else runs; the fake shares this event loop, so a
    // busy machine may split it in a few, never in the ~70 of a 50 ms sleep
    t.true(fake.commits <= 5, `the dataplane saw the batch in ${fake.commits} commits`);
  },
);

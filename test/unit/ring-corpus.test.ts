/**
 * The C fuzz corpus (test/fuzz/corpus, test/fuzz/regressions) replayed
 * through the TypeScript ring reader: each input is 8 bytes of producer and
 * consumer indices, then the bytes of a 4096-byte ring, set up as
 * test/fuzz/fuzz_ctl.c does. Reading it with drain() and with consume()
 * must end, within a bound, either empty or with a PROTOCOL error: no other
 * exception, no endless loop, no read outside the ring.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MSG_HDR_SIZE, RING_DATA_OFF, RingHdr } from '../../ts-api/src/wire/abi';
import { SlipwayError } from '../../ts-api/src/errors';
import { Ring } from '../../ts-api/src/wire/ring';

const RING = 4096;
const FUZZ = path.resolve(__dirname, '..', 'fuzz');
const inputs = ['corpus', 'regressions'].flatMap((d) =>
  fs.readdirSync(path.join(FUZZ, d)).map((f) => path.join(FUZZ, d, f)),
);

/** A ring holding `input` the way fuzz_ctl.c lays it out. */
function ringOf(input: Buffer): Ring {
  let prod = 0;
  let cons = 0;
  let data = input;
  if (data.length >= 8) {
    prod = data.readUInt32LE(0);
    cons = data.readUInt32LE(4);
    data = data.subarray(8);
  }
  const buf = new ArrayBuffer(RING_DATA_OFF + RING);
  Ring.init(buf, 0, RING);
  new Uint8Array(buf, RING_DATA_OFF, RING).set(data.subarray(0, RING));
  const v = new DataView(buf);
  // mostly plausible indices, sometimes wild ones
  v.setUint32(RingHdr.cons, cons & 1 ? cons : 0, true);
  v.setUint32(RingHdr.prod, cons & 1 ? prod : Math.min(data.length, RING), true);
  return new Ring(buf, 0, RING, { name: 'fuzz ring' });
}

/** Runs fn; returns 'end' or 'protocol'; anything else fails the test. */
function outcome(fn: () => void): 'end' | 'protocol' {
  try {
    fn();
    return 'end';
  } catch (e) {
    if (e instanceof SlipwayError && e.code === 'PROTOCOL') return 'protocol';
    throw e;
  }
}

test('the corpus is there', (t) => {
  t.true(inputs.length > 100, `${inputs.length} inputs`);
  t.true(
    inputs.some((f) => f.endsWith('len-wraps-align')),
    'the regression for the wrap of (len + 7) & ~7',
  );
});

test('every corpus input read with drain() ends empty or with PROTOCOL, within a bound', (t) => {
  const seen = { end: 0, protocol: 0 };
  for (const file of inputs) {
    const ring = ringOf(fs.readFileSync(file));
    let visits = 0;
    const r = outcome(() =>
      ring.drain((_type, _seq, _status, off, len) => {
        visits++;
        if (visits > RING / MSG_HDR_SIZE) throw new Error(`${file}: drain visited more messages than the ring holds`);
        if (off < 0 || len < 0 || off + len > RING)
          throw new Error(`${file}: payload [${off}, +${len}) outside the ring`);
      }),
    );
    seen[r]++;
  }
  t.log(`drain: ${seen.end} read to the end, ${seen.protocol} PROTOCOL`);
  t.is(seen.end + seen.protocol, inputs.length);
});

test('every corpus input read with consume() ends empty or with PROTOCOL, within a bound', (t) => {
  const seen = { end: 0, protocol: 0 };
  for (const file of inputs) {
    const ring = ringOf(fs.readFileSync(file));
    let n = 0;
    const r = outcome(() => {
      for (let m = ring.consume(); m !== null; m = ring.consume()) {
        if (++n > RING / MSG_HDR_SIZE) throw new Error(`${file}: consume() returned more messages than the ring holds`);
        if (m.payload.byteLength > RING - MSG_HDR_SIZE) throw new Error(`${file}: payload of ${m.payload.byteLength}`);
      }
    });
    seen[r]++;
  }
  t.log(`consume: ${seen.end} read to the end, ${seen.protocol} PROTOCOL`);
  t.is(seen.end + seen.protocol, inputs.length);
});

test('len-wraps-align: a length of 0xFFFFFFFF is PROTOCOL for both readers, not a message of 0 bytes read forever', (t) => {
  const input = fs.readFileSync(path.join(FUZZ, 'regressions', 'len-wraps-align'));
  for (const read of [(r: Ring) => r.drain(() => {}), (r: Ring) => r.consume()]) {
    const e = t.throws(() => read(ringOf(input)), { instanceOf: SlipwayError });
    t.is(e?.code, 'PROTOCOL');
    t.regex(e?.message ?? '', /bad message length 4294967295/);
  }
  // and the length of the issue, 0xFFFFFFF9: (len + 7) & ~7 is exactly 0 in 32 bits
  const buf = new ArrayBuffer(RING_DATA_OFF + 64);
  Ring.init(buf, 0, 64);
  const v = new DataView(buf);
  v.setUint32(RING_DATA_OFF, 0xfffffff9, true);
  v.setUint16(RING_DATA_OFF + 4, 0x15, true);
  v.setUint32(RingHdr.prod, 16, true);
  t.throws(() => new Ring(buf, 0, 64).consume(), { message: /bad message length 4294967289/ });
});

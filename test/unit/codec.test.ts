/** Round trips of every message type (fast-check) and argument validation. */
import test from 'ava';
import fc from 'fast-check';
import { DEVARGS_MAX, EventType, MAX_PORTS, PortSet } from '../../ts-api/src/abi';
import * as codec from '../../ts-api/src/codec';
import { SlipwayError } from '../../ts-api/src/errors';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: MAX_PORTS - 1 });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const cstr = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max });

const portInfo: fc.Arbitrary<codec.PortInfo> = fc.record({
  port, ethPort: u16, vifEthPort: u16, started: fc.boolean(), linkUp: fc.boolean(), linkSpeed: u32, mtu: u32, mac,
  promisc: fc.boolean(), fullDuplex: fc.boolean(), workerLcore: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }),
  nRxq: u16, nTxq: u16, minMtu: u32, maxMtu: u32, name: cstr(31), driver: cstr(31), vif: cstr(15),
});


test('message framing round-trips header fields and payload', (t) => {
  fc.assert(
    fc.property(u16, u16, u32, u32, fc.uint8Array({ maxLength: 600 }), (type, flags, seq, status, payload) => {
      const b = codec.encodeMessage({ type, flags, seq, status, payload });
      t.is(b.byteLength, 16 + payload.byteLength);
      t.deepEqual(codec.decodeMessage(b), { type, flags, seq, status, payload });
    }),
  );
});

test('PORT_SET round-trips any subset of mtu/mac/promisc; the mask follows the fields', (t) => {
  fc.assert(
    fc.property(port, fc.option(u32, { nil: undefined }), fc.option(mac, { nil: undefined }), fc.option(fc.boolean(), { nil: undefined }), (p, mtu, m, promisc) => {
      const s: { port: number } & codec.PortSettings = { port: p };
      if (mtu !== undefined) s.mtu = mtu;
      if (m !== undefined) s.mac = m;
      if (promisc !== undefined) s.promisc = promisc;
      const b = codec.encodePortSet(s);
      t.is(b.byteLength, PortSet.SIZE);
      t.deepEqual(codec.decodePortSet(b), s);
      const mask = new DataView(b.buffer).getUint16(PortSet.mask, true);
      t.is(mask, (mtu !== undefined ? 1 : 0) | (m !== undefined ? 2 : 0) | (promisc !== undefined ? 4 : 0));
    }),
  );
});

test('MAC parsing accepts either case and formats lower case', (t) => {
  t.deepEqual(codec.decodePortSet(codec.encodePortSet({ port: 0, mac: 'AA:bb:0C:dD:EE:ff' })), { port: 0, mac: 'aa:bb:0c:dd:ee:ff' });
});

test('sw_port_info and PORT_LIST round-trip; C strings are NUL-trimmed', (t) => {
  fc.assert(
    fc.property(portInfo, (p) => {
      t.deepEqual(codec.decodePortInfoPayload(codec.encodePortInfo(p)), p);
    }),
  );
  fc.assert(
    fc.property(fc.array(portInfo, { maxLength: MAX_PORTS }), (ps) => {
      t.deepEqual(codec.decodePortList(codec.encodePortList(ps)), ps);
    }),
    { numRuns: 30 },
  );
});

test('decodePortInfo reads at an offset of a larger view', (t) => {
  fc.assert(
    fc.property(portInfo, fc.integer({ min: 0, max: 64 }), (p, off) => {
      const v = new DataView(new ArrayBuffer(off + 200));
      codec.writePortInfo(v, off, p);
      t.deepEqual(codec.decodePortInfo(v, off), p);
    }),
    { numRuns: 50 },
  );
});

test('xconnect, xconnect list, port ref, hello, devargs and error text round-trip', (t) => {
  fc.assert(
    fc.property(port, port, (inPort, outPort) => {
      const b = codec.encodeXConnect({ inPort, outPort });
      t.deepEqual(codec.decodeXConnect(new DataView(b.buffer)), { inPort, outPort });
      t.is(codec.decodePortRef(codec.encodePortRef(inPort)), inPort);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.record({ inPort: port, outPort: port }), { maxLength: 16 }), (xs) => {
      t.deepEqual(codec.decodeXConnectList(codec.encodeXConnectList(xs)), xs);
    }),
  );
  fc.assert(
    fc.property(fc.record({ abiVersion: u32, dpPid: u32, nWorkers: u32, maxPorts: u32, nPorts: u32 }), (h) => {
      t.deepEqual(codec.decodeHello(codec.encodeHello(h)), h);
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }).filter((s) => !s.includes('\0')), (s) => {
      t.is(codec.decodeDevargs(codec.encodeDevargs(s)), s);
      t.is(codec.decodeErrorText(codec.encodeErrorText(s)), s);
    }),
  );
});

test('events round-trip; unknown event types decode to null', (t) => {
  const portEvt = fc.record({
    type: fc.constantFrom('link', 'port-added', 'port-started', 'port-stopped') as fc.Arbitrary<codec.PortEvent['type']>,
    seq: u32, port, linkUp: fc.boolean(), started: fc.boolean(), linkSpeed: u32,
  });
  const leaseEvt = fc.record({ type: fc.constant('lease-reclaimed' as const), seq: u32, oldPid: u32 });
  fc.assert(
    fc.property(fc.oneof(portEvt, leaseEvt), (e) => {
      const m = codec.encodeEvent(e);
      t.deepEqual(codec.decodeEvent(codec.decodeMessage(codec.encodeMessage(m))), e);
    }),
  );
  t.is(codec.decodeEvent({ type: 0x7777, flags: 0, seq: 1, status: 0, payload: new Uint8Array(8) }), null);
  t.is(EventType.LINK, 1);
});

test('arguments are validated before encoding, naming the bad value', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: MAX_PORTS }), fc.double({ noInteger: true }), fc.string()), (bad) => {
      const e = t.throws(() => codec.encodePortRef(bad as number), { instanceOf: SlipwayError });
      t.is(e?.code, 'BAD_ARGUMENT');
      t.true(e?.message.includes(JSON.stringify(bad) ?? String(bad)));
    }),
    { numRuns: 50 },
  );
  for (const badMac of ['', '00:11:22:33:44', '00:11:22:33:44:5g', '0011.2233.4455', '00-11-22-33-44-55', '00:11:22:33:44:55:66']) {
    const e = t.throws(() => codec.encodePortSet({ port: 0, mac: badMac }), { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
    t.true(e?.message.includes(JSON.stringify(badMac)));
  }
  for (const badMtu of [1.5, -1, Number.NaN, 2 ** 32]) {
    t.is(t.throws(() => codec.encodePortSet({ port: 0, mtu: badMtu }), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  }
  t.is(t.throws(() => codec.encodeXConnect({ inPort: 0, outPort: 16 }), { instanceOf: SlipwayError })?.message, 'bad out port 16: expected an integer 0..15');
  t.is(t.throws(() => codec.encodeDevargs(''), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  t.is(t.throws(() => codec.encodeDevargs('x'.repeat(DEVARGS_MAX + 1)), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  t.is(t.throws(() => codec.encodeDevargs('a\0b'), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  t.is(codec.encodeDevargs('x'.repeat(DEVARGS_MAX)).byteLength, DEVARGS_MAX);
});

test('truncated responses are PROTOCOL errors, not garbage', (t) => {
  const list = codec.encodePortList([]);
  new DataView(list.buffer).setUint32(0, 2, true); // claims 2 entries, carries none
  t.is(t.throws(() => codec.decodePortList(list), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  t.is(t.throws(() => codec.decodePortInfoPayload(new Uint8Array(100)), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  t.is(t.throws(() => codec.decodeHello(new Uint8Array(4)), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  const m = codec.encodeMessage({ type: 1, seq: 1 });
  new DataView(m.buffer).setUint32(0, 99, true);
  t.is(t.throws(() => codec.decodeMessage(m), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
});

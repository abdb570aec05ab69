/** Round trips of every message type (fast-check) and argument validation. */
import test from 'ava';
import { decodeRecord, encodeRecord } from '../../ts-api/src/wire/evlog';
import fc from 'fast-check';
import { DEVARGS_MAX, EventType, MAX_PORTS, PortSet } from '../../ts-api/src/wire/abi';
import * as codec from './helpers/codec';
import { SlipwayError } from '../../ts-api/src/errors';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: MAX_PORTS - 1 });
const mac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const cstr = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max });

const portInfo: fc.Arbitrary<codec.PortInfo> = fc.record({
  port,
  ethPort: u16,
  started: fc.boolean(),
  linkUp: fc.boolean(),
  linkSpeed: u32,
  mtu: u32,
  mac,
  promisc: fc.boolean(),
  fullDuplex: fc.boolean(),
  workerLcore: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }),
  nRxq: u16,
  nTxq: u16,
  minMtu: u32,
  maxMtu: u32,
  name: cstr(31),
  driver: cstr(31),
  vif: cstr(15),
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
    fc.property(
      port,
      fc.option(u32, { nil: undefined }),
      fc.option(mac, { nil: undefined }),
      fc.option(fc.boolean(), { nil: undefined }),
      (p, mtu, m, promisc) => {
        const s: { port: number } & codec.PortSettings = { port: p };
        if (mtu !== undefined) s.mtu = mtu;
        if (m !== undefined) s.mac = m;
        if (promisc !== undefined) s.promisc = promisc;
        const b = codec.encodePortSet(s);
        t.is(b.byteLength, PortSet.SIZE);
        t.deepEqual(codec.decodePortSet(b), s);
        const mask = new DataView(b.buffer).getUint16(PortSet.mask, true);
        t.is(mask, (mtu !== undefined ? 1 : 0) | (m !== undefined ? 2 : 0) | (promisc !== undefined ? 4 : 0));
      },
    ),
  );
});

test('MAC parsing accepts either case and formats lower case', (t) => {
  t.deepEqual(codec.decodePortSet(codec.encodePortSet({ port: 0, mac: 'AA:bb:0C:dD:EE:ff' })), {
    port: 0,
    mac: 'aa:bb:0c:dd:ee:ff',
  });
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
    fc.property(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }).filter((s) => !s.includes('\0')),
      (s) => {
        t.is(codec.decodeDevargs(codec.encodeDevargs(s)), s);
        t.is(codec.decodeErrorText(codec.encodeErrorText(s)), s);
      },
    ),
  );
});

test('events round-trip; unknown event types decode to null', (t) => {
  const portEvt = fc.record({
    type: fc.constantFrom('link', 'port-added', 'port-started', 'port-stopped') as fc.Arbitrary<
      codec.PortEvent['type']
    >,
    seq: u32,
    port,
    linkUp: fc.boolean(),
    started: fc.boolean(),
    linkSpeed: u32,
  });
  const goneEvt = fc.record({
    type: fc.constant('client-gone' as const),
    seq: u32,
    pid: u32,
    slot: fc.integer({ min: 0, max: 0xffff }),
  });
  fc.assert(
    fc.property(fc.oneof(portEvt, goneEvt), (e) => {
      const m = codec.encodeEvent(e);
      t.deepEqual(codec.decodeEvent(codec.decodeMessage(codec.encodeMessage(m))), e);
      t.deepEqual(codec.decodeEventRecord(decodeRecord(encodeRecord(codec.encodeEventRecord(e)))), e);
    }),
  );
  t.is(codec.decodeEvent({ type: 0x7777, flags: 0, seq: 1, status: 0, payload: new Uint8Array(8) }), null);
  t.is(EventType.LINK, 1);
});

test('arguments are validated before encoding, naming the bad value', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: MAX_PORTS }), fc.double({ noInteger: true }), fc.string()),
      (bad) => {
        const e = t.throws(() => codec.encodePortRef(bad as number), { instanceOf: SlipwayError });
        t.is(e?.code, 'BAD_ARGUMENT');
        t.true(e?.message.includes(JSON.stringify(bad) ?? String(bad)));
      },
    ),
    { numRuns: 50 },
  );
  for (const badMac of [
    '',
    '00:11:22:33:44',
    '00:11:22:33:44:5g',
    '0011.2233.4455',
    '00-11-22-33-44-55',
    '00:11:22:33:44:55:66',
  ]) {
    const e = t.throws(() => codec.encodePortSet({ port: 0, mac: badMac }), { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
    t.true(e?.message.includes(JSON.stringify(badMac)));
  }
  for (const badMtu of [1.5, -1, Number.NaN, 2 ** 32]) {
    t.is(
      t.throws(() => codec.encodePortSet({ port: 0, mtu: badMtu }), { instanceOf: SlipwayError })?.code,
      'BAD_ARGUMENT',
    );
  }
  t.is(
    t.throws(() => codec.encodeXConnect({ inPort: 0, outPort: 16 }), { instanceOf: SlipwayError })?.message,
    'bad out port 16: expected an integer 0..15',
  );
  t.is(t.throws(() => codec.encodeDevargs(''), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  t.is(
    t.throws(() => codec.encodeDevargs('x'.repeat(DEVARGS_MAX + 1)), { instanceOf: SlipwayError })?.code,
    'BAD_ARGUMENT',
  );
  t.is(t.throws(() => codec.encodeDevargs('a\0b'), { instanceOf: SlipwayError })?.code, 'BAD_ARGUMENT');
  t.is(codec.encodeDevargs('x'.repeat(DEVARGS_MAX)).byteLength, DEVARGS_MAX);
});

test('truncated responses are PROTOCOL errors, not garbage', (t) => {
  const list = codec.encodePortList([]);
  new DataView(list.buffer).setUint32(0, 2, true); // claims 2 entries, carries none
  t.is(t.throws(() => codec.decodePortList(list), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  t.is(
    t.throws(() => codec.decodePortInfoPayload(new Uint8Array(100)), { instanceOf: SlipwayError })?.code,
    'PROTOCOL',
  );
  t.is(t.throws(() => codec.decodeHello(new Uint8Array(4)), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
  const m = codec.encodeMessage({ type: 1, seq: 1 });
  new DataView(m.buffer).setUint32(0, 99, true);
  t.is(t.throws(() => codec.decodeMessage(m), { instanceOf: SlipwayError })?.code, 'PROTOCOL');
});

/* ---------------- routes, neighbours, rules (ts-api/src/codec/routes.ts, neighbours.ts, rules.ts, ip.ts) ---------------- */

import { isIPv4, isIPv6 } from 'node:net';
import * as ip from '../../ts-api/src/codec/ip';
import * as tables from './helpers/tables';

const fam = fc.constantFrom<4 | 6>(4, 6);
const addrBytes = (f: 4 | 6) =>
  fc.uint8Array({ minLength: f === 4 ? 4 : 16, maxLength: f === 4 ? 4 : 16 }).map((b) => {
    const out = new Uint8Array(16);
    out.set(b);
    return out;
  });
const addrOf = (f: 4 | 6) => addrBytes(f).map((b) => ip.formatIp(f, b));
const prefixOf = (f: 4 | 6) =>
  fc.tuple(addrBytes(f), fc.integer({ min: 0, max: f === 4 ? 32 : 128 })).map(([b, l]) => ip.formatPrefix(f, b, l));
const nonZeroAddrOf = (f: 4 | 6) => addrOf(f).filter((s) => s !== '0.0.0.0' && s !== '::');

test('IP addresses: format -> parse round-trips bytes; formatting is canonical and valid for node:net', (t) => {
  fc.assert(
    fc.property(
      fam.chain((f) => fc.tuple(fc.constant(f), addrBytes(f))),
      ([f, b]) => {
        const s = ip.formatIp(f, b);
        t.true(f === 4 ? isIPv4(s) : isIPv6(s), s);
        const p = ip.parseIp(s);
        t.is(p.family, f);
        t.deepEqual(p.bytes, b);
        if (f === 6) {
          // the uncompressed form parses to the same bytes
          const full = [...Array(8).keys()]
            .map((i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16).padStart(4, '0'))
            .join(':');
          t.deepEqual(ip.parseIp(full.toUpperCase()).bytes, b);
          t.is(ip.canonicalIp(full), s);
        }
      },
    ),
  );
  t.is(ip.formatIp(6, ip.parseIp('2001:db8:0:0:1:0:0:1').bytes), '2001:db8::1:0:0:1');
  t.is(ip.formatIp(6, ip.parseIp('::ffff:10.1.2.3').bytes), '::ffff:a01:203');
  t.is(ip.canonicalPrefix('fd02:0::/64'), 'fd02::/64');
  t.is(ip.canonicalPrefix('10.2.0.7'), '10.2.0.7/32');
});

test('IP addresses and prefixes: malformed strings fail with BAD_ARGUMENT naming the string', (t) => {
  for (const bad of [
    '',
    '10.0.0',
    '10.0.0.256',
    '10.0.0.01',
    '1.2.3.4.5',
    'a.b.c.d',
    ':::',
    '1::2::3',
    'fd02::12345',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    ' 10.0.0.1',
  ]) {
    const e = t.throws(() => ip.parseIp(bad), { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
    t.true(e?.message.includes(JSON.stringify(bad)), e?.message);
  }
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/024', '10.0.0.0/24/1']) {
    const e = t.throws(() => ip.parsePrefix(bad), { instanceOf: SlipwayError });
    t.true(e?.message.includes(JSON.stringify(bad)), e?.message);
  }
});

const nextHops = (f: 4 | 6) =>
  fc.array(fc.record({ port, gw: fc.option(nonZeroAddrOf(f), { nil: undefined }) }, { requiredKeys: ['port'] }), {
    minLength: 1,
    maxLength: 8,
  });
const routeSpec: fc.Arbitrary<tables.RouteSpec> = fam.chain((f) =>
  fc.oneof(
    fc.record({ prefix: prefixOf(f), via: nextHops(f) }),
    fc.record({ prefix: prefixOf(f), type: fc.constantFrom<'local' | 'drop'>('local', 'drop') }),
  ),
);
const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

test('routes round-trip: decode(encode(r)) is r in canonical form, and re-encodes to the same bytes', (t) => {
  fc.assert(
    fc.property(routeSpec, (r) => {
      const b = tables.encodeRoute(r);
      t.is(b.byteLength, 216);
      const d = tables.decodeRoutePayload(b);
      t.is(d.prefix, r.prefix);
      t.is(d.type, r.type ?? 'forward');
      t.deepEqual(d.via, strip(r.via ?? []));
      t.deepEqual(tables.encodeRoute(d), b);
      // ROUTE_DEL: the same family, length and prefix bytes, nothing else
      const del = tables.encodeRouteDel(r.prefix);
      t.deepEqual([...del.subarray(0, 2)], [...b.subarray(0, 2)]);
      t.deepEqual(del.subarray(8, 24), b.subarray(8, 24));
      t.true(del.subarray(2, 8).every((x) => x === 0) && del.subarray(24).every((x) => x === 0));
    }),
  );
});

test('route lists round-trip with their next cursor', (t) => {
  fc.assert(
    fc.property(fc.array(routeSpec, { maxLength: 20 }), u32, (items, next) => {
      const page = tables.decodeRouteList(tables.encodeRouteList({ items, next }));
      t.is(page.next, next);
      t.deepEqual(
        page.items.map((r) => r.prefix),
        items.map((r) => r.prefix),
      );
    }),
  );
});

const neighbour: fc.Arbitrary<tables.Neighbour> = fam.chain((f) => fc.record({ port, ip: addrOf(f), mac }));

test('neighbours round-trip (single and listed), and NEIGH_DEL carries no MAC', (t) => {
  fc.assert(
    fc.property(fc.array(neighbour, { maxLength: 20 }), u32, (items, next) => {
      for (const n of items) t.deepEqual(tables.decodeNeighbourPayload(tables.encodeNeighbour(n)), n);
      t.deepEqual(tables.decodeNeighbourList(tables.encodeNeighbourList({ items, next })), { items, next });
      if (items[0]) t.is(tables.decodeNeighbourPayload(tables.encodeNeighbourDel(items[0])).mac, '00:00:00:00:00:00');
    }),
  );
});

const range = fc.oneof(
  u16,
  fc.tuple(u16, u16).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])),
);
const action: fc.Arbitrary<tables.RuleActionSpec> = fc.oneof(
  fc.record({ type: fc.constant('forward' as const), port }),
  fc.constantFrom<tables.RuleActionSpec>(
    { type: 'route' },
    { type: 'drop' },
    { type: 'punt' },
    { type: 'count' },
    { type: 'mirror' },
  ),
  fc.record({ type: fc.constant('mirror' as const), port }),
);
const l2match = fc.record(
  {
    inPort: port,
    srcMac: mac,
    dstMac: mac,
    vlan: fc.integer({ min: 0, max: 4095 }),
    ethertype: fc.integer({ min: 1, max: 0xffff }),
  },
  { requiredKeys: [] },
);
const ipMatch = (f: 4 | 6) =>
  fc.record(
    {
      inPort: port,
      srcMac: mac,
      dstMac: mac,
      vlan: fc.integer({ min: 0, max: 4095 }),
      ethertype: fc.constant(f === 4 ? 0x0800 : 0x86dd),
      family: fc.constant(f),
      src: prefixOf(f),
      dst: prefixOf(f),
      proto: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6')),
      sport: range,
      dport: range,
    },
    { requiredKeys: ['family'] },
  );
const rule: fc.Arbitrary<tables.Rule> = fc.record({
  id: u32,
  priority: fc.integer({ min: 1, max: 0x1fffffff }),
  match: fc.oneof(l2match, fam.chain(ipMatch)),
  action,
});

test('rules round-trip: encode(decode(encode(r))) is the same 80 bytes and every given field survives', (t) => {
  fc.assert(
    fc.property(rule, (r) => {
      const b = tables.encodeRule(r);
      t.is(b.byteLength, 80);
      const d = tables.decodeRulePayload(b);
      t.deepEqual(tables.encodeRule(d), b);
      t.is(d.id, r.id);
      t.is(d.priority, r.priority);
      t.deepEqual(d.action, r.action);
      const m = r.match;
      if (m.inPort !== undefined) t.is(d.match.inPort, m.inPort);
      if (m.vlan !== undefined) t.is(d.match.vlan, m.vlan);
      if (m.srcMac !== undefined && m.srcMac !== '00:00:00:00:00:00') t.is(d.match.srcMac, m.srcMac);
      if (m.proto !== undefined && m.proto !== 0) t.is(d.match.proto, tables.parseProto(m.proto));
      if (m.src !== undefined && !m.src.endsWith('/0')) t.is(d.match.src, m.src);
      if (typeof m.dport === 'number') t.is(d.match.dport, m.dport);
    }),
  );
});

test('rule lists round-trip with counters and cursor', (t) => {
  const entry = fc.record({
    rule,
    packets: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    bytes: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 10 }), u32, (items, next) => {
      const page = tables.decodeRuleList(tables.encodeRuleList({ items, next }));
      t.is(page.next, next);
      t.deepEqual(
        page.items.map((e) => [e.rule.id, e.packets, e.bytes]),
        items.map((e) => [e.rule.id, e.packets, e.bytes]),
      );
    }),
  );
});

test('route, neighbour and rule validation: BAD_ARGUMENT naming the value', (t) => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => tables.encodeRoute({ prefix: '10.2.0/24', via: [{ port: 1 }] }),
      /route prefix "10\.2\.0\/24": not an IPv4 address/,
    ],
    [() => tables.encodeRoute({ prefix: '10.2.0.0/24', via: [] }), /route 10\.2\.0\.0\/24: via must list 1\.\.8/],
    [() => tables.encodeRoute({ prefix: '10.2.0.0/24', via: Array(9).fill({ port: 1 }) }), /1\.\.8 next hops/],
    [() => tables.encodeRoute({ prefix: '10.2.0.0/24', via: [{ port: 16 }] }), /next hop #0 port 16/],
    [
      () => tables.encodeRoute({ prefix: '10.2.0.0/24', via: [{ port: 1, gw: 'fd02::1' }] }),
      /gateway fd02::1 is IPv6, the prefix IPv4/,
    ],
    [
      () => tables.encodeRoute({ prefix: '10.2.0.0/24', via: [{ port: 1, gw: '10.2.0.300' }] }),
      /gateway "10\.2\.0\.300"/,
    ],
    [
      () => tables.encodeRoute({ prefix: '10.2.0.0/24', type: 'local', via: [{ port: 1 }] }),
      /local routes take no next hop/,
    ],
    [() => tables.encodeRoute({ prefix: '10.2.0.0/24', type: 'blackhole' } as never), /type "blackhole"/],
    [
      () => tables.encodeNeighbour({ port: 1, ip: '10.2.0.2', mac: '02:00:00:00:00' }),
      /neighbour 10\.2\.0\.2 mac "02:00:00:00:00"/,
    ],
    [() => tables.encodeNeighbour({ port: 1, ip: 'fd02:::2', mac: '02:00:00:00:00:01' }), /neighbour ip "fd02:::2"/],
    [() => tables.encodeRule({ id: 1, priority: 0, match: {}, action: { type: 'drop' } }), /rule 1 priority 0/],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: { proto: 'tcp' }, action: { type: 'drop' } }),
      /rule 1: proto\/sport\/dport need an IP family/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: { proto: 'tcpp' }, action: { type: 'drop' } }),
      /rule 1 proto "tcpp"/,
    ],
    [
      () =>
        tables.encodeRule({
          id: 1,
          priority: 1,
          match: { src: '10.0.0.0/8', dst: 'fd00::/8' },
          action: { type: 'drop' },
        }),
      /rule 1 dst "fd00::\/8": IPv6, but the rule is IPv4/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: { family: 4, sport: [10, 5] }, action: { type: 'drop' } }),
      /rule 1 sport \[10,5\]/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: { vlan: 4096 }, action: { type: 'drop' } }),
      /rule 1 vlan 4096/,
    ],
    [
      () =>
        tables.encodeRule({
          id: 1,
          priority: 1,
          match: { dport: 80, family: 4, ethertype: 0x86dd },
          action: { type: 'drop' },
        }),
      /ethertype 0x86dd contradicts IPv4/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: { srcIp: '1.2.3.4' } as never, action: { type: 'drop' } }),
      /rule 1 match key "srcIp"/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: {}, action: { type: 'forward' } as never }),
      /rule 1 forward port undefined/,
    ],
    [
      () => tables.encodeRule({ id: 1, priority: 1, match: {}, action: { type: 'drop', port: 2 } as never }),
      /drop takes no port/,
    ],
    [() => tables.encodeRule({ id: 1, priority: 1, match: {}, action: { type: 'reject' } as never }), /rule 1 action/],
  ];
  for (const [fn, re] of cases) {
    const e = t.throws(fn, { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
    t.regex(e?.message ?? '', re);
  }
  // family inferred from an IP ethertype
  t.is(
    tables.decodeRulePayload(
      tables.encodeRule({ id: 1, priority: 1, match: { ethertype: 0x86dd, proto: 'udp' }, action: { type: 'count' } }),
    ).match.family,
    6,
  );
});

test('ROUTE_GET: lookups round-trip, a miss decodes as found: false, bad flows are named before sending', (t) => {
  const v6 = tables.encodeRouteLookup('FD02:0::9', { from: 'fd01::2', proto: 'tcp', dport: 443 });
  t.deepEqual(tables.decodeRouteLookup(v6), {
    dst: 'fd02::9',
    family: 6,
    from: 'fd01::2',
    proto: 6,
    sport: 0,
    dport: 443,
  });
  t.deepEqual(tables.decodeRouteLookup(tables.encodeRouteLookup('10.2.0.9')), { dst: '10.2.0.9', family: 4 });
  t.deepEqual(tables.decodeRouteLookup(tables.encodeRouteLookup('10.2.0.9', { proto: 'icmp' })), {
    dst: '10.2.0.9',
    family: 4,
    proto: 1,
  });
  const miss: tables.RouteMatch = {
    found: false,
    route: null,
    member: null,
    nextHop: null,
    resolved: false,
    mac: null,
    outPort: null,
  };
  t.deepEqual(tables.decodeRouteMatch(tables.encodeRouteMatch(miss)), miss);
  const local: tables.RouteMatch = {
    ...miss,
    found: true,
    route: { prefix: '10.1.0.1/32', family: 4, type: 'local', via: [] },
  };
  t.deepEqual(tables.decodeRouteMatch(tables.encodeRouteMatch(local)), local);
  const bad: [() => unknown, RegExp][] = [
    [() => tables.encodeRouteLookup('10.2.0/24'), /route lookup address "10\.2\.0\/24": not an IPv4 address/],
    [
      () => tables.encodeRouteLookup('10.2.0.9', { from: 'fd01::2' }),
      /route lookup source fd01::2: IPv6, the address 10\.2\.0\.9 is IPv4/,
    ],
    [() => tables.encodeRouteLookup('10.2.0.9', { proto: 'tcpp' }), /route lookup proto "tcpp"/],
    [
      () => tables.encodeRouteLookup('10.2.0.9', { dport: 53 }),
      /route lookup dport 53: L4 ports need proto tcp or udp/,
    ],
    [
      () => tables.encodeRouteLookup('10.2.0.9', { proto: 'icmp', sport: 1 }),
      /route lookup sport 1: L4 ports need proto tcp or udp/,
    ],
    [
      () => tables.encodeRouteLookup('10.2.0.9', { proto: 'udp', sport: 70000 }),
      /route lookup sport 70000: expected a port/,
    ],
  ];
  for (const [fn, re] of bad) {
    const e = t.throws(fn, { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
    t.regex(e?.message ?? '', re);
  }
});

/**
 * Captures, traces and explain without a dataplane: the ABI against
 * test/c/abi_dump.c (constants, golden vectors), the codecs (what they
 * refuse, round trips), the pcapng writer (read back by our reader and by
 * tcpdump), and the capture client on a capture file made here: a corrupt
 * header refused, records of several rings in time order, a ring that
 * holds garbage refused, the heartbeat, and a stop that waits for ENDED.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDump, bytes, hex } from './helpers/abidump';
import * as abi from '../../ts-api/src/wire/abi';
import { decodeMessage, encodeMessage } from '../../ts-api/src/wire/message';
import { Ring } from '../../ts-api/src/wire/ring';
import { TapFile, validateTapHeader } from '../../ts-api/src/wire/tapfile';
import * as taps from '../../ts-api/src/codec/taps';
import { PcapngWriter, readPcapng } from '../../ts-api/src/codec/pcapng';
import { decodeEvent, encodeEvent } from '../../ts-api/src/events';
import { Capture } from '../../ts-api/src/client/capture';
import { Trace } from '../../ts-api/src/client/trace';
import type { Requests } from '../../ts-api/src/client/namespace';
import { loadNative } from '../../ts-api/src/native';
import { SlipwayError } from '../../ts-api/src/errors';

const dump = buildDump();
const MAC = '02:00:00:ab:cd:ef';

test('tap constants match the header', (t) => {
  const c = dump.constants;
  const pairs: [string, number][] = [
    ['SW_TAP_MAX', abi.TAP_MAX],
    ['SW_TAP_FILTER_MAX', abi.TAP_FILTER_MAX],
    ['SW_TAP_SNAPLEN_MAX', abi.TAP_SNAPLEN_MAX],
    ['SW_TAP_TIMEOUT_MS', abi.TAP_TIMEOUT_MS],
    ['SW_TRACE_MAX', abi.TRACE_MAX],
    ['SW_TAP_CAPTURE', abi.TapKind.CAPTURE],
    ['SW_TAP_TRACE', abi.TapKind.TRACE],
    ['SW_TAP_POINTS', abi.TAP_POINTS],
    ['SW_TAP_MAGIC', abi.TAP_MAGIC],
    ['SW_TAP_HDR_SIZE', abi.TAP_HDR_SIZE],
    ['SW_TAP_RING_MIN', abi.TAP_RING_MIN],
    ['SW_TAP_RING_MAX', abi.TAP_RING_MAX],
    ['SW_TAP_RING_DEF', abi.TAP_RING_DEF],
  ];
  for (const [name, ts] of pairs) t.is(ts, c[name], name);
  const groups: [string, Record<string, number>][] = [
    ['SW_TAP_POINT_', abi.TapPoint],
    ['SW_TAP_DROP_', abi.TapDrop],
    ['SW_TAP_END_', abi.TapEnd],
    ['SW_TRACE_BY_', abi.TraceStep],
    ['SW_TRACE_POLICE_', abi.TracePolice],
    ['SW_TRACE_F_', abi.TraceFlag],
    ['SW_EXPLAIN_', abi.ExplainFlag],
  ];
  for (const [prefix, table] of groups) {
    const fromC = Object.fromEntries(
      Object.entries(c)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    t.deepEqual({ ...table }, fromC, prefix);
  }
  t.deepEqual({ ...abi.TapState }, { RUNNING: c.SW_TAP_RUNNING, ENDING: c.SW_TAP_ENDING, ENDED: c.SW_TAP_ENDED });
  t.deepEqual({ ...abi.TraceAction }, { FORWARD: c.SW_TRACE_FORWARD, PUNT: c.SW_TRACE_PUNT, DROP: c.SW_TRACE_DROP });
  t.is(abi.TAP_POINT_NAMES.length, abi.TAP_POINTS);
  t.true(abi.L3_COUNTERS.length < abi.TapDrop.TX_FULL, 'drop reasons beyond the L3 counters do not collide');
});

test('golden: TAP_START, its answer, a capture record, TAP_END are byte-exact', (t) => {
  const start = taps.encodeCaptureStart(
    { port: 1, points: ['rx', 'drop'], snaplen: 128, count: 1000, ringBytes: 1 << 20, filter: ' tcp port 80 ' },
    4242,
  );
  t.is(hex(encodeMessage({ type: abi.Op.TAP_START, seq: 0x90, payload: start })), dump.golden.tap_start_req);
  t.deepEqual(taps.decodeTapStart(decodeMessage(bytes(dump.golden.tap_start_req)).payload), {
    kind: 'capture',
    port: 1,
    points: ['rx', 'drop'],
    snaplen: 128,
    count: 1000,
    ringBytes: 1 << 20,
    pid: 4242,
    filter: 'tcp port 80',
  });
  const info: taps.TapInfo = {
    id: 7,
    kind: 'capture',
    port: 1,
    points: ['rx', 'drop'],
    snaplen: 128,
    count: 1000,
    pid: 4242,
    state: 'running',
    endReason: null,
    jit: true,
    bpfInstructions: 31,
    rings: 2,
    ringBytes: 1 << 20,
    matched: 12n,
    written: 10n,
    lost: 2n,
    file: 'lab.tap7',
    filter: 'tcp port 80',
  };
  const m = decodeMessage(bytes(dump.golden.tap_info_resp));
  t.deepEqual(taps.decodeTapInfoPayload(m.payload), info);
  t.is(
    hex(encodeMessage({ type: abi.Op.TAP_START, seq: 0x90, payload: taps.encodeTapInfo(info) })),
    dump.golden.tap_info_resp,
  );

  const rec = decodeMessage(bytes(dump.golden.capture_pkt));
  t.like(rec, { type: abi.EventType.CAPTURE_PKT, seq: 99 });
  const h = taps.decodeCaptureRecord(new DataView(rec.payload.buffer, rec.payload.byteOffset), 0, rec.payload.length);
  t.deepEqual(h, {
    tsc: 0x0123456789abcdefn,
    port: 0,
    point: 'drop',
    reason: 'dropMalformed',
    queue: 0,
    lcore: 1,
    origLen: 60,
    capLen: 4,
  });
  t.is(
    hex(
      encodeMessage({
        type: abi.EventType.CAPTURE_PKT,
        seq: 99,
        payload: taps.encodeCaptureRecord(h, Uint8Array.of(0x02, 0x00, 0x00, 0xab)),
      }),
    ),
    dump.golden.capture_pkt,
  );

  const ev = decodeEvent(decodeMessage(bytes(dump.golden.tap_end_evt)));
  t.deepEqual(ev, {
    type: 'tap-end',
    seq: 21,
    id: 3,
    kind: 'trace',
    reason: 'client-gone',
    port: null,
    pid: 4242,
    written: 5n,
    lost: 1n,
  });
  t.is(hex(encodeMessage(encodeEvent(ev!))), dump.golden.tap_end_evt);
});

const ROUTED: taps.TraceRecord = {
  seq: 0,
  inPort: 0,
  queue: 0,
  lcore: 1,
  tscRx: 1000n,
  tscOut: 1850n,
  tscHz: 2_000_000_000n,
  latencyNs: 425,
  action: 'forward',
  step: 'route',
  outPort: 1,
  reason: null,
  puntClass: null,
  police: null,
  mirror: null,
  frame: {
    length: 98,
    srcMac: MAC,
    dstMac: '02:00:00:00:00:01',
    vlan: null,
    tags: 0,
    ethertype: 0x0800,
    family: 4,
    src: '10.1.0.2',
    dst: '10.9.0.1',
    proto: 1,
    ttl: 64,
    sport: null,
    dport: null,
  },
  rule: { id: 7, priority: 100, action: 'count' },
  route: {
    found: true,
    prefix: '10.9.0.0/16',
    type: 'forward',
    nextHops: 2,
    member: 1,
    port: 1,
    gw: '10.2.0.2',
    resolved: true,
    mac: MAC,
    group: 5,
    flowHash: 0xdeadbeef,
  },
  observed: true,
  explain: false,
  stale: false,
};

test('golden: a TRACE_READ answer and an EXPLAIN request are byte-exact', (t) => {
  const m = decodeMessage(bytes(dump.golden.trace_read_resp));
  t.like(m, { type: abi.Op.TRACE_READ, seq: 0x93, status: 0 });
  const b = taps.decodeTraceBatch(m.payload);
  t.deepEqual(b, { state: 'running', matched: 3n, lost: 0n, records: [ROUTED] });
  t.is(
    hex(encodeMessage({ type: abi.Op.TRACE_READ, seq: 0x93, payload: taps.encodeTraceBatch(b) })),
    dump.golden.trace_read_resp,
  );

  const p: taps.ExplainPacket = {
    inPort: 2,
    src: 'fd01::2',
    dst: 'fd02::2',
    proto: 'tcp',
    sport: 40000,
    dport: 22,
    vlan: 10,
    ttl: 5,
    srcMac: MAC,
    length: 1400,
  };
  t.is(
    hex(encodeMessage({ type: abi.Op.EXPLAIN, seq: 0x94, payload: taps.encodeExplain(p) })),
    dump.golden.explain_req,
  );
  t.deepEqual(taps.decodeExplain(decodeMessage(bytes(dump.golden.explain_req)).payload), { ...p, proto: 6 });
});

test('codecs refuse what the dataplane would have to refuse, naming it', (t) => {
  const bad = (f: () => unknown, re: RegExp) => t.throws(f, { instanceOf: SlipwayError, message: re });
  bad(() => taps.encodeCaptureStart({ points: ['rx', 'sideways' as 'rx'] }, 1), /capture point "sideways"/);
  bad(() => taps.encodeCaptureStart({ points: [] }, 1), /capture points/);
  bad(() => taps.encodeCaptureStart({ snaplen: 0 }, 1), /snaplen 0/);
  bad(() => taps.encodeCaptureStart({ ringBytes: 100_000 }, 1), /ring size 100000: expected a power of two/);
  bad(() => taps.encodeCaptureStart({ port: 99 }, 1), /tap port 99/);
  bad(() => taps.encodeCaptureStart({ filter: 'x'.repeat(abi.TAP_FILTER_MAX + 1) }, 1), /filter of 2049 bytes/);
  bad(() => taps.encodeCaptureStart({ filter: 'tcp\0port' }, 1), /NUL/);
  bad(() => taps.encodeTraceStart({ count: 0 }, 1), /trace count 0: expected 1..1024/);
  bad(() => taps.encodeTraceStart({ count: 1025 }, 1), /trace count 1025/);
  bad(() => taps.encodeTapRef(0), /tap id 0/);
  bad(
    () => taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: 'fd02::1' }),
    /IPv4, the destination fd02::1 is IPv6/,
  );
  bad(
    () => taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2', proto: 'icmp', sport: 1 }),
    /L4 ports need/,
  );
  bad(() => taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2', vlan: 4096 }), /vlan 4096/);
  bad(() => taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2', ttl: 0 }), /ttl 0/);
  bad(() => taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2', srcMac: 'nope' }), /bad MAC address/);
  // defaults: udp with ports, icmp (icmpv6 for IPv6) without
  t.is(taps.decodeExplain(taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2', dport: 53 })).proto, 17);
  t.is(taps.decodeExplain(taps.encodeExplain({ inPort: 0, src: '10.1.0.2', dst: '10.2.0.2' })).proto, 1);
  t.is(taps.decodeExplain(taps.encodeExplain({ inPort: 0, src: 'fd01::2', dst: 'fd02::2', proto: 'icmp' })).proto, 58);
  // what comes back short or out of range is PROTOCOL
  t.throws(() => taps.decodeTraceBatch(new Uint8Array(10)), { code: 'PROTOCOL' });
  const b = taps.encodeTraceBatch({ state: 'running', matched: 0n, lost: 0n, records: [ROUTED] });
  t.throws(() => taps.decodeTraceBatch(b.subarray(0, b.length - 1)), { code: 'PROTOCOL' });
  const r = taps.encodeCaptureRecord(
    { ...taps.decodeCaptureRecord(new DataView(new ArrayBuffer(24)), 0, 24), point: 'rx' },
    Uint8Array.of(1, 2),
  );
  t.throws(() => taps.decodeCaptureRecord(new DataView(r.buffer), 0, r.length - 1), {
    code: 'PROTOCOL',
    message: /cap_len 2 but 1/,
  });
  r[abi.TapPkt.point] = 9;
  t.throws(() => taps.decodeCaptureRecord(new DataView(r.buffer), 0, r.length), {
    code: 'PROTOCOL',
    message: /point 9/,
  });
  t.is(taps.reasonName(abi.TapDrop.TX_FULL), 'txFull');
  t.is(taps.reasonName(abi.L3_COUNTERS.indexOf('police_other')), 'policeOther');
  t.is(taps.reasonCode('puntNoNeigh'), abi.L3_COUNTERS.indexOf('punt_no_neigh'));
});

test('a trace record of every kind survives encode and decode', (t) => {
  const punt: taps.TraceRecord = {
    ...ROUTED,
    action: 'punt',
    step: 'checks',
    outPort: null,
    reason: 'puntArp',
    puntClass: 'arp',
    police: 'drop',
    rule: null,
    route: null,
  };
  const drop: taps.TraceRecord = {
    ...ROUTED,
    action: 'drop',
    step: 'rule',
    outPort: null,
    reason: 'ruleDrops',
    rule: { id: null, priority: null, action: 'drop' },
    route: null,
    stale: true,
    mirror: 'vif',
  };
  const explain: taps.TraceRecord = {
    ...ROUTED,
    queue: null,
    lcore: null,
    tscRx: 0n,
    tscOut: 0n,
    latencyNs: null,
    explain: true,
    observed: false,
    frame: {
      ...ROUTED.frame,
      family: 6,
      src: 'fd01::2',
      dst: 'fd02::2',
      proto: 17,
      sport: 5,
      dport: 6,
      vlan: 100,
      tags: 1,
    },
    route: { ...ROUTED.route!, prefix: 'fd02::/64', gw: null, member: 0, nextHops: 1 },
  };
  for (const r of [ROUTED, punt, drop, explain]) t.deepEqual(taps.decodeTrace(taps.encodeTrace(r)), r);
});

test('pcapng: written blocks read back; tcpdump reads the file', (t) => {
  const w = new PcapngWriter();
  const parts: Uint8Array[] = [w.header('slipway test')];
  const i0 = w.addInterface({ name: 'net_af_packet0:rx', description: 'port 0 at rx', snaplen: 128, filter: 'icmp' });
  const i1 = w.addInterface({ name: 'net_af_packet1:drop', snaplen: 128 });
  parts.push(i0.bytes, i1.bytes);
  const frame = Buffer.from(
    '02000000000202000000000108004500001c0001000040015c8a0a0100020a0200020800f7ff00000000' + '00'.repeat(18),
    'hex',
  );
  const t0 = 1_700_000_000_123_456_789n;
  parts.push(w.packet(i0.id, { timeNs: t0, data: frame, origLen: frame.length, direction: 1, queue: 3 }));
  parts.push(
    w.packet(i1.id, {
      timeNs: t0 + 5n,
      data: frame.subarray(0, 21),
      origLen: frame.length,
      direction: 1,
      comment: 'drop dropMalformed',
    }),
  );
  parts.push(w.stats(i0.id, { timeNs: t0 + 9n, ifRecv: 10n, filterAccept: 1n, osDrop: 0n, userDelivered: 1n }));
  parts.push(w.stats(i1.id, { timeNs: t0 + 9n, ifRecv: 3n, filterAccept: 3n, osDrop: 2n }));
  const all = Buffer.concat(parts);
  const f = readPcapng(all);
  t.is(f.userAppl, 'slipway test');
  t.deepEqual(
    f.interfaces.map((i) => [i.name, i.description, i.filter, i.snaplen, i.tsresol, i.linkType]),
    [
      ['net_af_packet0:rx', 'port 0 at rx', 'icmp', 128, 9, 1],
      ['net_af_packet1:drop', null, null, 128, 9, 1],
    ],
  );
  t.is(f.packets.length, 2);
  t.like(f.packets[0], { interfaceId: 0, timeNs: t0, origLen: frame.length, flags: 1, queue: 3, comment: null });
  t.deepEqual(Buffer.from(f.packets[0]!.data), frame);
  t.like(f.packets[1], { interfaceId: 1, timeNs: t0 + 5n, origLen: frame.length, comment: 'drop dropMalformed' });
  t.is(f.packets[1]!.data.length, 21);
  t.deepEqual(f.stats, [
    { interfaceId: 0, ifRecv: 10n, filterAccept: 1n, osDrop: 0n, userDelivered: 1n },
    { interfaceId: 1, ifRecv: 3n, filterAccept: 3n, osDrop: 2n, userDelivered: null },
  ]);
  // a truncated file is refused, not misread
  t.throws(() => readPcapng(all.subarray(0, all.length - 3)), { code: 'PROTOCOL' });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pcapng-'));
  try {
    const file = path.join(dir, 'x.pcapng');
    fs.writeFileSync(file, all);
    const out = execFileSync('tcpdump', ['-nn', '-tt', '-r', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = out.trim().split('\n');
    t.is(lines.length, 2, out);
    t.regex(lines[0]!, /^1700000000\.123456 IP 10\.1\.0\.2 > 10\.2\.0\.2: ICMP echo request/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/* ---------------- the capture client on a file made here ---------------- */

const RING = abi.TAP_RING_MIN;

/** A capture file as slipwayd lays it out: header, counters, n rings. */
function makeTapFile(file: string, id: number, nRings: number): ArrayBuffer {
  const countsOff = abi.TAP_HDR_SIZE;
  const ringOff = countsOff + Math.ceil((nRings * abi.TapCounts.SIZE) / 4096) * 4096;
  const stride = Math.ceil((abi.RING_DATA_OFF + RING) / 4096) * 4096;
  const size = ringOff + nRings * stride;
  fs.writeFileSync(file, Buffer.alloc(size), { mode: 0o600 });
  const buf = loadNative().mapFile(file);
  const v = new DataView(buf);
  v.setUint32(abi.TapHdr.abi_version, abi.CTL_ABI_VERSION, true);
  v.setUint32(abi.TapHdr.header_size, abi.TAP_HDR_SIZE, true);
  v.setUint32(abi.TapHdr.id, id, true);
  v.setBigUint64(abi.TapHdr.file_size, BigInt(size), true);
  v.setUint32(abi.TapHdr.counts_off, countsOff, true);
  v.setUint32(abi.TapHdr.ring_off, ringOff, true);
  v.setUint32(abi.TapHdr.ring_stride, stride, true);
  v.setUint32(abi.TapHdr.ring_size, RING, true);
  v.setUint32(abi.TapHdr.n_rings, nRings, true);
  v.setUint32(abi.TapHdr.snaplen, 65535, true);
  v.setBigUint64(abi.TapHdr.tsc_hz, 1_000_000_000n, true);
  v.setBigUint64(abi.TapHdr.tsc0, 1000n, true);
  v.setBigUint64(abi.TapHdr.realtime_ns0, 1_700_000_000_000_000_000n, true);
  v.setUint32(abi.TapHdr.state, abi.TapState.RUNNING, true);
  for (let i = 0; i < nRings; i++) Ring.init(buf, ringOff + i * stride, RING);
  v.setUint32(abi.TapHdr.magic, abi.TAP_MAGIC, true);
  return buf;
}

function tapInfo(id: number, file: string): taps.TapInfo {
  return {
    id,
    kind: 'capture',
    port: null,
    points: ['rx'],
    snaplen: 65535,
    count: 0,
    pid: process.pid,
    state: 'running',
    endReason: null,
    jit: false,
    bpfInstructions: 0,
    rings: 2,
    ringBytes: RING,
    matched: 0n,
    written: 0n,
    lost: 0n,
    file,
    filter: '',
  };
}

test('capture client: records of every ring in time order, counters, a stop that waits for ENDED', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-tap-'));
  try {
    const name = 'unit.tap5';
    const buf = makeTapFile(path.join(dir, name), 5, 2);
    const h = validateTapHeader(buf, name, 5);
    const rings = [0, 1].map((i) => new Ring(buf, h.ringOff + i * h.ringStride, RING));
    const put = (ring: number, seq: number, tsc: bigint, point: abi.TapPointName, data: number[]) =>
      rings[ring]!.produce({
        type: abi.EventType.CAPTURE_PKT,
        seq,
        payload: taps.encodeCaptureRecord(
          {
            tsc,
            port: ring,
            point,
            reason: point === 'drop' ? 'dropBadCksum' : null,
            queue: 0,
            lcore: ring + 1,
            origLen: 60,
          },
          Uint8Array.from(data),
        ),
      });
    put(0, 0, 1030n, 'rx', [1]);
    put(1, 0, 1010n, 'rx', [2]);
    put(1, 1, 1020n, 'drop', [3, 4]);
    const v = new DataView(buf);
    v.setBigUint64(h.countsOff + abi.TapCounts.lost + (1 * abi.TAP_POINTS + abi.TapPoint.RX) * 8, 7n, true);
    v.setBigUint64(h.countsOff + abi.TapCounts.matched + (1 * abi.TAP_POINTS + abi.TapPoint.RX) * 8, 8n, true);

    const calls: number[] = [];
    const rq: Requests = {
      async call(op) {
        calls.push(op);
        if (op === abi.Op.TAP_STOP) {
          // as slipwayd: ENDING with the reason now, ENDED after the grace period
          v.setUint32(abi.TapHdr.end_reason, abi.TapEnd.STOPPED, true);
          v.setUint32(abi.TapHdr.state, abi.TapState.ENDING, true);
          setTimeout(() => v.setUint32(abi.TapHdr.state, abi.TapState.ENDED, true), 50); // after a grace period
          return taps.encodeTapInfo({ ...tapInfo(5, name), state: 'ending', endReason: 'stopped' });
        }
        throw new Error(`unexpected op ${op}`);
      },
      sendBatch: () => Promise.reject(new Error('no batches')),
    };
    const c = new Capture(rq, tapInfo(5, name), dir, loadNative(), 5);
    const hb = v.getBigUint64(abi.TapHdr.client_heartbeat_ns, true);
    t.true(hb > 0n, 'the heartbeat is written at once');
    const got = c.poll();
    t.deepEqual(
      got.map((p) => [p.tsc, p.ring, p.seq, p.point, p.reason, [...p.data]]),
      [
        [1010n, 1, 0, 'rx', null, [2]],
        [1020n, 1, 1, 'drop', 'dropBadCksum', [3, 4]],
        [1030n, 0, 0, 'rx', null, [1]],
      ],
    );
    t.is(got[0]!.timeNs, 1_700_000_000_000_000_010n, 'time from the TSC');
    t.deepEqual(c.poll(), [], 'consumed');
    const st = c.stats();
    t.deepEqual(st.points, [{ port: 1, point: 'rx', seen: 0n, matched: 8n, lost: 7n }]);
    t.is(st.lost, 7n);
    t.false(c.ended);
    put(0, 1, 1040n, 'rx', [5]);
    const final = await c.stop();
    t.true(c.ended, 'stop() returned once the file said ENDED');
    t.deepEqual(calls, [abi.Op.TAP_STOP]);
    t.is(final.read, 3n);
    t.deepEqual(
      c.poll().map((p) => p.tsc),
      [1040n],
      'what the workers wrote before the end is still there',
    );
    t.is(c.endReason, 'stopped');

    // a ring that holds something else than records
    rings[1]!.produce({ type: 0x7777, seq: 9, payload: new Uint8Array(8) });
    t.throws(() => c.poll(), { code: 'PROTOCOL', message: /ring 1: record of type 30583/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('capture client: a file that is not what it says is refused', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-tap-'));
  try {
    const file = path.join(dir, 'unit.tap6');
    const buf = makeTapFile(file, 6, 1);
    const v = new DataView(buf);
    t.throws(() => new TapFile(buf, file, 7), { code: 'ABI_MISMATCH', message: /belongs to tap 6, not 7/ });
    const stride = v.getUint32(abi.TapHdr.ring_stride, true);
    v.setUint32(abi.TapHdr.ring_stride, 2 * stride, true);
    t.throws(() => new TapFile(buf, file, 6), { code: 'ABI_MISMATCH', message: /outside the/ });
    v.setUint32(abi.TapHdr.ring_stride, stride, true);
    v.setUint32(abi.TapHdr.n_rings, 3, true);
    t.throws(() => new TapFile(buf, file, 6), { code: 'ABI_MISMATCH', message: /overlap/ });
    v.setUint32(abi.TapHdr.n_rings, 1, true);
    v.setUint32(abi.TapHdr.ring_size, RING + 1, true);
    t.throws(() => new TapFile(buf, file, 6), { code: 'ABI_MISMATCH', message: /ring size/ });
    v.setUint32(abi.TapHdr.ring_size, RING, true);
    v.setUint32(abi.TapHdr.counts_off, abi.TAP_HDR_SIZE - 64, true);
    t.throws(() => new TapFile(buf, file, 6), { code: 'ABI_MISMATCH', message: /counters/ });
    v.setUint32(abi.TapHdr.counts_off, abi.TAP_HDR_SIZE, true);
    t.notThrows(() => new TapFile(buf, file, 6));
    // the client refuses a file others may write, and a name that is no capture file's
    fs.chmodSync(file, 0o644);
    const rq: Requests = {
      call: () => Promise.resolve(new Uint8Array(0)),
      sendBatch: () => Promise.reject(new Error('no')),
    };
    t.throws(() => new Capture(rq, tapInfo(6, 'unit.tap6'), dir, loadNative(), 5), {
      code: 'INSECURE',
      message: /has mode 0644, expected 0600/,
    });
    t.throws(() => new Capture(rq, tapInfo(6, '../unit.tap6'), dir, loadNative(), 5), { code: 'PROTOCOL' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('trace client: records in time order until max; a trace that ended ends the iteration', async (t) => {
  const rec = (tscRx: bigint, seq: number): taps.TraceRecord => ({ ...ROUTED, tscRx, tscOut: tscRx + 10n, seq });
  const answers = [
    { state: 'running' as const, matched: 2n, lost: 0n, records: [rec(30n, 1), rec(10n, 0)] },
    { state: 'running' as const, matched: 2n, lost: 0n, records: [] },
    { state: 'ending' as const, matched: 3n, lost: 1n, records: [rec(20n, 0)] },
  ];
  const ops: number[] = [];
  const rq: Requests = {
    async call(op) {
      ops.push(op);
      if (op === abi.Op.TRACE_READ)
        return taps.encodeTraceBatch(answers.shift() ?? { state: 'ended', matched: 3n, lost: 1n, records: [] });
      return taps.encodeTapInfo({ ...tapInfo(9, ''), kind: 'trace', state: 'ending', endReason: 'stopped' });
    },
    sendBatch: () => Promise.reject(new Error('no')),
  };
  const tr = new Trace(rq, { ...tapInfo(9, ''), kind: 'trace' }, 1);
  const got: bigint[] = [];
  for await (const r of tr.records({ max: 10, timeoutMs: 5000 })) got.push(r.tscRx);
  t.deepEqual(got, [10n, 30n, 20n], 'each batch in time order; the iteration ends when the trace does');
  t.is(tr.matched, 3n);
  t.is(tr.lost, 1n);
  await tr.stop();
  t.is(ops.at(-1), abi.Op.TAP_STOP);
});

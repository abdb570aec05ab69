/**
 * Kernel sync messages: SYNC_SET/SYNC_GET and the sync event against the C
 * header (test/c/abi_dump.c: constants, layouts, golden bytes), fast-check
 * round trips, argument validation and the one-line description.
 */
import test from 'ava';
import { buildDump, bytes, hex } from './helpers/abidump';
import fc from 'fast-check';
import * as abi from '../../ts-api/src/wire/abi';
import * as codec from './helpers/codec';
import { SlipwayError } from '../../ts-api/src/errors';
import { formatIp } from '../../ts-api/src/codec/ip';
import * as ksync from '../../ts-api/src/codec/kernel-sync';
import { buildArgv } from '../../ts-api/src/launch';
import { DesiredConfig } from '../../ts-api/src/client/desired';

const dump = buildDump();

test('sync op, event, what and action numbers match the header both ways', (t) => {
  t.is(abi.Op.SYNC_SET as number, dump.constants.SW_OP_SYNC_SET);
  t.is(abi.Op.SYNC_GET as number, dump.constants.SW_OP_SYNC_GET);
  t.is(abi.EventType.SYNC as number, dump.constants.SW_EVT_SYNC);
  for (const [prefix, table] of [
    ['SW_SYNC_WHAT_', abi.SyncWhat],
    ['SW_SYNC_ACT_', abi.SyncAction],
  ] as const) {
    const fromC = Object.fromEntries(
      Object.entries(dump.constants)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    t.deepEqual({ ...table }, fromC, prefix);
  }
  for (const [name, layout] of [
    ['sw_sync_cfg', abi.SyncCfg],
    ['sw_evt_sync', abi.EvtSync],
  ] as const) {
    t.is(layout.SIZE as number, dump.structs[name].size, name);
    t.deepEqual(
      Object.fromEntries(Object.entries(layout).filter(([k]) => k !== 'SIZE')),
      Object.fromEntries(Object.entries(dump.structs[name].fields).map(([k, f]) => [k, f.offset])),
      name,
    );
  }
});

test('golden: SYNC_SET request and SYNC_GET response are byte-exact', (t) => {
  t.is(
    hex(codec.encodeMessage({ type: abi.Op.SYNC_SET, seq: 0x80, payload: ksync.encodeSyncSet(true) })),
    dump.golden.sync_set_req,
  );
  const m = codec.decodeMessage(bytes(dump.golden.sync_get_resp));
  const st = ksync.decodeSyncState(m.payload);
  t.deepEqual(st, {
    enabled: true,
    resyncing: true,
    routes: 70000,
    neighbours: 3,
    addresses: 2,
    refused: 1,
    resyncs: 4,
  });
  t.is(
    hex(codec.encodeMessage({ type: abi.Op.SYNC_GET, seq: 0x81, payload: ksync.encodeSyncState(st) })),
    dump.golden.sync_get_resp,
  );
});

test('golden: sync events (route added, neighbour refused, resync done, audit done) decode and re-encode byte-exact', (t) => {
  const route = codec.decodeEvent(codec.decodeMessage(bytes(dump.golden.sync_route_evt)));
  t.deepEqual(route, {
    type: 'sync',
    seq: 15,
    what: 'route',
    action: 'added',
    family: 4,
    ip: '10.60.0.0',
    prefixLen: 24,
    port: 1,
    routeType: 'forward',
    nextHops: 1,
    gw: '10.50.2.2',
    mac: '00:00:00:00:00:00',
    added: 0,
    removed: 0,
    refused: 0,
    checked: 0,
    reason: '',
  });
  const neigh = codec.decodeEvent(codec.decodeMessage(bytes(dump.golden.sync_neigh_evt)));
  t.deepEqual(neigh, {
    type: 'sync',
    seq: 16,
    what: 'neighbour',
    action: 'refused',
    family: 6,
    ip: 'fd02::2',
    prefixLen: 128,
    port: 0,
    routeType: null,
    nextHops: 0,
    gw: '',
    mac: '02:00:00:ab:cd:ef',
    added: 0,
    removed: 0,
    refused: 0,
    checked: 0,
    reason: 'set through the API with another MAC',
  });
  const resync = codec.decodeEvent(codec.decodeMessage(bytes(dump.golden.sync_resync_evt)));
  t.deepEqual(resync, {
    type: 'sync',
    seq: 17,
    what: 'resync',
    action: 'done',
    family: 0,
    ip: '',
    prefixLen: 0,
    port: null,
    routeType: null,
    nextHops: 0,
    gw: '',
    mac: '00:00:00:00:00:00',
    added: 1000,
    removed: 2,
    refused: 1,
    checked: 1003,
    reason: 'enabled through the API',
  });
  const audit = codec.decodeEvent(codec.decodeMessage(bytes(dump.golden.sync_audit_evt)));
  t.like(audit, {
    type: 'sync',
    seq: 18,
    what: 'audit',
    action: 'done',
    port: null,
    added: 2,
    removed: 1,
    refused: 0,
    checked: 70005,
    reason: 'periodic audit',
  });
  for (const [ev, name] of [
    [route, 'sync_route_evt'],
    [neigh, 'sync_neigh_evt'],
    [resync, 'sync_resync_evt'],
    [audit, 'sync_audit_evt'],
  ] as const) {
    t.is(hex(codec.encodeMessage(codec.encodeEvent(ev!))), dump.golden[name], name);
  }
  t.is(
    ksync.describeSyncEvent(route as ksync.SyncEvent),
    'kernel sync: route 10.60.0.0/24 via 10.50.2.2 on port 1 added',
  );
  t.is(
    ksync.describeSyncEvent(neigh as ksync.SyncEvent),
    'kernel sync: neighbour fd02::2 02:00:00:ab:cd:ef on port 0 refused: set through the API with another MAC',
  );
  t.is(
    ksync.describeSyncEvent(resync as ksync.SyncEvent),
    'kernel sync: resync done (enabled through the API): 1003 checked, 1000 added, 2 removed, 1 refused',
  );
  t.is(
    ksync.describeSyncEvent(audit as ksync.SyncEvent),
    'kernel sync: audit done: 70005 checked, 2 missing or different (repaired), 1 extra (removed), 0 refused',
  );
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [...b].join('.'));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIp(6, b));

const syncEvent: fc.Arbitrary<ksync.SyncEvent> = fc.oneof(
  fc
    .record({
      what: fc.constantFrom('neighbour' as const, 'address' as const),
      action: fc.constantFrom('added' as const, 'removed' as const, 'refused' as const),
      family: fc.constant(4 as const),
      ip: v4,
      prefixLen: fc.integer({ min: 0, max: 32 }),
      port: fc.integer({ min: 0, max: 15 }),
      mac,
      reason: fc.string({ unit: 'grapheme-ascii', maxLength: 47 }).filter((s) => !s.includes('\0')),
    })
    .map((r) => ({
      type: 'sync' as const,
      seq: 1,
      routeType: null,
      nextHops: 0,
      gw: '',
      added: 0,
      removed: 0,
      refused: 0,
      checked: 0,
      ...r,
    })),
  fc
    .record({
      action: fc.constantFrom('added' as const, 'removed' as const),
      family: fc.constant(6 as const),
      ip: v6,
      prefixLen: fc.integer({ min: 0, max: 128 }),
      port: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }),
      routeType: fc.constantFrom('forward' as const, 'local' as const, 'drop' as const),
      nextHops: fc.integer({ min: 0, max: 8 }),
      gw: fc.oneof(
        fc.constant(''),
        v6.filter((s) => s !== '::'),
      ),
    })
    .map((r) => ({
      type: 'sync' as const,
      seq: 2,
      what: 'route' as const,
      mac: '00:00:00:00:00:00',
      added: 0,
      removed: 0,
      refused: 0,
      checked: 0,
      reason: '',
      ...r,
    })),
  fc
    .record({
      what: fc.constantFrom('resync' as const, 'audit' as const, 'burst' as const),
      added: u32,
      removed: u32,
      refused: u32,
      checked: u32,
      seq: u32,
    })
    .map((r) => ({
      type: 'sync' as const,
      action: 'done' as const,
      family: 0 as const,
      ip: '',
      prefixLen: 0,
      port: null,
      routeType: null,
      nextHops: 0,
      gw: '',
      mac: '00:00:00:00:00:00',
      reason: 'rtnetlink overflow',
      ...r,
    })),
);

test('sync events and states round-trip (fast-check)', (t) => {
  fc.assert(
    fc.property(syncEvent, (e) => {
      t.deepEqual(codec.decodeEvent(codec.encodeEvent(e)), e);
    }),
  );
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.boolean(),
      u32,
      u32,
      u32,
      u32,
      u32,
      (enabled, resyncing, routes, neighbours, addresses, refused, resyncs) => {
        const s = { enabled, resyncing, routes, neighbours, addresses, refused, resyncs };
        t.deepEqual(ksync.decodeSyncState(ksync.encodeSyncState(s)), s);
      },
    ),
  );
});

test('SYNC_SET takes a boolean only; short payloads are PROTOCOL errors; unknown kinds decode to null', (t) => {
  t.deepEqual([...ksync.encodeSyncSet(false)], new Array(abi.SyncCfg.SIZE).fill(0));
  const e = t.throws(() => ksync.encodeSyncSet(1 as unknown as boolean), { instanceOf: SlipwayError });
  t.is(e?.code, 'BAD_ARGUMENT');
  t.regex(e?.message ?? '', /kernel sync setting 1: expected true or false/);
  t.is(
    t.throws(() => ksync.decodeSyncState(new Uint8Array(23)))?.message,
    'kernel sync state: payload is 23 bytes, expected 24',
  );
  t.throws(
    () => codec.decodeEvent({ type: abi.EventType.SYNC, flags: 0, seq: 1, status: 0, payload: new Uint8Array(111) }),
    { message: /event sync: payload is 111 bytes/ },
  );
  const p = new Uint8Array(abi.EvtSync.SIZE);
  p[abi.EvtSync.what] = 9;
  p[abi.EvtSync.action] = 1;
  t.is(codec.decodeEvent({ type: abi.EventType.SYNC, flags: 0, seq: 1, status: 0, payload: p }), null);
});

test('launch option kernelSync: --kernel-sync before the EAL arguments; false adds nothing; not a boolean is BAD_ARGUMENT', (t) => {
  t.deepEqual(buildArgv({ instance: 'lab', kernelSync: true }), [
    '--instance',
    'lab',
    '--kernel-sync',
    '--',
    '-l',
    '0,1',
    '--main-lcore',
    '0',
  ]);
  t.deepEqual(buildArgv({ instance: 'lab', kernelSync: false }), [
    '--instance',
    'lab',
    '--',
    '-l',
    '0,1',
    '--main-lcore',
    '0',
  ]);
  const e = t.throws(() => buildArgv({ instance: 'lab', kernelSync: 'yes' as unknown as boolean }), {
    instanceOf: SlipwayError,
  });
  t.regex(e?.message ?? '', /bad kernelSync "yes"/);
});

test('replay record: the kernel sync setting is remembered', (t) => {
  const d = new DesiredConfig();
  t.is(d.kernelSync, undefined);
  d.kernelSyncSet(true);
  d.kernelSyncSet(false);
  t.is(d.kernelSync, false);
});

test('launch option syncAuditS: --sync-audit-s N, 0 included; out of range or not an integer is BAD_ARGUMENT', (t) => {
  t.deepEqual(buildArgv({ instance: 'lab', kernelSync: true, syncAuditS: 0 }).slice(0, 5), [
    '--instance',
    'lab',
    '--kernel-sync',
    '--sync-audit-s',
    '0',
  ]);
  t.true(buildArgv({ instance: 'lab', syncAuditS: 86_400 }).includes('86400'));
  for (const bad of [-1, 86_401, 1.5, '5']) {
    const e = t.throws(() => buildArgv({ instance: 'lab', syncAuditS: bad as number }), { instanceOf: SlipwayError });
    t.regex(e?.message ?? '', /bad syncAuditS/);
  }
});

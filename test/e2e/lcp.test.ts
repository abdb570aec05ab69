/*
 * Kernel sync (linux-cp style), IPv4:
 *
 *   A (10.50.1.2/24) -- port 0 [slipwayd --kernel-sync] port 1 -- B (10.50.2.2/24, 10.60.0.1 on lo)
 *                        vEth0 10.50.1.1/24       vEth1 10.50.2.1/24
 *
 * No route or neighbour is set by hand: the vEths' addresses, the
 * neighbours the host stack resolves and routes added with `ip route` reach
 * the fast path through rtnetlink. The host forwards only on the two vEths
 * (per-interface sysctl), and policy rules keep what arrives on them off the
 * host's default route, so punted traffic never leaves the machine.
 */
import test from 'ava';
import { type Route, type Slipway, type SlipwayEvent, type SyncEvent } from '../../ts-api/src/index';
import { controller, e2eSuite, logTail, slipctl, startDataplane } from './harness';
import { l3delta, l3moved } from './l3';
import { capture, ping, run, sleep, waitFor } from './netns';

const A4 = '10.50.1.2';
const B4 = '10.50.2.2';
const HOST4 = ['10.50.1.1', '10.50.2.1'];
const FAR = '10.60.0.1';

const s = e2eSuite(test, { name: 'lcp', vifPrefix: 'lcv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`], noDaemon: true });
const events: SyncEvent[] = [];
let pump: Promise<void> | undefined;
const rulePrefs = [31_001, 31_002, 31_003, 31_004];

function collect(sw: Slipway): void {
  const it = sw.events();
  pump = (async () => {
    for await (const ev of it as AsyncIterable<SlipwayEvent>) {
      if (ev.type === 'sync') {
        events.push(ev);
      }
    }
  })().catch(() => {});
}

function seen(what: SyncEvent['what'], action: SyncEvent['action'], ip: string, port?: number): boolean {
  return events.some(
    (e) => e.what === what && e.action === action && e.ip === ip && (port === undefined || e.port === port),
  );
}

async function routeOf(sw: Slipway, prefix: string): Promise<Route | undefined> {
  return (await sw.routes.list({ family: 4 })).find((r) => r.prefix === prefix);
}

function eventsText(): string {
  return events.map((e) => `${e.what} ${e.action} ${e.ip}/${e.prefixLen} port ${e.port} ${e.reason}`).join('\n');
}

test.after.always(async () => {
  for (const pref of rulePrefs) {
    await run('ip', ['rule', 'del', 'pref', String(pref)], { allowFail: true });
  }

  for (const p of ['10.60.0.0/24', '10.61.0.0/24', '10.62.0.0/24', '10.63.0.0/24', '10.64.0.0/24']) {
    await run('ip', ['route', 'del', p], { allowFail: true });
  }
  await run('ip', ['-6', 'route', 'del', 'fd63::/64'], { allowFail: true });
  for (const id of ['503', '501', '502']) await run('ip', ['nexthop', 'del', 'id', id], { allowFail: true });
});

test.serial(
  'with sync on, A and B reach each other through the fast path after the host stack resolved ARP',
  async (t) => {
    const sw = await startDataplane(s, { kernelSync: true, syncAuditS: 2 });
    collect(sw);
    const st0 = await sw.kernelSync.get();
    t.true(st0.enabled, JSON.stringify(st0));
    for (const [i, vif] of [s.vif(0), s.vif(1)].entries()) {
      // Only these two interfaces forward; what they receive never uses the host's default route.
      await run('sysctl', ['-qw', `net.ipv4.conf.${vif}.forwarding=1`]);
      await run('ip', [
        'rule',
        'add',
        'pref',
        String(rulePrefs[2 * i]),
        'iif',
        vif,
        'lookup',
        'main',
        'suppress_prefixlength',
        '0',
      ]);
      await run('ip', ['rule', 'add', 'pref', String(rulePrefs[2 * i + 1]), 'iif', vif, 'unreachable']);
      await run('ip', ['addr', 'add', `${HOST4[i]}/24`, 'dev', vif]);
      await run('ip', ['link', 'set', 'dev', vif, 'up']);
    }

    await run('ip', ['-n', s.topo.a.ns, 'route', 'add', 'default', 'via', HOST4[0]!]);
    await run('ip', ['-n', s.topo.b.ns, 'route', 'add', 'default', 'via', HOST4[1]!]);
    await run('ip', ['-n', s.topo.b.ns, 'addr', 'add', `${FAR}/32`, 'dev', 'lo']);

    // the addresses: local host routes and connected prefixes, installed by sync
    await waitFor(
      'address routes from sync',
      async () =>
        (await routeOf(sw, '10.50.2.0/24')) !== undefined && (await routeOf(sw, `${HOST4[0]}/32`)) !== undefined,
      3000,
    );
    t.deepEqual(await routeOf(sw, `${HOST4[0]}/32`), {
      prefix: `${HOST4[0]}/32`,
      family: 4,
      origin: 'kernel-address',
      type: 'local',
      via: [],
    });
    t.deepEqual(await routeOf(sw, '10.50.2.0/24'), {
      prefix: '10.50.2.0/24',
      family: 4,
      origin: 'kernel-address',
      type: 'forward',
      via: [{ port: 1 }],
    });
    t.deepEqual(await sw.neighbours.list(), [], 'no neighbour before any traffic');

    // first packets punt; the kernel forwards them and resolves A and B
    const warm = await ping(s.topo.a.ns, B4, { count: 3, intervalS: 0.2, waitS: 2 });
    t.true(warm.received >= 1, `warm-up ping A -> B:\n${warm.output}\n${logTail(s.instance)}`);
    await waitFor(
      'neighbours A and B from the kernel',
      async () => (await sw.neighbours.list()).length >= 2,
      5000,
    ).catch(() => {});
    const neigh = (await sw.neighbours.list()).map((n) => `${n.port} ${n.ip}`).sort();
    t.deepEqual(neigh, [`0 ${A4}`, `1 ${B4}`], `neighbours: ${neigh.join(', ')}\nevents:\n${eventsText()}`);

    const before = await sw.stats();
    const capV = await Promise.all([0, 1].map((p) => capture(s.vif(p), { filter: ['icmp'] })));
    const r = await ping(s.topo.a.ns, B4, { count: 10, intervalS: 0.05, waitS: 2 });
    await sleep(200);
    const linesV = await Promise.all(capV.map((c) => c.stop()));
    const after = await sw.stats();
    t.is(r.lossPct, 0, `ping A -> B:\n${r.output}\n${logTail(s.instance)}`);
    t.deepEqual(linesV, [[], []], `ICMP on the vEths:\n${linesV.flat().join('\n')}`);
    t.true(l3delta(before, after, 0, 'routedPackets') >= 10, `port 0 moved: ${l3moved(before, after, 0)}`);
    t.true(l3delta(before, after, 1, 'routedPackets') >= 10, `port 1 moved: ${l3moved(before, after, 1)}`);
    t.true(seen('neighbour', 'added', B4, 1) && seen('neighbour', 'added', A4, 0), eventsText());
    t.true(seen('address', 'added', HOST4[1]!, 1), eventsText());
  },
);

test.serial(
  'a route added with `ip route add ... dev vEth1` is used by the fast path; deleting it stops that',
  async (t) => {
    const sw = await controller(s);
    await run('ip', ['route', 'add', '10.60.0.0/24', 'via', B4, 'dev', s.vif(1)]);
    await waitFor(
      '10.60.0.0/24 in the fast path',
      async () => (await routeOf(sw, '10.60.0.0/24')) !== undefined,
      3000,
    ).catch(() => {});
    t.deepEqual(
      await routeOf(sw, '10.60.0.0/24'),
      { prefix: '10.60.0.0/24', family: 4, origin: 'kernel-route', type: 'forward', via: [{ port: 1, gw: B4 }] },
      eventsText(),
    );

    let before = await sw.stats();
    const capV = await Promise.all([0, 1].map((p) => capture(s.vif(p), { filter: ['icmp'] })));
    const r = await ping(s.topo.a.ns, FAR, { count: 10, intervalS: 0.05, waitS: 2 });
    await sleep(200);
    const linesV = await Promise.all(capV.map((c) => c.stop()));
    let after = await sw.stats();
    t.is(r.lossPct, 0, `ping A -> ${FAR}:\n${r.output}\n${logTail(s.instance)}`);
    t.deepEqual(linesV, [[], []], `ICMP on the vEths:\n${linesV.flat().join('\n')}`);
    t.true(l3delta(before, after, 0, 'routedPackets') >= 10, `port 0 moved: ${l3moved(before, after, 0)}`);

    await run('ip', ['route', 'del', '10.60.0.0/24', 'via', B4, 'dev', s.vif(1)]);
    await waitFor(
      '10.60.0.0/24 gone from the fast path',
      async () => (await routeOf(sw, '10.60.0.0/24')) === undefined,
      3000,
    ).catch(() => {});
    t.is(await routeOf(sw, '10.60.0.0/24'), undefined);
    before = await sw.stats();
    const gone = await ping(s.topo.a.ns, FAR, { count: 5, intervalS: 0.05, waitS: 1 });
    await sleep(200);
    after = await sw.stats();
    t.is(gone.received, 0, `${FAR} still answers after the route was deleted:\n${gone.output}`);
    t.is(l3delta(before, after, 0, 'routedPackets'), 0, `port 0 moved: ${l3moved(before, after, 0)}`);
    t.true(l3delta(before, after, 0, 'puntNoRoute') >= 5, `port 0 moved: ${l3moved(before, after, 0)}`);
    t.true(seen('route', 'added', '10.60.0.0', 1) && seen('route', 'removed', '10.60.0.0', 1), eventsText());
    t.true(events.find((e) => e.what === 'route' && e.ip === '10.60.0.0')?.gw === B4, eventsText());
  },
);

test.serial('an address added and deleted on a vEth adds and removes its local and connected routes', async (t) => {
  const sw = await controller(s);
  await run('ip', ['addr', 'add', '10.50.9.1/24', 'dev', s.vif(1)]);
  await waitFor('10.50.9.1/32 local', async () => (await routeOf(sw, '10.50.9.1/32')) !== undefined, 3000).catch(
    () => {},
  );
  t.deepEqual(await routeOf(sw, '10.50.9.1/32'), {
    prefix: '10.50.9.1/32',
    family: 4,
    origin: 'kernel-address',
    type: 'local',
    via: [],
  });
  t.deepEqual(await routeOf(sw, '10.50.9.0/24'), {
    prefix: '10.50.9.0/24',
    family: 4,
    origin: 'kernel-address',
    type: 'forward',
    via: [{ port: 1 }],
  });
  await run('ip', ['addr', 'del', '10.50.9.1/24', 'dev', s.vif(1)]);
  await waitFor('10.50.9.1/32 gone', async () => (await routeOf(sw, '10.50.9.1/32')) === undefined, 3000).catch(
    () => {},
  );
  t.is(await routeOf(sw, '10.50.9.1/32'), undefined);
  t.is(await routeOf(sw, '10.50.9.0/24'), undefined);
  t.true(seen('address', 'added', '10.50.9.1', 1) && seen('address', 'removed', '10.50.9.1', 1), eventsText());
  // the other address's routes stay
  t.truthy(await routeOf(sw, `${HOST4[1]}/32`));
  t.truthy(await routeOf(sw, '10.50.2.0/24'));
});

test.serial(
  "a route set through the API wins: the kernel's is refused and its deletion leaves the API route alone",
  async (t) => {
    const sw = await controller(s);
    await sw.routes.add({ prefix: '10.62.0.0/24', via: [{ port: 0, gw: A4 }] });
    await run('ip', ['route', 'add', '10.62.0.0/24', 'via', B4, 'dev', s.vif(1)]);
    await waitFor('a refusal for 10.62.0.0/24', () => seen('route', 'refused', '10.62.0.0'), 3000).catch(() => {});
    t.true(seen('route', 'refused', '10.62.0.0'), eventsText());
    t.regex(events.find((e) => e.ip === '10.62.0.0')?.reason ?? '', /API/);
    t.deepEqual(await routeOf(sw, '10.62.0.0/24'), {
      prefix: '10.62.0.0/24',
      family: 4,
      origin: 'api',
      type: 'forward',
      via: [{ port: 0, gw: A4 }],
    });
    await run('ip', ['route', 'del', '10.62.0.0/24']);
    await sleep(300);
    t.deepEqual(await routeOf(sw, '10.62.0.0/24'), {
      prefix: '10.62.0.0/24',
      family: 4,
      origin: 'api',
      type: 'forward',
      via: [{ port: 0, gw: A4 }],
    });
    await sw.routes.remove('10.62.0.0/24');
    t.true((await sw.kernelSync.get()).refused >= 1);
  },
);

test.serial('off removes what sync installed; on again resyncs, routes added meanwhile included', async (t) => {
  const sw = await controller(s);
  const off = await sw.kernelSync.set(false);
  t.deepEqual(
    { ...off },
    {
      enabled: false,
      resyncing: false,
      routes: 0,
      neighbours: 0,
      addresses: 0,
      refused: off.refused,
      resyncs: off.resyncs,
    },
  );
  t.is(await routeOf(sw, `${HOST4[0]}/32`), undefined);
  t.is(await routeOf(sw, '10.50.2.0/24'), undefined);
  t.deepEqual(await sw.neighbours.list(), []);

  // the kernel learns a route while sync is off
  await run('ip', ['route', 'add', '10.61.0.0/24', 'via', B4, 'dev', s.vif(1)]);
  await sleep(100);
  t.is(await routeOf(sw, '10.61.0.0/24'), undefined);
  const on = await sw.kernelSync.set(true);
  t.true(on.enabled && on.resyncing, JSON.stringify(on));
  await waitFor('the resync to finish', async () => !(await sw.kernelSync.get()).resyncing, 5000);
  t.deepEqual(await routeOf(sw, '10.61.0.0/24'), {
    prefix: '10.61.0.0/24',
    family: 4,
    origin: 'kernel-route',
    type: 'forward',
    via: [{ port: 1, gw: B4 }],
  });
  t.deepEqual(await routeOf(sw, `${HOST4[0]}/32`), {
    prefix: `${HOST4[0]}/32`,
    family: 4,
    origin: 'kernel-address',
    type: 'local',
    via: [],
  });
  const st = await sw.kernelSync.get();
  t.true(st.addresses === 2 && st.routes >= 5 && st.resyncs === 1, JSON.stringify(st));
  await waitFor(
    'a resync event',
    () => events.some((e) => e.what === 'resync' && e.reason === 'enabled through the API'),
    2000,
  ).catch(() => {});
  const done = events.find((e) => e.what === 'resync' && e.reason === 'enabled through the API');
  t.truthy(done, eventsText());
  t.true((done?.added ?? 0) >= 3, eventsText());
  await run('ip', ['route', 'del', '10.61.0.0/24']);
  await waitFor('10.61.0.0/24 gone', async () => (await routeOf(sw, '10.61.0.0/24')) === undefined, 3000).catch(
    () => {},
  );
  t.is(await routeOf(sw, '10.61.0.0/24'), undefined);
  void pump;
});

async function viaOf(sw: Slipway, prefix: string, family: 4 | 6 = 4): Promise<string> {
  const r = (await sw.routes.list({ family })).find((x) => x.prefix === prefix);
  return r === undefined
    ? 'none'
    : r.via
        .map((v) => `${v.port} ${v.gw ?? ''}`)
        .sort()
        .join(', ');
}

test.serial(
  'every kernel route of a prefix is kept: the lowest metric is used, the next takes over when it goes',
  async (t) => {
    const sw = await controller(s);
    const P = '10.62.0.0/24';
    await run('ip', ['route', 'add', P, 'via', B4, 'dev', s.vif(1), 'metric', '100']);
    await run('ip', ['route', 'add', P, 'via', A4, 'dev', s.vif(0), 'metric', '200']);
    await waitFor(`${P} via port 1`, async () => (await viaOf(sw, P)) === `1 ${B4}`, 3000);
    await sleep(200);
    t.is(await viaOf(sw, P), `1 ${B4}`, 'metric 100 is used, not the later metric 200');
    await run('ip', ['route', 'del', P, 'metric', '100']);
    await waitFor(`${P} via port 0 (metric 200)`, async () => (await viaOf(sw, P)) === `0 ${A4}`, 3000);
    t.pass();
    await run('ip', ['route', 'add', P, 'via', B4, 'dev', s.vif(1), 'metric', '50']);
    await waitFor(`${P} via port 1 again (metric 50)`, async () => (await viaOf(sw, P)) === `1 ${B4}`, 3000);
    await run('ip', ['route', 'del', P, 'metric', '50']);
    await waitFor(`${P} back via port 0`, async () => (await viaOf(sw, P)) === `0 ${A4}`, 3000);
    await run('ip', ['route', 'del', P, 'metric', '200']);
    await waitFor(`${P} gone`, async () => (await viaOf(sw, P)) === 'none', 3000);
  },
);

test.serial('next-hop objects (ip nexthop, nhid): a route through a group is ECMP in the fast path', async (t) => {
  const sw = await controller(s);
  const P = '10.63.0.0/24';
  await run('ip', ['nexthop', 'add', 'id', '501', 'via', B4, 'dev', s.vif(1)]);
  await run('ip', ['nexthop', 'add', 'id', '502', 'via', A4, 'dev', s.vif(0)]);
  await run('ip', ['nexthop', 'add', 'id', '503', 'group', '501/502']);
  await run('ip', ['route', 'add', P, 'nhid', '503']);
  await waitFor(`${P} through both`, async () => (await viaOf(sw, P)) === `0 ${A4}, 1 ${B4}`, 3000);
  // a member goes: the kernel updates the group and the routes using it
  await run('ip', ['nexthop', 'del', 'id', '502']);
  await waitFor(`${P} through port 1 only`, async () => (await viaOf(sw, P)) === `1 ${B4}`, 3000);
  await run('ip', ['route', 'del', P]);
  await waitFor(`${P} gone`, async () => (await viaOf(sw, P)) === 'none', 3000);
  await run('ip', ['nexthop', 'del', 'id', '503']);
  await run('ip', ['nexthop', 'del', 'id', '501']);
  t.pass();
});

test.serial(
  'a vEth going down: the IPv4 routes the kernel drops without a notification leave the fast path',
  async (t) => {
    const sw = await controller(s);
    const P = '10.64.0.0/24';
    await run('ip', ['route', 'add', P, 'via', B4, 'dev', s.vif(1)]);
    await waitFor(`${P} in the fast path`, async () => (await viaOf(sw, P)) === `1 ${B4}`, 3000);
    await run('ip', ['link', 'set', 'dev', s.vif(1), 'down']);
    const show = await run('ip', ['route', 'show', P]);
    t.is(show.stdout.trim(), '', 'the kernel dropped it');
    await waitFor(`${P} gone from the fast path`, async () => (await viaOf(sw, P)) === 'none', 3000);
    await run('ip', ['link', 'set', 'dev', s.vif(1), 'up']);
    await waitFor('port 1 started again', async () => (await sw.ports.get(1)).started, 3000);
    // the address stayed: its connected prefix is back
    await waitFor('10.50.2.0/24 back', async () => (await viaOf(sw, '10.50.2.0/24')) === '1 ', 3000);
  },
);

test.serial('IPv6: ip -6 route append adds a next hop, deleting one next hop keeps the other', async (t) => {
  const sw = await controller(s);
  const P = 'fd63::/64';
  for (const [i, vif] of [s.vif(0), s.vif(1)].entries()) {
    await run('sysctl', ['-qw', `net.ipv6.conf.${vif}.disable_ipv6=0`]);
    await run('ip', ['-6', 'addr', 'add', `fd50:${i + 1}::1/64`, 'dev', vif, 'nodad']);
  }
  try {
    await run('ip', ['-6', 'route', 'add', P, 'via', 'fd50:2::2', 'dev', s.vif(1), 'metric', '1024']);
    await waitFor(`${P} via port 1`, async () => (await viaOf(sw, P, 6)) === '1 fd50:2::2', 3000);
    await run('ip', ['-6', 'route', 'append', P, 'via', 'fd50:1::2', 'dev', s.vif(0), 'metric', '1024']);
    await waitFor(`${P} through both`, async () => (await viaOf(sw, P, 6)) === '0 fd50:1::2, 1 fd50:2::2', 3000);
    await run('ip', ['-6', 'route', 'del', P, 'via', 'fd50:2::2', 'dev', s.vif(1), 'metric', '1024']);
    await waitFor(`${P} via port 0 only`, async () => (await viaOf(sw, P, 6)) === '0 fd50:1::2', 3000);
    await run('ip', ['-6', 'route', 'del', P]);
    await waitFor(`${P} gone`, async () => (await viaOf(sw, P, 6)) === 'none', 3000);
    t.pass();
  } finally {
    for (const [i, vif] of [s.vif(0), s.vif(1)].entries()) {
      await run('ip', ['-6', 'addr', 'del', `fd50:${i + 1}::1/64`, 'dev', vif], { allowFail: true });
    }
  }
});

test.serial(
  'the periodic audit (--sync-audit-s 2) compares kernel and fast path: a sync event with its counts',
  async (t) => {
    // an audit that began during the previous test's changes may count them: the second one after now may not
    const from = events.length;
    const audits = () => events.slice(from).filter((e) => e.what === 'audit');
    await waitFor('two audit events', () => audits().length >= 2, 8000);
    const a = audits()[1]!;
    t.is(a.action, 'done');
    t.true(a.checked >= 5, JSON.stringify(a));
    t.is(a.added, 0, `nothing was missing from the fast path: ${JSON.stringify(a)}`);
    t.is(a.removed, 0, `nothing was extra: ${JSON.stringify(a)}`);
  },
);

test.serial('slipctl sync status|off|on, --json', async (t) => {
  await s.sw?.close();
  s.sw = undefined;
  const base = ['--instance', s.instance];
  const st = await slipctl([...base, 'sync', 'status', '--json']);
  t.is(st.code, 0, st.stderr);
  const j = JSON.parse(st.stdout) as { enabled: boolean; addresses: number; routes: number };
  t.true(j.enabled && j.addresses === 2 && j.routes >= 4, st.stdout);
  const off = await slipctl([...base, 'sync', 'off']);
  t.is(off.code, 0, off.stderr);
  t.is(off.stdout, 'kernel sync: off\n');
  const on = await slipctl([...base, 'sync', 'on']);
  t.is(on.code, 0, on.stderr);
  t.regex(on.stdout, /^kernel sync: on/);
  const bad = await slipctl([...base, 'sync', 'maybe']);
  t.not(bad.code, 0);
});

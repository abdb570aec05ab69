/*
 * The control side of routes, neighbours and rules on net_null ports (no
 * traffic): a replaying controller restores all three on a restarted
 * dataplane, and slipctl route/neigh/rule add|del|list work with --json.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, rmSync } from 'node:fs';
import { buildArgv, defaultBinary, launch, type ReplaySummary, type Slipway } from '../../ts-api/src/index';
import { defaultLogFile, logTail, logger, pidAlive, slipctl, stopDataplane } from './harness';
import { hugepagesTotal, track, waitFor } from './netns';

const instance = `e2e-l3ctl-${process.pid}`;
const opts = {
  instance,
  ports: ['net_null0,no-rx=1', 'net_null1,no-rx=1'], // no-rx: net_null would otherwise make frames at full speed
  vifPrefix: 'l3c',
  noHuge: hugepagesTotal() === 0,
  readyTimeoutMs: 30_000,
  logger,
};
let sw: Slipway | undefined;
let pid = 0;

test.after.always(async () => {
  await stopDataplane({ instance, sw, pid });
});

const routes = [
  { prefix: '10.1.0.1/32', type: 'local' as const },
  { prefix: '10.2.0.0/24', via: [{ port: 1 }] },
  {
    prefix: '10.9.0.0/16',
    via: [
      { port: 1, gw: '10.2.0.254' },
      { port: 0, gw: '10.1.0.254' },
    ],
  },
  { prefix: 'fd02::/64', via: [{ port: 1, gw: 'fe80::1' }] },
  { prefix: '192.0.2.0/24', type: 'drop' as const },
];
const neighbours = [
  { port: 1, ip: '10.2.0.2', mac: '02:00:00:00:00:02' },
  { port: 1, ip: 'fd02::2', mac: '02:00:00:00:00:02' },
];
const rules = [
  {
    id: 1,
    priority: 100,
    match: { inPort: 0, family: 4 as const, src: '10.1.0.0/24', proto: 6, dport: [22, 23] as [number, number] },
    action: { type: 'punt' as const },
  },
  {
    id: 2,
    priority: 50,
    match: { srcMac: '02:00:00:00:00:09', vlan: 7 },
    action: { type: 'mirror' as const, port: 1 },
  },
];

const sortByPrefix = <T extends { prefix: string }>(xs: T[]) =>
  [...xs].sort((a, b) => a.prefix.localeCompare(b.prefix));

test.serial('a replaying controller restores routes, neighbours and rules on a restarted dataplane', async (t) => {
  rmSync(defaultLogFile(instance), { force: true });
  sw = await launch({ ...opts, replay: true });
  pid = sw.pid;
  (await sw.routes.addMany(routes)).throwIfFailed();
  (await sw.neighbours.addMany(neighbours)).throwIfFailed();
  (await sw.rules.addMany(rules)).throwIfFailed();
  await sw.routes.remove('192.0.2.0/24');
  const wantRoutes = sortByPrefix(await sw.routes.list());
  const wantNeigh = await sw.neighbours.list();
  const wantRules = (await sw.rules.list()).map((e) => e.rule);
  t.is(wantRoutes.length, 6, JSON.stringify(wantRoutes)); // 4 routes + 2 neighbour host routes
  t.is(sw.desired!.routes.size, 4);

  const replayed = once(sw, 'replayed') as Promise<[ReplaySummary]>;
  process.kill(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to be gone`, () => !pidAlive(pid), 5000);
  const log = openSync(defaultLogFile(instance), 'a');
  const child = track(spawn(defaultBinary(), buildArgv(opts), { stdio: ['ignore', log, log] }));
  closeSync(log);
  pid = child.pid as number;
  const [summary] = await Promise.race([
    replayed,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no replay within 20 s\n${logTail(instance)}`)), 20_000),
    ),
  ]);
  t.like(summary, { routes: 4, neighbours: 2, rules: 2, failures: [] });
  t.deepEqual(sortByPrefix(await sw.routes.list()), wantRoutes);
  t.deepEqual(await sw.neighbours.list(), wantNeigh);
  t.deepEqual(
    (await sw.rules.list()).map((e) => e.rule),
    wantRules,
  );
  await sw.close();
  sw = undefined;
});

test.serial('slipctl route/neigh/rule add, list --json, del', async (t) => {
  const base = ['--instance', instance];
  const ok = async (args: string[]) => {
    const r = await slipctl([...base, ...args]);
    t.is(r.code, 0, `slipctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  await ok(['route', 'add', '10.50.0.0/16', 'via', '1:10.2.0.9', 'via', '0']);
  await ok(['route', 'add', 'fd50::/48', 'via', '1:fd02::9']);
  await ok(['route', 'add', '10.60.0.1/32', 'local']);
  const listed = JSON.parse(await ok(['--json', 'route', 'list'])) as Array<{ prefix: string }>;
  t.deepEqual(
    listed.find((r) => r.prefix === '10.50.0.0/16'),
    {
      prefix: '10.50.0.0/16',
      family: 4,
      origin: 'api',
      type: 'forward',
      via: [{ port: 1, gw: '10.2.0.9' }, { port: 0 }],
    },
  );
  t.deepEqual(
    listed.find((r) => r.prefix === 'fd50::/48'),
    { prefix: 'fd50::/48', family: 6, origin: 'api', type: 'forward', via: [{ port: 1, gw: 'fd02::9' }] },
  );
  t.regex(await ok(['route', 'list', '--family', '6']), /fd50::\/48\s+forward\s+1:fd02::9/);
  await ok(['neigh', 'add', '0', '10.1.0.7', '02:00:00:00:00:07']);
  t.true(
    (JSON.parse(await ok(['--json', 'neigh', 'list'])) as unknown[]).some(
      (n) => JSON.stringify(n) === JSON.stringify({ port: 0, ip: '10.1.0.7', mac: '02:00:00:00:00:07', origin: 'api' }),
    ),
  );
  await ok([
    'rule',
    'add',
    '77',
    '--priority',
    '9',
    '--in-port',
    '0',
    '--src',
    '10.1.0.0/24',
    '--proto',
    'udp',
    '--sport',
    '1000-2000',
    '--dport',
    '53',
    '--action',
    'forward:1',
  ]);
  // 64-bit counters come as decimal strings in slipctl's JSON
  const rulesJson = JSON.parse(await ok(['--json', 'rule', 'list'])) as Array<{
    rule: { id: number };
    packets: string;
    bytes: string;
  }>;
  t.deepEqual(
    rulesJson.find((e) => e.rule.id === 77),
    {
      rule: {
        id: 77,
        priority: 9,
        match: { inPort: 0, family: 4, src: '10.1.0.0/24', proto: 17, sport: [1000, 2000], dport: 53 },
        action: { type: 'forward', port: 1 },
      },
      packets: '0',
      bytes: '0',
    },
  );
  t.regex(
    await ok(['rule', 'list']),
    /77\s+9\s+forward:1\s+0\s+0\s+in-port=0 family=4 src=10\.1\.0\.0\/24 proto=17 sport=1000-2000 dport=53/,
  );
  const stats = await ok(['stats']);
  t.regex(stats, /routes \d+ v4 \d+ v6 \| neigh \d+/);
  t.regex(stats, /PORT +RX-PKTS +RX-BYTES +TX-PKTS +TX-BYTES +ROUTED +XC +PUNT +DROPS/);
  const detail = await ok(['stats', '--detail']);
  t.regex(detail, /PUNT-NO-ROUTE/);
  t.regex(detail, /tables: \d+ IPv4 routes, \d+ IPv6 routes, \d+ neighbours/);
  await ok(['rule', 'del', '77']);
  await ok(['neigh', 'del', '0', '10.1.0.7']);
  await ok(['route', 'del', '10.50.0.0/16']);
  const bad = await slipctl([...base, 'route', 'add', '10.50.0/16', 'via', '1']);
  t.is(bad.code, 2, 'a bad argument is a usage error, found before connecting');
  t.regex(bad.stderr, /bad route prefix "10\.50\.0\/16": not an IPv4 address \(BAD_ARGUMENT\)/);
  const usage = await slipctl([...base, 'rule', 'add', '5', '--priority', '1', '--action', 'teleport']);
  t.is(usage.code, 2, usage.stderr);
  const missing = await slipctl([...base, 'route', 'del', '10.50.0.0/16']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /NOT_FOUND/);
});

/*
 * The vEths of an instance in a network namespace of its choice (--vif-netns):
 *
 *   A (10.70.1.2/24) -- port 0 [slipwayd --vif-netns sw-vn1-<pid>] port 1 -- B (10.70.2.2/24)
 *                        vnv0 10.70.1.1/24   namespace sw-vn1   vnv1 10.70.2.1/24
 *
 * slipwayd runs in the host's namespace, where its ports' interfaces are;
 * the TAPs are created in sw-vn1, and so are the sockets that speak to the
 * kernel about them: the link mirror (ip link set in the namespace reaches
 * the port, the port's MTU and carrier reach the vEth there) and kernel sync
 * (addresses, neighbours and routes of the namespace reach the fast path).
 * The namespace is a router of its own: it forwards the first packets of a
 * flow with no policy rules or per-interface sysctls of the host's. A second
 * instance, started with slipctl, has vEths of the same names in sw-vn2
 * and sees none of the first one's.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import type { KernelRequestEvent, Route, Slipway, SlipwayEvent } from '../../ts-api/src/index';
import { ctlPath, launch, SlipwayError } from '../../ts-api/src/index';
import { e2eSuite, logger, logTail, slipctl, startDataplane, stopDataplane } from './harness';
import { l3delta, l3moved } from './l3';
import { capture, hugepagesTotal, ping, run, sleep, waitFor } from './netns';

const NS1 = `sw-vn1-${process.pid}`;
const NS2 = `sw-vn2-${process.pid}`;
const PREFIX = 'vnv';
const A4 = '10.70.1.2';
const B4 = '10.70.2.2';
const HOST4 = ['10.70.1.1', '10.70.2.1'];
const second = { instance: `e2e-vn2-${process.pid}`, sw: undefined as Slipway | undefined, pid: 0 };

const s = e2eSuite(test, {
  name: 'vn',
  vifPrefix: PREFIX,
  addrsA: [`${A4}/24`],
  addrsB: [`${B4}/24`],
  noDaemon: true,
});
const seen: SlipwayEvent[] = [];

function inNs(ns: string, ...args: string[]) {
  return run('ip', ['-n', ns, ...args]);
}

async function linkOf(ns: string | undefined, dev: string): Promise<{ mtu: number; address: string; flags: string[] }> {
  const { stdout } = await run('ip', [...(ns ? ['-n', ns] : []), '-j', 'link', 'show', 'dev', dev]);
  return (JSON.parse(stdout) as Array<{ mtu: number; address: string; flags: string[] }>)[0]!;
}

async function routeOf(sw: Slipway, prefix: string): Promise<Route | undefined> {
  return (await sw.routes.list({ family: 4 })).find((r) => r.prefix === prefix);
}

test.before(async () => {
  // namespaces of dead runs of this file
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  for (const name of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    const m = /^sw-vn[12]-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid) {
      try {
        process.kill(Number(m[1]), 0);
      } catch {
        await run('ip', ['netns', 'del', name], { allowFail: true });
      }
    }
  }

  for (const ns of [NS1, NS2]) {
    await run('ip', ['netns', 'add', ns]);
    // set before the vEths exist: IPv4 only, and NS1 is a router
    await run(
      'sysctl',
      [
        '-qw',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
        'net.ipv4.ip_forward=1',
        'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.default.rp_filter=0',
      ],
      { netns: ns },
    );
  }
});

test.after.always(async (t) => {
  for (const p of await stopDataplane(second)) t.log(`teardown: ${p}`);
  // the suite's own after.always stops the first instance; the namespaces go last
  for (const ns of [NS1, NS2]) {
    await run('ip', ['netns', 'del', ns], { allowFail: true });
  }
});

test.serial('a namespace that does not exist: a clear error, nothing left behind', async (t) => {
  const missing = `sw-vnx-${process.pid}`;
  const e = await t.throwsAsync(
    launch({
      instance: `e2e-vnx-${process.pid}`,
      ports: s.topo.devargs,
      vifNetns: missing,
      noHuge: hugepagesTotal() === 0,
      logger,
    }),
    { instanceOf: SlipwayError },
  );
  t.is(e?.code, 'LAUNCH_FAILED');
  t.true(
    e!.message.includes(
      `--vif-netns ${missing}: cannot open /run/netns/${missing}: No such file or directory (create it with \`ip netns add ${missing}\`)`,
    ),
    e!.message,
  );
  t.false(existsSync(ctlPath(`e2e-vnx-${process.pid}`)), 'no control file left behind');
});

test.serial('the vEths are created in the namespace, with the ports’ MACs; the host has none', async (t) => {
  const sw = await startDataplane(s, { vifNetns: NS1, kernelSync: true });
  const it = sw.events();
  void (async () => {
    for await (const ev of it as AsyncIterable<SlipwayEvent>) seen.push(ev);
  })().catch(() => {});
  t.is(sw.header().vifNetns, NS1);
  for (const p of await sw.ports.list()) {
    const l = await linkOf(NS1, p.vif);
    t.is(l.address, p.mac.toLowerCase(), `${p.vif} in ${NS1} has port ${p.port}'s MAC`);
    t.true(l.flags.includes('UP') && l.flags.includes('LOWER_UP'), `${p.vif}: ${l.flags.join(',')}`);
    const root = await run('ip', ['link', 'show', 'dev', p.vif], { allowFail: true });
    t.not(root.code, 0, `${p.vif} must not exist in the host's namespace:\n${root.stdout}`);
  }
});

test.serial(
  'the link mirror works across the namespace: ip link there reaches the port, the port reaches the vEth',
  async (t) => {
    const sw = s.sw!;
    await inNs(NS1, 'link', 'set', 'dev', `${PREFIX}0`, 'mtu', '1400');
    await waitFor('port 0 MTU 1400', async () => (await sw.ports.get(0)).mtu === 1400, 3000);
    // the event reaches this client through its event stream, which may
    // deliver it after the port already reads 1400
    const isMtu = (e: SlipwayEvent): e is KernelRequestEvent =>
      e.type === 'kernel-request' && e.request === 'mtu' && e.value === 1400;
    await waitFor('the kernel-request event for MTU 1400', async () => seen.some(isMtu), 3000);
    const ev = seen.find(isMtu);
    t.true(ev?.applied === true && ev.port === 0, JSON.stringify(ev));

    await sw.ports.set(1, { mtu: 1300 });
    t.is((await linkOf(NS1, `${PREFIX}1`)).mtu, 1300, 'the API set the vEth in the namespace');

    // port 1's link is its host end's carrier; it shows as the vEth's carrier in the namespace
    await run('ip', ['link', 'set', 'dev', s.topo.b.hostIf, 'down']);
    await waitFor(
      `${PREFIX}1 without carrier in ${NS1}`,
      async () => (await linkOf(NS1, `${PREFIX}1`)).flags.includes('NO-CARRIER'),
      3000,
    );
    t.false((await sw.ports.get(1)).linkUp);
    await run('ip', ['link', 'set', 'dev', s.topo.b.hostIf, 'up']);
    await waitFor(
      `${PREFIX}1 with carrier again`,
      async () => (await linkOf(NS1, `${PREFIX}1`)).flags.includes('LOWER_UP'),
      5000,
    );
    await sw.ports.set(0, { mtu: 1500 });
    await sw.ports.set(1, { mtu: 1500 });
  },
);

test.serial('kernel sync reads the namespace: A and B route through the fast path', async (t) => {
  const sw = s.sw!;
  for (const [i, addr] of HOST4.entries()) {
    await inNs(NS1, 'addr', 'add', `${addr}/24`, 'dev', `${PREFIX}${i}`);
  }

  await run('ip', ['-n', s.topo.a.ns, 'route', 'add', 'default', 'via', HOST4[0]!]);
  await run('ip', ['-n', s.topo.b.ns, 'route', 'add', 'default', 'via', HOST4[1]!]);
  await inNs(NS1, 'route', 'add', '10.71.0.0/16', 'via', B4);
  await waitFor(
    'the namespace’s addresses and route in the fast path',
    async () => (await routeOf(sw, '10.71.0.0/16')) !== undefined,
    3000,
  );
  t.deepEqual(await routeOf(sw, `${HOST4[0]}/32`), {
    prefix: `${HOST4[0]}/32`,
    family: 4,
    origin: 'kernel-address',
    type: 'local',
    via: [],
  });
  t.deepEqual(await routeOf(sw, '10.70.2.0/24'), {
    prefix: '10.70.2.0/24',
    family: 4,
    origin: 'kernel-address',
    type: 'forward',
    via: [{ port: 1 }],
  });
  t.deepEqual(await routeOf(sw, '10.71.0.0/16'), {
    prefix: '10.71.0.0/16',
    family: 4,
    origin: 'kernel-route',
    type: 'forward',
    via: [{ port: 1, gw: B4 }],
  });

  // the first packets punt; the namespace's kernel forwards them and resolves A and B
  const warm = await ping(s.topo.a.ns, B4, { count: 3, intervalS: 0.2, waitS: 2 });
  t.true(warm.received >= 1, `warm-up ping A -> B:\n${warm.output}\n${logTail(s.instance)}`);
  await waitFor('neighbours A and B from the namespace', async () => (await sw.neighbours.list()).length >= 2, 5000);
  t.deepEqual((await sw.neighbours.list()).map((n) => `${n.port} ${n.ip} ${n.origin}`).sort(), [
    `0 ${A4} kernel-neighbour`,
    `1 ${B4} kernel-neighbour`,
  ]);

  const caps = await Promise.all([0, 1].map((p) => capture(`${PREFIX}${p}`, { netns: NS1, filter: ['icmp'] })));
  const before = await sw.stats();
  const r = await ping(s.topo.a.ns, B4, { count: 20, intervalS: 0.02, waitS: 2 });
  await sleep(200);
  const after = await sw.stats();
  const lines = await Promise.all(caps.map((c) => c.stop()));
  t.is(r.lossPct, 0, `ping A -> B:\n${r.output}\n${logTail(s.instance)}`);
  t.deepEqual(lines, [[], []], `ICMP on the vEths:\n${lines.flat().join('\n')}`);
  t.is(l3delta(before, after, 0, 'routedPackets'), 20, `port 0: ${l3moved(before, after, 0)}`);
  t.is(l3delta(before, after, 1, 'routedPackets'), 20, `port 1: ${l3moved(before, after, 1)}`);
});

test.serial(
  'a second instance has vEths of the same names in its own namespace, and its own kernel sync',
  async (t) => {
    const started = await slipctl([
      '--json',
      '-i',
      second.instance,
      'start',
      '--port',
      'net_null0,no-rx=1',
      '--vif-prefix',
      PREFIX,
      '--vif-netns',
      NS2,
      '--kernel-sync',
      '--mbufs',
      '4095',
      '--max-routes',
      '1024',
      ...(hugepagesTotal() === 0 ? ['--no-huge'] : []),
    ]);
    t.is(started.code, 0, started.stderr);
    second.pid = (JSON.parse(started.stdout) as { pid: number }).pid;

    const status = await slipctl(['--json', '-i', second.instance, 'status']);
    t.is((JSON.parse(status.stdout) as { vifNetns: string | null }).vifNetns, NS2, status.stdout + status.stderr);
    const l1 = await linkOf(NS1, `${PREFIX}0`);
    const l2 = await linkOf(NS2, `${PREFIX}0`);
    t.not(l1.address, l2.address, 'two vEths named alike, one per instance');

    await inNs(NS2, 'addr', 'add', '10.80.0.1/24', 'dev', `${PREFIX}0`);
    await waitFor(
      'the second instance’s address',
      async () => (await slipctl(['--json', '-i', second.instance, 'route', 'list'])).stdout.includes('"10.80.0.1/32"'),
      5000,
    );
    const firstRoutes = (await s.sw!.routes.list({ family: 4 })).map((r) => r.prefix);
    t.false(firstRoutes.includes('10.80.0.1/32'), `the first instance has none of it: ${firstRoutes.join(' ')}`);
    const secondRoutes = (await slipctl(['--json', '-i', second.instance, 'route', 'list'])).stdout;
    t.false(secondRoutes.includes(HOST4[0]!), `the second instance has none of the first's: ${secondRoutes}`);

    const stopped = await slipctl(['-i', second.instance, 'stop']);
    t.is(stopped.code, 0, stopped.stderr);
    second.pid = 0;
    t.not(
      (await run('ip', ['-n', NS2, 'link', 'show', 'dev', `${PREFIX}0`], { allowFail: true })).code,
      0,
      'its vEth left with it',
    );
  },
);

/*
 * net_af_xdp ports, the other kernel-interface port slipway runs on: routed
 * forwarding in both families on the fast path, the exception path (the
 * vEth's own address answers through the port), a port stop and start, and
 * a clean stop with every mbuf home. The AF_XDP PMD lends 2,048 mbufs per
 * queue to the kernel's fill ring at queue set-up and does not take them
 * back at close; slipwayd gives such a port a pool of its own and accounts
 * for that loan (dataplane/port/pool.c), so a real leak still fails.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { controller, defaultLogFile, delta, e2eSuite, logTail, pidAlive, stopDataplane } from './harness';
import { A4, B4, B6, HOST4, assertL3, setUpL3 } from './l3';
import { ping, run, waitFor } from './netns';

const s = e2eSuite(test, {
  name: 'afxdp',
  vifPrefix: 'xdv',
  driver: 'af_xdp',
  addrsA: [`${A4}/24`],
  addrsB: [`${B4}/24`],
});
const N = 20;

test.serial.before(async () => {
  // the PMD loads its XDP program through bpffs (npm run setup mounts it)
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) {
    await run('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  }

  const sw = await controller(s);
  const ports = await sw.ports.list();
  if (ports.some((p) => !p.started)) {
    throw new Error(`ports not started: ${JSON.stringify(ports)}\n${logTail(s.instance)}`);
  }

  await setUpL3(s, sw);
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
});

test.serial('the ports are AF_XDP ports on the veth host ends', async (t) => {
  const sw = await controller(s);
  t.deepEqual(
    [await sw.ports.devargs(0), await sw.ports.devargs(1)],
    [`net_af_xdp0,iface=${s.topo.a.hostIf}`, `net_af_xdp1,iface=${s.topo.b.hostIf}`],
  );
  const xdp = await run('ip', ['link', 'show', 'dev', s.topo.a.hostIf]);
  t.regex(xdp.stdout, /xdp/, `an XDP program is attached to ${s.topo.a.hostIf}:\n${xdp.stdout}`);
});

for (const [family, dst] of [
  ['IPv4', B4],
  ['IPv6', B6],
] as const) {
  test.serial(`${family}: A -> B is routed on the fast path, ${N} of ${N}`, async (t) => {
    const sw = await controller(s);
    const before = await sw.stats();
    const r = await ping(s.topo.a.ns, dst, { count: N, intervalS: 0.02, waitS: 2 });
    const after = await sw.stats();
    t.is(r.received, N, `ping ${dst}: ${r.output}\n${logTail(s.instance)}`);
    assertL3(t, s, before, after, 0, 'routedPackets', N);
    assertL3(t, s, before, after, 1, 'routedPackets', N);
  });
}

test.serial(
  'the exception path: the vEth address answers A through port 0 (punted, then sent by the kernel)',
  async (t) => {
    const sw = await controller(s);
    const before = await sw.stats();
    const r = await ping(s.topo.a.ns, HOST4[0]!, { count: 5, intervalS: 0.05, waitS: 2 });
    const after = await sw.stats();
    t.is(r.received, 5, r.output);
    assertL3(t, s, before, after, 0, 'puntLocal', 5);
    const injected = delta(before, after, 0, 'injectPackets');
    t.true(injected >= 5, `the kernel's ${injected} replies on the vEth left through port 0`);
  },
);

test.serial('a port stopped forwards nothing; started again, it forwards (nothing leaks across)', async (t) => {
  const sw = await controller(s);
  await sw.ports.stop(1);
  const down = await ping(s.topo.a.ns, B4, { count: 3, intervalS: 0.05, waitS: 1 });
  t.is(down.received, 0, `B answered through a stopped port: ${down.output}`);
  await sw.ports.start(1);
  await waitFor(
    'B to answer again',
    async () => (await ping(s.topo.a.ns, B4, { count: 1, waitS: 1 })).received === 1,
    10_000,
  );
  const up = await ping(s.topo.a.ns, B6, { count: 5, intervalS: 0.05, waitS: 2 });
  t.is(up.received, 5, up.output);
});

test.serial('a clean stop: every mbuf home, the loan to the fill rings accounted for', async (t) => {
  const pid = s.pid;
  const problems = await stopDataplane(s);
  t.deepEqual(problems, []);
  await waitFor(`slipwayd pid ${pid} to exit`, () => !pidAlive(pid), 10_000);
  s.pid = 0;
  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  t.notRegex(log, /leaked \d+ mbufs/, logTail(s.instance));
  t.regex(log, /shutdown: mempool sw_mbuf: (\d+)\/\1 mbufs free/, logTail(s.instance));
  const kept = [...log.matchAll(/shutdown: port (\d) pool \S+: \d+\/\d+ mbufs free, (\d+) kept by the driver/g)];
  t.deepEqual(
    kept.map((m) => [Number(m[1]), Number(m[2])]),
    [
      [0, 2048],
      [1, 2048],
    ],
    `each AF_XDP port's pool is home but its fill ring\n${logTail(s.instance)}`,
  );
});

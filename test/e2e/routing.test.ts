/*
 * Routing on the fast path: A and B reach each other through routes and
 * neighbours set from TypeScript, in both address families; TTL/hop limit
 * drop by one and checksums stay correct; nothing of that traffic touches
 * the vEths; every punt class reaches the ingress vEth and is counted;
 * route replacement under a 2 ms ping loses nothing.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { controller, e2eSuite, logTail } from './harness';
import { A4, A6, B4, B6, HOST4, HOST6, assertL3, sendraw, setUpL3, waitL3, type L3Env } from './l3';
import { capture, exited, ping, run, sleep, track, waitFor } from './netns';

const s = e2eSuite(test, { name: 'route', vifPrefix: 'rtv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
let env: L3Env;

test.serial('routes and neighbours are set from TypeScript and listed back', async (t) => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  const routes = await sw.routes.list();
  const byPrefix = new Map(routes.map((r) => [r.prefix, r]));
  t.deepEqual(byPrefix.get('10.2.0.0/24'), {
    prefix: '10.2.0.0/24',
    family: 4,
    origin: 'api',
    type: 'forward',
    via: [{ port: 1 }],
  });
  t.deepEqual(byPrefix.get('fd01::1/128'), { prefix: 'fd01::1/128', family: 6, origin: 'api', type: 'local', via: [] });
  // neighbours install host routes
  t.deepEqual(byPrefix.get('10.2.0.2/32'), {
    prefix: '10.2.0.2/32',
    family: 4,
    origin: 'neighbour',
    type: 'forward',
    via: [{ port: 1, gw: B4 }],
  });
  t.is((await sw.routes.list({ family: 6 })).filter((r) => r.family !== 6).length, 0);
  const neigh = await sw.neighbours.list();
  t.deepEqual(
    neigh.sort((x, y) => x.ip.localeCompare(y.ip)),
    [
      { port: 0, ip: A4, mac: env.macA, origin: 'api' },
      { port: 1, ip: B4, mac: env.macB, origin: 'api' },
      { port: 0, ip: A6, mac: env.macA, origin: 'api' },
      { port: 1, ip: B6, mac: env.macB, origin: 'api' },
    ].sort((x, y) => x.ip.localeCompare(y.ip)),
  );
  const st = await sw.stats();
  t.true(
    st.tables.routes4 >= 6 && st.tables.routes6 >= 6 && st.tables.neighbours === 4 && st.tables.memBytes > 0n,
    JSON.stringify(st.tables, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
});

for (const [fam, src, dst, filter, hop] of [
  ['IPv4', A4, B4, ['icmp[icmptype] == icmp-echo'], 'ttl'],
  ['IPv6', A6, B6, ['icmp6', 'and', 'ip6[40] == 128'], 'hlim'],
] as const) {
  test.serial(
    `${fam}: A pings B; B sees ${hop} decremented by one and good checksums; the vEths see none of it`,
    async (t) => {
      const sw = await controller(s);
      // resolve the peers' gateways first (ARP/ND go through the vEths)
      await ping(s.topo.a.ns, dst, { count: 2, intervalS: 0.1, waitS: 2 });
      await ping(s.topo.b.ns, src, { count: 1, waitS: 2 });
      await sleep(300);
      const before = await sw.stats();
      const capB = await capture(s.topo.b.peerIf, { netns: s.topo.b.ns, filter: ['-vv', ...filter] });
      const v4 = fam === 'IPv4';
      const echo = v4 ? ['icmp'] : ['icmp6', 'and', '(ip6[40] == 128 or ip6[40] == 129)'];
      const capV = await Promise.all([0, 1].map((p) => capture(s.vif(p), { filter: echo })));
      const r = await ping(s.topo.a.ns, dst, { count: 10, intervalS: 0.05, waitS: 2 });
      await sleep(200);
      const linesB = await capB.stop();
      const linesV = await Promise.all(capV.map((c) => c.stop()));
      const after = await sw.stats();
      t.is(r.lossPct, 0, `ping ${src} -> ${dst}:\n${r.output}\n${logTail(s.instance)}`);
      t.is(r.duplicates, 0);
      const text = linesB.join('\n');
      const hops = [...text.matchAll(new RegExp(`${hop} (\\d+)`, 'g'))].map((m) => Number(m[1]));
      t.is(hops.length, 10, `B should see 10 echo requests:\n${text}`);
      t.true(
        hops.every((h) => h === 63),
        `${hop} seen on B: ${hops.join(',')} (A sends 64)\n${text}`,
      );
      t.false(/bad cksum|incorrect|wrong/i.test(text), `checksum errors on B:\n${text}`);
      if (!v4) {
        t.is((text.match(/icmp6 sum ok/g) ?? []).length, 10, `ICMPv6 checksums:\n${text}`);
      }

      t.deepEqual(linesV, [[], []], `echo traffic on the vEths:\n${linesV.flat().join('\n')}`);
      assertL3(t, s, before, after, 0, 'routedPackets', 10, true);
      assertL3(t, s, before, after, 1, 'routedPackets', 10, true);
    },
  );

  test.serial(
    `${fam}: a TCP transfer (iperf3 -n 4M) from A to B is routed, ${hop} 63, checksums correct, nothing on the vEths`,
    async (t) => {
      const sw = await controller(s);
      const server = track(
        spawn('ip', ['netns', 'exec', s.topo.b.ns, 'iperf3', '-s', '-1', '-p', '5201'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
      });
      try {
        await waitFor(
          'iperf3 server to listen',
          async () =>
            out.includes('Server listening') ||
            (await run('ss', ['-Hltn', 'sport = :5201'], { netns: s.topo.b.ns, allowFail: true })).stdout.includes(
              '5201',
            ),
          5000,
        );
        const before = await sw.stats();
        const capB = await capture(s.topo.b.peerIf, {
          netns: s.topo.b.ns,
          filter: ['-vv', '-c', '200', 'tcp', 'dst', 'port', '5201', 'and', 'src', src],
        });
        const capV = await Promise.all([0, 1].map((p) => capture(s.vif(p), { filter: ['tcp', 'port', '5201'] })));
        const c = await run('iperf3', ['-c', dst, '-p', '5201', '-n', '4M', '-f', 'm'], {
          netns: s.topo.a.ns,
          allowFail: true,
          timeoutMs: 30_000,
        });
        await sleep(200);
        const linesB = await capB.stop();
        const linesV = await Promise.all(capV.map((x) => x.stop()));
        const after = await sw.stats();
        t.is(c.code, 0, `iperf3 -c ${dst}: ${c.stdout}\n${c.stderr}\n${logTail(s.instance)}`);
        t.regex(c.stdout, /receiver/, c.stdout);
        t.log(
          c.stdout
            .split('\n')
            .filter((l) => /sender|receiver/.test(l))
            .join('\n'),
        );
        const text = linesB.join('\n');
        const hops = [...text.matchAll(new RegExp(`${hop} (\\d+)`, 'g'))].map((m) => Number(m[1]));
        t.true(hops.length >= 100, `B captured ${hops.length} TCP segments from A`);
        t.true(
          hops.every((h) => h === 63),
          `${hop} on B: ${[...new Set(hops)].join(',')}`,
        );
        t.false(/bad cksum|incorrect/i.test(text), `checksum errors on B:\n${text.slice(0, 3000)}`);
        t.deepEqual(linesV, [[], []], `TCP on the vEths:\n${linesV.flat().slice(0, 20).join('\n')}`);
        assertL3(t, s, before, after, 0, 'routedPackets', 1000, true);
      } finally {
        if (server.exitCode === null) {
          server.kill('SIGKILL');
        }

        await exited(server);
      }
    },
  );
}

const ownIf = () => s.topo.a.peerIf;

test.serial(
  'punt classes: ARP, ND, local addresses, broadcast, TTL 1, IPv4 options, no route, unresolved neighbour, non-IP, VLAN/QinQ reach vEth0 and are counted',
  async (t) => {
    const sw = await controller(s);
    const mac0 = env.portMac[0];
    const ns = s.topo.a.ns;
    const cases: Array<{
      what: string;
      counter: Parameters<typeof waitL3>[3];
      n: number;
      atLeast?: boolean;
      filter: string[];
      act: () => Promise<unknown>;
      seen: RegExp;
    }> = [
      {
        what: 'ARP',
        counter: 'puntArp',
        n: 1,
        atLeast: true,
        filter: ['arp'],
        seen: /Request who-has 10\.1\.0\.1 tell 10\.1\.0\.2/,
        act: async () => {
          await run('ip', ['-n', ns, 'neigh', 'flush', 'dev', ownIf()]);
          await ping(ns, HOST4[0]!, { count: 1, waitS: 2 });
        },
      },
      // Neighbour discovery is punt_nd whatever its destination: A's
      // solicitation to a solicited-node multicast MAC and its unicast
      // advertisement answering the host's solicitation alike.
      {
        what: 'ND',
        counter: 'puntNd',
        n: 1,
        atLeast: true,
        filter: ['icmp6', 'and', '(ip6[40] == 135 or ip6[40] == 136)'],
        seen: /fd01::2 > fd01::1: ICMP6, neighbor advertisement, tgt is fd01::2/,
        act: async () => {
          // the host solicits A (multicast, injected through port 0), A answers unicast
          await run('ip', ['-6', 'neigh', 'flush', 'dev', s.vif(0)]);
          await run('ping', ['-n', '-c', '1', '-W', '2', '-I', s.vif(0), A6], { allowFail: true });
        },
      },
      {
        what: 'IPv4 local address',
        counter: 'puntLocal',
        n: 3,
        atLeast: true,
        filter: ['icmp'],
        seen: /10\.1\.0\.2 > 10\.1\.0\.1: ICMP echo request/,
        act: async () => ping(ns, HOST4[0]!, { count: 3, intervalS: 0.05 }),
      },
      {
        what: 'IPv6 local address',
        counter: 'puntLocal',
        n: 3,
        atLeast: true,
        filter: ['icmp6', 'and', 'ip6[40] == 128'],
        seen: /fd01::2 > fd01::1: ICMP6, echo request/,
        act: async () => ping(ns, HOST6[0]!, { count: 3, intervalS: 0.05 }),
      },
      {
        what: 'another host address (LOCAL route of vEth1)',
        counter: 'puntLocal',
        n: 3,
        atLeast: true,
        filter: ['icmp'],
        seen: /10\.1\.0\.2 > 10\.2\.0\.1: ICMP echo request/,
        act: async () => ping(ns, HOST4[1]!, { count: 3, intervalS: 0.05 }),
      },
      {
        what: 'broadcast',
        counter: 'puntMcast',
        n: 5,
        atLeast: true,
        filter: ['udp', 'port', '5678'],
        seen: /> 255\.255\.255\.255\.5678/,
        act: async () => sendraw(ns, ownIf(), mac0, 'bcast4', 5),
      },
      {
        what: 'TTL 1',
        counter: 'puntTtl',
        n: 5,
        filter: ['udp', 'port', '5678'],
        seen: /10\.1\.0\.2\.1234 > 10\.2\.0\.2\.5678/,
        act: async () => sendraw(ns, ownIf(), mac0, 'ttl1', 5),
      },
      {
        what: 'IPv4 options',
        counter: 'puntOptions',
        n: 5,
        filter: ['udp', 'port', '5678'],
        seen: /10\.1\.0\.2\.1234 > 10\.2\.0\.2\.5678/,
        act: async () => sendraw(ns, ownIf(), mac0, 'opt4', 5),
      },
      {
        what: 'no route',
        counter: 'puntNoRoute',
        n: 3,
        atLeast: true,
        filter: ['icmp'],
        seen: /10\.1\.0\.2 > 10\.99\.0\.1: ICMP echo request/,
        act: async () => ping(ns, '10.99.0.1', { count: 3, intervalS: 0.05, waitS: 1 }),
      },
      {
        what: 'unresolved neighbour (connected /24, no neighbour)',
        counter: 'puntNoNeigh',
        n: 3,
        atLeast: true,
        filter: ['icmp'],
        seen: /10\.1\.0\.2 > 10\.2\.0\.99: ICMP echo request/,
        act: async () => ping(ns, '10.2.0.99', { count: 3, intervalS: 0.05, waitS: 1 }),
      },
      {
        what: 'non-IP',
        counter: 'puntNonIp',
        n: 5,
        filter: ['ether', 'proto', '0x88b5'],
        seen: /0x88b5/,
        act: async () => sendraw(ns, ownIf(), mac0, 'nonip', 5),
      },
      {
        what: '802.1Q-tagged IPv4',
        counter: 'puntOther',
        n: 5,
        filter: ['vlan'],
        seen: /vlan 100/,
        act: async () => sendraw(ns, ownIf(), mac0, 'vlan4', 5),
      },
      {
        what: 'QinQ-tagged IPv4',
        counter: 'puntOther',
        n: 5,
        filter: ['vlan'],
        seen: /vlan 200.*vlan 100/,
        act: async () => sendraw(ns, ownIf(), mac0, 'qinq4', 5),
      },
    ];
    for (const c of cases) {
      const before = await sw.stats();
      const cap = await capture(s.vif(0), { filter: ['-e', ...c.filter] });
      await c.act();
      const after = await waitL3(sw, before, 0, c.counter, c.n);
      await sleep(150);
      const lines = await cap.stop();
      assertL3(t, s, before, after, 0, c.counter, c.n, c.atLeast);
      const seen = lines.filter((l) => c.seen.test(l)).length;
      t.true(
        seen >= Math.min(c.n, 1) && (c.atLeast || seen >= c.n),
        `${c.what}: tcpdump -i ${s.vif(0)} saw ${seen} matching frames:\n${lines.join('\n')}`,
      );
      t.true(after.ports[0]!.puntPackets - before.ports[0]!.puntPackets >= BigInt(c.n), `${c.what}: punt_packets`);
    }
  },
);

test.serial(
  'route replacement (next hop switched, ECMP 1 <-> 2 members) under ping -i 0.002 in both families: zero loss',
  async (t) => {
    const sw = await controller(s);
    for (const [cidr, dev] of [
      ['10.20.0.2/32', 'lo'],
      ['fd20::2/128', 'lo'],
    ] as const) {
      await run('ip', ['-n', s.topo.b.ns, 'addr', 'add', cidr, 'dev', dev]);
    }

    await sw.neighbours
      .addMany([
        { port: 1, ip: '10.2.0.3', mac: env.macB },
        { port: 1, ip: 'fd02::3', mac: env.macB },
      ])
      .then((r) => r.throwIfFailed());
    const v4 = [
      [{ port: 1, gw: '10.2.0.2' }],
      [
        { port: 1, gw: '10.2.0.2' },
        { port: 1, gw: '10.2.0.3' },
      ],
      [{ port: 1, gw: '10.2.0.3' }],
    ];
    const v6 = [
      [{ port: 1, gw: 'fd02::2' }],
      [
        { port: 1, gw: 'fd02::2' },
        { port: 1, gw: 'fd02::3' },
      ],
      [{ port: 1, gw: 'fd02::3' }],
    ];
    await sw.routes.add({ prefix: '10.20.0.0/24', via: v4[0]! });
    await sw.routes.add({ prefix: 'fd20::/64', via: v6[0]! });
    t.is((await ping(s.topo.a.ns, '10.20.0.2', { count: 2, waitS: 2 })).lossPct, 0, 'warm-up 10.20.0.2');
    t.is((await ping(s.topo.a.ns, 'fd20::2', { count: 2, waitS: 2 })).lossPct, 0, 'warm-up fd20::2');
    const count = 1000;
    const pings = [
      ping(s.topo.a.ns, '10.20.0.2', { count, intervalS: 0.002, waitS: 2 }),
      ping(s.topo.a.ns, 'fd20::2', { count, intervalS: 0.002, waitS: 2 }),
    ];
    let done = false;
    void Promise.all(pings).finally(() => {
      done = true;
    });
    let updates = 0;
    while (!done) {
      const i = updates % 3;
      await sw.routes
        .addMany([
          { prefix: '10.20.0.0/24', via: v4[i]! },
          { prefix: 'fd20::/64', via: v6[i]! },
        ])
        .then((r) => r.throwIfFailed());
      updates++;
      await sleep(10);
    }

    const [r4, r6] = await Promise.all(pings);
    t.log(`${updates} route replacements while pinging`);
    t.true(updates >= 50, `only ${updates} updates`);
    for (const r of [r4!, r6!]) {
      t.true(
        r.transmitted === count && r.received === count && r.lossPct === 0,
        `${r.transmitted} sent, ${r.received} received:\n${r.output.split('\n').slice(-4).join('\n')}\n${logTail(s.instance, 10)}`,
      );
    }
  },
);

test.serial(
  'routes: remove, NOT_FOUND on a second remove, BAD_ARGUMENT for malformed strings before sending',
  async (t) => {
    const sw = await controller(s);
    await sw.routes.remove('10.20.0.0/24');
    const e = await t.throwsAsync(sw.routes.remove('10.20.0.0/24'));
    t.is((e as { code?: string }).code, 'NOT_FOUND', e?.message);
    t.regex(e!.message, /10\.20\.0\.0\/24/);
    const bad = await t.throwsAsync(sw.routes.add({ prefix: '10.20.0/24', via: [{ port: 1 }] }));
    t.is((bad as { code?: string }).code, 'BAD_ARGUMENT');
    const host = await t.throwsAsync(sw.routes.add({ prefix: '10.20.0.1/24', via: [{ port: 1 }] }));
    t.is((host as { code?: string }).code, 'INVALID');
    t.regex(host!.message, /host bits/);
    const noPort = await t.throwsAsync(sw.routes.add({ prefix: '10.30.0.0/24', via: [{ port: 9 }] }));
    t.is((noPort as { code?: string }).code, 'NO_PORT');
  },
);

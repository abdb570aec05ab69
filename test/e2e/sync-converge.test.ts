/*
 * Kernel sync converges: a seeded random sequence of `ip` commands on the
 * vEths (addresses, neighbours, routes with metrics and multipath, link
 * down/up, MTU, promiscuous mode) and API calls (routes, port settings)
 * runs against a live slipwayd --kernel-sync, as fast as the commands go;
 * afterwards the fast path must equal what the kernel and the API say, in
 * both families:
 *  - routes: for each prefix the best candidate of the API's routes, the
 *    kernel's addresses (local and connected routes), the kernel's
 *    main-table routes through the vEths (one per metric) and the
 *    neighbours' host routes, ranked as l3/route.h says;
 *  - neighbours: the kernel's usable entries on the vEths;
 *  - ports: MTU, promiscuous mode and run state as their vEths show them.
 * The periodic audit is off (it would repair what the test is looking
 * for). The seed is printed and in every failure message; replay one with
 * SLIPWAY_SYNC_SEED=<seed> (and SLIPWAY_SYNC_STEPS=<n>).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Route, Slipway } from '../../ts-api/src/index';
import { e2eSuite, logTail, startDataplane } from './harness';
import { run, sleep } from './netns';
import { canonicalIp, formatIp, parseIp } from '../../ts-api/src/codec/ip';

const s = e2eSuite(test, {
  name: 'sconv',
  vifPrefix: 'scv',
  addrsA: ['10.51.1.2/24'],
  addrsB: ['10.51.2.2/24'],
  noDaemon: true,
});

const STEPS = Number(process.env.SLIPWAY_SYNC_STEPS ?? 250);
const GW4 = ['10.51.1.2', '10.51.2.2'];
const GW6 = ['fd51:1::2', 'fd51:2::2'];
const BASE4 = ['10.51.1.1/24', '10.51.2.1/24'];
const BASE6 = ['fd51:1::1/64', 'fd51:2::1/64'];

/* mulberry32 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Step {
  what: string;
  run: () => Promise<unknown>;
}

function steps(seed: number, sw: Slipway, vif: (p: number) => string): Step[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const ip = (args: string[]): Step => ({
    what: `ip ${args.join(' ')}`,
    run: () => run('ip', args, { allowFail: true }),
  });
  const mac = () =>
    `02:5c:${[int(256), int(256), int(256), int(256)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
  const out: Step[] = [];
  for (let i = 0; i < STEPS; i++) {
    const p = int(2);
    const v6 = r() < 0.4;
    const fam = v6 ? ['-6'] : [];
    const gw = v6 ? GW6 : GW4;
    const prefix = v6 ? `fd60:${int(12)}::/64` : `10.60.${int(12)}.0/24`;
    const metric = String(pick([100, 200, 300]));
    const k = r();
    if (k < 0.3) {
      const verb = pick(['add', 'replace', 'append', 'del', 'del']);
      if (verb === 'del') {
        out.push(ip([...fam, 'route', 'del', prefix, 'metric', metric]));
      } else if (r() < 0.3) {
        out.push(
          ip([
            ...fam,
            'route',
            verb,
            prefix,
            'metric',
            metric,
            'nexthop',
            'via',
            gw[0]!,
            'dev',
            vif(0),
            'nexthop',
            'via',
            gw[1]!,
            'dev',
            vif(1),
          ]),
        );
      } else {
        out.push(ip([...fam, 'route', verb, prefix, 'via', gw[p]!, 'dev', vif(p), 'metric', metric]));
      }
    } else if (k < 0.4) {
      const type = pick(['blackhole', 'unreachable']);
      out.push(ip([...fam, 'route', pick(['add', 'del']), type, prefix, 'metric', metric]));
    } else if (k < 0.5) {
      // each vEth its own pool: one connected prefix is never on both
      const a = v6 ? `fd5${2 + p}:${int(4)}::1/${pick([64, 128])}` : `10.5${2 + p}.${int(4)}.1/${pick([24, 32])}`;
      out.push(ip([...fam, 'addr', pick(['add', 'del']), a, 'dev', vif(p), ...(v6 ? ['nodad'] : [])]));
    } else if (k < 0.62) {
      const n = v6 ? `fd51:${p + 1}::${10 + int(6)}` : `10.51.${p + 1}.${10 + int(6)}`;
      if (r() < 0.6)
        out.push(
          ip([
            ...fam,
            'neigh',
            'replace',
            n,
            'lladdr',
            mac(),
            'dev',
            vif(p),
            'nud',
            pick(['permanent', 'reachable', 'stale']),
          ]),
        );
      else out.push(ip([...fam, 'neigh', 'del', n, 'dev', vif(p)]));
    } else if (k < 0.67) {
      out.push(ip(['link', 'set', 'dev', vif(p), 'down']));
      out.push(ip(['link', 'set', 'dev', vif(p), 'up']));
    } else if (k < 0.72) {
      out.push(ip(['link', 'set', 'dev', vif(p), 'mtu', String(pick([1300, 1400, 1500]))]));
    } else if (k < 0.77) {
      out.push(ip(['link', 'set', 'dev', vif(p), 'promisc', pick(['on', 'off'])]));
    } else if (k < 0.82) {
      const mtu = pick([1300, 1400, 1500]);
      const promisc = r() < 0.5;
      out.push({
        what: `api ports.set(${p}, mtu ${mtu}, promisc ${promisc})`,
        run: () => sw.ports.set(p, { mtu, promisc }),
      });
    } else if (k < 0.9) {
      const api = v6 ? `fd60:${int(12)}::/64` : `10.60.${int(12)}.0/24`;
      if (r() < 0.5) {
        out.push({
          what: `api routes.add(${api} via ${gw[p]} port ${p})`,
          run: () => sw.routes.add({ prefix: api, via: [{ port: p, gw: gw[p]! }] }).catch(() => undefined),
        });
      } else {
        out.push({ what: `api routes.remove(${api})`, run: () => sw.routes.remove(api).catch(() => undefined) });
      }
    } else {
      out.push(ip([...fam, 'route', 'flush', 'root', v6 ? 'fd60::/16' : '10.60.0.0/16']));
    }
  }
  return out;
}

/* ---------- the state the fast path must have ---------- */

interface KRoute {
  dst: string;
  type?: string;
  protocol?: string;
  metric?: number;
  gateway?: string;
  dev?: string;
  flags?: string[];
  nexthops?: { gateway?: string; dev?: string; flags?: string[] }[];
}

interface Cand {
  rank: number;
  metric: number;
  kaddr: boolean;
  route: string;
}

function canon(prefix: string, v6: boolean): string {
  if (prefix === 'default') return v6 ? '::/0' : '0.0.0.0/0';
  const [a, len] = prefix.split('/');
  return `${canonicalIp(a!)}/${len ?? (v6 ? 128 : 32)}`;
}

function routeText(type: string, via: { port: number; gw?: string }[]): string {
  return `${type} ${via
    .map((v) => `${v.port}${v.gw ? ` ${v.gw}` : ''}`)
    .sort()
    .join(', ')}`;
}

async function ipJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await run('ip', ['-j', ...args])).stdout || '[]') as T;
}

/* The connected prefix of an address. */
function connected(addr: string, len: number, v6: boolean): string {
  if (!v6) {
    const n = addr.split('.').reduce((a, b) => (a << 8) | Number(b), 0) >>> 0;
    const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const x = (n & m) >>> 0;
    return `${[x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.')}/${len}`;
  }
  const b = parseIp(addr).bytes;
  for (let i = len; i < 128; i++) b[i >> 3]! &= ~(0x80 >> (i & 7));
  return `${formatIp(6, b)}/${len}`;
}

async function expected(vifs: string[], api: Route[]): Promise<Map<string, string>> {
  const cands = new Map<string, Cand[]>();
  const add = (prefix: string, c: Cand) => cands.set(prefix, [...(cands.get(prefix) ?? []), c]);
  const port = (dev?: string) => (dev === undefined ? -1 : vifs.indexOf(dev));
  for (const r of api) add(r.prefix, { rank: 0, metric: 0, kaddr: false, route: routeText(r.type, r.via) });
  for (const v6 of [false, true]) {
    const fam = v6 ? '-6' : '-4';
    for (const [p, dev] of vifs.entries()) {
      const links = await ipJson<
        { addr_info: { local: string; prefixlen: number; family: string; scope: string }[] }[]
      >([fam, 'addr', 'show', 'dev', dev]);
      for (const a of links[0]?.addr_info ?? []) {
        if (a.scope === 'link') continue;
        const bits = v6 ? 128 : 32;
        add(canon(a.local, v6), { rank: 1, metric: 0, kaddr: true, route: 'local ' });
        if (a.prefixlen < bits)
          add(connected(a.local, a.prefixlen, v6), {
            rank: 1,
            metric: v6 ? 256 : 0,
            kaddr: true,
            route: routeText('forward', [{ port: p }]),
          });
      }
      const neighs = await ipJson<{ dst: string; lladdr?: string; state?: string[] }[]>([
        fam,
        'neigh',
        'show',
        'dev',
        dev,
      ]);
      for (const n of neighs) {
        const usable = (n.state ?? []).some((x) =>
          ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'].includes(x),
        );
        if (!usable || n.lladdr === undefined) continue;
        add(canon(n.dst, v6), {
          rank: 2,
          metric: 0,
          kaddr: false,
          route: routeText('forward', [{ port: p, gw: canonicalIp(n.dst) }]),
        });
      }
    }
    const routes = await ipJson<KRoute[]>([fam, 'route', 'show', 'table', 'main']);
    const byPrefixMetric = new Map<string, KRoute>();
    for (const r of routes) {
      if (r.protocol === 'kernel' && (r.type ?? 'unicast') === 'unicast') continue;
      const key = `${canon(r.dst, v6)} ${r.metric ?? 0}`;
      // IPv4: the kernel uses the first of one prefix and metric (append)
      if (!byPrefixMetric.has(key)) byPrefixMetric.set(key, r);
    }
    for (const [key, r] of byPrefixMetric) {
      const prefix = key.split(' ')[0]!;
      const type = r.type ?? 'unicast';
      let route: string;
      if (['blackhole', 'unreachable', 'prohibit'].includes(type)) {
        route = 'drop ';
      } else if (type === 'unicast') {
        const hops = r.nexthops ?? [{ gateway: r.gateway, dev: r.dev, flags: r.flags }];
        if (hops.some((h) => port(h.dev) < 0)) continue; // not through our vEths
        const live = hops.filter((h) => !(h.flags ?? []).includes('dead'));
        if (live.length === 0) continue;
        route = routeText(
          'forward',
          live.map((h) => ({ port: port(h.dev), gw: h.gateway })),
        );
      } else {
        continue;
      }
      add(prefix, { rank: 1, metric: r.metric ?? 0, kaddr: false, route });
    }
  }
  const out = new Map<string, string>();
  for (const [prefix, cs] of cands) {
    cs.sort((a, b) => a.rank - b.rank || a.metric - b.metric || Number(b.kaddr) - Number(a.kaddr));
    out.set(prefix, cs[0]!.route);
  }
  return out;
}

async function actual(sw: Slipway): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await sw.routes.list()) out.set(r.prefix, routeText(r.type, r.via));
  return out;
}

function diff(want: Map<string, string>, got: Map<string, string>): string[] {
  const d: string[] = [];
  for (const [p, w] of want) if (got.get(p) !== w) d.push(`${p}: want ${w}, fast path ${got.get(p) ?? 'none'}`);
  for (const [p, g] of got) if (!want.has(p)) d.push(`${p}: not wanted, fast path ${g}`);
  return d.sort();
}

async function compare(sw: Slipway, vifs: string[]): Promise<string[]> {
  const api = (await sw.routes.list()).filter((r) => r.origin === 'api');
  const problems = diff(await expected(vifs, api), await actual(sw));
  for (const v6 of [false, true]) {
    for (const [p, dev] of vifs.entries()) {
      const want = (
        await ipJson<{ dst: string; lladdr?: string; state?: string[] }[]>([
          v6 ? '-6' : '-4',
          'neigh',
          'show',
          'dev',
          dev,
        ])
      )
        .filter(
          (n) =>
            n.lladdr !== undefined &&
            (n.state ?? []).some((x) => ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP'].includes(x)),
        )
        .map((n) => `${p} ${canonicalIp(n.dst)} ${n.lladdr}`);
      const got = (await sw.neighbours.list())
        .filter((n) => n.port === p && n.ip.includes(':') === v6)
        .map((n) => `${n.port} ${n.ip} ${n.mac}`);
      for (const w of want) if (!got.includes(w)) problems.push(`neighbour ${w}: missing`);
      for (const g of got) if (!want.includes(g)) problems.push(`neighbour ${g}: not in the kernel`);
    }
  }
  for (const [p, dev] of vifs.entries()) {
    const link = (await ipJson<{ mtu: number; flags: string[] }[]>(['link', 'show', 'dev', dev]))[0]!;
    const port = await sw.ports.get(p);
    const vEth = { mtu: link.mtu, promisc: link.flags.includes('PROMISC'), up: link.flags.includes('UP') };
    const fast = { mtu: port.mtu, promisc: port.promisc, up: port.started };
    if (JSON.stringify(vEth) !== JSON.stringify(fast))
      problems.push(`port ${p}: vEth ${JSON.stringify(vEth)}, port ${JSON.stringify(fast)}`);
  }
  return problems;
}

async function reset(sw: Slipway, vifs: string[]): Promise<void> {
  for (const r of await sw.routes.list()) if (r.origin === 'api') await sw.routes.remove(r.prefix);
  for (const [p, dev] of vifs.entries()) {
    await run('ip', ['link', 'set', 'dev', dev, 'up', 'mtu', '1500', 'promisc', 'off']);
    await run('sysctl', ['-qw', `net.ipv6.conf.${dev}.disable_ipv6=0`, `net.ipv6.conf.${dev}.accept_ra=0`]);
    await run('ip', ['addr', 'flush', 'dev', dev]);
    await run('ip', ['neigh', 'flush', 'dev', dev]);
    await run('ip', ['-6', 'neigh', 'flush', 'dev', dev]);
    await run('ip', ['addr', 'add', BASE4[p]!, 'dev', dev]);
    await run('ip', ['-6', 'addr', 'add', BASE6[p]!, 'dev', dev, 'nodad']);
  }
  await run('ip', ['route', 'flush', 'root', '10.60.0.0/16'], { allowFail: true });
  await run('ip', ['-6', 'route', 'flush', 'root', 'fd60::/16'], { allowFail: true });
}

async function converge(t: ExecutionContext, sw: Slipway, seed: number): Promise<void> {
  const vifs = [s.vif(0), s.vif(1)];
  await reset(sw, vifs);
  const plan = steps(seed, sw, (p) => vifs[p]!);
  const t0 = Date.now();
  for (const st of plan) await st.run();
  // the vEths end up: what a down vEth lost is the kernel's truth, and what comes back with up too
  for (const dev of vifs) await run('ip', ['link', 'set', 'dev', dev, 'up']);
  const ranMs = Date.now() - t0;
  let problems: string[] = [];
  const deadline = Date.now() + 15_000;
  let settledMs = 0;
  for (;;) {
    const st = await sw.kernelSync.get();
    problems = st.resyncing ? ['still resyncing'] : await compare(sw, vifs);
    if (problems.length === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  settledMs = Date.now() - t0 - ranMs;
  const replay = `seed ${seed} (replay: SLIPWAY_SYNC_SEED=${seed} SLIPWAY_SYNC_STEPS=${STEPS})`;
  t.log(`${replay}: ${plan.length} steps in ${ranMs} ms, converged ${settledMs} ms after the last`);
  t.deepEqual(
    problems,
    [],
    `${replay}\nthe fast path differs from the kernel and the API:\n${problems.join('\n')}\n` +
      `steps:\n${plan.map((x) => x.what).join('\n')}\n${logTail(s.instance)}`,
  );
  const st = await sw.kernelSync.get();
  t.true(st.enabled && st.routes > 0, JSON.stringify(st));
}

test.after.always(async () => {
  await run('ip', ['route', 'flush', 'root', '10.60.0.0/16'], { allowFail: true });
  await run('ip', ['-6', 'route', 'flush', 'root', 'fd60::/16'], { allowFail: true });
});

test.serial('a seeded random sequence of ip commands and API calls converges: fast path = kernel + API', async (t) => {
  const sw = await startDataplane(s, { kernelSync: true, syncAuditS: 0 });
  const given = process.env.SLIPWAY_SYNC_SEED;
  // 305798389: a resync that began while a vEth was down took it as up, so
  // its coming up (the kernel revives next hops silently) was missed
  const seeds = given !== undefined ? [Number(given)] : [1, 305798389, (Math.random() * 2 ** 31) >>> 0];
  for (const seed of seeds) await converge(t, sw, seed);
});

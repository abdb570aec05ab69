/*
 * Scale: a million IPv4 routes load from TypeScript in one batch, are
 * counted in the table stats and listed back page by page; the load time
 * is logged (no forwarding here: routing.test.ts covers that).
 *
 * The TypeScript side validates and encodes a million routes in ~0.75 s;
 * the load time is bounded by the dataplane's FIB inserts.
 */
import test from 'ava';
import { rmSync } from 'node:fs';
import { launch, type RouteSpec, type Slipway } from '../../ts-api/src/index';
import { defaultLogFile, logTail, logger } from './harness';
import { hugepagesTotal } from './netns';

const instance = `e2e-scale-${process.pid}`;
let sw: Slipway | undefined;
const N = 1_000_000;

test.after.always(async () => {
  await sw?.shutdown({ timeoutMs: 15_000 }).catch(() => undefined);
});

test.serial('1,000,000 IPv4 routes load in one batch in a few seconds, are counted and listed', async (t) => {
  // Generous: a slow load must fail on the assertion below, with the time, not on ava's timeout.
  t.timeout(400_000);
  rmSync(defaultLogFile(instance), { force: true });
  sw = await launch({
    instance,
    ports: ['net_null0,no-rx=1', 'net_null1,no-rx=1'],
    vifPrefix: 'scv',
    maxRoutes: 1_100_000,
    noHuge: hugepagesTotal() === 0,
    readyTimeoutMs: 30_000,
    logger,
  });
  const routes: RouteSpec[] = new Array(N);
  for (let i = 0; i < N; i++) {
    // 1.0.0.0/24 .. 16.66.63.0/24 (i + 256 keeps clear of 0.0.0.0/8), alternating next hops
    const n = i + 256;
    routes[i] = {
      prefix: `${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}.0/24`,
      via: [{ port: i & 1, gw: `10.${i & 1}.0.1` }],
    };
  }

  const t0 = performance.now();
  const r = await sw.routes.addMany(routes, { timeoutMs: 30_000 });
  const ms = performance.now() - t0;
  t.true(
    r.ok,
    `${r.failed} failed: ${JSON.stringify(r.summary())} ${r
      .failures()
      .slice(0, 3)
      .map((f) => f.error.message)
      .join('; ')}\n${logTail(instance)}`,
  );
  t.log(`loaded ${N} IPv4 routes in ${ms.toFixed(0)} ms (${(((N / ms) * 1000) / 1e6).toFixed(2)} M routes/s)`);
  t.true(ms < 20_000, `loading took ${ms.toFixed(0)} ms`);
  const st = await sw.stats();
  t.is(st.tables.routes4, N);
  t.log(`table memory ${(Number(st.tables.memBytes) / 1048576).toFixed(1)} MiB, ${st.tables.nhGroups} next-hop groups`);
  const t1 = performance.now();
  const listed = await sw.routes.list({ family: 4 });
  t.log(`listed ${listed.length} routes in ${(performance.now() - t1).toFixed(0)} ms`);
  t.is(listed.length, N);
  t.deepEqual(
    listed.find((x) => x.prefix === '1.0.0.0/24'),
    { prefix: '1.0.0.0/24', family: 4, origin: 'api', type: 'forward', via: [{ port: 0, gw: '10.0.0.1' }] },
  );
  const t2 = performance.now();
  const del = await sw.routes.removeMany(
    routes.map((x) => x.prefix),
    { timeoutMs: 30_000 },
  );
  t.true(del.ok, JSON.stringify(del.summary()));
  t.log(`removed ${N} routes in ${(performance.now() - t2).toFixed(0)} ms`);
  t.is((await sw.stats()).tables.routes4, 0);
});

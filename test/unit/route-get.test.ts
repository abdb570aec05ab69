/**
 * ROUTE_GET end to end against the fake dataplane: sw.routes.get (longest
 * prefix, the flow's ECMP member, neighbour, output port, misses) and
 * `slipctl route get` (text and --json, a bad flow).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { connect, type Slipway } from '../../ts-api/src/client/slipway';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { Op } from '../../ts-api/src/wire/abi';
import { FakeDataplane, tmpCtl } from './helpers/fake-dataplane';
import { slipctlArgv } from '../cli-entry';

const logger = createLogger({ silent: true });
const MAC = '02:00:00:00:00:22';

async function withRoutes(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  tag: string,
): Promise<{ fake: FakeDataplane; sw: Slipway; instance: string; dir: string }> {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  await sw.routes.add({
    prefix: '10.2.0.0/16',
    via: [
      { port: 0, gw: '10.1.0.254' },
      { port: 1, gw: '10.255.0.1' },
    ],
  });
  await sw.routes.add({ prefix: '10.2.3.0/24', via: [{ port: 1 }] });
  await sw.routes.add({ prefix: '10.1.0.1/32', type: 'local' });
  await sw.neighbours.add({ port: 1, ip: '10.255.0.1', mac: MAC });
  return { fake, sw, instance: c.instance, dir: c.dir };
}

test('routes.get: the longest prefix, the ECMP member of the flow, its neighbour and output port', async (t) => {
  const { sw, fake } = await withRoutes(t, 'rget');
  const flows = Array.from({ length: 16 }, (_, i) => ({
    from: '10.1.0.2',
    proto: 'udp',
    sport: 40000 + i,
    dport: 5001,
  }));
  const members = new Set<number>();
  for (const flow of flows) {
    const m = await sw.routes.get('10.2.0.9', flow);
    t.true(m.found);
    t.like(m.route, { prefix: '10.2.0.0/16', type: 'forward' });
    t.not(m.member, null);
    members.add(m.member as number);
    t.deepEqual(m.nextHop, m.route?.via[m.member as number]);
    t.is(m.outPort, m.nextHop?.port ?? null);
    // only the second next hop's neighbour is known
    t.is(m.resolved, m.member === 1);
    t.is(m.mac, m.member === 1 ? MAC : null);
  }
  t.deepEqual([...members].sort(), [0, 1], 'different flows reach both members');

  t.like(await sw.routes.get('10.2.3.4'), {
    found: true,
    route: { prefix: '10.2.3.0/24' },
    member: 0,
    nextHop: { port: 1 },
    resolved: false,
    mac: null,
    outPort: 1,
  });
  t.like(await sw.routes.get('10.1.0.1'), { found: true, route: { type: 'local' }, member: null, nextHop: null });
  t.deepEqual(await sw.routes.get('192.0.2.1'), {
    found: false,
    route: null,
    member: null,
    nextHop: null,
    resolved: false,
    mac: null,
    outPort: null,
  });

  const before = fake.seen.length;
  const e = await t.throwsAsync(sw.routes.get('10.2.0.9', { dport: 53 }), { instanceOf: SlipwayError });
  t.is(e?.code, 'BAD_ARGUMENT');
  t.is(fake.seen.length, before, 'a bad flow is not sent');
  t.is(fake.seen.filter((m) => m.type === Op.ROUTE_GET).length, 19);
});

/** Runs slipctl (test/cli-entry.ts) against the fake (which this process serves). */
function slipctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...slipctlArgv(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

test('slipctl route get: one line for humans, the match as JSON, a bad flow fails naming it', async (t) => {
  const { instance, dir } = await withRoutes(t, 'rgcli'); // the client stays connected: slipctl takes a slot of its own
  const text = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '10.2.3.4']);
  t.is(text.code, 0, text.stderr);
  t.is(
    text.stdout,
    '10.2.3.4: route 10.2.3.0/24, next hop #0 of 1: port 1 (connected), neighbour unresolved (punted until it resolves), out port 1\n',
  );
  const flow = ['--from', '10.1.0.2', '--proto', 'udp', '--sport', '40000', '--dport', '5001'];
  const json = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '10.2.0.9', ...flow, '--json']);
  t.is(json.code, 0, json.stderr);
  const m = JSON.parse(json.stdout) as { addr: string; found: boolean; member: number; route: { prefix: string } };
  t.like(m, { addr: '10.2.0.9', found: true, route: { prefix: '10.2.0.0/16' } });
  const again = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '10.2.0.9', ...flow]);
  t.regex(again.stdout, new RegExp(`^10\\.2\\.0\\.9: route 10\\.2\\.0\\.0/16, next hop #${m.member} of 2: `));
  const miss = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '192.0.2.1']);
  t.is(miss.stdout, '192.0.2.1: no route (punted to the ingress vEth)\n');
  const local = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '10.1.0.1']);
  t.is(local.stdout, '10.1.0.1: route 10.1.0.1/32 local (an address of the host: punted to the ingress vEth)\n');
  const bad = await slipctl(['-i', instance, '--ctl-dir', dir, 'route', 'get', '10.2.0.9', '--dport', '53']);
  t.is(bad.code, 2, 'a bad flow is a usage error, found before connecting');
  t.regex(bad.stderr, /route lookup dport 53: L4 ports need proto tcp or udp \(BAD_ARGUMENT\)/);
});

/**
 * show config and apply against the fake dataplane: the running
 * configuration read back (what kernel sync and neighbours installed left
 * out, and said so), `apply` of it changes nothing, a changed file changes
 * exactly what changed, --dry-run changes nothing, and a change that fails
 * rolls back everything the transaction did. Also through slipctl.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Slipway } from '../../ts-api/src/client/slipway';
import {
  ApplyError,
  applyConfig,
  parseConfig,
  renderJson,
  renderYaml,
  showConfig,
} from '../../ts-api/src/config/index';
import { createLogger } from '../../ts-api/src/logger';
import { Op, opName } from '../../ts-api/src/wire/abi';
import * as tables from './helpers/tables';
import { FakeDataplane, tmpCtl } from './helpers/fake-dataplane';
import { slipctlArgv } from '../cli-entry';

const logger = createLogger({ silent: true });

const FILE = `
ports:
  - devargs: net_null0
    mtu: 9000
    started: true
  - devargs: net_null1,size=64
    promisc: true
    policer: {arp: {ratePps: 100, burst: 16}}
xconnects: [{inPort: 0, outPort: 1}]
routes:
  - {prefix: 10.2.0.0/24, via: [{port: 1, gw: 10.2.0.254}]}
  - {prefix: 10.1.0.1/32, type: local}
  - {prefix: "fd02::/64", via: [{port: 1, gw: "fe80::1"}, {port: 0, gw: "fe80::2"}]}
neighbours:
  - {port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:aa"}
  - {port: 1, ip: "fe80::1", mac: "02:00:00:00:00:bb"}
rules:
  - {id: 7, priority: 100, match: {inPort: 0, proto: tcp, dst: 10.2.0.0/24, dport: 22}, action: {type: punt}}
  - {id: 9, priority: 50, match: {srcMac: "02:00:00:00:00:09"}, action: {type: mirror}}
policer: {other: {ratePps: 1000, burst: 100}}
kernelSync: true
`;

interface Fixture {
  fake: FakeDataplane;
  sw: Slipway;
  instance: string;
  /** the control file's directory (slipctl --ctl-dir) */
  dir: string;
}

async function fixture(t: { teardown: (fn: () => void | Promise<void>) => void }, tag: string): Promise<Fixture> {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  return { fake, sw, instance: c.instance, dir: c.dir };
}

/** The requests that changed something since `from`, as "OP" names. */
const changesSince = (fake: FakeDataplane, from: number) => fake.config.changes.slice(from).map((m) => opName(m.type));

test('apply builds the configuration; show config reads it back; applying that changes nothing', async (t) => {
  const { fake, sw, instance } = await fixture(t, 'cfgrt');
  const { applied } = await applyConfig(sw, parseConfig(FILE, 'lab.yaml'));
  t.is(applied.length, 14);
  // what kernel sync installed is the dataplane's, not configuration
  fake.routes.set('10.7.0.0/16', {
    prefix: '10.7.0.0/16',
    family: 4,
    type: 'forward',
    via: [{ port: 0 }],
    origin: 'kernel-route',
  });
  fake.neighbours.set('0|10.7.0.1', { port: 0, ip: '10.7.0.1', mac: '02:00:00:00:00:71', origin: 'kernel-neighbour' });

  const shown = await showConfig(sw);
  t.like(shown.config.ports?.[0], { devargs: 'net_null0', mtu: 9000, started: true });
  t.deepEqual(shown.config.ports?.[1].policer, { arp: { ratePps: 100, burst: 16 } });
  t.deepEqual(
    shown.config.routes?.map((r) => r.prefix),
    ['10.1.0.1/32', '10.2.0.0/24', 'fd02::/64'],
    "neither kernel sync's routes nor the neighbours' host routes",
  );
  t.is(shown.config.neighbours?.length, 2);
  t.deepEqual(shown.leftOut, { routes: { 'kernel-route': 1, neighbour: 3 }, neighbours: { 'kernel-neighbour': 1 } });
  t.deepEqual(shown.config.rules?.[0].match, { inPort: 0, family: 4, dst: '10.2.0.0/24', proto: 'tcp', dport: 22 });

  const yaml = renderYaml(shown.config, { instance, leftOut: shown.leftOut, ports: shown.running.ports });
  t.regex(yaml, /^# yaml-language-server: \$schema=/);
  t.regex(yaml, /# left out, as they are not configuration[^\n]*\n#   kernel sync: kernel routes: 1 route\n/);
  t.regex(
    yaml,
    /#   neighbours' host routes: 3 routes\n#   kernel sync: neighbours the kernel resolved: 1 neighbour\n/,
  );
  t.regex(yaml, /\n {2}# port 1: net_null1, vEth1\n {2}- devargs: net_null1,size=64\n/);

  const before = fake.config.changes.length;
  for (const text of [yaml, renderJson(shown.config, { instance, leftOut: shown.leftOut })]) {
    const again = await applyConfig(sw, parseConfig(text, 'shown'));
    t.deepEqual(again.plan.changes, []);
  }
  t.deepEqual(changesSince(fake, before), [], 'not one request that changes something');
});

test('a changed file changes exactly that', async (t) => {
  const { fake, sw } = await fixture(t, 'cfgchg');
  await applyConfig(sw, parseConfig(FILE));
  const before = fake.config.changes.length;
  const changed = FILE.replace('10.2.0.0/24, via: [{port: 1, gw: 10.2.0.254}]', '10.2.0.0/24, via: [{port: 0}]')
    .replace('{id: 9, priority: 50', '{id: 9, priority: 60')
    .replace('    promisc: true\n', '    promisc: false\n');
  const { applied } = await applyConfig(sw, parseConfig(changed));
  t.deepEqual(
    applied.map((c) => `${c.action} ${c.item}`),
    ['change port 1', 'change route 10.2.0.0/24', 'change rule 9'],
  );
  t.deepEqual(changesSince(fake, before), ['PORT_SET', 'ROUTE_ADD', 'RULE_ADD']);
  t.deepEqual(fake.routes.get('10.2.0.0/24')?.via, [{ port: 0 }]);
  t.is(fake.config.rules.get(9)?.priority, 60);
  t.false(fake.ports[1].promisc);
});

test('--dry-run computes the difference and sends nothing that changes', async (t) => {
  const { fake, sw } = await fixture(t, 'cfgdry');
  const seen = fake.seen.length;
  const { plan, applied } = await applyConfig(sw, parseConfig(FILE), { dryRun: true });
  t.is(plan.changes.length, 14);
  t.deepEqual(applied, []);
  t.deepEqual(fake.config.changes, []);
  t.true(
    fake.seen.slice(seen).every((m) => /_(LIST|GET|DEVARGS)$/.test(opName(m.type))),
    'only reads',
  );
});

test('a failed item rolls back the whole transaction and is named', async (t) => {
  const { fake, sw } = await fixture(t, 'cfgrb');
  await applyConfig(sw, parseConfig(FILE));
  const before = await showConfig(sw);
  const mark = fake.config.changes.length;
  // the dataplane refuses one route of the new file
  fake.config.fail = (m) =>
    m.type === Op.ROUTE_ADD && tables.decodeRoutePayload(m.payload).prefix === '10.8.0.0/16'
      ? [8, 'route 10.8.0.0/16: no space left in the IPv4 table']
      : undefined;
  const next = FILE.replace('    mtu: 9000\n', '    mtu: 4000\n')
    .replace('routes:\n', 'routes:\n  - {prefix: 10.8.0.0/16, type: drop}\n  - {prefix: 10.6.0.0/16, type: drop}\n')
    .replace(/neighbours:\n {2}- \{port: 1, ip: 10\.2\.0\.2[^\n]*\n/, 'neighbours:\n')
    .replace('{id: 7, priority: 100', '{id: 7, priority: 101')
    .replace('kernelSync: true', 'kernelSync: false')
    .replace('xconnects: [{inPort: 0, outPort: 1}]', 'xconnects: [{inPort: 1, outPort: 0}]');
  const e = await t.throwsAsync(applyConfig(sw, parseConfig(next)), { instanceOf: ApplyError });
  t.is(e?.code, 'NO_SPACE');
  t.like(e?.change, { action: 'add', kind: 'route', item: 'route 10.8.0.0/16' });
  t.regex(
    e?.message ?? '',
    /^apply failed at route 10\.8\.0\.0\/16: route 10\.8\.0\.0\/16: no space left in the IPv4 table; rolled back \(\d+ changes undone\): nothing changed$/,
  );
  fake.config.fail = undefined;
  const after = await showConfig(sw);
  t.deepEqual(after.config, before.config, 'the running configuration is what it was');
  t.deepEqual(after.leftOut, before.leftOut);
  const made = changesSince(fake, mark);
  t.true(made.includes('PORT_SET') && made.includes('NEIGH_DEL') && made.includes('XC_DEL'), made.join(' '));
  t.false(made.includes('RULE_ADD') && made.indexOf('RULE_ADD') < made.indexOf('ROUTE_ADD'));
  t.false(made.includes('SYNC_SET'), 'nothing after the failed phase ran');
});

test('a port added by a failed transaction stays, stopped, and the error says so', async (t) => {
  const { fake, sw } = await fixture(t, 'cfgport');
  await applyConfig(sw, parseConfig(FILE));
  fake.config.fail = (m) => (m.type === Op.RULE_ADD ? [4, 'rule 11: the classifier refused it'] : undefined);
  const next = FILE.replace('xconnects:', '  - {devargs: net_null2, started: true}\nxconnects:').replace(
    'rules:\n',
    'rules:\n  - {id: 11, priority: 1, action: {type: drop}}\n',
  );
  const e = await t.throwsAsync(applyConfig(sw, parseConfig(next)), { instanceOf: ApplyError });
  t.is(e?.code, 'INVALID');
  t.deepEqual(e?.leftBehind, ['port 2 (net_null2) stays, stopped: ports cannot be removed live']);
  t.is(fake.ports.length, 3);
  t.false(fake.ports[2].started);
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

test('slipctl apply --dry-run, apply, show config, and a file with errors', async (t) => {
  const { fake, sw, instance, dir: ctlDir } = await fixture(t, 'cfgcli');
  await sw.close(); // slipctl is a client of its own
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-cfg-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'lab.yaml');
  fs.writeFileSync(file, FILE);

  const dry = await slipctl(['-i', instance, '--ctl-dir', ctlDir, 'apply', '-f', file, '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /^\+ port 0: net_null0 \(mtu 9000\)\n/);
  t.regex(dry.stdout, /\n14 changes: 10 to add, 4 to change, 0 to remove\n$/);
  t.deepEqual(fake.config.changes, []);

  const run = await slipctl(['-i', instance, '--ctl-dir', ctlDir, 'apply', '-f', file]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /\napplied 14 changes: 10 added, 4 changed, 0 removed\n$/);

  const shown = await slipctl(['-i', instance, '--ctl-dir', ctlDir, 'show', 'config']);
  t.is(shown.code, 0, shown.stderr);
  fs.writeFileSync(path.join(dir, 'shown.yaml'), shown.stdout);
  const again = await slipctl([
    '-i',
    instance,
    '--ctl-dir',
    ctlDir,
    '--json',
    'apply',
    '-f',
    path.join(dir, 'shown.yaml'),
  ]);
  t.is(again.code, 0, again.stderr);
  t.like(JSON.parse(again.stdout), { dryRun: false, total: 0, changes: [], applied: 0 });

  const json = await slipctl(['-i', instance, '--ctl-dir', ctlDir, 'show', 'config', '--format', 'json']);
  t.like(JSON.parse(json.stdout), { kernelSync: true, xconnects: [{ inPort: 0, outPort: 1 }] });

  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'ports: [{devargs: net_null0, mtu: 10000}]\n');
  const bad = await slipctl(['-i', 'no-such-instance', '--ctl-dir', ctlDir, 'apply', '-f', path.join(dir, 'bad.yaml')]);
  t.is(bad.code, 2, 'a file with errors is a usage error, found before connecting');
  t.is(bad.stderr, `slipctl: ${path.join(dir, 'bad.yaml')}: ports[0].mtu: must be ≤ 9600 (BAD_ARGUMENT)\n`);
});

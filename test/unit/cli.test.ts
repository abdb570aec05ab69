/**
 * slipctl's operator habits, against the fake dataplane: --version; the
 * global options in every command's help; argument errors exit 2 before
 * connecting (the dataplane sees nothing, no slot is taken); distinct exit
 * codes for not running (3), busy (4) and failed (1); `start` carries every
 * slipwayd option; `batch` takes route, neigh, rule and xconnect lines;
 * 64-bit counters exact in JSON, one JSON shape for `stats` with or
 * without --watch; the --watch summary fits 120 columns with drop and punt
 * rates; bash completion.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { connect } from '../../ts-api/src/client/slipway';
import { buildArgv } from '../../ts-api/src/launch';
import { buildProgram } from '../../ts-api/src/cli/program';
import { bashCompletion } from '../../ts-api/src/cli/commands/completion';
import { SUMMARY_COLUMNS, portDrops, si, statsRates, statsSummary } from '../../ts-api/src/cli/stats-view';
import type { Stats } from '../../ts-api/src/codec/stats';
import { L3_COUNTERS, Op, Role } from '../../ts-api/src/wire/abi';
import { decodeRoutePayload } from '../../ts-api/src/codec/routes';
import { decodeRulePayload } from '../../ts-api/src/codec/rules';
import * as codec from './helpers/codec';
import { FakeDataplane, type FakeOptions, tmpCtl } from './helpers/fake-dataplane';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'ts-api', 'src', 'cli', 'main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs slipctl from source; SIGINT (the end of --watch) once `stopWhen` says its output is enough. */
function slipctl(args: string[], opts: { stdin?: string; stopWhen?: (stdout: string) => boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!stopped && opts.stopWhen?.(stdout)) {
        stopped = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(opts.stdin ?? '');
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

type Teardown = { teardown: (fn: () => void | Promise<void>) => void };

function fakeFor(t: Teardown, tag: string, opts: Omit<FakeOptions, 'file'> = {}) {
  const c = tmpCtl(tag);
  const fake = new FakeDataplane({ file: c.file, ...opts }).start();
  t.teardown(() => fake.destroy());
  return { fake, at: ['-i', c.instance, '--ctl-dir', c.dir], c };
}

function commands(cmd: Command, out: Command[] = []): Command[] {
  out.push(cmd);
  for (const c of cmd.commands) commands(c, out);
  return out;
}

test('--version prints the package version and the control ABI', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await slipctl(['--version']);
  t.is(r.code, 0);
  t.is(r.stdout, `slipctl ${pkg.version} (control ABI 3)\n`);
});

test("slipctl logs through winston, the library's default logger: --log-level and --log-json reach it, warn by default", async (t) => {
  const missing = tmpCtl('log');
  const at = ['-i', missing.instance, '--ctl-dir', missing.dir];
  const [quiet, debug] = await Promise.all([
    slipctl([...at, 'status']),
    slipctl([...at, '--log-level', 'debug', '--log-json', 'status']),
  ]);
  t.is(quiet.code, 3);
  t.deepEqual(quiet.stderr.trim().split('\n'), [
    `slipctl: instance ${missing.instance}: no control file ${missing.dir}/${missing.instance}.ctl (is slipwayd running?) (NOT_RUNNING)`,
  ]);
  t.is(debug.code, 3);
  const lines = debug.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(lines.length >= 1, debug.stderr);
  // winston's json format: level, message and timestamp beside the context the library passes
  t.like(lines.at(-1), { level: 'debug', message: 'command failed', instance: missing.instance, code: 'NOT_RUNNING' });
  t.regex(String(lines.at(-1)!.timestamp), /^\d{4}-\d\d-\d\dT/);
});

test('every command shows the global options in its help', (t) => {
  const program = buildProgram();
  const all = commands(program);
  t.true(all.length > 40, `${all.length} commands`);
  for (const cmd of all) {
    const help = cmd.helpInformation();
    for (const flag of ['--instance <name>', '--json', '--ctl-dir <dir>', '--log-level <level>']) {
      t.true(help.includes(flag), `\`${cmd.name()} --help\` shows ${flag}`);
    }
  }
});

test('exit codes: usage 2, not running 3, busy 4, failed 1', async (t) => {
  const help = await slipctl(['--help']);
  t.regex(
    help.stdout,
    /Exit status:\n {2}0 {2}done\n {2}1 {2}failed.*\n {2}2 {2}usage.*\n {2}3 {2}not running.*\n {2}4 {2}busy/,
  );

  const missing = tmpCtl('gone');
  const notRunning = await slipctl(['-i', missing.instance, '--ctl-dir', missing.dir, 'status']);
  t.is(notRunning.code, 3, notRunning.stderr);
  t.regex(notRunning.stderr, /\(NOT_RUNNING\)\n$/);

  const { fake, at, c } = fakeFor(t, 'busy', { nSlots: 1 });
  const holder = await connect(c.instance, { ctlDir: c.dir });
  t.teardown(() => holder.close());
  const busy = await slipctl([...at, 'port', 'list']);
  t.is(busy.code, 4, busy.stderr);
  t.regex(busy.stderr, /all 1 client slots are in use.*\(BUSY\)/);
  await holder.close();

  const failed = await slipctl([...at, 'port', 'get', '5']);
  t.is(failed.code, 1, failed.stderr);
  t.regex(failed.stderr, /\(NO_PORT\)\n$/);
  t.true(
    fake.seen.some((m) => m.type === Op.PORT_GET),
    'the request reached the dataplane',
  );
});

test('argument errors exit 2 before connecting: the dataplane sees nothing and no slot is taken', async (t) => {
  const { fake, at } = fakeFor(t, 'usage');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipctl-usage-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'bad-batch'), 'route add 10.2.0.0/24 via 1\nneigh add 1 10.2.0.2 02:00:00:00:00\n');
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'ports: [{devargs: net_null0, mtu: 10000}]\n');
  const cases: Array<[string[], RegExp]> = [
    [['route', 'add', '10.2.0/24', 'via', '1'], /bad route prefix "10\.2\.0\/24"/],
    [['route', 'add', '10.2.0.0/24', 'via', '1:fe80::1'], /gateway/],
    [['route', 'del', '10.2.0.0/33'], /10\.2\.0\.0\/33/],
    [['route', 'get', '10.2.0.1', '--proto', 'nope'], /proto/],
    [['neigh', 'add', '1', '10.2.0.2', '02:00:00:00:00'], /MAC/i],
    [['rule', 'add', '7', '--priority', '1', '--action', 'explode'], /action "explode"/],
    [
      ['rule', 'add', '7', '--priority', '1', '--action', 'drop', '--src', '10.0.0.0/8', '--dst', 'fd00::/8'],
      /IPv6, but the rule is IPv4/,
    ],
    [['port', 'get', '99'], /bad port 99/],
    [['port', 'set', '0', '--mac', 'zz'], /mac/i],
    [['port', 'set', '0'], /give at least one/],
    [['xconnect', 'add', '0', '99'], /99/],
    [['xconnect', 'add', '0'], /pairs/],
    [['policer', 'set', '--rate', '-1'], /-1/],
    [['stats', '--watch', '0'], /positive number of seconds/],
    [['stats', '--bogus'], /unknown option '--bogus'/],
    [['batch', path.join(dir, 'bad-batch')], /bad-batch:2: "neigh add 1 10\.2\.0\.2 02:00:00:00:00"/],
    [['batch', path.join(dir, 'missing')], /cannot read .*missing/],
    [['apply', '-f', path.join(dir, 'bad.yaml')], /ports\[0\]\.mtu: must be ≤ 9600/],
    [['start', '--max-routes', '5'], /5 is not in 1024\.\.16777216/],
    [['start', '--poll-mode', 'fast'], /Allowed choices are sleep, busy, interrupt/],
    [['start', '--no-huge', '--dpdk-tools', '--binary', '/bin/false'], /dpdkTools needs hugepages/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  const runs = await Promise.all(cases.map(([args]) => slipctl([...at, ...args])));
  runs.forEach((r, i) => {
    const [args, re] = cases[i]!;
    t.is(r.code, 2, `slipctl ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    t.regex(r.stderr, re, `slipctl ${args.join(' ')}`);
  });
  t.deepEqual(fake.seen, [], 'no request reached the dataplane');
  t.deepEqual(fake.active(), [], 'no client slot was claimed');
  t.is(fake.slots.filter((s) => fake.slot32(s.index, 'gen') !== 0).length, 0, 'no slot was ever claimed');
});

test("start has every slipwayd option, under slipwayd's own names", (t) => {
  const help = spawnSync(path.join(ROOT, 'build', 'dataplane', 'slipwayd'), ['--help'], { encoding: 'utf8' });
  const start = buildProgram().commands.find((c) => c.name() === 'start')!;
  const have = new Set([...start.options, ...buildProgram().options].map((o) => o.long));
  const daemon = help.error
    ? // no slipwayd built here: the options launch() passes are the list
      buildArgv({
        instance: 'x',
        ports: ['net_null0'],
        vifPrefix: 'v',
        vifNetns: 'n',
        mbufs: 1,
        maxRoutes: 1024,
        maxRules: 1024,
        kernelSync: true,
        idleUs: 1,
        pollMode: 'busy',
        idleSleepUs: 1,
        dataplaneSpinUs: 1,
        ctlDir: '/x',
        jsonSocket: '/s',
        dpdkTools: true,
      }).filter((a, i, all) => a.startsWith('--') && i < all.indexOf('--'))
    : [...(help.stdout + help.stderr).matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
  t.true(daemon.length >= 14, `slipwayd options: ${daemon.join(' ')}`);
  const aliases: Record<string, string> = { '--instance': '--instance', '--port': '--port' };
  for (const opt of daemon) t.true(have.has(aliases[opt] ?? opt), `slipctl start ${opt}`);
});

test('start passes every option to slipwayd (the fake records its argv)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipctl-start-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const argvFile = path.join(dir, 'argv');
  const bin = path.join(dir, 'slipwayd');
  const tsx = require.resolve('tsx/cjs', { paths: [ROOT] });
  fs.writeFileSync(
    bin,
    `#!/bin/sh\necho "$@" > ${argvFile}\nexec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, 'helpers/fake-slipwayd.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  const c = tmpCtl('start');
  const r = await slipctl([
    ...['-i', c.instance, '--ctl-dir', c.dir, '--json', 'start', '--binary', bin, '--log-file', path.join(dir, 'log')],
    ...['--port', 'net_null0', '--max-routes', '2048', '--max-rules', '4096', '--kernel-sync', '--spin-us', '7'],
    ...['--idle-us', '9', '--poll-mode', 'busy', '--idle-sleep-us', '11', '--mbufs', '4095', '--vif-prefix', 'nc'],
    ...['--vif-netns', 'rtr-1', '--json-socket', path.join(dir, 'sock'), '--no-huge'],
    // the fake compiles itself with tsx at start: slow on a loaded machine
    ...['--ready-timeout', '120000'],
  ]);
  t.teardown(async () => {
    await slipctl(['-i', c.instance, '--ctl-dir', c.dir, 'stop']);
  });
  t.is(r.code, 0, `slipctl start: ${r.stderr}`);
  const argv = fs.readFileSync(argvFile, 'utf8').trim();
  for (const part of [
    '--max-routes 2048',
    '--max-rules 4096',
    '--kernel-sync',
    '--spin-us 7',
    '--idle-us 9',
    '--poll-mode busy',
    '--idle-sleep-us 11',
    '--mbufs 4095',
    '--vif-prefix nc',
    '--vif-netns rtr-1',
    `--json-socket ${path.join(dir, 'sock')}`,
    `--ctl-dir ${c.dir}`,
    '--no-huge',
  ]) {
    t.true(argv.includes(part), `${part} in: ${argv}`);
  }
  t.like(JSON.parse(r.stdout), { instance: c.instance, ports: [{ name: 'net_null0' }] });
});

test('batch takes xconnect, route, neigh and rule lines: one batch, in order, each its own status', async (t) => {
  const { fake, at } = fakeFor(t, 'batch');
  fake.ports.push(...[0, 1].map((i) => ({ ...portInfo(i) })));
  const text = [
    '# a change list',
    'xconnect add 0 1',
    'route add 10.2.0.0/24 via 1:10.2.0.254 via 0:10.1.0.254',
    'route add 10.9.9.9 local',
    'route add fd02::/64 drop   # blackhole',
    'neigh add 1 10.2.0.254 02:00:00:00:00:aa',
    'rule add 7 --priority 100 --in-port 0 --proto tcp --dst 10.2.0.0/24 --dport 22 --action punt',
    'rule add 8 --priority=50 --src-mac 02:00:00:00:00:09 --action mirror',
    'rule del 8',
    'neigh del 1 10.2.0.254',
    'route del 10.9.9.9/32',
    'xconnect del 0',
    'route del 10.77.0.0/16',
    '',
  ].join('\n');
  const r = await slipctl([...at, '--json', 'batch', '-'], { stdin: text });
  t.is(r.code, 1, `one line fails (a route that is not there): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { total: number; ok: number; failed: number; failures: unknown[] };
  t.like(out, { total: 12, ok: 11, failed: 1 });
  t.like(out.failures[0], { line: 13, text: 'route del 10.77.0.0/16', code: 'NOT_FOUND' });
  t.deepEqual(
    fake.seen.map((m) => m.type),
    [
      Op.XC_ADD,
      Op.ROUTE_ADD,
      Op.ROUTE_ADD,
      Op.ROUTE_ADD,
      Op.NEIGH_ADD,
      Op.RULE_ADD,
      Op.RULE_ADD,
      Op.RULE_DEL,
      Op.NEIGH_DEL,
      Op.ROUTE_DEL,
      Op.XC_DEL,
      Op.ROUTE_DEL,
    ],
  );
  const rule = decodeRulePayload(fake.seen[5]!.payload);
  t.deepEqual(rule, {
    id: 7,
    priority: 100,
    match: { inPort: 0, proto: 6, dst: '10.2.0.0/24', dport: 22, family: 4 },
    action: { type: 'punt' },
  });
  t.like(decodeRoutePayload(fake.seen[1]!.payload), {
    prefix: '10.2.0.0/24',
    via: [
      { port: 1, gw: '10.2.0.254' },
      { port: 0, gw: '10.1.0.254' },
    ],
  });
  t.like(decodeRoutePayload(fake.seen[3]!.payload), { prefix: 'fd02::/64', type: 'drop' });
  t.is(fake.routes.size, 2, 'the routes the batch left: 10.2.0.0/24 and fd02::/64');
});

test('JSON: 64-bit counters are exact decimal strings; stats and stats --watch print one shape', async (t) => {
  const { fake, at } = fakeFor(t, 'json');
  fake.ports.push(portInfo(0));
  new DataView(fake.buf).setUint32(fake.statsOff + 32, 0b1, true); // port 0 exists
  fake.setLcore(0, 0, Role.MAIN, 1n, 2n);
  const big = 2n ** 63n + 12345n; // beyond 2^53: a double would round it
  fake.setCounter(0, 0, 'rx_packets', big);
  const one = await slipctl([...at, '--json', 'stats']);
  t.is(one.code, 0, one.stderr);
  const s = JSON.parse(one.stdout) as Record<string, unknown> & { ports: Array<Record<string, unknown>> };
  t.is(s.ports[0]!.rxPackets, big.toString(), 'the counter, exact, as a string');
  t.is(typeof (s.ports[0]!.l3 as Record<string, unknown>).routedPackets, 'string');
  t.like(s, { intervalS: null, rates: null });

  let n = 0;
  const timer = setInterval(() => fake.setCounter(0, 0, 'tx_packets', BigInt(++n) * 1000n), 20);
  t.teardown(() => clearInterval(timer));
  const watch = await slipctl([...at, '--json', 'stats', '--watch', '0.2'], {
    stopWhen: (out) => out.split('\n').length > 3,
  });
  clearInterval(timer);
  t.is(watch.code, 0, watch.stderr);
  const lines = watch.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(lines.length >= 2, `${lines.length} samples`);
  for (const l of lines) t.deepEqual(Object.keys(l).sort(), Object.keys(s).sort(), 'the same keys as stats --json');
  const rates = lines[1]!.rates as { ports: Array<{ port: number; txPps: number; dropPps: number }> };
  t.is(lines[1]!.intervalS, 0.2);
  t.is(rates.ports[0]!.port, 0);
  t.true(rates.ports[0]!.txPps > 0, `tx rate ${rates.ports[0]!.txPps}`);
  t.is(rates.ports[0]!.dropPps, 0);
});

test('JSON: one shape per command, whatever the options: xconnect add an array however many pairs and whatever failed, route add the route as route list shows it', async (t) => {
  const { fake, at } = fakeFor(t, 'shape');
  fake.ports.push(...[0, 1].map((i) => ({ ...portInfo(i) })));
  const [one, two] = await Promise.all([
    slipctl([...at, '--json', 'xconnect', 'add', '0', '1']),
    slipctl([...at, '--json', 'route', 'add', '10.2.0.0/24', 'via', '1:10.2.0.254', 'via', '0']),
  ]);
  t.is(one.code, 0, one.stderr);
  t.deepEqual(JSON.parse(one.stdout), [{ inPort: 0, outPort: 1, ok: true }]);
  // two pairs, the second refused (port 0 is taken): still the array, one item per pair
  const pairs = await slipctl([...at, '--json', 'xconnect', 'add', '1', '0', '0', '1']);
  t.is(pairs.code, 1, pairs.stderr);
  const items = JSON.parse(pairs.stdout) as Array<Record<string, unknown>>;
  t.is(items.length, 2);
  t.deepEqual(items[0], { inPort: 1, outPort: 0, ok: true });
  t.like(items[1], { inPort: 0, outPort: 1, ok: false, code: 'EXISTS' });

  t.is(two.code, 0, two.stderr);
  const list = await slipctl([...at, '--json', 'route', 'list']);
  t.is(list.code, 0, list.stderr);
  const listed = (JSON.parse(list.stdout) as Array<{ prefix: string }>).find((r) => r.prefix === '10.2.0.0/24');
  t.truthy(listed, list.stdout);
  t.deepEqual(JSON.parse(two.stdout), listed, 'route add prints what route list shows');
});

test('the watch summary fits 120 columns with 16 ports at the largest counters, and shows drop and punt rates', (t) => {
  const max = 2n ** 64n - 1n;
  const mk = (v: bigint): Stats => ({
    updatedNs: 0n,
    mbufTotal: 2 ** 31,
    mbufFree: 2 ** 31,
    tables: { memBytes: max, routes4: 2 ** 24, routes6: 2 ** 20, neighbours: 2 ** 20, nhGroups: 65535 },
    lcores: Array.from({ length: 8 }, (_, i) => ({
      lcoreId: i * 100,
      role: i === 0 ? ('main' as const) : ('worker' as const),
      busyPolls: v,
      idlePolls: v,
      busyNs: v,
      idleNs: v,
      sleepNs: v,
      sleeps: v,
      intrWakes: v,
    })),
    ports: Array.from({ length: 16 }, (_, port) => {
      const counters = Object.fromEntries(
        [
          'rxPackets',
          'rxBytes',
          'txPackets',
          'txBytes',
          'txDrops',
          'xcPackets',
          'puntPackets',
          'puntDrops',
          'vifTxPackets',
          'vifTxDrops',
          'vifRxPackets',
          'injectPackets',
          'injectDrops',
          'noRoute',
          'vifGroMerged',
          'vifGsoSegments',
        ].map((k) => [k, v]),
      );
      const l3 = Object.fromEntries(
        L3_COUNTERS.map((k) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v / 64n]),
      );
      const dev = {
        ipackets: v,
        opackets: v,
        ibytes: v,
        obytes: v,
        imissed: v / 64n,
        ierrors: 0n,
        oerrors: 0n,
        rxNombuf: 0n,
      };
      return { port, ...counters, l3, dev } as unknown as Stats['ports'][number];
    }),
  });
  const prev = mk(0n);
  const cur = mk(max);
  const rates = statsRates(prev, cur, 0.001); // the fastest counters a 1 ms interval could show
  const instance = 'x'.repeat(31);
  for (const text of [
    statsSummary(cur, { instance, time: new Date().toISOString(), intervalS: 0.001, rates }),
    statsSummary(cur, { instance, time: new Date().toISOString() }),
  ]) {
    for (const line of text.split('\n')) t.true(line.length <= SUMMARY_COLUMNS, `${line.length} columns: ${line}`);
  }
  const watch = statsSummary(cur, { instance, time: 'now', intervalS: 1, rates: statsRates(mk(0n), mk(1000n), 1) });
  const header = watch.split('\n')[2]!;
  t.regex(header, /PUNT\/S +DROP\/S/);
  t.true(portDrops(mk(1000n).ports[0]!) > 0n);
  const row = watch.split('\n')[3]!.trim().split(/\s+/);
  const col = (name: string) => header.trim().split(/\s+/).indexOf(name);
  t.is(row[col('PUNT/S')], '1.00k');
  t.is(row[col('DROP/S')], si(portDrops(mk(1000n).ports[0]!)));
});

test('stats --watch on a terminal-less run: the summary per interval, rates of drops and punts included', async (t) => {
  const { fake, at } = fakeFor(t, 'watch');
  fake.ports.push(portInfo(0));
  new DataView(fake.buf).setUint32(fake.statsOff + 32, 0b1, true);
  fake.setLcore(0, 0, Role.MAIN, 1n, 2n);
  let n = 0n;
  const timer = setInterval(() => {
    n += 100n;
    fake.setCounter(0, 0, 'punt_packets', n);
    fake.setCounter(0, 0, 'punt_drops', n / 10n);
  }, 10);
  t.teardown(() => clearInterval(timer));
  const r = await slipctl([...at, 'stats', '--watch', '0.3'], {
    stopWhen: (out) => (out.match(/PUNT\/S/g) ?? []).length >= 3,
  });
  t.is(r.code, 0, r.stderr);
  for (const line of r.stdout.split('\n')) t.true(line.length <= 120, line);
  const frames = r.stdout.split(/\n(?=\S+ \d{4}-)/).filter((f) => /PUNT\/S/.test(f));
  t.true(frames.length >= 2, r.stdout);
  t.regex(frames[1]!, /PORT +RX-PPS +RX-BPS +TX-PPS +TX-BPS +ROUTED\/S +XC\/S +PUNT\/S +DROP\/S/);
  const row = frames[1]!.split('\n').find((l) => /^0 /.test(l))!;
  const [, , , , , , , punt, drop] = row.trim().split(/\s+/);
  t.true(Number.parseFloat(punt!) > 0 && Number.parseFloat(drop!) > 0, row);
});

test('stats --detail shows every counter, exact', async (t) => {
  const { fake, at } = fakeFor(t, 'detail');
  fake.ports.push(portInfo(0));
  new DataView(fake.buf).setUint32(fake.statsOff + 32, 0b1, true);
  fake.setLcore(0, 0, Role.MAIN, 1n, 2n);
  fake.setCounter(0, 0, 'vif_gro_merged', 0n);
  fake.setCounter(0, 0, 'inject_drops', 123456789012345n);
  const r = await slipctl([...at, 'stats', '--detail']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /INJ-DROP/);
  t.regex(r.stdout, /123456789012345/);
  for (const k of ['DROP-MARTIAN-SRC', 'POLICE-ARP', 'PUNT-NO-NEIGH', 'RULE-DROPS']) t.regex(r.stdout, new RegExp(k));
});

test('bash completion: commands, subcommands, options, choices and instance names', (t) => {
  t.falsy(spawnSync('bash', ['--version']).error, 'bash is installed');
  const script = bashCompletion(buildProgram());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipctl-comp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'lab.ctl'), '');
  fs.writeFileSync(path.join(dir, 'edge-1.ctl'), '');
  const complete = (words: string[]): string[] => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _slipctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    t.is(r.stderr, '', words.join(' '));
    return r.stdout.split('\n').filter((x) => x !== '');
  };
  t.deepEqual(complete(['slipctl', 'ro']), ['route']);
  t.deepEqual(complete(['slipctl', 'route', '']), ['add', 'del', 'remove', 'list', 'get']);
  t.deepEqual(complete(['slipctl', '-i', 'lab', 'route', 'g']), ['get'], 'the value of -i is not a command');
  t.true(complete(['slipctl', 'rule', 'add', '--']).includes('--priority'));
  t.true(complete(['slipctl', 'rule', 'add', '--']).includes('--instance'), 'global options too');
  t.deepEqual(complete(['slipctl', 'start', '--poll-mode', '']), ['sleep', 'busy', 'interrupt']);
  t.deepEqual(complete(['slipctl', 'show', 'config', '--format', 'y']), ['yaml']);
  t.deepEqual(complete(['slipctl', '--ctl-dir', dir, '--instance', '']).sort(), ['edge-1', 'lab']);
  t.true(complete(['slipctl', 'start', '--']).includes('--max-rules'));
  t.true(complete(['slipctl', '']).includes('completion'));
});

function portInfo(i: number): codec.PortInfo {
  return {
    port: i,
    ethPort: i,
    started: true,
    linkUp: true,
    linkSpeed: 10000,
    mtu: 1500,
    mac: `02:00:00:00:00:0${i}`,
    promisc: false,
    fullDuplex: true,
    workerLcore: 1,
    nRxq: 1,
    nTxq: 1,
    minMtu: 68,
    maxMtu: 9600,
    name: `net_null${i}`,
    driver: 'net_null',
    vif: `vEth${i}`,
  };
}

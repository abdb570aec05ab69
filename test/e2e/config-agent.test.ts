/**
 * The configuration and the agent against real slipwayd instances (virtual
 * ports only: a net_pcap generator and net_null, no namespaces):
 * - `slipctl start --config` starts and applies; `show config` -> `apply`
 *   changes nothing; a changed file changes exactly what changed;
 * - `slipctl agent` as a process: the file applied, /metrics with a counter
 *   that moves (the generator's packets), SIGKILL of slipwayd -> launched
 *   again with the configuration back, SIGHUP after an edit -> the change
 *   in the dataplane, SIGTERM -> the dataplane it launched stopped.
 * Every process and file is removed even on failure.
 */
import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { benchVdevs } from '../../examples/bench/l3fwd';
import { PCAP_PORT0_MAC, writeUdpPcap } from '../../examples/bench/pcap';
import { connect, ctlPath, type Slipway } from '../../ts-api/src/index';
import { showConfig } from '../../ts-api/src/config/index';
import { logger, pidAlive } from './harness';
import { hugepagesTotal, sleep, waitFor } from './netns';
import { slipctlArgv } from '../cli-entry';

const dir = mkdtempSync(path.join(tmpdir(), 'slipway-config-e2e-'));
const noHuge = hugepagesTotal() === 0;
/** processes to end whatever happens: agents, and every slipwayd seen */
const pids = new Set<number>();
const children = new Set<ChildProcess>();
const instances = new Set<string>();

test.after.always(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await sleep(200);
  for (const i of instances) rmSync(ctlPath(i), { force: true });
  rmSync(dir, { recursive: true, force: true });
});

function slipctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...slipctlArgv(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function dataplaneSection(prefix: string): string {
  return `dataplane: {workers: "1", vifPrefix: ${prefix}, hugepages: ${!noHuge}, mbufs: 8192}\n`;
}

async function withClient<T>(instance: string, fn: (sw: Slipway) => Promise<T>): Promise<T> {
  const sw = await connect(instance, { logger });
  try {
    return await fn(sw);
  } finally {
    await sw.close();
  }
}

const BASE = `
ports:
  - {devargs: net_null0, mtu: 1500}
  - {devargs: net_null1, promisc: true, policer: {arp: {ratePps: 300, burst: 30}}}
xconnects: [{inPort: 0, outPort: 1}]
routes:
  - {prefix: 10.1.0.1/32, type: local}
  - {prefix: 10.2.0.0/24, via: [{port: 1}]}
  - {prefix: 10.9.0.0/16, via: [{port: 1, gw: 10.2.0.254}, {port: 1, gw: 10.2.0.253}]}
  - {prefix: "fd02::/64", via: [{port: 1, gw: "fe80::1"}]}
neighbours:
  - {port: 1, ip: 10.2.0.254, mac: "02:00:00:00:02:54"}
rules:
  - {id: 7, priority: 100, match: {inPort: 0, proto: tcp, dst: 10.2.0.0/24, dport: 22}, action: {type: punt}}
policer: {other: {ratePps: 5000, burst: 500}}
kernelSync: false
`;

test.serial('start --config, show config -> apply changes nothing, a changed file changes exactly that', async (t) => {
  const instance = `e2e-cfg-${process.pid}`;
  instances.add(instance);
  const file = path.join(dir, 'base.yaml');
  writeFileSync(file, dataplaneSection('swc') + BASE);
  const started = await slipctl(['-i', instance, 'start', '--config', file]);
  t.is(started.code, 0, started.stderr);
  t.regex(started.stdout, /applied \d+ changes/);
  try {
    const pid = await withClient(instance, async (sw) => sw.pid);
    pids.add(pid);

    const shown = await slipctl(['-i', instance, 'show', 'config']);
    t.is(shown.code, 0, shown.stderr);
    t.regex(shown.stdout, /neighbours' host routes: 1 route/);
    const shownFile = path.join(dir, 'shown.yaml');
    writeFileSync(shownFile, shown.stdout);
    const same = await slipctl(['-i', instance, '--json', 'apply', '-f', shownFile]);
    t.is(same.code, 0, same.stderr);
    t.like(JSON.parse(same.stdout), { total: 0, applied: 0 });
    // the original file too: it says the same in other words
    const orig = await slipctl(['-i', instance, 'apply', '-f', file, '--dry-run']);
    t.is(orig.stdout, 'no changes\n', orig.stderr);

    const changed = path.join(dir, 'changed.yaml');
    writeFileSync(
      changed,
      shown.stdout
        .replace('priority: 100', 'priority: 200')
        .replace('routes:\n', 'routes:\n  - prefix: 10.3.0.0/16\n    type: drop\n'),
    );
    const dry = await slipctl(['-i', instance, 'apply', '-f', changed, '--dry-run']);
    t.is(
      dry.stdout,
      '+ route 10.3.0.0/16: drop\n~ rule 7: priority 100, punt when {"inPort":0,"family":4,"dst":"10.2.0.0/24","proto":6,"dport":22} -> priority 200, punt when {"inPort":0,"family":4,"dst":"10.2.0.0/24","proto":6,"dport":22}\n2 changes: 1 to add, 1 to change, 0 to remove\n',
    );
    const run = await slipctl(['-i', instance, '--json', 'apply', '-f', changed]);
    t.is(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { changes: { action: string; item: string }[] };
    t.deepEqual(
      out.changes.map((c) => `${c.action} ${c.item}`),
      ['add route 10.3.0.0/16', 'change rule 7'],
    );
    await withClient(instance, async (sw) => {
      const after = await showConfig(sw);
      t.is(after.config.rules?.[0].priority, 200);
      t.true(after.config.routes?.some((r) => r.prefix === '10.3.0.0/16' && r.type === 'drop'));
      t.like(after.config.ports?.[1], { promisc: true, policer: { arp: { ratePps: 300, burst: 30 } } });
    });

    // what the dataplane refuses rolls back the whole file
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      shown.stdout
        .replace('routes:\n', 'routes:\n  - prefix: 10.4.0.0/16\n    type: drop\n')
        .replace(/mac: 02:00:00:00:02:54/, 'mac: 01:00:5e:00:00:01'),
    );
    const refused = await slipctl(['-i', instance, 'apply', '-f', bad]);
    if (refused.code === 0) {
      t.log('the dataplane took a multicast neighbour MAC; rollback is covered by the unit tests');
    } else {
      t.regex(refused.stderr, /apply failed at neighbour 10\.2\.0\.254 on port 1: .*rolled back/);
      const back = await slipctl(['-i', instance, 'apply', '-f', changed, '--dry-run']);
      t.is(back.stdout, 'no changes\n', 'nothing of the refused file stayed');
    }
  } finally {
    const stop = await slipctl(['-i', instance, 'stop']);
    t.is(stop.code, 0, stop.stderr);
  }
});

async function health(port: number): Promise<{ status: number; body: { up: boolean; pid: number | null } }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: r.status, body: (await r.json()) as { up: boolean; pid: number | null } };
  } catch {
    return { status: 0, body: { up: false, pid: null } };
  }
}

async function metric(port: number, re: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
}

test.serial(
  'agent: applies, serves metrics that move, brings a killed slipwayd back, re-applies on SIGHUP',
  async (t) => {
    const instance = `e2e-agent-${process.pid}`;
    instances.add(instance);
    const pcap = path.join(dir, 'udp.pcap');
    writeUdpPcap(pcap, { count: 64, dstMac: PCAP_PORT0_MAC, dsts: ['10.2.0.9'] });
    const [gen, sink] = benchVdevs(pcap);
    const config = (extra: string) =>
      dataplaneSection('swa') +
      `ports: [{devargs: "${gen}"}, {devargs: "${sink}"}]
routes: [{prefix: 10.2.0.0/24, via: [{port: 1, gw: 10.255.0.1}]}${extra}]
neighbours: [{port: 1, ip: 10.255.0.1, mac: "02:00:00:00:00:99"}]
policer: {other: {ratePps: 1000, burst: 100}}
`;
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, config(''));
    const metricsPort = 19469 + (process.pid % 1000);
    const agent = spawn(
      process.execPath,
      [
        ...slipctlArgv(),
        '-i',
        instance,
        'agent',
        '--config',
        file,
        '--metrics-listen',
        `127.0.0.1:${metricsPort}`,
        '--backoff-ms',
        '200',
        '--sample-ms',
        '500',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(agent);
    pids.add(agent.pid!);
    let logs = '';
    agent.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    agent.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const tail = () => `--- agent log ---\n${logs.split('\n').slice(-20).join('\n')}`;

    try {
      await waitFor('the agent to be up', async () => (await health(metricsPort)).status === 200, 60_000).catch(
        (e: Error) => {
          throw new Error(`${e.message}\n${tail()}`);
        },
      );
      const first = (await health(metricsPort)).body.pid!;
      pids.add(first);
      t.true(
        logs
          .split('\n')
          .filter(Boolean)
          .every((l) => l.startsWith('{')),
        'JSON logs only',
      );

      // a counter that moves: the generator's packets, routed to port 1
      const rx = /^slipway_port_rx_packets_total\{port="0"\} (\d+)$/m;
      const a = await metric(metricsPort, rx);
      await sleep(1000);
      const b = await metric(metricsPort, rx);
      t.true(b > a, `rx packets of port 0 moved (${a} -> ${b})`);
      t.true((await metric(metricsPort, /^slipway_port_routed_packets_total\{port="0"\} (\d+)$/m)) > 0);
      t.regex(
        await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        /^slipway_lcore_busy_percent\{lcore="\d+",role="worker"\} [\d.]+$/m,
      );

      // slipwayd killed: launched again, with the configuration
      process.kill(first, 'SIGKILL');
      await waitFor(
        'a new slipwayd',
        async () => {
          const h = await health(metricsPort);
          return h.status === 200 && h.body.pid !== first;
        },
        60_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${tail()}`);
      });
      const second = (await health(metricsPort)).body.pid!;
      pids.add(second);
      await withClient(instance, async (sw) => {
        const c = (await showConfig(sw)).config;
        t.deepEqual(c.routes, [{ prefix: '10.2.0.0/24', via: [{ port: 1, gw: '10.255.0.1' }] }]);
        t.deepEqual(c.neighbours, [{ port: 1, ip: '10.255.0.1', mac: '02:00:00:00:00:99' }]);
        t.like(c.policer, { other: { ratePps: 1000, burst: 100 } });
      });
      t.is(await metric(metricsPort, /^slipway_agent_dataplane_restarts_total (\d+)$/m), 1);

      // the file changed, SIGHUP: the change is in the dataplane
      writeFileSync(file, config(', {prefix: 10.8.0.0/16, type: drop}'));
      agent.kill('SIGHUP');
      await waitFor(
        'the route of the edited file',
        () => withClient(instance, async (sw) => (await sw.routes.list()).some((r) => r.prefix === '10.8.0.0/16')),
        20_000,
      );

      // SIGTERM: the agent stops the dataplane it launched
      agent.kill('SIGTERM');
      await waitFor('the agent to exit', () => agent.exitCode !== null, 30_000);
      t.is(agent.exitCode, 0, tail());
      await waitFor('slipwayd to exit', () => !pidAlive(second), 20_000);
      t.false(existsSync(ctlPath(instance)));
    } finally {
      if (agent.exitCode === null) agent.kill('SIGKILL');
    }
  },
);

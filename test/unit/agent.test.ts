/**
 * The agent against the fake dataplane (a fake slipwayd binary it
 * launches): the file applied at start, /metrics and /health, SIGHUP's
 * reload applying the difference, a killed dataplane launched again with
 * the configuration back; the metrics from the statistics area and rule
 * counters; readiness through systemd-notify.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from '../../ts-api/src/agent/agent';
import { listeningPort, parseListen, serveMetrics } from '../../ts-api/src/agent/http';
import { DataplaneMetrics } from '../../ts-api/src/agent/metrics';
import { sdNotify } from '../../ts-api/src/agent/notify';
import { connect } from '../../ts-api/src/client/slipway';
import { showConfig } from '../../ts-api/src/config/index';
import { createLogger } from '../../ts-api/src/logger';
import { StatsArea } from '../../ts-api/src/wire/abi';
import { FakeDataplane, tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });
const ROOT = path.resolve(__dirname, '..', '..');

function tmpDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-agent-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fakeBinary(dir: string): string {
  const bin = path.join(dir, 'slipwayd');
  const tsx = require.resolve('tsx/cjs', { paths: [ROOT] });
  fs.writeFileSync(
    bin,
    `#!/bin/sh\nexec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, 'helpers/fake-slipwayd.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

async function get(port: number, p: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: r.status, body: await r.text() };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const CONFIG = `
ports: [{devargs: net_null0}, {devargs: "net_null1,size=64"}]
xconnects: [{inPort: 0, outPort: 1}]
routes: [{prefix: 10.2.0.0/24, via: [{port: 1}]}]
rules: [{id: 5, priority: 10, action: {type: count}}]
`;

test('agent: launches and applies, serves metrics and health, reloads, brings a killed dataplane back', async (t) => {
  const dir = tmpDir(t);
  const c = tmpCtl('agent');
  const file = path.join(dir, 'lab.yaml');
  fs.writeFileSync(file, CONFIG);
  const agent = new Agent({
    instance: c.instance,
    configFile: file,
    logger,
    ctlDir: c.dir,
    binary: fakeBinary(dir),
    dataplaneLog: path.join(dir, 'slipwayd.log'),
    listen: { host: '127.0.0.1', port: 0 },
    backoffMs: 50,
    sampleMs: 100,
  });
  t.teardown(async () => {
    const pid = agent.dataplanePid;
    await agent.stop();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(c.file, { force: true });
  });
  await agent.start();
  const first = agent.dataplanePid;
  t.true(first > 0);
  const shown = await showConfig(agent.client!);
  t.deepEqual(shown.config.routes, [{ prefix: '10.2.0.0/24', via: [{ port: 1 }] }]);
  t.deepEqual(shown.config.xconnects, [{ inPort: 0, outPort: 1 }]);

  const port = agent.metricsPort;
  const health = await get(port, '/health');
  t.is(health.status, 200);
  t.like(JSON.parse(health.body), { up: true, pid: first, restarts: 0, lastApply: { changes: 3 } });
  const metrics = await get(port, '/metrics');
  t.is(metrics.status, 200);
  t.regex(metrics.body, /^slipway_up 1$/m);
  t.regex(metrics.body, /^slipway_rules 1$/m);
  t.regex(metrics.body, /^slipway_rule_packets_total\{rule="5"\} 0$/m);
  t.is((await get(port, '/nope')).status, 404);

  // SIGHUP: the file changed, the difference is applied
  fs.writeFileSync(
    file,
    CONFIG.replace('rules:', 'neighbours: [{port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:22"}]\nrules:'),
  );
  await agent.reload();
  t.deepEqual((await showConfig(agent.client!)).config.neighbours, [
    { port: 1, ip: '10.2.0.2', mac: '02:00:00:00:00:22' },
  ]);
  // an invalid file is refused; the running configuration stays
  fs.writeFileSync(file, 'ports: [{devargs: net_null0, mtu: 1}]\n');
  await agent.reload();
  t.true(agent.health().up);
  t.regex(String(agent.health().lastError), /ports\[0\]\.mtu: must be ≥ 68/);
  fs.writeFileSync(
    file,
    CONFIG.replace('rules:', 'neighbours: [{port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:22"}]\nrules:'),
  );

  // the dataplane dies: launched again, the configuration is back
  process.kill(first, 'SIGKILL');
  await until(
    'the agent to notice',
    async () => (await get(port, '/health')).status === 503 || agent.dataplanePid !== first,
  );
  await until('a new dataplane', () => agent.health().up && agent.dataplanePid !== first);
  const back = await showConfig(agent.client!);
  t.deepEqual(back.config.routes, [{ prefix: '10.2.0.0/24', via: [{ port: 1 }] }]);
  t.is(back.config.neighbours?.length, 1);
  t.is(back.config.rules?.[0].id, 5);
  t.like(agent.health(), { restarts: 1 });
  t.regex((await get(port, '/metrics')).body, /^slipway_agent_dataplane_restarts_total 1$/m);

  // SIGTERM: the dataplane it launched is stopped
  const second = agent.dataplanePid;
  await agent.stop();
  await until('the dataplane to exit', () => {
    try {
      process.kill(second, 0);
      return false;
    } catch {
      return true;
    }
  });
  t.false(fs.existsSync(c.file));
});

test('metrics: counters per port and class, rule counters, lcore busy percent over the interval', async (t) => {
  const c = tmpCtl('metrics');
  const fake = new FakeDataplane({ file: c.file }).start();
  t.teardown(() => fake.destroy());
  const sw = await connect(c.instance, { ctlDir: c.dir, logger });
  t.teardown(() => sw.close());
  await sw.ports.add('net_null0');
  await sw.rules.add({ id: 3, priority: 1, match: {}, action: { type: 'drop' } });
  fake.config.ruleCounters.set(3, { packets: 12n, bytes: 768n });
  new DataView(fake.buf).setUint32(fake.statsOff + StatsArea.port_mask, 1, true); // port 0 exists
  fake.setCounter(0, 0, 'rx_packets', 1000n);
  fake.setCounter(1, 0, 'rx_packets', 234n);
  fake.setLcore(0, 0, 1, 0n, 0n);
  fake.setLcore(1, 1, 2, 100n, 300n, { busy: 1000n, idle: 2000n, sleep: 5000n });

  const m = new DataplaneMetrics({ client: () => sw, restarts: () => 0 });
  await m.sample();
  // +300 µs busy, +60 µs idle polling, +40 µs asleep: 75 %
  fake.setLcore(1, 1, 2, 400n, 400n, { busy: 301_000n, idle: 62_000n, sleep: 45_000n, sleeps: 9n, intrWakes: 4n });
  await m.sample();
  const text = await m.registry.metrics();
  t.regex(text, /^slipway_port_rx_packets_total\{port="0"\} 1234$/m);
  t.regex(text, /^slipway_port_punt_total\{port="0",class="arp"\} 0$/m);
  t.regex(text, /^slipway_port_drop_total\{port="0",reason="malformed"\} 0$/m);
  t.regex(text, /^slipway_port_drop_total\{port="0",reason="rule"\} 0$/m);
  t.regex(text, /^slipway_port_policer_drops_total\{port="0",class="other"\} 0$/m);
  t.regex(text, /^slipway_port_routed_packets_total\{port="0"\} 0$/m);
  t.regex(text, /^slipway_rule_packets_total\{rule="3"\} 12$/m);
  t.regex(text, /^slipway_rule_bytes_total\{rule="3"\} 768$/m);
  t.regex(text, /^slipway_lcore_busy_percent\{lcore="1",role="worker"\} 75$/m);
  t.regex(text, /^slipway_lcore_polls_total\{lcore="1",role="worker",kind="busy"\} 400$/m);
  t.regex(text, /^slipway_lcore_seconds_total\{lcore="1",role="worker",kind="sleep"\} 0.000045$/m);
  t.regex(text, /^slipway_lcore_sleeps_total\{lcore="1",role="worker",ended_by="any"\} 9$/m);
  t.regex(text, /^slipway_lcore_sleeps_total\{lcore="1",role="worker",ended_by="interrupt"\} 4$/m);
  t.notRegex(text, /^slipway_lcore_sleeps_total\{lcore="0"/m);
  t.regex(text, /^# HELP slipway_port_punt_total Frames punted/m);

  // the dataplane gone: up 0 and nothing else from it; /health says 503
  const down = new DataplaneMetrics({ client: () => undefined, restarts: () => 2 });
  const dtext = await down.registry.metrics();
  t.regex(dtext, /^slipway_up 0$/m);
  t.notRegex(dtext, /^slipway_port_rx_packets_total\{/m);
  const server = await serveMetrics({ host: '127.0.0.1', port: 0 }, down.registry, () => ({ up: false }));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const h = await get(listeningPort(server), '/health');
  t.is(h.status, 503);
  t.deepEqual(JSON.parse(h.body), { up: false });
});

test('listen addresses: [HOST:]PORT', (t) => {
  t.deepEqual(parseListen(':9469'), { port: 9469 });
  t.deepEqual(parseListen('9469'), { port: 9469 });
  t.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  t.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
  t.throws(() => parseListen('localhost'), { message: /bad listen address "localhost"/ });
  t.throws(() => parseListen(':70000'));
});

test('readiness: systemd-notify sends READY=1 to NOTIFY_SOCKET (and nothing without it)', async (t) => {
  const dir = tmpDir(t);
  const sock = path.join(dir, 'notify');
  // a stand-in for systemd's notify socket: a Unix datagram socket that prints what it gets
  const py = spawn('python3', [
    '-c',
    `import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("listening", flush=True)
print(s.recv(4096).decode().replace("\\n", " "), flush=True)`,
    sock,
  ]);
  t.teardown(() => py.kill());
  let out = '';
  py.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until('the socket', () => out.includes('listening'), 5000);
  await sdNotify(['READY=1', 'STATUS=configuration applied'], logger, { ...process.env, NOTIFY_SOCKET: sock });
  await until('the message', () => out.split('\n').length > 2, 5000);
  t.regex(out, /READY=1/);
  t.regex(out, /STATUS=configuration applied/);
  await sdNotify(['READY=1'], logger, {}); // no socket: nothing to do, no error
});

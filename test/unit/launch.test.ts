/** launch(): argv construction, readiness, failures with the daemon's log, shutdown. */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildArgv, defaultLogFile, launch } from '../../ts-api/src/launch';
import { SlipwayError } from '../../ts-api/src/errors';
import { createLogger } from '../../ts-api/src/logger';
import { tmpCtl } from './helpers/fake-dataplane';

const logger = createLogger({ silent: true });
const ROOT = path.resolve(__dirname, '..', '..');

function fakeBinary(t: { teardown: (fn: () => void) => void }): { bin: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-launch-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'slipwayd');
  const tsx = require.resolve('tsx/cjs', { paths: [ROOT] });
  fs.writeFileSync(
    bin,
    `#!/bin/sh\nexec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, 'helpers/fake-slipwayd.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  return { bin, dir };
}

test('argv: daemon options, then EAL options after --', (t) => {
  t.deepEqual(buildArgv({ instance: 'lab' }), ['--instance', 'lab', '--', '-l', '0,1', '--main-lcore', '0']);
  t.deepEqual(
    buildArgv({
      instance: 'lab',
      ports: ['net_null0', 'net_tap0,iface=x'],
      workers: '2-3',
      mainLcore: 1,
      vifPrefix: 'sw',
      vifNetns: 'rtr-1',
      noHuge: true,
      mbufs: 4096,
      idleUs: 100,
      pollMode: 'busy',
      idleSleepUs: 500,
      maxRules: 20000,
      ctlDir: '/tmp/x',
      eal: ['--log-level=8'],
    }),
    [
      '--instance',
      'lab',
      '--port',
      'net_null0',
      '--port',
      'net_tap0,iface=x',
      '--vif-prefix',
      'sw',
      '--vif-netns',
      'rtr-1',
      '--mbufs',
      '4096',
      '--idle-us',
      '100',
      '--poll-mode',
      'busy',
      '--idle-sleep-us',
      '500',
      '--max-rules',
      '20000',
      '--ctl-dir',
      '/tmp/x',
      '--',
      '-l',
      '1,2-3',
      '--main-lcore',
      '1',
      '--no-huge',
      '--log-level=8',
    ],
  );
  for (const bad of [
    { instance: 'a b' },
    { instance: 'x'.repeat(32) },
    { instance: 'ok', workers: '1;rm' },
    { instance: 'ok', mbufs: -1 },
    { instance: 'ok', mainLcore: 1.5 },
    { instance: 'ok', pollMode: 'spin' as 'busy' },
    { instance: 'ok', idleSleepUs: 0 },
    { instance: 'ok', idleSleepUs: 10_001 },
    { instance: 'ok', maxRules: 100 },
    { instance: 'ok', dpdkTools: 'yes' as unknown as boolean },
    { instance: 'ok', dpdkTools: true, noHuge: true },
    { instance: 'ok', vifNetns: '' },
    { instance: 'ok', vifNetns: '..' },
    { instance: 'ok', vifNetns: 'a b' },
    { instance: 'ok', vifNetns: 'rel/path' },
    { instance: 'ok', vifNetns: `/proc/${'x'.repeat(64)}` },
  ]) {
    const e = t.throws(() => buildArgv(bad), { instanceOf: SlipwayError });
    t.is(e?.code, 'BAD_ARGUMENT');
  }
  t.deepEqual(buildArgv({ instance: 'lab', vifNetns: '/proc/1/ns/net' }).slice(2, 4), [
    '--vif-netns',
    '/proc/1/ns/net',
  ]);
});

test('argv: dpdkTools adds --dpdk-tools (and needs hugepages)', (t) => {
  t.deepEqual(buildArgv({ instance: 'lab', dpdkTools: true }), [
    '--instance',
    'lab',
    '--dpdk-tools',
    '--',
    '-l',
    '0,1',
    '--main-lcore',
    '0',
  ]);
  t.false(buildArgv({ instance: 'lab', dpdkTools: false }).includes('--dpdk-tools'));
  const e = t.throws(() => buildArgv({ instance: 'lab', dpdkTools: true, noHuge: true }), { instanceOf: SlipwayError });
  t.regex(e?.message ?? '', /dpdkTools needs hugepages/);
});

test('launch spawns, waits for READY, connects, logs beside the control file; shutdown stops it and removes the file', async (t) => {
  const { bin } = fakeBinary(t);
  const c = tmpCtl('launch');
  const sw = await launch({
    instance: c.instance,
    binary: bin,
    ports: ['net_null0'],
    ctlDir: c.dir,
    logger,
    readyTimeoutMs: 15000,
  });
  t.teardown(() => sw.shutdown({ timeoutMs: 2000 }).catch(() => undefined));
  t.is(sw.path, c.file);
  t.like(await sw.hello(), { dpPid: sw.pid, nPorts: 1 });
  t.is((await sw.ports.get(0)).name, 'net_null0');
  const log = defaultLogFile(c.instance, c.dir);
  t.is(log, path.join(c.dir, `${c.instance}.log`), 'the log is in the control directory, not in /tmp');
  t.is(fs.statSync(log).mode & 0o777, 0o600);
  t.regex(fs.readFileSync(log, 'utf8'), /--instance \S+ --port net_null0 --ctl-dir \S+ -- -l 0,1 --main-lcore 0/);
  await sw.shutdown({ timeoutMs: 5000 });
  t.false(fs.existsSync(c.file));
});

test('launch refuses a control directory others can enter, naming its mode', async (t) => {
  const { bin } = fakeBinary(t);
  const c = tmpCtl('ldir');
  fs.chmodSync(c.dir, 0o755);
  const e = await t.throwsAsync(launch({ instance: c.instance, binary: bin, ctlDir: c.dir, logger }), {
    instanceOf: SlipwayError,
  });
  t.is(e?.code, 'LAUNCH_FAILED');
  t.regex(e?.message ?? '', /control directory \S+ has mode 0755, expected no group or other access/);
  t.false(fs.existsSync(defaultLogFile(c.instance, c.dir)), 'nothing was written there');
});

test('launch fails with LAUNCH_FAILED and the end of the log when the daemon exits early', async (t) => {
  const { dir } = fakeBinary(t);
  const c = tmpCtl('fail');
  const bin = path.join(dir, 'failing-slipwayd');
  fs.writeFileSync(bin, "#!/bin/sh\necho 'EAL: FATAL: cannot init memory (fake)' >&2\nexit 3\n", { mode: 0o755 });
  const e = await t.throwsAsync(
    launch({ instance: c.instance, binary: bin, ctlDir: c.dir, logFile: path.join(dir, 'log'), logger }),
    {
      instanceOf: SlipwayError,
    },
  );
  t.is(e?.code, 'LAUNCH_FAILED');
  t.regex(e?.message ?? '', /exited with code 3/);
  t.regex(e?.message ?? '', /EAL: FATAL: cannot init memory/);
  const missing = await t.throwsAsync(
    launch({ instance: c.instance, binary: path.join(dir, 'nope'), ctlDir: c.dir, logger }),
    {
      instanceOf: SlipwayError,
    },
  );
  t.is(missing?.code, 'LAUNCH_FAILED');
  t.regex(missing?.message ?? '', /nope/);
});

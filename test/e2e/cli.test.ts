/*
 * slipctl drives a background slipwayd from start to stop, and after
 * `slipctl stop` nothing is left behind or lost: no TAP interface, no control
 * file, no hugepage file, hugepages all free again, and the mempool's free
 * count had returned to its full size before exit.
 */
import test from 'ava';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ctlPath } from '../../ts-api/src/index';
import { defaultLogFile, e2eSuite, hugepageFiles, logTail, pidAlive, slipctl } from './harness';
import { hugepagesFree, hugepagesTotal, linkExists, ping, quietIpv6, run, waitFor } from './netns';

const s = e2eSuite(test, {
  name: 'cli',
  vifPrefix: 'vEth',
  noDaemon: true,
  addrsA: ['10.15.0.1/24'],
  addrsB: ['10.15.0.2/24'],
});
const I = () => ['--instance', s.instance];

let hugeFreeBefore = 0;
let hugeFilesBefore: string[] = [];

function expectOk(
  t: import('ava').ExecutionContext,
  what: string,
  r: { code: number; stdout: string; stderr: string },
): void {
  t.is(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\n${logTail(s.instance)}`);
}

test.serial('slipctl start launches slipwayd in the background and returns once ready', async (t) => {
  t.true(hugepagesTotal() > 0, 'no hugepages configured (HugePages_Total is 0): run `npm run setup`');
  hugeFreeBefore = hugepagesFree();
  hugeFilesBefore = hugepageFiles();
  rmSync(defaultLogFile(s.instance), { force: true });

  const r = await slipctl([
    ...I(),
    '--json',
    'start',
    '--port',
    s.topo.devargs[0],
    '--port',
    s.topo.devargs[1],
    '--vif-prefix',
    s.vifPrefix,
    '--workers',
    '1',
  ]);
  expectOk(t, 'slipctl start', r);
  const out = JSON.parse(r.stdout) as { pid: number; ports: Array<{ port: number; vif: string }> };
  s.pid = out.pid;
  t.true(pidAlive(out.pid), `slipwayd pid ${out.pid} is running after slipctl returned`);
  t.is(out.ports.length, 2, `two ports: ${r.stdout}`);
  t.true(existsSync(ctlPath(s.instance)), 'control file exists');
  t.true(hugepagesFree() < hugeFreeBefore, `slipwayd uses hugepages (free ${hugeFreeBefore} -> ${hugepagesFree()})`);
  for (const port of [0, 1]) {
    t.true(await linkExists(s.vif(port)), `${s.vif(port)} exists`);
    await quietIpv6(s.vif(port));
  }

  const text = await slipctl([...I(), 'status']);
  expectOk(t, 'slipctl status', text);
  t.regex(text.stdout, new RegExp(`slipwayd pid ${out.pid}`), text.stdout);
  t.regex(text.stdout, /net_af_packet0/, text.stdout);
});

test.serial('slipctl port, xconnect and stats commands', async (t) => {
  const list = await slipctl([...I(), '--json', 'port', 'list']);
  expectOk(t, 'port list', list);
  const ports = JSON.parse(list.stdout) as Array<{ port: number; vif: string; started: boolean }>;
  t.deepEqual(
    ports.map((p) => [p.port, p.vif, p.started]),
    [
      [0, s.vif(0), true],
      [1, s.vif(1), true],
    ],
  );

  expectOk(t, 'xconnect add 0 1', await slipctl([...I(), 'xconnect', 'add', '0', '1']));
  expectOk(t, 'xconnect add 1 0', await slipctl([...I(), 'xconnect', 'add', '1', '0']));
  const xl = await slipctl([...I(), '--json', 'xconnect', 'list']);
  expectOk(t, 'xconnect list', xl);
  t.deepEqual(
    (JSON.parse(xl.stdout) as Array<{ inPort: number; outPort: number }>).sort((a, b) => a.inPort - b.inPort),
    [
      { inPort: 0, outPort: 1 },
      { inPort: 1, outPort: 0 },
    ],
  );

  const r = await ping(s.topo.a.ns, '10.15.0.2', { count: 10, intervalS: 0.02, waitS: 2 });
  t.is(r.lossPct, 0, `ping through the fast path:\n${r.output}\n${logTail(s.instance)}`);

  const stats = await slipctl([...I(), 'stats', '--json']);
  expectOk(t, 'stats --json', stats);
  // 64-bit counters come as decimal strings (exact beyond 2^53)
  const st = JSON.parse(stats.stdout) as {
    ports: Array<{ port: number; rxPackets: string; xcPackets: string }>;
    mbufTotal: number;
  };
  t.regex(st.ports[0]!.xcPackets, /^\d+$/);
  t.true(BigInt(st.ports[0]!.xcPackets) >= 10n, `port 0 xc ${st.ports[0]!.xcPackets} >= 10`);
  t.true(st.mbufTotal > 0, 'mbufTotal reported');

  const table = await slipctl([...I(), 'stats']);
  expectOk(t, 'stats', table);
  t.regex(table.stdout, /RX-PKTS/, table.stdout);

  const bad = await slipctl([...I(), 'port', 'set', '7', '--mtu', '1500']);
  t.is(bad.code, 1, `port set on a missing port exits 1: ${bad.stderr}`);
  t.regex(bad.stderr, /\(NO_PORT\)/, bad.stderr);
  const usage = await slipctl([...I(), 'port', 'set', '0']);
  t.is(usage.code, 2, 'port set without a setting is a usage error');

  expectOk(t, 'xconnect del 0', await slipctl([...I(), 'xconnect', 'del', '0']));
  expectOk(t, 'xconnect del 1', await slipctl([...I(), 'xconnect', 'del', '1']));
});

test.serial('slipctl stop leaves nothing behind and the mempool was full at exit', async (t) => {
  const pid = s.pid;
  t.true(pid > 0 && pidAlive(pid), 'slipwayd is running before stop');
  const r = await slipctl([...I(), 'stop']);
  expectOk(t, 'slipctl stop', r);
  t.regex(r.stdout, new RegExp(`slipwayd pid ${pid} stopped`), r.stdout);

  await waitFor(`slipwayd pid ${pid} to exit`, () => !pidAlive(pid), 5000);
  for (const port of [0, 1]) {
    const show = await run('ip', ['link', 'show', 'dev', s.vif(port)], { allowFail: true });
    t.not(show.code, 0, `\`ip link show ${s.vif(port)}\` should fail after stop: ${show.stdout}`);
  }

  t.false(existsSync(ctlPath(s.instance)), `control file ${ctlPath(s.instance)} removed`);
  t.is(hugepagesFree(), hugeFreeBefore, 'HugePages_Free is back to its value before start');
  t.deepEqual(hugepageFiles(), hugeFilesBefore, 'no hugepage file left behind');

  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  const m = /slipwayd(?:\[(\d+)\])?: shutdown: mempool (\S+): (\d+)\/(\d+) mbufs free/.exec(log);
  t.truthy(m, `the log has the mempool shutdown line\n${logTail(s.instance)}`);
  if (m) {
    if (m[1] !== undefined) {
      t.is(Number(m[1]), pid, 'the line is from our slipwayd');
    }

    t.is(m[3], m[4], `mempool ${m[2]}: ${m[3]}/${m[4]} mbufs free at exit`);
  }

  t.notRegex(log, /leaked \d+ mbufs/, 'no mbufs leaked');
  s.pid = 0;
});

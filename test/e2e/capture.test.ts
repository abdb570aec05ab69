/*
 * slipctl capture and sw.taps.capture() against a real dataplane: what the
 * fast path did, seen where it did it.
 *
 *  - a ping cross-connected A -> port 0 -> port 1 -> B: the echo requests
 *    are captured at rx on port 0 and at tx on port 1, and the pcapng file
 *    slipctl writes (to a file, and to stdout into `tcpdump -r -`) is read
 *    by tcpdump; a filter that matches nothing captures nothing (while the
 *    counters show the packets went by);
 *  - malformed and hostile frames captured at the drop point, each with the
 *    reason the fast path counted;
 *  - a capture under load (a net_pcap replay generator cross-connected to
 *    a net_null port) whose reader is too slow: the rings lose records, the
 *    loss is counted exactly (taken = written + lost), and the fast path
 *    keeps forwarding every frame meanwhile.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readPcapng, type CapturedPacket } from '../../ts-api/src/index';
import { PCAP_PORT0_MAC, udpFrames, writePcap } from '../../examples/bench/pcap';
import { slipctlArgv } from '../cli-entry';
import {
  REPO,
  controller,
  defaultLogFile,
  e2eSuite,
  logTail,
  pidAlive,
  portStats,
  slipctl,
  stopDataplane,
} from './harness';
import { sendraw } from './l3';
import { ping, run, sleep, track, waitFor } from './netns';

const A = '10.13.0.1';
const B = '10.13.0.2';
const s = e2eSuite(test, { name: 'cap', vifPrefix: 'cpv', addrsA: [`${A}/24`], addrsB: [`${B}/24`] });
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-capture-'));
const ECHO = 'icmp[icmptype] = icmp-echo';

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** "ICMP echo request" lines of `tcpdump -nn -r file`. */
async function tcpdumpRead(file: string): Promise<string[]> {
  const r = await run('tcpdump', ['-nn', '-r', file], { allowFail: true });
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

test.serial.before(async () => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await ping(s.topo.a.ns, B, { count: 2, waitS: 2 }); // ARP both ways
});

test.serial('a cross-connected ping: echo requests at rx on port 0 and tx on port 1', async (t) => {
  const sw = await controller(s);
  const c = await sw.taps.capture({ points: ['rx', 'tx'], filter: ECHO });
  t.is(c.info.state, 'running');
  t.true(c.info.jit, 'the filter runs JIT-compiled');
  t.true(c.info.bpfInstructions > 0);
  const r = await ping(s.topo.a.ns, B, { count: 5, intervalS: 0.05, waitS: 2 });
  t.is(r.received, 5, r.output);
  await sleep(100);
  await c.stop();
  t.true(c.ended, 'stop() waits until no worker writes');
  const got: CapturedPacket[] = c.poll();
  const desc = got.map((p) => `${p.port}/${p.point}`).join(' ');
  t.is(got.filter((p) => p.port === 0 && p.point === 'rx').length, 5, desc);
  t.is(got.filter((p) => p.port === 1 && p.point === 'tx').length, 5, desc);
  t.is(got.length, 10, desc);
  for (const p of got) {
    t.is(p.data.length, p.origLen, 'a whole frame (snaplen 65535)');
    t.is(p.data[12] * 256 + p.data[13], 0x0800);
    t.is(p.data[14 + 20], 8, 'ICMP echo request');
    t.is(p.reason, null);
  }
  // rx and tx of the same frame: the same bytes (a cross-connect rewrites nothing)
  const rx = got.filter((p) => p.point === 'rx');
  const tx = got.filter((p) => p.point === 'tx');
  t.deepEqual(
    rx.map((p) => Buffer.from(p.data).toString('hex')),
    tx.map((p) => Buffer.from(p.data).toString('hex')),
  );
  const now = BigInt(Date.now()) * 1_000_000n;
  t.true(
    got.every((p) => p.timeNs > now - 10_000_000_000n && p.timeNs <= now),
    'wall-clock time stamps',
  );
  const st = c.stats();
  const rx0 = st.points.find((k) => k.port === 0 && k.point === 'rx');
  t.true(
    rx0 !== undefined && rx0.matched === 5n && rx0.lost === 0n && rx0.seen >= 5n,
    JSON.stringify(st, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
  t.deepEqual(await sw.taps.list(), [], 'the capture is gone from the dataplane');
});

test.serial('a filter that matches nothing captures nothing; the packets went by all the same', async (t) => {
  const sw = await controller(s);
  const c = await sw.taps.capture({ points: ['rx', 'tx'], filter: 'udp port 9' });
  const r = await ping(s.topo.a.ns, B, { count: 5, intervalS: 0.05, waitS: 2 });
  t.is(r.received, 5, r.output);
  await c.stop();
  t.deepEqual(c.poll(), []);
  const rx0 = c.stats().points.find((k) => k.port === 0 && k.point === 'rx');
  t.true(rx0 !== undefined && rx0.seen >= 5n && rx0.matched === 0n, `${rx0?.seen} seen, ${rx0?.matched} matched`);
});

test.serial('slipctl capture -w FILE: a pcapng tcpdump reads, an interface per port and point', async (t) => {
  const file = path.join(dir, 'xc.pcapng');
  const child = track(
    spawn(
      process.execPath,
      [...slipctlArgv(), '-i', s.instance, 'capture', '--point', 'rx,tx', '-c', '10', '-w', file, ECHO],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  await waitFor('the capture to be in force', () => /capture \d+ on/.test(stderr), 20_000);
  await ping(s.topo.a.ns, B, { count: 5, intervalS: 0.05, waitS: 2 });
  t.is(await done, 0, stderr);
  t.regex(stderr, /10 packets written, 0 lost/);
  const lines = await tcpdumpRead(file);
  t.is(lines.length, 10, lines.join('\n'));
  t.true(
    lines.every((l) => /IP 10\.13\.0\.1 > 10\.13\.0\.2: ICMP echo request/.test(l)),
    lines.join('\n'),
  );

  const f = readPcapng(readFileSync(file));
  const sw = await controller(s);
  const ports = await sw.ports.list();
  t.deepEqual(
    f.interfaces.map((i) => i.name),
    ports.flatMap((p) => [`${p.name}:rx`, `${p.name}:tx`]),
  );
  t.true(f.interfaces.every((i) => i.linkType === 1 && i.tsresol === 9 && i.filter === ECHO));
  const on = (port: number, point: string) => f.interfaces.findIndex((i) => i.name === `${ports[port]!.name}:${point}`);
  t.is(f.packets.filter((p) => p.interfaceId === on(0, 'rx')).length, 5);
  t.is(f.packets.filter((p) => p.interfaceId === on(1, 'tx')).length, 5);
  t.true(
    f.packets.every((p) => p.flags === (p.interfaceId === on(0, 'rx') ? 1 : 2)),
    'epb_flags: inbound at rx, outbound at tx',
  );
  const isb = f.stats.find((x) => x.interfaceId === on(0, 'rx'));
  t.is(isb?.filterAccept, 5n, 'the statistics block says what the filter took');
  t.is(isb?.osDrop, 0n);
});

test.serial('slipctl capture -w - | tcpdump -r -', async (t) => {
  const cli = [process.execPath, ...slipctlArgv()].join(' ');
  const pipeline = `${cli} -i ${s.instance} capture --port 0 -c 3 -w - '${ECHO}' | tcpdump -nn -r - 2>/dev/null`;
  const out = { stdout: '' };
  const child = track(
    spawn('bash', ['-o', 'pipefail', '-c', pipeline], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  const done = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const sw = await controller(s);
  await waitFor('the capture to be in force', async () => (await sw.taps.list()).length === 1, 20_000);
  await ping(s.topo.a.ns, B, { count: 3, intervalS: 0.05, waitS: 2 });
  t.is(await done, 0);
  const lines = out.stdout.split('\n').filter((l) => l.length > 0);
  t.is(lines.length, 3, out.stdout);
  t.true(
    lines.every((l) => /10\.13\.0\.1 > 10\.13\.0\.2: ICMP echo request/.test(l)),
    out.stdout,
  );
});

test.serial('bad filters and options are refused with the words of libpcap or the dataplane', async (t) => {
  const r = await slipctl(['-i', s.instance, 'capture', 'tcp', 'prot', '80']);
  t.is(r.code, 1);
  t.regex(r.stderr, /filter 'tcp prot 80': .*syntax error \(INVALID\)/);
  const p = await slipctl(['-i', s.instance, 'capture', '--port', '9', 'icmp']);
  t.not(p.code, 0);
  const sw = await controller(s);
  await t.throwsAsync(sw.taps.capture({ port: 7 }), { code: 'NO_PORT' });
  t.deepEqual(await sw.taps.list(), []);
});

const DROPS: [kind: string, reason: string][] = [
  ['runt', 'dropMalformed'],
  ['trunc4', 'dropMalformed'],
  ['badcksum4', 'dropBadCksum'],
  ['martsrc4_127', 'dropMartianSrc'],
  ['martdst4_e', 'dropMartianDst'],
  ['mcsrcmac4', 'dropSrcMac'],
  ['ext6_long', 'dropExtHdr'],
];

test.serial('the drop point: each malformed or hostile frame with the reason the fast path counted', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.remove(0);
  const mac0 = (await sw.ports.get(0)).mac;
  const c = await sw.taps.capture({ port: 0, points: ['drop'] });
  const before = await sw.stats();
  for (const [kind] of DROPS) await sendraw(s.topo.a.ns, s.topo.a.peerIf, mac0, kind, 2);
  await sleep(300);
  await c.stop();
  const after = await sw.stats();
  const got = c.poll();
  const seen = got.map((p) => p.reason).join(' ');
  for (const [kind, reason] of DROPS) {
    const counted = Number(
      portStats(after, 0).l3[reason as 'dropMalformed'] - portStats(before, 0).l3[reason as 'dropMalformed'],
    );
    const n = DROPS.filter(([, r]) => r === reason).length * 2;
    t.is(got.filter((p) => p.reason === reason).length, n, `${kind}: captured reasons ${seen}`);
    t.is(counted, n, `${reason} counted`);
  }
  t.is(got.length, DROPS.length * 2, seen);
  t.true(got.every((p) => p.point === 'drop' && p.port === 0));
  // the runt is the 14 bytes sendraw wrote (the kernel pads nothing on a veth)
  t.true(got.some((p) => p.reason === 'dropMalformed' && p.origLen === 14));
  await sw.xconnects.add(0, 1);
});

test.serial('under load: a slow reader loses records, counted exactly; forwarding goes on', async (t) => {
  const sw = await controller(s);
  const pcap = path.join(dir, 'load.pcap');
  writePcap(pcap, udpFrames({ count: 512, dstMac: PCAP_PORT0_MAC, dsts: ['10.9.0.1'] }));
  const gen = await sw.ports.add(`net_pcap0,rx_pcap=${pcap},infinite_rx=1`);
  await sw.ports.stop(gen.port);
  const sink = await sw.ports.add('net_null0,no-rx=1');
  await sw.xconnects.add(gen.port, sink.port);
  const st0 = await sw.stats(); // the generator ran a moment before it was stopped: count from here

  // the generator alone: its rate to the sink
  const rate = async (ms: number) => {
    const a = await sw.stats();
    await sleep(ms);
    const b = await sw.stats();
    return Number(portStats(b, sink.port).txPackets - portStats(a, sink.port).txPackets) / (ms / 1000);
  };
  await sw.ports.start(gen.port);
  try {
    const base = await rate(1000);
    t.true(base > 1000, `the generator forwards (${base.toFixed(0)} pps)`);

    // a capture of everything at rx on the generator, a 64 KiB ring, read by nobody for a while
    const c = await sw.taps.capture({ port: gen.port, points: ['rx'], ringBytes: 64 * 1024, snaplen: 64 });
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await rate(200)); // nobody reads: the ring fills
    const read = c.poll(1 << 20).length;
    await c.stop();
    const rest = c.poll(1 << 20).length;
    const st = c.stats();
    const k = st.points.find((x) => x.port === gen.port && x.point === 'rx')!;
    t.true(k.lost > 0n, `the ring overflowed: ${k.lost} lost`);
    t.is(k.matched, BigInt(read + rest) + k.lost, `taken ${k.matched} = written ${read + rest} + lost ${k.lost}`);
    t.true(read > 0);
    t.true(
      samples.every((x) => x > base / 20),
      `forwarding went on while the ring was full: ${samples.map((x) => x.toFixed(0)).join(', ')} pps (alone ${base.toFixed(0)})`,
    );
    t.log(`alone ${base.toFixed(0)} pps; capturing everything ${samples.map((x) => x.toFixed(0)).join(', ')} pps`);
  } finally {
    await sw.ports.stop(gen.port);
  }
  const st = await sw.stats();
  const d = (port: number, k: 'rxPackets' | 'xcPackets' | 'txPackets' | 'txDrops' | 'injectPackets') =>
    portStats(st, port)[k] - portStats(st0, port)[k];
  t.true(d(gen.port, 'rxPackets') > 0n);
  t.is(d(gen.port, 'rxPackets'), d(gen.port, 'xcPackets'), 'every generated frame was cross-connected');
  // the sink sends what was cross-connected to it and what its vEth sent (IPv6 router solicitations and the like)
  t.is(
    d(sink.port, 'txPackets') + d(sink.port, 'txDrops'),
    d(gen.port, 'xcPackets') + d(sink.port, 'injectPackets'),
    logTail(s.instance, 5),
  );
});

test.serial('a capture file is gone once its capture ends; a killed client ends its capture and trace', async (t) => {
  const sw = await controller(s);
  const ctlDir = path.dirname(sw.path);
  const script = path.join(dir, 'capture-and-hang.ts');
  writeFileSync(
    script,
    `import { connect } from '${path.join(REPO, 'ts-api/src/index')}';\n` +
      `void (async () => {\n  const sw = await connect(process.argv[2]!);\n` +
      `  const c = await sw.taps.capture({ points: ['rx'] });\n  await sw.taps.trace({ count: 5 });\n` +
      `  console.log('file', c.info.file);\n` +
      `  setInterval(() => {}, 1000);\n})();\n`,
  );
  const child = track(
    spawn(process.execPath, ['--require', 'tsx/cjs', script, s.instance], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const m = await waitFor('the capture to start', () => /file (\S+)/.exec(out), 20_000);
  const file = path.join(ctlDir, m![1]!);
  t.true((await run('test', ['-f', file], { allowFail: true })).code === 0, `${file} exists`);
  t.deepEqual((await sw.taps.list()).map((x) => x.kind).sort(), ['capture', 'trace']);
  child.kill('SIGKILL');
  await waitFor('the capture to end', async () => (await sw.taps.list()).length === 0, 15_000);
  await waitFor(
    `${file} to be removed`,
    async () => (await run('test', ['-e', file], { allowFail: true })).code !== 0,
    5000,
  );
  t.pass();
});

// last: it stops the suite's slipwayd
test.serial('slipwayd stopping with a capture and a trace on: every mbuf home, no file left', async (t) => {
  const sw = await controller(s);
  const ctlDir = path.dirname(sw.path);
  const script = path.join(dir, 'taps-and-hang.ts');
  writeFileSync(
    script,
    `import { connect } from '${path.join(REPO, 'ts-api/src/index')}';\n` +
      `void (async () => {\n  const sw = await connect(process.argv[2]!);\n` +
      `  const c = await sw.taps.capture({ points: ['rx', 'tx', 'punt', 'inject', 'drop'], ringBytes: 64 * 1024 });\n` +
      `  await sw.taps.trace({ count: 1024 });\n  console.log('file', c.info.file);\n` +
      `  setInterval(() => {}, 1000);\n})();\n`,
  );
  const child = track(
    spawn(process.execPath, ['--require', 'tsx/cjs', script, s.instance], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const m = await waitFor('the capture and the trace to start', () => /file (\S+)/.exec(out), 20_000);
    const file = path.join(ctlDir, m![1]!);
    t.deepEqual((await sw.taps.list()).map((x) => `${x.kind} ${x.state}`).sort(), ['capture running', 'trace running']);
    // traffic through both taps: nobody reads the capture (its ring fills), the trace keeps records
    const r = await ping(s.topo.a.ns, B, { count: 100, intervalS: 0.01, waitS: 2 });
    t.is(r.received, 100, r.output);
    const taps = await sw.taps.list();
    const cap = taps.find((x) => x.kind === 'capture')!;
    const tr = taps.find((x) => x.kind === 'trace')!;
    t.true(cap.matched >= 400n, `the capture took the echo requests and replies at rx and tx: ${cap.matched}`);
    t.true(tr.matched >= 200n, `the trace took them at rx: ${tr.matched}`);

    const pid = s.pid;
    t.deepEqual(await stopDataplane(s), []);
    await waitFor(`slipwayd pid ${pid} to exit`, () => !pidAlive(pid), 10_000);
    s.pid = 0;
    const log = readFileSync(defaultLogFile(s.instance), 'utf8');
    t.notRegex(log, /leaked \d+ mbufs/, logTail(s.instance));
    t.regex(log, /shutdown: mempool sw_mbuf: (\d+)\/\1 mbufs free/, logTail(s.instance));
    t.is((await run('test', ['-e', file], { allowFail: true })).code, 1, `${file} is gone`);
  } finally {
    child.kill('SIGKILL');
  }
});

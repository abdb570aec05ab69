/*
 * Offloads and multi-queue on the vEth (the exception path): TCP from a peer
 * to the host stack is coalesced (rte_gro) before the kernel sees it; TSO
 * super-frames the kernel sends are segmented (rte_gso) with correct
 * checksums; partial checksums (UDP) are completed; with two workers the
 * TAP has a queue pair per worker.
 *
 * Peer A's veth verifies checksums itself (rx checksumming off: a veth
 * otherwise marks what it receives as already verified), so a bad TCP or
 * UDP checksum would show as InCsumErrors or a missing datagram.
 */
import test, { type ExecutionContext } from 'ava';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { controller, defaultLogFile, delta, e2eSuite, logTail, startDataplane, stopDataplane } from './harness';
import { capture, exited, ping, run, sleep, spawnCollecting, waitFor } from './netns';

const s = e2eSuite(test, { name: 'vifoff', vifPrefix: 'vofl', addrsA: ['10.93.0.2/24'], addrsB: ['10.93.1.2/24'] });
const HOST = '10.93.0.1';
const PEER = '10.93.0.2';
const IPERF_PORT = 20_000 + (process.pid % 10_000);

interface IperfResult {
  bitsPerSecond: number;
  bytes: number;
  retransmits: number;
}

/** Runs an iperf3 server on the host (one test, bound to HOST) and a client in A. */
async function iperf(t: ExecutionContext, reverse: boolean): Promise<IperfResult> {
  const { child: server, output: serverOut } = spawnCollecting('iperf3', [
    '-s',
    '-1',
    '--forceflush',
    '-B',
    HOST,
    '-p',
    String(IPERF_PORT),
  ]);
  try {
    await waitFor('the iperf3 server to listen', () => serverOut().includes('Server listening'), 5000);
    const r = await run('iperf3', ['-c', HOST, '-p', String(IPERF_PORT), '-t', '3', '-J', ...(reverse ? ['-R'] : [])], {
      netns: s.topo.a.ns,
      allowFail: true,
      timeoutMs: 30_000,
    });
    t.is(
      r.code,
      0,
      `iperf3 -c ${HOST}${reverse ? ' -R' : ''} from ${s.topo.a.ns} failed:\n${r.stdout}\n${r.stderr}\nserver: ${serverOut()}\n${logTail(s.instance)}`,
    );
    const j = JSON.parse(r.stdout) as {
      end: { sum_received: { bits_per_second: number; bytes: number }; sum_sent: { retransmits?: number } };
    };
    return {
      bitsPerSecond: j.end.sum_received.bits_per_second,
      bytes: j.end.sum_received.bytes,
      retransmits: j.end.sum_sent.retransmits ?? 0,
    };
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited(server);
    }
  }
}

/** A netstat counter (nstat name, e.g. TcpInCsumErrors) in a namespace, without touching nstat's history. */
async function nstat(ns: string, name: string): Promise<number> {
  const r = await run('nstat', ['-asz', name], { netns: ns });
  const m = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(r.stdout);
  if (!m) throw new Error(`nstat in ${ns} has no ${name}:\n${r.stdout}`);
  return Number(m[1]);
}

function mbps(bps: number): string {
  return `${(bps / 1e6).toFixed(0)} Mbit/s`;
}

/** The shutdown line of the instance's log says its mempool was full. */
function assertMempoolFull(t: ExecutionContext, what: string): void {
  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  const all = [...log.matchAll(/shutdown: mempool (\S+): (\d+)\/(\d+) mbufs free/g)];
  const m = all.at(-1);
  t.truthy(m, `${what}: the log has the mempool shutdown line\n${logTail(s.instance)}`);
  if (m) t.is(m[2], m[3], `${what}: mempool ${m[1]}: ${m[2]}/${m[3]} mbufs free at exit`);
}

/* Once, from the first test (before hooks run concurrently with the suite's
 * own, which creates the topology): A verifies checksums; HOST on vEth0. */
let ready = false;
async function setUp(): Promise<void> {
  if (ready) return;
  await run('ethtool', ['-K', s.topo.a.peerIf, 'rx', 'off'], { netns: s.topo.a.ns });
  await run('ip', ['addr', 'add', `${HOST}/24`, 'dev', s.vif(0)]);
  await run('ip', ['link', 'set', 'dev', s.vif(0), 'up']);
  ready = true;
}

test.serial('iperf3 peer -> host: the kernel gets coalesced TCP frames', async (t) => {
  await setUp();
  const sw = await controller(s);
  const r = await ping(s.topo.a.ns, HOST, { count: 2, intervalS: 0.1, waitS: 2 });
  t.is(r.lossPct, 0, `A reaches ${HOST} on ${s.vif(0)}:\n${r.output}\n${logTail(s.instance)}`);

  const before = await sw.stats();
  const res = await iperf(t, false);
  const after = await sw.stats();
  const punted = delta(before, after, 0, 'puntPackets');
  const written = delta(before, after, 0, 'vifTxPackets');
  const merged = delta(before, after, 0, 'vifGroMerged');
  t.log(
    `peer -> host: ${mbps(res.bitsPerSecond)}, ${res.bytes} bytes; ${punted} segments punted, ${written} frames written to ${s.vif(0)}, ${merged} segments in merged frames, ${res.retransmits} retransmits`,
  );
  t.true(res.bytes > 1_000_000, `iperf3 moved ${res.bytes} bytes`);
  t.true(merged > 0, `vif_gro_merged moved by ${merged}`);
  t.true(merged <= punted, `merged segments (${merged}) are among the punted ones (${punted})`);
  t.true(written < punted / 2, `frames written to the vEth (${written}) well below the segments punted (${punted})`);
  t.is(delta(before, after, 0, 'vifTxDrops'), 0, 'the vEth took every frame');
});

test.serial('iperf3 host -> peer (-R): TSO super-frames are segmented with good checksums', async (t) => {
  await setUp();
  const sw = await controller(s);
  const csumBefore = await nstat(s.topo.a.ns, 'TcpInCsumErrors');
  const before = await sw.stats();
  const res = await iperf(t, true);
  const after = await sw.stats();
  const csumErrors = (await nstat(s.topo.a.ns, 'TcpInCsumErrors')) - csumBefore;
  const read = delta(before, after, 0, 'vifRxPackets');
  const segments = delta(before, after, 0, 'vifGsoSegments');
  const injected = delta(before, after, 0, 'injectPackets');
  t.log(
    `host -> peer: ${mbps(res.bitsPerSecond)}, ${res.bytes} bytes; ${read} frames read from ${s.vif(0)}, ${segments} GSO segments, ${injected} injected, ${res.retransmits} retransmits`,
  );
  t.true(res.bytes > 1_000_000, `iperf3 moved ${res.bytes} bytes`);
  t.true(segments > 0, `vif_gso_segments moved by ${segments}: the kernel sent super-frames`);
  t.true(injected > read, `more frames injected (${injected}) than read from the vEth (${read})`);
  t.is(csumErrors, 0, `TcpInCsumErrors in ${s.topo.a.ns}`);
  // TCP fills whatever queue it is given: a full inject ring drops (and counts), like a NIC queue
  const drops = delta(before, after, 0, 'injectDrops');
  t.true(drops < injected / 10, `inject drops (${drops}) a small fraction of the injected segments (${injected})`);
});

test.serial('UDP from the host reaches the peer with a correct checksum (partial checksum completed)', async (t) => {
  await setUp();
  const udpPort = IPERF_PORT + 1;
  const badBefore = await nstat(s.topo.a.ns, 'UdpInCsumErrors');
  const cap = await capture(s.topo.a.peerIf, { netns: s.topo.a.ns, filter: ['-vv', 'udp', 'port', String(udpPort)] });
  const sock = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: HOST }, resolve);
    });
    const payload = Buffer.alloc(1000, 0xa5);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        sock.send(payload, udpPort, PEER, (error) => (error ? reject(error) : resolve()));
      });
    }

    await waitFor(
      `3 datagrams on ${s.topo.a.peerIf}`,
      () => cap.lines.filter((l) => l.includes(`${PEER}.${udpPort}`)).length >= 3,
      3000,
    );
  } finally {
    sock.close();
  }

  const lines = await cap.stop();
  t.log(lines.join('\n'));
  const dgrams = lines.filter((l) => l.includes(`${PEER}.${udpPort}`));
  t.true(dgrams.length >= 3, `A saw the datagrams:\n${lines.join('\n')}`);
  t.true(
    dgrams.every((l) => l.includes('udp sum ok')),
    `every datagram has a good UDP checksum:\n${dgrams.join('\n')}`,
  );
  t.is((await nstat(s.topo.a.ns, 'UdpInCsumErrors')) - badBefore, 0, `UdpInCsumErrors in ${s.topo.a.ns}`);
});

test.serial('two workers: the vEth has a queue pair per worker and traffic flows both ways', async (t) => {
  const problems = await stopDataplane(s);
  t.deepEqual(problems, [], 'the single-worker instance stopped cleanly');
  assertMempoolFull(t, 'one worker');

  // 2 CPUs: map worker lcores 1 and 2 onto CPU 1
  const sw = await startDataplane(s, { eal: ['--lcores', '0@0,1@1,2@1'] });
  await run('ip', ['addr', 'add', `${HOST}/24`, 'dev', s.vif(0)]);
  await run('ip', ['link', 'set', 'dev', s.vif(0), 'up']);

  const queues = readdirSync(`/sys/class/net/${s.vif(0)}/queues`).sort();
  t.deepEqual(queues, ['rx-0', 'rx-1', 'tx-0', 'tx-1'], `${s.vif(0)} queues`);
  const ports = await sw.ports.list();
  t.deepEqual(
    ports.map((p) => p.ethPort),
    ports.map((_, i) => i),
    'no ethdev behind the vEths: the only ethdevs are the ports',
  );

  await waitFor(
    `A to reach ${HOST} through the two-worker instance`,
    async () => (await ping(s.topo.a.ns, HOST, { count: 1, waitS: 1 })).lossPct === 0,
    10_000,
    200,
  );
  const before = await sw.stats();
  const up = await iperf(t, false);
  const down = await iperf(t, true);
  const after = await sw.stats();
  t.log(`two workers: peer -> host ${mbps(up.bitsPerSecond)}, host -> peer ${mbps(down.bitsPerSecond)}`);
  t.true(
    up.bytes > 1_000_000 && down.bytes > 1_000_000,
    `both directions moved data: ${up.bytes}, ${down.bytes} bytes`,
  );
  t.true(delta(before, after, 0, 'vifGroMerged') > 0, 'GRO with two workers');
  t.true(delta(before, after, 0, 'vifGsoSegments') > 0, 'GSO with two workers');

  await sleep(100);
  t.deepEqual(await stopDataplane(s), [], 'the two-worker instance stopped cleanly');
  assertMempoolFull(t, 'two workers');
});

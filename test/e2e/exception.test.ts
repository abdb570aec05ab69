/*
 * TCP through the exception path: a peer talks to a server on the host
 * stack bound to an address on vEth0. Its segments are punted to vEth0
 * (the address is not routed by slipway), the host's answers leave vEth0
 * and are injected into port 0.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { iperf3Tcp, tcpBufferBound } from '../../examples/bench/exception';
import { controller, delta, e2eSuite, logTail } from './harness';
import { exited, run, sleep, spawnCollecting, waitFor } from './netns';

const s = e2eSuite(test, { name: 'exception', vifPrefix: 'exc', addrsA: ['10.21.0.2/24'], addrsB: ['10.21.1.2/24'] });
const HOST = '10.21.0.1';

/** The host's address on vEth0, reachable from A. */
async function hostAddress(): Promise<void> {
  const vif = s.vif(0);
  if (!(await run('ip', ['-o', 'addr', 'show', 'dev', vif])).stdout.includes(`${HOST}/24`)) {
    await run('ip', ['addr', 'add', `${HOST}/24`, 'dev', vif]);
  }

  await run('ip', ['link', 'set', 'dev', vif, 'up']);
  await waitFor(
    `${s.topo.a.ns} to reach ${HOST} on ${vif}`,
    async () =>
      (await run('ip', ['netns', 'exec', s.topo.a.ns, 'ping', '-c', '1', '-W', '1', HOST], { allowFail: true }))
        .code === 0,
    10_000,
    200,
  );
}

test.serial('iperf3 from peer A to a server on vEth0 completes and reports throughput', async (t) => {
  const sw = await controller(s);
  await hostAddress();
  const before = await sw.stats();
  const r = await iperf3Tcp(s.topo.a.ns, HOST, 3, { port: 5302 });
  const after = await sw.stats();
  const punted = delta(before, after, 0, 'puntPackets');
  const vifTx = delta(before, after, 0, 'vifTxPackets');
  const injected = delta(before, after, 0, 'injectPackets');
  t.log(
    `iperf3 ${s.topo.a.ns} -> ${HOST}: ${r.gbps.toFixed(2)} Gbit/s, ${r.sentBytes} bytes sent, ${r.receivedBytes} read by the server, ${r.retransmits} retransmits, MSS ${r.mss}`,
  );
  t.log(
    `port 0: punt ${punted} (drops ${delta(before, after, 0, 'puntDrops')}), vif_tx ${vifTx} (drops ${delta(before, after, 0, 'vifTxDrops')}), inject ${injected}`,
  );

  t.true(r.gbps > 0, `throughput ${r.gbps} Gbit/s`);
  t.true(r.seconds >= 2.5, `the test ran ${r.seconds} s of the 3 asked`);
  t.true(r.sentBytes > 0 && r.receivedBytes > 0, `${r.sentBytes} bytes sent, ${r.receivedBytes} received`);
  // not equal: iperf3's server stops reading at TEST_END (see tcpBufferBound);
  // the next test checks a stream byte for byte
  t.true(r.receivedBytes <= r.sentBytes, `the server read ${r.receivedBytes} bytes, more than the ${r.sentBytes} sent`);
  t.true(
    r.sentBytes - r.receivedBytes <= tcpBufferBound(),
    `the server read ${r.receivedBytes} of ${r.sentBytes} bytes: ${r.sentBytes - r.receivedBytes} missing, more than TCP buffers hold (${tcpBufferBound()})\n${logTail(s.instance)}`,
  );

  // every data segment (A sends no super-frames: TSO/GSO off) was punted; the
  // host's ACKs went back through port 0
  t.not(r.mss, null, 'iperf3 reported the MSS');
  const segments = Math.ceil(r.receivedBytes / r.mss!);
  t.true(
    punted >= segments,
    `port 0 punt_packets grew by ${punted}, fewer than the ${segments} data segments the server read`,
  );
  t.true(vifTx > 0, `port 0 vif_tx_packets grew by ${vifTx}`);
  t.true(injected > 0, `port 0 inject_packets grew by ${injected}: no ACK went back through port 0`);
  t.is(delta(before, after, 0, 'xcPackets'), 0, 'nothing was cross-connected');
  t.is(delta(before, after, 1, 'txPackets'), 0, 'nothing left through port 1');
});

/*
 * iperf3 cannot say that every byte arrived (see above): a plain TCP
 * transfer through vEth0 of a known payload, read to EOF and hashed, can.
 */
const SINK = String.raw`
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
print("listening", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
`;
const SOURCE = String.raw`
import socket, sys
total = int(sys.argv[3]); block = bytes(i * 7 & 255 for i in range(1 << 16))
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
sent = 0
while sent < total:
    n = min(len(block), total - sent); c.sendall(block[:n]); sent += n
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
`;

test.serial('a 64 MiB TCP stream to a server on vEth0 arrives byte for byte', async (t) => {
  await hostAddress();
  const total = 64 << 20;
  const block = Buffer.from(Array.from({ length: 1 << 16 }, (_, i) => (i * 7) & 255));
  const expected = createHash('sha256');
  for (let sent = 0; sent < total; sent += block.length)
    expected.update(block.subarray(0, Math.min(block.length, total - sent)));

  const { child: sink, output: out } = spawnCollecting('python3', ['-c', SINK, HOST, '5303']);
  try {
    await waitFor(`the sink listening on ${HOST}:5303 (${out().trim()})`, () => out().includes('listening'), 5000);
    await run('python3', ['-c', SOURCE, HOST, '5303', String(total)], { netns: s.topo.a.ns, timeoutMs: 60_000 });
    await Promise.race([exited(sink), sleep(10_000)]);
    const m = /^(\d+) ([0-9a-f]{64})$/m.exec(out());
    t.truthy(m, `the sink reported no count and hash: ${out()}`);
    t.is(Number(m![1]), total, 'bytes read by the host');
    t.is(m![2], expected.digest('hex'), 'sha256 of what the host read');
  } finally {
    sink.kill('SIGKILL');
  }
});

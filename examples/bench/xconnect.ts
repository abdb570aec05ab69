/*
 * Cross-connect forwarding rate: slipwayd forwarding port 0 -> port 1 with
 * one worker lcore, against testpmd io-mode forwarding the same ports, in
 * the same run: net_pcap replaying 64-byte UDP frames (infinite_rx) into
 * net_null (no-rx).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch } from '../../ts-api/src/index';
import { writeUdpPcap } from './pcap';
import { benchVdevs } from './l3fwd';
import { testpmdRxPps } from './peers';

export async function benchXconnect(seconds = 5): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-bench-'));
  try {
    const pcap = path.join(dir, 'udp64.pcap');
    writeUdpPcap(pcap, { count: 256 });
    // net_null without no-rx generates packets of its own: keep port 1 quiet
    const [gen, sink] = benchVdevs(pcap);

    const sw = await launch({ instance: 'bench-xc', ports: [gen, sink], workers: '1' });
    let mpps: number;
    try {
      await sw.xconnects.add(0, 1);
      await new Promise((r) => setTimeout(r, 500));
      const a = await sw.stats();
      const t0 = process.hrtime.bigint();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const b = await sw.stats();
      const ns = Number(process.hrtime.bigint() - t0);
      mpps = (Number(b.ports[1]!.txPackets - a.ports[1]!.txPackets) / ns) * 1e3;
    } finally {
      await sw.shutdown();
    }

    const testpmd = (await testpmdRxPps([gen, sink], 'io', seconds, 'bench-testpmd')) / 1e6;
    return { slipway_xc_mpps: mpps, xc_testpmd_io_mpps: testpmd, xc_ratio: mpps / testpmd };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

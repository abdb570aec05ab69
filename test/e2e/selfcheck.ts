/*
 * Checks the namespace fixture on its own, without slipwayd (run as root):
 *   node --require tsx/cjs test/e2e/selfcheck.ts
 * Creates namespaces A and B and checks names, addresses, offloads, a
 * tcpdump capture, ping parsing, counters, and that teardown removes it all.
 * Without slipwayd nothing answers A (the host end is kept quiet by design).
 */
import { capture, createTopology, ifCounters, linkExists, ping, run } from './netns';

async function main(): Promise<void> {
  const topo = await createTopology({ addrsA: ['10.11.0.2/24'], addrsB: ['10.12.0.2/24'] });
  let failed = false;
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    failed ||= !ok;
  };

  try {
    console.log(`topology ${topo.id}: ${topo.a.ns} ${topo.b.ns}; devargs ${topo.devargs.join(' ')}`);
    check(await linkExists(topo.a.hostIf), `${topo.a.hostIf} exists`);
    check(await linkExists(topo.a.peerIf, topo.a.ns), `${topo.a.peerIf} exists in ${topo.a.ns}`);
    const addr = await run('ip', ['-n', topo.a.ns, '-br', 'addr', 'show', 'dev', topo.a.peerIf]);
    check(addr.stdout.includes('10.11.0.2/24'), `address on ${topo.a.peerIf}: ${addr.stdout.trim()}`);
    const features = await run('ethtool', ['-k', topo.a.peerIf], { netns: topo.a.ns });
    check(
      /tcp-segmentation-offload: off/.test(features.stdout) &&
        /generic-segmentation-offload: off/.test(features.stdout),
      'tso/gso off on the peer',
    );

    // A's ARP requests reach the host end (tcpdump on it sees them) but the
    // host stack drops them at tc ingress, so A gets no answer.
    const cap = await capture(topo.a.hostIf, { filter: ['arp'] });
    const before = await ifCounters(topo.a.hostIf);
    const result = await ping(topo.a.ns, '10.11.0.1', { count: 2, intervalS: 0.2, waitS: 1 });
    const lines = await cap.stop();
    const after = await ifCounters(topo.a.hostIf);
    check(
      result.transmitted === 2 && result.received === 0,
      `ping parsed: ${result.transmitted} sent, ${result.received} received, ${result.lossPct}% loss`,
    );
    check(
      lines.some((l) => l.includes('Request who-has 10.11.0.1')),
      `tcpdump saw A's ARP request (${lines.length} lines)`,
    );
    check(after.rxPackets > before.rxPackets, `host end rx counter moved ${before.rxPackets} -> ${after.rxPackets}`);
  } finally {
    const problems = await topo.teardown();
    check(problems.length === 0, `teardown ${problems.join('; ')}`);
    check(!(await linkExists(topo.a.hostIf)), `${topo.a.hostIf} removed`);
    const list = await run('ip', ['netns', 'list']);
    check(!list.stdout.includes(topo.a.ns) && !list.stdout.includes(topo.b.ns), 'namespaces removed');
  }

  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

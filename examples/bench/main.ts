/*
 * npm run bench -- <name> [--json] [--seconds N]
 *
 * Every benchmark measures slipway and a peer (testpmd, l3fwd, the plain
 * kernel path, a baseline) in the same run and prints their ratio: these
 * machines are shared and noisy, so absolute numbers mean little.
 */
import * as path from 'node:path';
import { benchControl } from './control';
import { benchException } from './exception';
import { benchFastpath } from './fastpath';
import { benchIdle } from './idle';
import { benchSync } from './sync';
import { benchXconnect } from './xconnect';

// The slipwayd measured is this checkout's, whatever else is on PATH.
process.env.SLIPWAYD ??= path.resolve(__dirname, '..', '..', 'build', 'dataplane', 'slipwayd');

/** A figure is null when it cannot be measured (yet); --json keeps it as null. */
type Figures = Record<string, number | null>;

const benches: Record<string, { what: string; run: (seconds: number) => Promise<Figures> }> = {
  xconnect: { what: 'cross-connect forwarding, 64-byte UDP, 1 worker: slipwayd vs testpmd io', run: benchXconnect },
  control: {
    what: 'control ring from TypeScript vs the Unix-socket JSON baseline: round trips (µs), batched xconnect updates/s, alone and with 4 clients attached; 1M IPv4 routes and 10k rules as one batch',
    run: async () => benchControl(),
  },
  fastpath: {
    what: 'IPv4 routing, 64-byte UDP, 1 worker: slipwayd vs DPDK l3fwd (LPM, FIB, ACL modes), 1k and 1M routes, 1k rules',
    run: benchFastpath,
  },
  idle: {
    what: 'CPU of an idle dataplane (two ports receiving nothing, 1 worker): slipwayd idle back-off and busy polling vs testpmd io',
    run: benchIdle,
  },
  sync: {
    what: "kernel sync following ip -batch: 100k and 1M IPv4 routes added and deleted through vEth1, the kernel's own time vs the time until the fast path has them (lag target <= 1 s for 1M); published peers: VPP linux-cp ~41k routes/s, FRR -> kernel ~6.7k routes/s",
    run: async () => benchSync(),
  },
  exception: {
    what: 'exception path: TCP (iperf3, 2 × --seconds) to the host through the vEth vs testpmd (af_packet <-> tap io) vs the plain veth; 64-byte punt rate into the kernel vs testpmd (pcap -> tap)',
    run: benchException,
  },
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const si = args.indexOf('--seconds');
  const seconds = si >= 0 ? Number(args[si + 1]) : 5;
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');
  const chosen = names.length > 0 ? names : Object.keys(benches);
  const unknown = chosen.filter((n) => !(n in benches));
  if (unknown.length > 0 || !(seconds > 0)) {
    console.error(`usage: npm run bench -- [${Object.keys(benches).join('|')}] [--json] [--seconds N]`);
    return 2;
  }

  const results: Figures = {};
  for (const name of chosen) {
    const b = benches[name]!;
    if (!json) console.log(`== ${name}: ${b.what}`);
    const r = await b.run(seconds);
    Object.assign(results, r);
    if (!json)
      for (const [k, v] of Object.entries(r))
        console.log(`  ${k.padEnd(34)} ${v === null ? 'n/a' : v.toFixed(k.includes('ratio') ? 3 : 2)}`);
  }

  if (json) console.log(JSON.stringify(results));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);

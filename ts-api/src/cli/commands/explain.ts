/*
 * slipctl explain --in-port P --src A --dst A [--proto P] [--sport N] [--dport N]
 *                 [--vlan V] [--src-mac M] [--dst-mac M] [--ttl N] [--length N]
 * What the fast path would do with such a packet: its own classification,
 * nothing sent; the same output as a trace record.
 */
import { Command } from 'commander';
import type { ExplainPacket } from '../../index';
import { globals, withSlipway } from '../context';
import { printJson, print } from '../output';
import { parseIntArg, parsePort } from '../parse';
import { traceText } from './trace-text';

/** The packet's fields under their option names; --proto comes as text. */
type ExplainCliOptions = Omit<ExplainPacket, 'proto'> & { proto?: string };

export function explainCommand(): Command {
  return new Command('explain')
    .description(
      "the verdict the fast path would reach for a packet received on a port: rule, checks, route, next hop (the fast path's own code, nothing sent)",
    )
    .requiredOption('--in-port <port>', 'ingress port', parsePort)
    .requiredOption('--src <addr>', 'source address')
    .requiredOption('--dst <addr>', 'destination address')
    .option('--proto <proto>', 'tcp, udp, icmp, ... or a number (default: udp with ports, else icmp)')
    .option('--sport <port>', 'L4 source port', parseIntArg(0, 0xffff))
    .option('--dport <port>', 'L4 destination port', parseIntArg(0, 0xffff))
    .option('--vlan <id>', 'an 802.1Q tag', parseIntArg(0, 4095))
    .option('--src-mac <mac>', 'Ethernet source (default 02:00:00:00:00:01)')
    .option('--dst-mac <mac>', "Ethernet destination (default: the port's MAC)")
    .option('--ttl <n>', 'TTL / hop limit (default 64)', parseIntArg(1, 255))
    .option('--length <bytes>', 'IP packet length', parseIntArg(20, 65535))
    .action(async (o: ExplainCliOptions, cmd: Command) => {
      const g = globals(cmd);
      const p: ExplainPacket = { inPort: o.inPort, src: o.src, dst: o.dst };
      for (const k of ['proto', 'sport', 'dport', 'vlan', 'srcMac', 'dstMac', 'ttl', 'length'] as const) {
        if (o[k] !== undefined) (p as unknown as Record<string, unknown>)[k] = o[k];
      }
      const r = await withSlipway(g, async (sw) => sw.taps.explain(p));
      if (g.json) printJson(r);
      else print(traceText(r));
    });
}

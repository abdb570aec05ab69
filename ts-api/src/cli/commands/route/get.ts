/* slipctl route get ADDR [--from SRC] [--proto tcp|udp|icmp|N] [--sport N] [--dport N] */
import { Command } from 'commander';
import type { RouteLookupOptions, RouteMatch } from '../../../index';
import { routes } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parseIntArg } from '../../parse';

interface GetOptions {
  from?: string;
  proto?: string;
  sport?: number;
  dport?: number;
}

/** One line: the matching route, the flow's next hop, its neighbour and the output port. */
function routeMatchText(addr: string, m: RouteMatch): string {
  if (!m.found || m.route === null) return `${addr}: no route (punted to the ingress vEth)`;
  const r = m.route;
  if (r.type === 'local')
    return `${addr}: route ${r.prefix} local (an address of the host: punted to the ingress vEth)`;
  if (r.type === 'drop') return `${addr}: route ${r.prefix} drop`;
  const nh = m.nextHop;
  const hop = nh ? `port ${nh.port} ${nh.gw ? `via ${nh.gw}` : '(connected)'}` : '-';
  const neigh = m.resolved ? `neighbour ${m.mac}` : 'neighbour unresolved (punted until it resolves)';
  const out = m.outPort === null ? 'no output port' : `out port ${m.outPort}`;
  return `${addr}: route ${r.prefix}, next hop #${m.member} of ${r.via.length}: ${hop}, ${neigh}, ${out}`;
}

export function routeGetCommand(): Command {
  return new Command('get')
    .description(
      'the route the fast path uses for ADDR: longest-prefix match, and the ECMP next hop of the flow given by --from/--proto/--sport/--dport',
    )
    .argument('<addr>', 'IPv4 or IPv6 destination address')
    .option('--from <src>', 'source address of the flow')
    .option('--proto <proto>', 'IP protocol of the flow: tcp, udp, icmp, ... or a number')
    .option('--sport <port>', 'L4 source port (tcp, udp)', parseIntArg(0, 0xffff))
    .option('--dport <port>', 'L4 destination port (tcp, udp)', parseIntArg(0, 0xffff))
    .action(async (addr: string, o: GetOptions, cmd: Command) => {
      const g = globals(cmd);
      const flow: RouteLookupOptions = {};
      if (o.from !== undefined) flow.from = o.from;
      if (o.proto !== undefined) flow.proto = o.proto;
      if (o.sport !== undefined) flow.sport = o.sport;
      if (o.dport !== undefined) flow.dport = o.dport;
      routes.encodeRouteLookup(addr, flow); // checked before connecting (BAD_ARGUMENT: exit 2)
      const m = await withSlipway(g, async (sw) => sw.routes.get(addr, flow));
      if (g.json) {
        printJson({ addr, ...m });
      } else {
        print(routeMatchText(addr, m));
      }
    });
}

/* slipctl rule add ID --priority N --action A [match options] */
import { Command, Option } from 'commander';
import type { Rule, RuleMatch } from '../../../index';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parseIntArg, parsePort } from '../../parse';
import { actionText, matchText, parseAction, parseNumber, parseRange } from './words';
interface RuleOptions {
  priority: number;
  action: string;
  inPort?: number;
  srcMac?: string;
  dstMac?: string;
  vlan?: number;
  ethertype?: string;
  family?: '4' | '6';
  src?: string;
  dst?: string;
  proto?: string;
  sport?: string;
  dport?: string;
}

export function ruleAddCommand(): Command {
  return new Command('add')
    .description('add or replace rule ID: the highest priority match applies its action')
    .argument('<id>', 'rule id (0..4294967295)', parseIntArg(0, 0xffffffff))
    .requiredOption('--priority <n>', 'priority, 1..536870911 (higher wins)', parseIntArg(1, 0x1fffffff))
    .requiredOption(
      '--action <action>',
      'forward:PORT | route | drop | punt | mirror[:PORT] (no PORT: the vEth) | count',
    )
    .option('--in-port <port>', 'ingress port', parsePort)
    .option('--src-mac <mac>', 'source MAC')
    .option('--dst-mac <mac>', 'destination MAC')
    .option('--vlan <id>', 'outer VLAN id', parseIntArg(0, 4095))
    .option('--ethertype <type>', 'innermost ethertype, e.g. 0x0806')
    .addOption(new Option('--family <family>', 'IP version (inferred from --src/--dst)').choices(['4', '6']))
    .option('--src <prefix>', 'source prefix')
    .option('--dst <prefix>', 'destination prefix')
    .option('--proto <proto>', 'IP protocol: number or tcp, udp, icmp, icmpv6, ...')
    .option('--sport <range>', 'L4 source port or LO-HI')
    .option('--dport <range>', 'L4 destination port or LO-HI')
    .action(async (id: number, o: RuleOptions, cmd: Command) => {
      const g = globals(cmd);
      const match: RuleMatch = {};
      if (o.inPort !== undefined) match.inPort = o.inPort;
      if (o.srcMac !== undefined) match.srcMac = o.srcMac;
      if (o.dstMac !== undefined) match.dstMac = o.dstMac;
      if (o.vlan !== undefined) match.vlan = o.vlan;
      if (o.ethertype !== undefined) match.ethertype = parseNumber(o.ethertype, 'ethertype');
      if (o.family !== undefined) match.family = Number(o.family) as 4 | 6;
      if (o.src !== undefined) match.src = o.src;
      if (o.dst !== undefined) match.dst = o.dst;
      if (o.proto !== undefined) match.proto = o.proto;
      if (o.sport !== undefined) match.sport = parseRange(o.sport, 'sport');
      if (o.dport !== undefined) match.dport = parseRange(o.dport, 'dport');
      const rule: Rule = { id, priority: o.priority, match, action: parseAction(o.action) };
      await withSlipway(g, async (sw) => sw.rules.add(rule));
      if (g.json) {
        printJson({ ...rule, added: true });
      } else {
        print(`rule ${id} (priority ${rule.priority}): ${matchText(match)} -> ${actionText(rule.action)}`);
      }
    });
}

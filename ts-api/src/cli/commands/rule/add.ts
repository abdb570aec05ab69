/* slipctl rule add ID --priority N --action A [match options] */
import { Command, Option } from 'commander';
import type { Rule } from '../../../index';
import { rules as codec } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { UsageError } from '../../errors';
import { print, printJson } from '../../output';
import { parseIntArg, parsePort } from '../../parse';
import { type RuleOptions, actionText, matchText, ruleOf } from './words';

/** `rule add`'s options (also how `slipctl batch` reads a `rule add` line). */
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
      const rule = ruleOf(id, o);
      codec.encodeRule(rule); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.rules.add(rule));
      if (g.json) {
        printJson({ ...rule, added: true });
      } else {
        print(`rule ${id} (priority ${rule.priority}): ${matchText(rule.match)} -> ${actionText(rule.action)}`);
      }
    });
}

/**
 * The rule of `rule add ID OPTIONS...` given as words (a line of `slipctl
 * batch`), parsed by the very options of `rule add`. UsageError when they
 * do not parse.
 */
export function ruleFromWords(words: string[]): Rule {
  let rule: Rule | undefined;
  let problem = '';
  const cmd = ruleAddCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: (s) => (problem += s) })
    .action((id: number, o: RuleOptions) => {
      rule = ruleOf(id, o);
    });
  try {
    cmd.parse(words, { from: 'user' });
  } catch (e) {
    throw new UsageError((problem.trim() || (e as Error).message).replace(/^error: /, ''));
  }
  if (!rule) throw new UsageError('expected "rule add ID --priority N --action A [match options]"');
  return rule;
}

/* slipctl rule del ID */
import { Command } from 'commander';
import { rules } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parseIntArg } from '../../parse';

export function ruleDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove rule ID')
    .argument('<id>', 'rule id', parseIntArg(0, 0xffffffff))
    .action(async (id: number, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      new rules.RuleSource([id], true, true).encode(); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.rules.remove(id));
      if (g.json) {
        printJson({ id, removed: true });
      } else {
        print(`rule ${id} removed`);
      }
    });
}

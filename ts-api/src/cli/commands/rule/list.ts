/* slipctl rule list */
import { Command } from 'commander';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { rulesTable } from './words';

export function ruleListCommand(): Command {
  return new Command('list')
    .description('list rules with their packet and byte counters, highest priority first')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const entries = await withSlipway(g, async (sw) => sw.rules.list());
      if (g.json) {
        printJson(entries);
      } else {
        print(rulesTable(entries));
      }
    });
}

/* slipctl neigh list */
import { Command } from 'commander';
import { globals, withSlipway } from '../../context';
import { print, printJson, table } from '../../output';

export function neighListCommand(): Command {
  return new Command('list').description('list neighbours').action(async (_o: unknown, cmd: Command) => {
    const g = globals(cmd);
    const ns = await withSlipway(g, async (sw) => sw.neighbours.list());
    if (g.json) {
      printJson(ns);
    } else {
      print(
        ns.length === 0
          ? 'no neighbours'
          : table(
              ['PORT', 'IP', 'MAC'],
              ns.map((n) => [String(n.port), n.ip, n.mac]),
            ),
      );
    }
  });
}

/* slipctl xconnect list */
import { Command } from 'commander';
import { globals, withSlipway } from '../../context';
import { print, printJson, table } from '../../output';

export function xconnectListCommand(): Command {
  return new Command('list').description('list cross-connects').action(async (_o: unknown, cmd: Command) => {
    const g = globals(cmd);
    const xcs = await withSlipway(g, async (sw) => sw.xconnects.list());
    if (g.json) {
      printJson(xcs);
    } else {
      print(
        xcs.length === 0
          ? 'no cross-connects'
          : table(
              ['IN', 'OUT'],
              xcs.map((x) => [String(x.inPort), String(x.outPort)]),
            ),
      );
    }
  });
}

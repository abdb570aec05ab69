/* slipctl port list */
import { Command } from 'commander';
import { globals, withSlipway } from '../../context';
import { portsTable, print, printJson } from '../../output';

export function portListCommand(): Command {
  return new Command('list')
    .description('list ports with link, MTU, MAC, promiscuous mode and vEth')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const ports = await withSlipway(g, async (sw) => sw.ports.list());
      if (g.json) {
        printJson(ports);
      } else {
        print(portsTable(ports));
      }
    });
}

/* slipctl port get PORT */
import { Command } from 'commander';
import { ports } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { portsTable, print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function portGetCommand(): Command {
  return new Command('get')
    .description('show one port')
    .argument('<port>', 'slipway port index', parsePort)
    .action(async (port: number, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      ports.encodePortRef(port); // checked before connecting (BAD_ARGUMENT: exit 2)
      const info = await withSlipway(g, async (sw) => sw.ports.get(port));
      if (g.json) {
        printJson(info);
      } else {
        print(portsTable([info]));
      }
    });
}

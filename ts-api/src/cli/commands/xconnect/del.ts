/* slipctl xconnect del IN */
import { Command } from 'commander';
import { ports } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function xconnectDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove the cross-connect of port IN (its traffic goes to the vEth again)')
    .argument('<in>', 'ingress port', parsePort)
    .action(async (inPort: number, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      ports.encodePortRef(inPort); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.xconnects.remove(inPort));
      if (g.json) {
        printJson({ inPort, removed: true });
      } else {
        print(`cross-connect from ${inPort} removed`);
      }
    });
}

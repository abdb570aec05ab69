/* slipctl neigh del PORT IP */
import { Command } from 'commander';
import { neighbours } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function neighDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove the neighbour IP on PORT')
    .argument('<port>', 'port', parsePort)
    .argument('<ip>', 'IPv4 or IPv6 address')
    .action(async (port: number, ip: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      neighbours.encodeNeighbourDel({ port, ip }); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.neighbours.remove({ port, ip }));
      if (g.json) {
        printJson({ port, ip, removed: true });
      } else {
        print(`neighbour ${ip} on port ${port} removed`);
      }
    });
}

/* slipctl neigh add PORT IP MAC */
import { Command } from 'commander';
import { neighbours } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function neighAddCommand(): Command {
  return new Command('add')
    .description('add or replace a neighbour: IP is MAC on PORT (resolves next hops, installs a host route)')
    .argument('<port>', 'port', parsePort)
    .argument('<ip>', 'IPv4 or IPv6 address')
    .argument('<mac>', 'aa:bb:cc:dd:ee:ff')
    .action(async (port: number, ip: string, mac: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      neighbours.encodeNeighbour({ port, ip, mac }); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.neighbours.add({ port, ip, mac }));
      if (g.json) {
        printJson({ port, ip, mac, added: true });
      } else {
        print(`neighbour ${ip} is ${mac} on port ${port}`);
      }
    });
}

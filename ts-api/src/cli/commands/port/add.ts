/* slipctl port add DEVARGS */
import { Command } from 'commander';
import { ports } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { portsTable, print, printJson } from '../../output';

export function portAddCommand(): Command {
  return new Command('add')
    .description('add a port from ethdev devargs (it gets its own vEth)')
    .argument('<devargs>', 'e.g. net_af_packet2,iface=eth2 or net_null0')
    .action(async (devargs: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      ports.encodeDevargs(devargs); // checked before connecting (BAD_ARGUMENT: exit 2)
      const info = await withSlipway(g, async (sw) => sw.ports.add(devargs));
      if (g.json) {
        printJson(info);
      } else {
        print(portsTable([info]));
      }
    });
}

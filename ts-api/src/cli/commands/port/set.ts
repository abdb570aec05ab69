/* slipctl port set PORT [--mtu N] [--mac X] [--promisc on|off] */
import { Command, Option } from 'commander';
import { ports } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { UsageError } from '../../errors';
import { portsTable, print, printJson } from '../../output';
import { parseIntArg, parsePort } from '../../parse';

interface PortSetOptions {
  mtu?: number;
  mac?: string;
  promisc?: 'on' | 'off';
}

export function portSetCommand(): Command {
  return new Command('set')
    .description('change MTU, MAC address or promiscuous mode of a port (and its vEth)')
    .argument('<port>', 'slipway port index', parsePort)
    .option('--mtu <n>', 'MTU in bytes', parseIntArg(0, 0xffffffff))
    .option('--mac <mac>', 'MAC address, e.g. 02:00:00:00:00:01')
    .addOption(new Option('--promisc <state>', 'promiscuous mode').choices(['on', 'off']))
    .action(async (port: number, o: PortSetOptions, cmd: Command) => {
      const g = globals(cmd);
      if (o.mtu === undefined && o.mac === undefined && o.promisc === undefined) {
        throw new UsageError('port set: give at least one of --mtu, --mac, --promisc');
      }

      const settings = { mtu: o.mtu, mac: o.mac, promisc: o.promisc === undefined ? undefined : o.promisc === 'on' };
      ports.encodePortSet({ port, ...settings }); // checked before connecting (BAD_ARGUMENT: exit 2)
      const info = await withSlipway(g, async (sw) => sw.ports.set(port, settings));
      if (g.json) {
        printJson(info);
      } else {
        print(portsTable([info]));
      }
    });
}

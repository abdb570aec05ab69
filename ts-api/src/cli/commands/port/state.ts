/* slipctl port start PORT / slipctl port stop PORT */
import { Command } from 'commander';
import { ports } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { portsTable, print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function portStateCommand(action: 'start' | 'stop'): Command {
  return new Command(action)
    .description(
      action === 'start'
        ? 'start a port: a worker polls it again'
        : 'stop a port: no worker polls it, its traffic is dropped',
    )
    .argument('<port>', 'slipway port index', parsePort)
    .action(async (port: number, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      ports.encodePortRef(port); // checked before connecting (BAD_ARGUMENT: exit 2)
      const info = await withSlipway(g, async (sw) =>
        action === 'start' ? sw.ports.start(port) : sw.ports.stop(port),
      );
      if (g.json) {
        printJson(info);
      } else {
        print(portsTable([info]));
      }
    });
}

/* slipctl route list [--family 4|6] */
import { Command, Option } from 'commander';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { routesTable } from './words';

export function routeListCommand(): Command {
  return new Command('list')
    .description('list routes (all pages), including the host routes neighbours install')
    .addOption(new Option('--family <family>', 'only IPv4 (4) or IPv6 (6)').choices(['4', '6']))
    .action(async (o: { family?: '4' | '6' }, cmd: Command) => {
      const g = globals(cmd);
      const routes = await withSlipway(g, async (sw) =>
        sw.routes.list(o.family ? { family: Number(o.family) as 4 | 6 } : {}),
      );
      if (g.json) {
        printJson(routes);
      } else {
        print(routesTable(routes));
      }
    });
}

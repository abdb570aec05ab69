/* slipctl route add|del|list */
import { Command, Option } from 'commander';
import { globals, withSlipway } from '../context';
import { print, printJson } from '../output';
import { parseRouteWords, routesTable } from '../tables';

export function routeAddCommand(): Command {
  return new Command('add')
    .description(
      'add or replace a route: PREFIX via PORT[:GW] [via PORT[:GW]]... (ECMP; no GW: directly connected), PREFIX local (an address of the host: punt to the vEth) or PREFIX drop',
    )
    .argument('<prefix>', 'IPv4 or IPv6 prefix, e.g. 10.2.0.0/24 or fd02::/64')
    .argument('<target...>', 'via PORT[:GW] ... | local | drop')
    .action(async (prefix: string, words: string[], _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const spec = parseRouteWords(prefix, words);
      await withSlipway(g, async (sw) => sw.routes.add(spec));
      if (g.json) {
        printJson({ ...spec, added: true });
      } else {
        print(`route ${prefix} ${words.join(' ')} added`);
      }
    });
}

export function routeDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove the route of PREFIX')
    .argument('<prefix>', 'IPv4 or IPv6 prefix')
    .action(async (prefix: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => sw.routes.remove(prefix));
      if (g.json) {
        printJson({ prefix, removed: true });
      } else {
        print(`route ${prefix} removed`);
      }
    });
}

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

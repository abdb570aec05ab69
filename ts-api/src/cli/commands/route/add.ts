/* slipctl route add PREFIX via PORT[:GW]... | local | drop */
import { Command } from 'commander';
import { routes } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parseRouteWords } from './words';

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
      const route = routes.decodeRoutePayload(routes.encodeRoute(spec)); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.routes.add(spec));
      if (g.json) {
        // the route as `route list` shows it: one a client added is the API's (SW_ORIGIN_API)
        printJson({ ...route, origin: 'api' });
      } else {
        print(`route ${prefix} ${words.join(' ')} added`);
      }
    });
}

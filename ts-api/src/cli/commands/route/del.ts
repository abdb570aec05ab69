/* slipctl route del PREFIX */
import { Command } from 'commander';
import { routes } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';

export function routeDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove the route of PREFIX')
    .argument('<prefix>', 'IPv4 or IPv6 prefix')
    .action(async (prefix: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      routes.encodeRouteDel(prefix); // checked before connecting (BAD_ARGUMENT: exit 2)
      await withSlipway(g, async (sw) => sw.routes.remove(prefix));
      if (g.json) {
        printJson({ prefix, removed: true });
      } else {
        print(`route ${prefix} removed`);
      }
    });
}

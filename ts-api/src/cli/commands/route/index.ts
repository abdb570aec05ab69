/* slipctl route add|del|list */
import { Command } from 'commander';
import { routeAddCommand } from './add';
import { routeDelCommand } from './del';
import { routeListCommand } from './list';

export function routeCommands(): Command {
  return new Command('route')
    .description('IPv4/IPv6 routes: longest-prefix match to next hops (ECMP), local addresses, blackholes')
    .addCommand(routeAddCommand())
    .addCommand(routeDelCommand())
    .addCommand(routeListCommand());
}

/* slipctl route add|del|list|get */
import { Command } from 'commander';
import { routeAddCommand } from './add';
import { routeDelCommand } from './del';
import { routeGetCommand } from './get';
import { routeListCommand } from './list';

export function routeCommands(): Command {
  return new Command('route')
    .description('IPv4/IPv6 routes: longest-prefix match to next hops (ECMP), local addresses, blackholes')
    .addCommand(routeAddCommand())
    .addCommand(routeDelCommand())
    .addCommand(routeListCommand())
    .addCommand(routeGetCommand());
}

/* slipctl neigh add|del|list */
import { Command } from 'commander';
import { neighAddCommand } from './add';
import { neighDelCommand } from './del';
import { neighListCommand } from './list';

export function neighCommands(): Command {
  return new Command('neigh')
    .description('the neighbour table: IP -> MAC per port')
    .addCommand(neighAddCommand())
    .addCommand(neighDelCommand())
    .addCommand(neighListCommand());
}

/* slipctl port list|get|set|start|stop|add */
import { Command } from 'commander';
import { portAddCommand } from './add';
import { portGetCommand } from './get';
import { portListCommand } from './list';
import { portSetCommand } from './set';
import { portStateCommand } from './state';

export function portCommands(): Command {
  return new Command('port')
    .description('list, add, start, stop and configure ports')
    .addCommand(portListCommand())
    .addCommand(portGetCommand())
    .addCommand(portSetCommand())
    .addCommand(portStateCommand('start'))
    .addCommand(portStateCommand('stop'))
    .addCommand(portAddCommand());
}

/* slipctl xconnect add|del|list */
import { Command } from 'commander';
import { xconnectAddCommand } from './add';
import { xconnectDelCommand } from './del';
import { xconnectListCommand } from './list';

export function xconnectCommands(): Command {
  return new Command('xconnect')
    .description('fast-path cross-connects: everything from IN goes out of OUT')
    .addCommand(xconnectAddCommand())
    .addCommand(xconnectDelCommand())
    .addCommand(xconnectListCommand());
}

/* slipctl show config */
import { Command } from 'commander';
import { showConfigCommand } from './config';

export function showCommands(): Command {
  return new Command('show').description('show what the dataplane holds').addCommand(showConfigCommand());
}

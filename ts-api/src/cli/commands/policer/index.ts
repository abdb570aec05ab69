/* slipctl policer show|set */
import { Command } from 'commander';
import { policerSetCommand } from './set';
import { policerShowCommand } from './show';

export function policerCommands(): Command {
  return new Command('policer')
    .description('the punt policer: packets/s per port and punt class towards the vEth (protects the host stack)')
    .addCommand(policerShowCommand())
    .addCommand(policerSetCommand());
}

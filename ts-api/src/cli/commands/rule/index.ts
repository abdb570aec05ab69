/* slipctl rule add|del|list */
import { Command } from 'commander';
import { ruleAddCommand } from './add';
import { ruleDelCommand } from './del';
import { ruleListCommand } from './list';

export function ruleCommands(): Command {
  return new Command('rule')
    .description('match-action rules applied before the routes, with per-rule counters')
    .addCommand(ruleAddCommand())
    .addCommand(ruleDelCommand())
    .addCommand(ruleListCommand());
}

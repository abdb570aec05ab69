#!/usr/bin/env node
/*
 * slipctl: command line front end of the slipway TypeScript library.
 * This file only composes the command groups; each command lives in its own
 * file under commands/ (a feature's verbs in its folder, composed by its
 * index.ts); errors and exit codes are handled in errors.ts.
 */
import { Command, Option } from 'commander';
import { agentCommand } from './commands/agent';
import { applyCommand } from './commands/apply';
import { batchCommand } from './commands/batch';
import { captureCommand } from './commands/capture';
import { eventsCommand } from './commands/events';
import { explainCommand } from './commands/explain';
import { neighCommands } from './commands/neigh/index';
import { policerCommands } from './commands/policer/index';
import { portCommands } from './commands/port/index';
import { routeCommands } from './commands/route/index';
import { ruleCommands } from './commands/rule/index';
import { showCommands } from './commands/show/index';
import { startCommand } from './commands/start';
import { statsCommand } from './commands/stats';
import { statusCommand } from './commands/status';
import { stopCommand } from './commands/stop';
import { syncCommands } from './commands/sync';
import { traceCommand } from './commands/trace';
import { xconnectCommands } from './commands/xconnect/index';
import { runCli } from './errors';

const program = new Command('slipctl')
  .description('control slipwayd, the slipway DPDK dataplane')
  .option('-i, --instance <name>', 'dataplane instance', 'default')
  .option('--json', 'machine-readable output', false)
  .option('--log-json', 'log as JSON lines', false)
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['error', 'warn', 'info', 'verbose', 'debug', 'silly'])
      .default('warn'),
  )
  .option('--ctl-dir <dir>', 'directory of the control file (default /run/slipway)')
  .showHelpAfterError()
  .addCommand(startCommand())
  .addCommand(statusCommand())
  .addCommand(portCommands())
  .addCommand(xconnectCommands())
  .addCommand(routeCommands())
  .addCommand(neighCommands())
  .addCommand(ruleCommands())
  .addCommand(policerCommands())
  .addCommand(syncCommands())
  .addCommand(batchCommand())
  .addCommand(showCommands())
  .addCommand(applyCommand())
  .addCommand(agentCommand())
  .addCommand(statsCommand())
  .addCommand(eventsCommand())
  .addCommand(captureCommand())
  .addCommand(traceCommand())
  .addCommand(explainCommand())
  .addCommand(stopCommand());

// Let errors.ts decide the exit code, for subcommands too.
(function throwInsteadOfExit(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(throwInsteadOfExit);
})(program);

void runCli(program, process.argv);

/*
 * slipctl's command tree: the command groups composed, the global options,
 * the habits every command shares (exit codes from errors.ts, global
 * options in every help, a hint after a usage error). Each command lives
 * in its own file under commands/ (a feature's verbs in its folder,
 * composed by its index.ts).
 */
import { Command, Option } from 'commander';
import { agentCommand } from './commands/agent';
import { applyCommand } from './commands/apply';
import { batchCommand } from './commands/batch';
import { captureCommand } from './commands/capture';
import { completionCommand } from './commands/completion';
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
import { versionText } from './context';
import { EXIT_HELP } from './errors';

/** The whole command tree of slipctl, ready to parse. */
export function buildProgram(): Command {
  const program = new Command('slipctl')
    .description('control slipwayd, the slipway DPDK dataplane')
    .version(versionText(), '-V, --version', 'print the version of slipctl and of the control ABI it speaks')
    .option('-i, --instance <name>', 'dataplane instance', 'default')
    .option('--json', 'machine-readable output (64-bit counters as decimal strings)', false)
    .option('--log-json', 'log as JSON lines', false)
    .addOption(
      new Option('--log-level <level>', 'log level (logs go to stderr)')
        .choices(['error', 'warn', 'info', 'verbose', 'debug', 'silly'])
        .default('warn'),
    )
    .option('--ctl-dir <dir>', 'directory of the control file (default /run/slipway)')
    .addHelpText('after', `\n${EXIT_HELP}\n\nBash completion: source <(slipctl completion bash)`)
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
  program.addCommand(completionCommand(program));

  // Every command: errors.ts decides the exit code; its help shows the global
  // options; a usage error prints the help hint.
  (function operatorHabits(cmd: Command): void {
    cmd.exitOverride();
    cmd.configureHelp({ showGlobalOptions: true });
    cmd.showHelpAfterError('(add --help for the usage)');
    cmd.commands.forEach(operatorHabits);
  })(program);
  return program;
}

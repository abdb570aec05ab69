#!/usr/bin/env node
/*
 * slipctl: command line front end of the slipway TypeScript library.
 * This file only composes commands; each lives in commands/, errors and exit
 * codes are handled in errors.ts.
 */
import { Command, Option } from 'commander';
import { batchCommand } from './commands/batch';
import { eventsCommand } from './commands/events';
import { portAddCommand } from './commands/port-add';
import { portGetCommand } from './commands/port-get';
import { portListCommand } from './commands/port-list';
import { portSetCommand } from './commands/port-set';
import { portStateCommand } from './commands/port-state';
import { startCommand } from './commands/start';
import { statsCommand } from './commands/stats';
import { statusCommand } from './commands/status';
import { stopCommand } from './commands/stop';
import { xconnectAddCommand } from './commands/xconnect-add';
import { xconnectDelCommand } from './commands/xconnect-del';
import { xconnectListCommand } from './commands/xconnect-list';
import { neighAddCommand, neighDelCommand, neighListCommand } from './commands/neigh';
import { routeAddCommand, routeDelCommand, routeListCommand } from './commands/route';
import { ruleAddCommand, ruleDelCommand, ruleListCommand } from './commands/rule';
import { policerSetCommand, policerShowCommand } from './commands/policer';
import { syncCommands } from './commands/sync';
import { runCli } from './errors';

const port = new Command('port')
  .description('list, add, start, stop and configure ports')
  .addCommand(portListCommand())
  .addCommand(portGetCommand())
  .addCommand(portSetCommand())
  .addCommand(portStateCommand('start'))
  .addCommand(portStateCommand('stop'))
  .addCommand(portAddCommand());

const xconnect = new Command('xconnect')
  .description('fast-path cross-connects: everything from IN goes out of OUT')
  .addCommand(xconnectAddCommand())
  .addCommand(xconnectDelCommand())
  .addCommand(xconnectListCommand());

const route = new Command('route')
  .description('IPv4/IPv6 routes: longest-prefix match to next hops (ECMP), local addresses, blackholes')
  .addCommand(routeAddCommand())
  .addCommand(routeDelCommand())
  .addCommand(routeListCommand());

const neigh = new Command('neigh')
  .description('the neighbour table: IP -> MAC per port')
  .addCommand(neighAddCommand())
  .addCommand(neighDelCommand())
  .addCommand(neighListCommand());

const rule = new Command('rule')
  .description('match-action rules applied before the routes, with per-rule counters')
  .addCommand(ruleAddCommand())
  .addCommand(ruleDelCommand())
  .addCommand(ruleListCommand());

const policer = new Command('policer')
  .description('the punt policer: packets/s per port and punt class towards the vEth (protects the host stack)')
  .addCommand(policerShowCommand())
  .addCommand(policerSetCommand());

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
  .option('--ctl-dir <dir>', 'directory of the control file (default /dev/shm)')
  .showHelpAfterError()
  .addCommand(startCommand())
  .addCommand(statusCommand())
  .addCommand(port)
  .addCommand(xconnect)
  .addCommand(route)
  .addCommand(neigh)
  .addCommand(rule)
  .addCommand(policer)
  .addCommand(syncCommands())
  .addCommand(batchCommand())
  .addCommand(statsCommand())
  .addCommand(eventsCommand())
  .addCommand(stopCommand());

// Let errors.ts decide the exit code, for subcommands too.
(function throwInsteadOfExit(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(throwInsteadOfExit);
})(program);

void runCli(program, process.argv);

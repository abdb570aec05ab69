/*
 * What every command shares: the global options, the logger, and a
 * connection to the instance (a client slot named "slipctl") that is always
 * closed (releasing the slot).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type winston from 'winston';
import { connect, createLogger, type Slipway } from '../index';
import { PACKAGE_ROOT } from '../native';
import { CTL_ABI_VERSION } from '../wire/abi';

/** `slipctl --version`: the package's version and the control ABI this client speaks. */
export function versionText(): string {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    /* a copy without its package.json: say so rather than fail */
  }
  return `slipctl ${version} (control ABI ${CTL_ABI_VERSION})`;
}

export interface GlobalOptions {
  instance: string;
  json: boolean;
  logJson: boolean;
  logLevel: string;
  ctlDir?: string;
}

let logger: winston.Logger | undefined;

/** Global options as seen from any (sub)command. */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    instance: o.instance ?? 'default',
    json: o.json ?? false,
    logJson: o.logJson ?? false,
    logLevel: o.logLevel ?? 'warn',
    ctlDir: o.ctlDir,
  };
}

/** The CLI's logger (created on first use from the global options). */
export function cliLogger(g: GlobalOptions): winston.Logger {
  logger ??= createLogger({ json: g.logJson, level: g.logLevel }).child({ component: 'slipctl', instance: g.instance });
  return logger;
}

export function currentLogger(): winston.Logger | undefined {
  return logger;
}

/** Flushes and closes the logger's transports. */
export async function closeLogger(): Promise<void> {
  const l = logger;
  if (!l) {
    return;
  }

  logger = undefined;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    l.on('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    l.end();
  });
}

/** Connects to the instance, runs fn, and always closes the connection. */
export async function withSlipway<T>(g: GlobalOptions, fn: (sw: Slipway) => Promise<T>): Promise<T> {
  const sw = await connect(g.instance, { ctlDir: g.ctlDir, logger: cliLogger(g), name: 'slipctl' });
  try {
    return await fn(sw);
  } finally {
    await sw.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM (for commands that run until interrupted). */
export function interrupted(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (s: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    promise,
    dispose() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/*
 * The one place where slipctl turns errors into messages and exit codes.
 * Commands throw; the library never exits; main.ts calls runCli().
 */
import { CommanderError, type Command } from 'commander';
import { SlipwayError } from '../index';
import { closeLogger, currentLogger } from './context';

/** A command line that parses but makes no sense (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** Writes the error to stderr and returns the exit code for it. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message (or the help text)
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }

  if (error instanceof UsageError) {
    process.stderr.write(`slipctl: ${error.message}\n`);
    return EXIT_USAGE;
  }

  if (error instanceof SlipwayError) {
    process.stderr.write(`slipctl: ${error.message} (${error.code})\n`);
    currentLogger()?.debug('command failed', { code: error.code, stack: error.stack });
    return EXIT_FAILURE;
  }

  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`slipctl: unexpected error: ${err.message}\n`);
  currentLogger()?.debug('unexpected error', { stack: err.stack });
  return EXIT_FAILURE;
}

/** Parses argv, runs the command, flushes the logger and exits with the right code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  let code = EXIT_OK;
  try {
    await program.parseAsync(argv);
  } catch (error) {
    code = reportError(error);
  }

  await closeLogger();
  process.exit(code);
}

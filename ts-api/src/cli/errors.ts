/*
 * The one place where slipctl turns errors into messages and exit codes.
 * Commands throw; the library never exits; main.ts calls runCli().
 */
import { CommanderError, type Command } from 'commander';
import { type ErrorCode, SlipwayError } from '../index';
import { closeLogger, currentLogger } from './context';

/** A command line that parses but makes no sense (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** slipctl's exit codes, one per kind of outcome a script may act on. */
export const EXIT = {
  /** the command did what it was asked */
  OK: 0,
  /** it failed: the dataplane refused (the code in parentheses says why), a batch item failed, a timeout, ... */
  FAILED: 1,
  /** the command line, or a file it names, was rejected before connecting: nothing was sent */
  USAGE: 2,
  /** no dataplane runs for the instance (or it went away during the command) */
  NOT_RUNNING: 3,
  /** busy: every client slot of the control file is taken, or the dataplane answered BUSY; try again */
  BUSY: 4,
} as const;

/** The exit codes as `slipctl --help` and the README list them. */
export const EXIT_HELP = `Exit status:
  ${EXIT.OK}  done
  ${EXIT.FAILED}  failed (the dataplane refused: its code in parentheses; a batch item failed; a timeout)
  ${EXIT.USAGE}  usage: a bad option, argument or file, found before connecting (nothing was sent)
  ${EXIT.NOT_RUNNING}  not running: no dataplane for the instance, or it went away meanwhile
  ${EXIT.BUSY}  busy: all client slots are taken, or the dataplane answered BUSY; try again later`;

/** The exit code of a library error. */
export function exitCodeOf(code: ErrorCode): number {
  switch (code) {
    case 'BAD_ARGUMENT':
      return EXIT.USAGE;
    case 'NOT_RUNNING':
    case 'DATAPLANE_GONE':
      return EXIT.NOT_RUNNING;
    case 'BUSY':
      return EXIT.BUSY;
    default:
      return EXIT.FAILED;
  }
}

/** Writes the error to stderr and returns the exit code for it. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message (or the help text, or the version)
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }

  if (error instanceof UsageError) {
    process.stderr.write(`slipctl: ${error.message}\n`);
    return EXIT.USAGE;
  }

  if (error instanceof SlipwayError) {
    process.stderr.write(`slipctl: ${error.message} (${error.code})\n`);
    currentLogger()?.debug('command failed', { code: error.code, stack: error.stack });
    return exitCodeOf(error.code);
  }

  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`slipctl: unexpected error: ${err.message}\n`);
  currentLogger()?.debug('unexpected error', { stack: err.stack });
  return EXIT.FAILED;
}

/** Parses argv, runs the command, flushes the logger and exits with the right code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  let code: number = EXIT.OK;
  try {
    await program.parseAsync(argv);
  } catch (error) {
    code = reportError(error);
  }

  await closeLogger();
  process.exit(code);
}

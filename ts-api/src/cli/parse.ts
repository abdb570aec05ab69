/* Option and argument parsers shared by the commands (commander argParsers). */
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors';

export function parseIntArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) {
      throw new InvalidArgumentError(`"${value}" is not a number.`);
    }

    const n = Number(value);
    if (n < min || n > max) {
      throw new InvalidArgumentError(`${n} is not in ${min}..${max}.`);
    }

    return n;
  };
}

export const parsePort = parseIntArg(0, 0xfffe);

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`"${value}" is not a positive number of seconds.`);
  }

  return n;
}

/** For repeatable options: --port a --port b. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A port number inside a word (route next hops, rule actions): UsageError naming `what` otherwise. */
export function portNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`${what} "${text}" is not a port number`);
  }

  return Number(text);
}

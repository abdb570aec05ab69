/* Option and argument parsers shared by the commands (commander argParsers). */
import { InvalidArgumentError } from 'commander';

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

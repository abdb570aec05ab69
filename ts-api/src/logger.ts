/**
 * The one logger factory: winston with defaultMeta {component}, stack traces
 * of errors kept, readable colorized text on a terminal, JSON when asked
 * (and always in files). Use `logger.child({...})` for context.
 */
import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** JSON lines on the console instead of text (default false). */
  json?: boolean;
  /** Minimum level (default env SLIPWAY_LOG_LEVEL or 'info'). */
  level?: string;
  /** Also append JSON lines to this file. */
  file?: string;
  /** defaultMeta.component (default 'slipway'). */
  component?: string;
  /** Write console output to stderr (default true, so stdout stays data for CLIs). */
  stderr?: boolean;
  /** Discard everything (tests). */
  silent?: boolean;
}

const textFormat = (colors: boolean): winston.Logform.Format =>
  winston.format.combine(
    ...(colors ? [winston.format.colorize()] : []),
    winston.format.printf((info) => {
      const { timestamp, level, message, component, stack, ...rest } = info as Record<string, unknown>;
      const meta = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
      const comp = component ? ` [${String(component)}]` : '';
      const tail = stack ? `\n${String(stack)}` : '';
      return `${String(timestamp)} ${String(level)}${comp} ${String(message)}${meta}${tail}`;
    }),
  );

/** Creates a logger; see {@link LoggerOptions}. */
export function createLogger(opts: LoggerOptions = {}): winston.Logger {
  const level = opts.level ?? process.env.SLIPWAY_LOG_LEVEL ?? 'info';
  const useStderr = opts.stderr ?? true;
  const stream = useStderr ? process.stderr : process.stdout;
  const transports: winston.transport[] = [
    new winston.transports.Console({
      stderrLevels: useStderr ? Object.keys(winston.config.npm.levels) : [],
      format: opts.json ? winston.format.json() : textFormat(Boolean(stream.isTTY)),
    }),
  ];
  if (opts.file) {
    transports.push(new winston.transports.File({ filename: opts.file, format: winston.format.json() }));
  }
  return winston.createLogger({
    level,
    silent: opts.silent,
    defaultMeta: { component: opts.component ?? 'slipway' },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.splat(),
    ),
    transports,
  });
}

let fallback: winston.Logger | undefined;

/** The logger used when a caller passes none: warnings and errors to stderr. */
export function defaultLogger(): winston.Logger {
  fallback ??= createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' });
  return fallback;
}

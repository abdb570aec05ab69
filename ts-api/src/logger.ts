/**
 * Logging. The library logs through any object with debug/info/warn/error
 * methods (winston, pino, bunyan, console, ...) given as the `logger`
 * option, and is silent when given none. `createLogger` makes the winston
 * logger slipctl and the agent use: defaultMeta {component}, stack traces
 * of errors kept, readable colorized text on a terminal, JSON when asked
 * (and always in files).
 */
import winston from 'winston';

/** Context of a log line: plain data (instance, pid, slot, ...). */
export type LogMeta = Record<string, unknown>;

/**
 * What the library needs of a logger: four levels, each called with a
 * message and, sometimes, an object of context. `child`, when present
 * (winston, pino, bunyan), is used to add the instance name; otherwise it
 * is passed in the context object of every call.
 */
export interface Logger {
  error(message: string, meta?: LogMeta): unknown;
  warn(message: string, meta?: LogMeta): unknown;
  info(message: string, meta?: LogMeta): unknown;
  debug(message: string, meta?: LogMeta): unknown;
  child?(meta: LogMeta): Logger;
}

/** The logger of a library call given none: discards everything. */
export const silentLogger: Logger = Object.freeze({
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
});

/** The caller's logger, or the silent one. */
export function loggerOr(log: Logger | undefined): Logger {
  return log ?? silentLogger;
}

/**
 * `log` with `meta` added to every line: its own child() when it has one,
 * else a wrapper that merges `meta` into each call's context.
 */
export function withMeta(log: Logger | undefined, meta: LogMeta): Logger {
  const base = loggerOr(log);
  if (base === silentLogger) return base;
  if (typeof base.child === 'function') return base.child(meta);
  const wrap =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, m?: LogMeta): unknown =>
      base[level](message, m === undefined ? { ...meta } : { ...meta, ...m });
  return {
    error: wrap('error'),
    warn: wrap('warn'),
    info: wrap('info'),
    debug: wrap('debug'),
    child: (m: LogMeta) => withMeta(base, { ...meta, ...m }),
  };
}

/** Options of {@link createLogger}. */
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

/** Creates a winston logger (slipctl's and the agent's); see {@link LoggerOptions}. */
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

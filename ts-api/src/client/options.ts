/** What {@link connect} accepts, and the defaults the client falls back to. */
import { check } from '../errors';
import type { Logger } from '../logger';

/**
 * Options of every call that waits for the dataplane. `signal` ends the
 * wait: the call rejects with ABORTED (name 'AbortError'). A request
 * already written to the ring may still be applied, as after a TIMEOUT;
 * the items of a batch not yet written are not sent.
 */
export interface CallOptions {
  /** Ends the wait (ABORTED). */
  signal?: AbortSignal;
  /** Per-request timeout in ms (default: the client's `timeoutMs`); for batches, the longest wait without progress. */
  timeoutMs?: number;
}

/** Retry policy of {@link connect}: exponential backoff between attempts. */
export interface RetryOptions {
  /** Total attempts, the first included (default 5). */
  attempts?: number;
  /** Delay before the second attempt in ms (default 50); doubles each time. */
  initialDelayMs?: number;
  /** Upper bound of the delay in ms (default 2000). */
  maxDelayMs?: number;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * Directory of the control file (default /run/slipway). It must belong to
   * the control file's owner (root, or this user when not root) and grant
   * no group or other access.
   */
  ctlDir?: string;
  /**
   * What this client calls itself in its slot of the control file, as other
   * clients see it ("slipctl", "agent", ...; at most 31 bytes). Default: the
   * base name of the main script.
   */
  name?: string;
  /** Default per-request timeout in ms (default 5000); for batches, the longest wait without progress. */
  timeoutMs?: number;
  /**
   * Where the client logs (any object with debug/info/warn/error: winston,
   * pino, console, ...). Default: nothing is logged.
   */
  logger?: Logger;
  /** Ends connect() while it waits (retries): ABORTED. The client, once connected, is not tied to it. */
  signal?: AbortSignal;
  /**
   * Bound of the synchronous wait for a response on the JS thread, in µs
   * (default {@link DEFAULT_SPIN_US}; 0: always wait asynchronously). See
   * client/transport.ts for the latency/CPU trade-off.
   */
  spinUs?: number;
  /**
   * Part of spinUs spent busy-polling the ring before the synchronous futex
   * wait, in µs (default 0). Only worth it with a spare core: on a machine
   * where the JS thread shares a CPU with slipwayd's main lcore, polling
   * starves the dataplane and makes every round trip slower.
   */
  busyPollUs?: number;
  /** The dataplane counts as gone when its heartbeat is older than this, in ms (default 500). */
  heartbeatTimeoutMs?: number;
  /** Period of the heartbeat write and the dataplane watch, in ms (default 100). */
  watchIntervalMs?: number;
  /**
   * Retry while the instance is not running (yet) or all its client slots
   * are taken (BUSY), with exponential backoff. `true` uses the defaults of
   * {@link RetryOptions}. Other errors (INSECURE, ABI_MISMATCH,
   * BAD_ARGUMENT, NATIVE) fail at once.
   */
  retry?: RetryOptions | boolean;
  /**
   * Record the desired configuration made through this client and replay it
   * on a restarted dataplane of the same instance (see 'replayed').
   */
  replay?: boolean;
}

/** Default bound of the synchronous wait for a response, µs. */
export const DEFAULT_SPIN_US = 50;
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_HB_TIMEOUT_MS = 500;
export const DEFAULT_WATCH_MS = 100;

/** The retry policy of `r` with defaults filled in; undefined when there is none. */
export function resolveRetry(r: ConnectOptions['retry']): Required<RetryOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  const o = r === true ? {} : r;
  const attempts = o.attempts ?? 5;
  const initialDelayMs = o.initialDelayMs ?? 50;
  const maxDelayMs = o.maxDelayMs ?? 2000;
  check(
    Number.isInteger(attempts) && attempts >= 1,
    `bad retry.attempts ${JSON.stringify(attempts)}: expected an integer >= 1`,
  );
  check(
    Number.isFinite(initialDelayMs) && initialDelayMs >= 0,
    `bad retry.initialDelayMs ${JSON.stringify(initialDelayMs)}`,
  );
  check(
    Number.isFinite(maxDelayMs) && maxDelayMs >= initialDelayMs,
    `bad retry.maxDelayMs ${JSON.stringify(maxDelayMs)}: expected >= initialDelayMs`,
  );
  return { attempts, initialDelayMs, maxDelayMs };
}

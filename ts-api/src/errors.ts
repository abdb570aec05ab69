import { STATUS_NAMES } from './wire/abi/status';

/**
 * Every error code a slipway call can fail with, in one place.
 *
 * The first group mirrors the dataplane's response statuses (SW_STATUS_LIST
 * in slipway_ctl.h, minus OK); the second group is raised by this library.
 */
export const ERROR_CODES = {
  // dataplane statuses
  MALFORMED: 'the dataplane could not parse the request',
  UNKNOWN_OP: 'the dataplane does not know the operation',
  NO_PORT: 'no such port',
  INVALID: 'invalid argument (dataplane)',
  RANGE: 'value out of range (dataplane)',
  EXISTS: 'already exists',
  NOT_FOUND: 'not found',
  NO_SPACE: 'no space left',
  BUSY: 'busy (from the dataplane), or every client slot of the control file is in use',
  DEVICE: 'the device refused the operation',
  STATE: 'wrong state',
  // client side
  INSECURE: 'the control file or its directory has an owner, mode or type another user could forge',
  SLOT_LOST: 'the dataplane freed this client slot (heartbeat too old): requests in flight on it were lost',
  NOT_RUNNING: 'no running dataplane for this instance',
  TIMEOUT: 'the dataplane did not answer in time',
  ABI_MISMATCH: 'the control file has another magic or ABI version',
  DATAPLANE_GONE: 'the dataplane process went away',
  LAUNCH_FAILED: 'slipwayd could not be started',
  BAD_ARGUMENT: 'an argument was rejected before sending',
  NATIVE: 'the native addon failed or could not be loaded',
  PROTOCOL: 'the dataplane sent something this library cannot decode',
  CLOSED: 'the client was closed',
  ABORTED: 'the caller aborted the wait with its AbortSignal (the error is also named AbortError)',
  BATCH_FAILED: 'some items of a batch failed (BatchError.failures lists each with its own error)',
  REPLAY_FAILED: 'the desired configuration could not be replayed on a restarted dataplane',
} as const;

/** A stable error code (see {@link ERROR_CODES}). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type of the library: `code` is stable, `message` names the object. */
export class SlipwayError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Dataplane status value when the error came from a response. */
  readonly status?: number;

  /**
   * @param code stable code from {@link ERROR_CODES}
   * @param message human-readable text naming what was wrong
   * @param opts.status dataplane status value, when the error is a response
   * @param opts.cause underlying error
   */
  constructor(code: ErrorCode, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    // ABORTED keeps the name every Node API gives an abort, so `e.name === 'AbortError'` works too
    this.name = code === 'ABORTED' ? 'AbortError' : 'SlipwayError';
    this.code = code;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** True when `e` is a {@link SlipwayError}, optionally with the given code. */
export function isSlipwayError(e: unknown, code?: ErrorCode): e is SlipwayError {
  return e instanceof SlipwayError && (code === undefined || e.code === code);
}

/**
 * The error for a non-OK response: code from the status name, message from
 * the dataplane's UTF-8 payload (or the status description when empty).
 */
export function statusError(status: number, text: string, what?: string): SlipwayError {
  const name = STATUS_NAMES[status];
  if (name === undefined || name === 'OK') {
    return new SlipwayError(
      'PROTOCOL',
      `${what ? what + ': ' : ''}unknown status ${status}${text ? ': ' + text : ''}`,
      {
        status,
      },
    );
  }
  const msg = text || ERROR_CODES[name];
  return new SlipwayError(name, what ? `${what}: ${msg}` : msg, { status });
}

/** Throws BAD_ARGUMENT naming the value unless `ok`. */
export function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new SlipwayError('BAD_ARGUMENT', message);
}

/**
 * The error of a wait its AbortSignal ended: code ABORTED, name
 * 'AbortError' (as Node's own APIs), the signal's reason as its cause.
 */
export function abortError(signal: AbortSignal, what: string): SlipwayError {
  const reason: unknown = signal.reason;
  const why =
    reason instanceof Error && reason.name !== 'AbortError'
      ? `: ${reason.message}`
      : typeof reason === 'string'
        ? `: ${reason}`
        : '';
  return new SlipwayError('ABORTED', `${what}: aborted${why}`, { cause: reason });
}

/** Throws {@link abortError} when `signal` is aborted already. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

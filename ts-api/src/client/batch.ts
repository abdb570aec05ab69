/**
 * The outcome of a batch: every item's own status, and the error that lists
 * the failed ones. Built by the transport when the last answer arrives.
 */
import { STATUS_NAMES, STATUS_OK } from '../wire/abi/status';
import { decodeErrorText } from '../wire/message';
import { SlipwayError, statusError } from '../errors';

/** One failed item of a batch (see {@link BatchResult.failures}). */
export interface BatchFailure {
  /** Index of the item in the batch. */
  index: number;
  /** The dataplane's status value. */
  status: number;
  /** The status as an error: stable code and the dataplane's message. */
  error: SlipwayError;
}

const EMPTY = new Uint8Array(0);

/**
 * Statuses and payloads of a completed batch, indexed like the items that
 * were sent. Payloads are kept only for items whose response carried bytes
 * (errors carry their message; OK cross-connect answers carry none), so a
 * batch of a million successful table updates holds one Uint32Array.
 */
export class BatchResult {
  /** Number of items. */
  readonly length: number;
  /** Status of each item (0 = OK, else a value of SW_STATUS_LIST). */
  readonly statuses: Uint32Array;
  /** Number of items whose status is not OK. */
  readonly failed: number;
  private readonly payloads: Map<number, Uint8Array>;
  private readonly what: string;

  /** @internal built by the client when the last response arrives. */
  constructor(what: string, statuses: Uint32Array, payloads: Map<number, Uint8Array>) {
    this.what = what;
    this.length = statuses.length;
    this.statuses = statuses;
    this.payloads = payloads;
    let failed = 0;
    for (let i = 0; i < statuses.length; i++) if (statuses[i] !== STATUS_OK) failed++;
    this.failed = failed;
  }

  /** True when every item succeeded. */
  get ok(): boolean {
    return this.failed === 0;
  }

  /** Status of item `i`. */
  status(i: number): number {
    return this.statuses[i];
  }

  /** Response payload of item `i` (an empty array when it carried none). */
  payload(i: number): Uint8Array {
    return this.payloads.get(i) ?? EMPTY;
  }

  /** The error of item `i`, or undefined when it succeeded. */
  error(i: number): SlipwayError | undefined {
    const st = this.statuses[i];
    if (st === STATUS_OK) return undefined;
    return statusError(st, decodeErrorText(this.payload(i)), `${this.what}: item ${i}`);
  }

  /** Every failed item, in index order. */
  failures(): BatchFailure[] {
    const out: BatchFailure[] = [];
    for (let i = 0; i < this.length; i++) {
      const st = this.statuses[i];
      if (st !== STATUS_OK) out.push({ index: i, status: st, error: this.error(i) as SlipwayError });
    }
    return out;
  }

  /** Counts of statuses by name, e.g. { OK: 998, EXISTS: 2 }. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.length; i++) {
      const name = STATUS_NAMES[this.statuses[i]] ?? `status ${this.statuses[i]}`;
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  }

  /**
   * Throws a {@link BatchError} (code BATCH_FAILED) listing every failed
   * item when any failed; returns this otherwise.
   */
  throwIfFailed(): this {
    if (this.failed > 0) throw new BatchError(this.what, this.failures(), this.length);
    return this;
  }
}

/**
 * An AggregateError-like SlipwayError (code BATCH_FAILED): `failures` holds
 * each failed item with its index and its own error.
 */
export class BatchError extends SlipwayError {
  /** The failed items. */
  readonly failures: BatchFailure[];

  /**
   * @param what the batch ("xconnect add of 1000 pairs")
   * @param failures the failed items
   * @param total number of items in the batch
   */
  constructor(what: string, failures: BatchFailure[], total: number) {
    const shown = failures.slice(0, 5).map((f) => `#${f.index} ${f.error.code}: ${f.error.message}`);
    const more = failures.length > shown.length ? `; and ${failures.length - shown.length} more` : '';
    super('BATCH_FAILED', `${what}: ${failures.length} of ${total} items failed: ${shown.join('; ')}${more}`);
    this.name = 'BatchError';
    this.failures = failures;
  }
}

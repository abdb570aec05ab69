/**
 * Batched requests: many requests written straight into the request ring,
 * each answered with its own status.
 *
 * A batch is not a message of its own: the dataplane serves up to ~1024
 * queued requests per pass (group commit: table changes applied, the
 * fast-path config published once, then all responses published with one
 * wake), so keeping the request ring full *is* the batching on the wire.
 * The library encodes items in place (no per-item object, no per-item
 * Promise), publishes them in chunks with one wake each, and collects the
 * statuses in a typed array.
 */
import { Op, STATUS_NAMES, STATUS_OK } from './abi';
import { checkPort, decodeErrorText } from './codec';
import { SlipwayError, check, statusError } from './errors';
import { PortRef, XConnectMsg } from './abi';

/**
 * Where the items of a batch come from: the op code, payload length and
 * payload bytes of item `i`, written in place into the ring's data area.
 * @internal
 */
export interface BatchSource {
  readonly count: number;
  /** What the batch is, for error messages ("xconnect add of 1000 pairs"). */
  readonly what: string;
  op(i: number): number;
  payloadLen(i: number): number;
  write(i: number, view: DataView, bytes: Uint8Array, off: number): void;
}

/** One request of {@link Slipway.requestMany}: an op code and its raw payload. */
export interface BatchRequest {
  op: number;
  payload?: Uint8Array;
}

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

/* ---------------- item sources ---------------- */

/** Raw requests (requestMany): payloads copied as given. @internal */
export class RawSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  constructor(private readonly items: readonly BatchRequest[]) {
    check(Array.isArray(items), 'bad batch: expected an array of {op, payload}');
    items.forEach((r, i) => {
      check(r !== null && typeof r === 'object', `bad batch item #${i}: expected {op, payload}`);
      check(
        Number.isInteger(r.op) && r.op >= 0 && r.op <= 0xffff,
        `bad batch item #${i}: op ${JSON.stringify(r.op)} is not an integer 0..0xffff`,
      );
      check(
        r.payload === undefined || r.payload instanceof Uint8Array,
        `bad batch item #${i}: payload is not a Uint8Array`,
      );
    });
    this.count = items.length;
    this.what = `batch of ${items.length} requests`;
  }
  op(i: number): number {
    return this.items[i].op;
  }
  payloadLen(i: number): number {
    return this.items[i].payload?.byteLength ?? 0;
  }
  write(i: number, _view: DataView, bytes: Uint8Array, off: number): void {
    const p = this.items[i].payload;
    if (p !== undefined && p.byteLength > 0) bytes.set(p, off);
  }
}

/** A cross-connect pair as accepted by the batch methods: {inPort, outPort} or [in, out]. */
export type XConnectPair = { inPort: number; outPort: number } | readonly [number, number];

/** XC_ADD of many pairs, encoded in place from two port arrays. @internal */
export class XcAddSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  private readonly ins: Uint16Array;
  private readonly outs: Uint16Array;
  constructor(pairs: readonly XConnectPair[]) {
    check(Array.isArray(pairs), 'bad cross-connect pairs: expected an array');
    const n = pairs.length;
    this.ins = new Uint16Array(n);
    this.outs = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const p = pairs[i];
      const inPort = Array.isArray(p) ? p[0] : (p as { inPort: number }).inPort;
      const outPort = Array.isArray(p) ? p[1] : (p as { outPort: number }).outPort;
      checkPort(inPort, `in port of pair #${i}`);
      checkPort(outPort, `out port of pair #${i}`);
      this.ins[i] = inPort;
      this.outs[i] = outPort;
    }
    this.count = n;
    this.what = `xconnect add of ${n} pairs`;
  }
  op(_i?: number): number {
    return Op.XC_ADD;
  }
  payloadLen(_i?: number): number {
    return XConnectMsg.SIZE;
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off + XConnectMsg.in_port, this.ins[i], true);
    v.setUint16(off + XConnectMsg.out_port, this.outs[i], true);
    v.setUint32(off + XConnectMsg.reserved, 0, true);
  }
  /** Pair `i` (for the replay record). */
  pair(i: number): [number, number] {
    return [this.ins[i], this.outs[i]];
  }
}

/** XC_DEL of many in-ports. @internal */
export class XcDelSource implements BatchSource {
  readonly count: number;
  readonly what: string;
  private readonly ins: Uint16Array;
  constructor(inPorts: readonly number[]) {
    check(Array.isArray(inPorts), 'bad in ports: expected an array');
    this.ins = new Uint16Array(inPorts.length);
    inPorts.forEach((p, i) => {
      checkPort(p, `in port #${i}`);
      this.ins[i] = p;
    });
    this.count = inPorts.length;
    this.what = `xconnect remove of ${inPorts.length} ports`;
  }
  op(_i?: number): number {
    return Op.XC_DEL;
  }
  payloadLen(_i?: number): number {
    return PortRef.SIZE;
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off + PortRef.port, this.ins[i], true);
    v.setUint16(off + PortRef.reserved0, 0, true);
    v.setUint32(off + PortRef.reserved1, 0, true);
  }
  /** In-port of item `i`. */
  port(i: number): number {
    return this.ins[i];
  }
}

/**
 * Cross-connect updates alternating add and remove of the same in-port
 * (add in->out, remove in, add in->out, ...): `count` requests. Used by the
 * benchmark and by tests of the batching path. @internal
 */
export class XcChurnSource implements BatchSource {
  readonly what: string;
  constructor(
    readonly count: number,
    private readonly inPort: number,
    private readonly outPort: number,
  ) {
    check(Number.isInteger(count) && count >= 0, `bad count ${JSON.stringify(count)}`);
    checkPort(inPort, 'in port');
    checkPort(outPort, 'out port');
    this.what = `xconnect churn of ${count} updates on port ${inPort}`;
  }
  op(i: number): number {
    return (i & 1) === 0 ? Op.XC_ADD : Op.XC_DEL;
  }
  payloadLen(_i?: number): number {
    return 8; // sizeof(struct sw_xconnect) == sizeof(struct sw_port_ref)
  }
  write(i: number, v: DataView, _b: Uint8Array, off: number): void {
    v.setUint16(off, this.inPort, true);
    v.setUint16(off + 2, (i & 1) === 0 ? this.outPort : 0, true);
    v.setUint32(off + 4, 0, true);
  }
}

/**
 * Where the items of a batch come from. A batch is not a message of its
 * own: the dataplane serves the queued requests of a pass together (group
 * commit: table changes applied, the fast-path configuration published
 * once, all responses published with one wake), so keeping the request
 * ring full *is* the batching on the wire. A source writes each item's
 * payload straight into the ring's data area: no per-item object or
 * Promise. The codecs of each feature provide their sources; the client
 * sends them (client/transport.ts).
 */
import { check } from '../errors';

/**
 * The op code, payload length and payload bytes of item `i`, written in
 * place into the ring's data area.
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

/** Raw requests (requestMany): payloads copied as given. */
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

/**
 * A batch validated and packed up front: `count` payloads of `size` bytes
 * in one buffer, written to the ring by copy. Subclasses fill `buf`.
 */
export abstract class PackedSource implements BatchSource {
  protected readonly buf: Uint8Array;

  constructor(
    readonly count: number,
    readonly what: string,
    private readonly opCode: number,
    protected readonly size: number,
  ) {
    this.buf = new Uint8Array(count * size);
  }

  op(_i?: number): number {
    return this.opCode;
  }

  payloadLen(_i?: number): number {
    return this.size;
  }

  write(i: number, _v: DataView, b: Uint8Array, off: number): void {
    b.set(this.buf.subarray(i * this.size, (i + 1) * this.size), off);
  }

  /** Payload of item `i`. */
  encode(i = 0): Uint8Array {
    return this.buf.slice(i * this.size, (i + 1) * this.size);
  }
}

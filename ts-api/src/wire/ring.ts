/**
 * SPSC byte ring over a mapped (or plain) ArrayBuffer, as described in
 * slipway_ctl.h: struct sw_ring header at `offset`, data area of `size`
 * (power of two) bytes at offset + RING_DATA_OFF, free-running u32 byte
 * indices, messages aligned to 8 and never wrapping (a PAD message fills the
 * rest of the area instead).
 *
 * One instance is used by one side only: a client produces on its slot's
 * request ring and consumes its response ring. Works on any ArrayBuffer so
 * it can be tested without the daemon.
 *
 * The indices and message headers are written by another process: every
 * length is checked against the bytes published and the bytes left before
 * the end of the area before it is used (or rounded up), so a corrupt ring
 * fails with PROTOCOL and never makes a reader loop or read outside it.
 */
import { ControlOps, MSG_HDR_SIZE, MsgHdr, RING_DATA_OFF, RingHdr, msgAlign } from './abi/control';
import type { Message } from './message';
import { SlipwayError } from '../errors';

/** Futex wake hook (the native addon's futexWake, or a stub in tests). */
export type WakeFn = (buf: ArrayBuffer, byteOffset: number, count: number) => number;

/**
 * Visitor of {@link Ring.drain}: one call per message, with the payload at
 * `ring.data[off .. off + len)`. The bytes are only valid during the call
 * (the consumer index is released after the drain).
 */
export type DrainFn = (type: number, seq: number, status: number, off: number, len: number) => void;

const I_PROD = RingHdr.prod / 4;
const I_CONS = RingHdr.cons / 4;
const I_WAKE = RingHdr.wake / 4;
const I_SLEEPERS = RingHdr.sleepers / 4;
const I_SIZE = RingHdr.size / 4;

const EMPTY = new Uint8Array(0);

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 16 && (n & (n - 1)) === 0;
}

export class Ring {
  /** Buffer holding the ring. */
  readonly buffer: ArrayBuffer;
  /** Offset of struct sw_ring in the buffer. */
  readonly offset: number;
  /** Data area size in bytes (power of two). */
  readonly size: number;
  /** Name used in error messages ("request ring"). */
  readonly name: string;
  /** The data area (payload bytes of reserve() and drain() are at offsets into it). */
  readonly data: Uint8Array;
  /** DataView over the data area. */
  readonly view: DataView;
  private readonly ctl: Int32Array;
  private readonly mask: number;
  private readonly wakeFn?: WakeFn;
  /** Producer index of an open batch (written, not yet published); -1 when none is open. */
  private wprod = -1;

  /**
   * Attaches to the ring whose header is at `offset` of `buffer`.
   * @param size data area size (from the control header); checked against ring.size when that is non-zero
   * @param opts.wake called as wake(buffer, offset of ring.wake, 1) after producing when ring.sleepers != 0
   */
  constructor(buffer: ArrayBuffer, offset: number, size: number, opts: { wake?: WakeFn; name?: string } = {}) {
    this.name = opts.name ?? 'ring';
    if (!isPow2(size)) throw new SlipwayError('PROTOCOL', `${this.name}: size ${size} is not a power of two`);
    if (offset % 64 !== 0 || offset + RING_DATA_OFF + size > buffer.byteLength) {
      throw new SlipwayError(
        'PROTOCOL',
        `${this.name}: offset ${offset} + ${RING_DATA_OFF + size} bytes does not fit in ${buffer.byteLength} bytes`,
      );
    }
    this.buffer = buffer;
    this.offset = offset;
    this.size = size;
    this.mask = size - 1;
    this.ctl = new Int32Array(buffer, offset, RING_DATA_OFF / 4);
    const declared = Atomics.load(this.ctl, I_SIZE) >>> 0;
    if (declared !== 0 && declared !== size) {
      throw new SlipwayError('PROTOCOL', `${this.name}: ring.size is ${declared}, control header says ${size}`);
    }
    this.data = new Uint8Array(buffer, offset + RING_DATA_OFF, size);
    this.view = new DataView(buffer, offset + RING_DATA_OFF, size);
    this.wakeFn = opts.wake;
  }

  /** Zeroes a ring header and sets ring.size (fake dataplanes and tests). */
  static init(buffer: ArrayBuffer, offset: number, size: number): void {
    new Uint8Array(buffer, offset, RING_DATA_OFF).fill(0);
    new DataView(buffer, offset, RING_DATA_OFF).setUint32(RingHdr.size, size, true);
  }

  /** Producer index (load-acquire). */
  get prod(): number {
    return Atomics.load(this.ctl, I_PROD) >>> 0;
  }

  /** Consumer index (load-acquire). */
  get cons(): number {
    return Atomics.load(this.ctl, I_CONS) >>> 0;
  }

  /** Bytes in use (published, not yet consumed). */
  used(): number {
    return (this.prod - this.cons) >>> 0;
  }

  /** True when there is nothing to consume. */
  isEmpty(): boolean {
    return this.prod === this.cons;
  }

  /** Byte offset of the `wake` futex word in the buffer. */
  get wakeOffset(): number {
    return this.offset + RingHdr.wake;
  }

  /** Current value of the wake word (read before sleeping on it). */
  wakeValue(): number {
    return Atomics.load(this.ctl, I_WAKE);
  }

  /** Consumer side: announce (1) or withdraw (0) a sleeper on the wake word. */
  setSleepers(n: number): void {
    Atomics.store(this.ctl, I_SLEEPERS, n);
  }

  /** Consumer side: drop everything published so far (cons = prod). */
  skipAll(): void {
    Atomics.store(this.ctl, I_CONS, Atomics.load(this.ctl, I_PROD));
  }

  /**
   * Producer side: publishes one message. Returns false (and writes
   * nothing) when the ring has not enough free space right now. A batch
   * opened by reserve() is published along with it.
   */
  produce(m: { type: number; seq: number; flags?: number; status?: number; payload?: Uint8Array }): boolean {
    const payload = m.payload ?? EMPTY;
    const off = this.reserve(m.type, m.seq, payload.byteLength, m.flags ?? 0, m.status ?? 0);
    if (off < 0) return false;
    this.data.set(payload, off);
    this.commit();
    return true;
  }

  /**
   * Producer side, batched: writes the header of one message of
   * `payloadLen` bytes (and a PAD before it when it would not fit before
   * the end) without publishing it, and returns the offset in {@link data}
   * where the caller writes the payload; -1 when the ring has no room now.
   * Messages reserved so far become visible to the consumer together, with
   * one wake, at {@link commit}. No allocation.
   */
  reserve(type: number, seq: number, payloadLen: number, flags = 0, status = 0): number {
    const len = MSG_HDR_SIZE + payloadLen;
    // len first: (len + 7) & ~7 wraps to a small number in 32 bits for len near 2^32
    if (!(len <= this.size) || ((len + 7) & ~7) > this.size) {
      throw new SlipwayError(
        'BAD_ARGUMENT',
        `${this.name}: message of ${len} bytes does not fit a ${this.size}-byte ring`,
      );
    }
    const cons = Atomics.load(this.ctl, I_CONS) >>> 0; // acquire: consumer is done with those bytes
    let prod = this.wprod >= 0 ? this.wprod : Atomics.load(this.ctl, I_PROD) >>> 0;
    const free = this.size - ((prod - cons) >>> 0);
    const alen = (len + 7) & ~7;
    let pos = prod & this.mask;
    const toEnd = this.size - pos;
    const padLen = alen > toEnd ? toEnd : 0;
    if (padLen + alen > free) return -1;
    if (padLen > 0) {
      this.writePad(pos, padLen);
      prod = (prod + padLen) >>> 0;
      pos = 0;
    }
    const v = this.view;
    v.setUint32(pos + MsgHdr.len, len, true);
    v.setUint16(pos + MsgHdr.type, type, true);
    v.setUint16(pos + MsgHdr.flags, flags, true);
    v.setUint32(pos + MsgHdr.seq, seq >>> 0, true);
    v.setUint32(pos + MsgHdr.status, status >>> 0, true);
    this.wprod = (prod + alen) >>> 0;
    return pos + MSG_HDR_SIZE;
  }

  /**
   * Producer side: publishes everything reserve() wrote since the last
   * commit (one store-release of prod, one futex wake if the consumer
   * sleeps). Returns false when there was nothing to publish.
   */
  commit(): boolean {
    if (this.wprod < 0) return false;
    const p = this.wprod;
    this.wprod = -1;
    this.publish(p);
    return true;
  }

  /** Free bytes a message of `payloadLen` needs right now, PAD included. */
  fits(payloadLen: number): boolean {
    const alen = msgAlign(MSG_HDR_SIZE + payloadLen);
    const prod = this.wprod >= 0 ? this.wprod : this.prod;
    const free = this.size - ((prod - this.cons) >>> 0);
    const toEnd = this.size - (prod & this.mask);
    return (alen > toEnd ? toEnd : 0) + alen <= free;
  }

  // A PAD covering [pos, end). When only 8 bytes are left, a full header
  // does not fit: len and type (the first 8 bytes) are still written, and
  // consumers treat fewer than MSG_HDR_SIZE bytes before the end as padding.
  private writePad(pos: number, padLen: number): void {
    const v = this.view;
    v.setUint32(pos + MsgHdr.len, padLen, true);
    v.setUint16(pos + MsgHdr.type, ControlOps.PAD, true);
    v.setUint16(pos + MsgHdr.flags, 0, true);
    if (padLen >= MSG_HDR_SIZE) {
      v.setUint32(pos + MsgHdr.seq, 0, true);
      v.setUint32(pos + MsgHdr.status, 0, true);
    }
  }

  private publish(prod: number): void {
    Atomics.store(this.ctl, I_PROD, prod | 0); // release: message bytes before index
    Atomics.add(this.ctl, I_WAKE, 1);
    if (Atomics.load(this.ctl, I_SLEEPERS) !== 0 && this.wakeFn) {
      this.wakeFn(this.buffer, this.offset + RingHdr.wake, 1);
    }
  }

  /**
   * Consumer side, without allocating: calls `fn` for every published
   * message (PAD skipped), at most `max`, then releases the consumer index
   * once. Returns the number of messages visited. Throws PROTOCOL on a
   * corrupt message (after releasing what was visited).
   */
  drain(fn: DrainFn, max = 0x7fffffff): number {
    const prod = Atomics.load(this.ctl, I_PROD) >>> 0; // acquire
    const start = Atomics.load(this.ctl, I_CONS) >>> 0;
    let cons = start;
    let n = 0;
    const v = this.view;
    try {
      while (cons !== prod && n < max) {
        const avail = (prod - cons) >>> 0;
        if (avail > this.size || (cons & 7) !== 0) {
          throw new SlipwayError('PROTOCOL', `${this.name}: bad indices prod=${prod} cons=${cons}`);
        }
        const pos = cons & this.mask;
        const toEnd = this.size - pos;
        if (toEnd < MSG_HDR_SIZE) {
          if (avail < toEnd) throw new SlipwayError('PROTOCOL', `${this.name}: truncated padding at ${cons}`);
          cons = (cons + toEnd) >>> 0;
          continue;
        }
        const len = v.getUint32(pos + MsgHdr.len, true);
        const type = v.getUint16(pos + MsgHdr.type, true);
        if (type === ControlOps.PAD) {
          if (avail < toEnd) throw new SlipwayError('PROTOCOL', `${this.name}: truncated PAD at ${cons}`);
          cons = (cons + toEnd) >>> 0;
          continue;
        }
        // len is checked against the space left before it is rounded up:
        // (len + 7) & ~7 wraps to 0 in 32 bits for len >= 0xfffffff9
        if (len < MSG_HDR_SIZE || len > toEnd || msgAlign(len) > toEnd || msgAlign(len) > avail) {
          throw new SlipwayError(
            'PROTOCOL',
            `${this.name}: bad message length ${len} at index ${cons} (${avail} bytes published, ${toEnd} to the end)`,
          );
        }
        fn(
          type,
          v.getUint32(pos + MsgHdr.seq, true),
          v.getUint32(pos + MsgHdr.status, true),
          pos + MSG_HDR_SIZE,
          len - MSG_HDR_SIZE,
        );
        cons = (cons + msgAlign(len)) >>> 0;
        n++;
      }
    } finally {
      if (cons !== start) Atomics.store(this.ctl, I_CONS, cons | 0); // release: producer may reuse the bytes
    }
    return n;
  }

  /**
   * Consumer side: takes the next message (payload copied out), skipping
   * PAD. Returns null when the ring is empty. Throws PROTOCOL on a corrupt
   * message (the ring cannot be resynchronised after that).
   */
  consume(): Message | null {
    for (;;) {
      const prod = Atomics.load(this.ctl, I_PROD) >>> 0; // acquire
      let cons = Atomics.load(this.ctl, I_CONS) >>> 0;
      const avail = (prod - cons) >>> 0;
      if (avail === 0) return null;
      if (avail > this.size || cons % 8 !== 0) {
        throw new SlipwayError('PROTOCOL', `${this.name}: bad indices prod=${prod} cons=${cons}`);
      }
      const pos = cons & this.mask;
      const toEnd = this.size - pos;
      if (toEnd < MSG_HDR_SIZE) {
        // Too little room for a header: implicit padding to the end.
        if (avail < toEnd) throw new SlipwayError('PROTOCOL', `${this.name}: truncated padding at ${cons}`);
        Atomics.store(this.ctl, I_CONS, (cons + toEnd) | 0);
        continue;
      }
      const v = this.view;
      const len = v.getUint32(pos + MsgHdr.len, true);
      const type = v.getUint16(pos + MsgHdr.type, true);
      if (type === ControlOps.PAD) {
        if (avail < toEnd) throw new SlipwayError('PROTOCOL', `${this.name}: truncated PAD at ${cons}`);
        Atomics.store(this.ctl, I_CONS, (cons + toEnd) | 0);
        continue;
      }
      if (len < MSG_HDR_SIZE || len > toEnd || msgAlign(len) > toEnd || msgAlign(len) > avail) {
        throw new SlipwayError(
          'PROTOCOL',
          `${this.name}: bad message length ${len} at index ${cons} (${avail} bytes published, ${toEnd} to the end)`,
        );
      }
      const msg: Message = {
        type,
        flags: v.getUint16(pos + MsgHdr.flags, true),
        seq: v.getUint32(pos + MsgHdr.seq, true),
        status: v.getUint32(pos + MsgHdr.status, true),
        payload: this.data.slice(pos + MSG_HDR_SIZE, pos + len),
      };
      cons = (cons + msgAlign(len)) >>> 0;
      Atomics.store(this.ctl, I_CONS, cons | 0); // release: producer may reuse the bytes
      return msg;
    }
  }
}

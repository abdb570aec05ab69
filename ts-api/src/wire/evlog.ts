/**
 * The event log (slipway_ctl.h, struct sw_evt_record): `records` fixed
 * records the dataplane overwrites in turn, event `seq` in record
 * `seq % records`, and `header.evt_next` the number of the next event.
 * Every reader keeps its own cursor (the next seq it wants) and learns how
 * many events it missed: those overwritten before it came to read them,
 * and those overwritten while it was reading them (the record's seq, read
 * before and after the copy, is not the cursor any more).
 *
 * A reader never waits for the writer and reads at most `records` records
 * per call, so a corrupt header (evt_next anywhere) costs one bounded pass
 * and a missed count, never a loop. A record whose length does not fit is
 * PROTOCOL.
 */
import { CtlHeader, EVT_PAYLOAD_MAX, EVT_RECORD_SIZE, EVT_WRITING, EvtRecord } from './abi/control';
import { SlipwayError } from '../errors';

/** One event as read from the log (payload copied out). */
export interface EventRecord {
  seq: bigint;
  type: number;
  payload: Uint8Array;
}

/** What one {@link EventLog.read} found. */
export interface EventLogRead {
  /** events in order */
  records: EventRecord[];
  /** events lost between the previous cursor and these (overwritten before or while read) */
  missed: bigint;
  /** the first seq that was missed (when missed > 0) */
  missedFrom: bigint;
  /** the cursor after this read */
  cursor: bigint;
}

const I_EVT_NEXT = CtlHeader.evt_next / 8;
const I_EVT_WAKE = CtlHeader.evt_wake / 4;
const I_EVT_SLEEPERS = CtlHeader.evt_sleepers / 4;

export class EventLog {
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly records: number;
  private readonly mask: bigint;
  private readonly hdr32: Int32Array;
  private readonly hdr64: BigInt64Array;
  private readonly seqs: BigInt64Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  /**
   * The log at `offset` of `buffer` with `records` records of
   * EVT_RECORD_SIZE bytes (offset and count as the validated header says);
   * the header with evt_next, evt_wake and evt_sleepers at offset 0.
   */
  constructor(buffer: ArrayBuffer, offset: number, records: number) {
    if (!Number.isInteger(records) || records < 1 || (records & (records - 1)) !== 0) {
      throw new SlipwayError('PROTOCOL', `event log: ${records} records is not a power of two`);
    }
    if (offset % 64 !== 0 || offset + records * EVT_RECORD_SIZE > buffer.byteLength) {
      throw new SlipwayError(
        'PROTOCOL',
        `event log: ${records} records at ${offset} do not fit in ${buffer.byteLength} bytes`,
      );
    }
    this.buffer = buffer;
    this.offset = offset;
    this.records = records;
    this.mask = BigInt(records - 1);
    this.hdr32 = new Int32Array(buffer, 0, CtlHeader.SIZE / 4);
    this.hdr64 = new BigInt64Array(buffer, 0, CtlHeader.SIZE / 8);
    this.seqs = new BigInt64Array(buffer, offset, (records * EVT_RECORD_SIZE) / 8);
    this.bytes = new Uint8Array(buffer, offset, records * EVT_RECORD_SIZE);
    this.view = new DataView(buffer, offset, records * EVT_RECORD_SIZE);
  }

  /** header.evt_next (load-acquire): the seq of the next event. */
  next(): bigint {
    return BigInt.asUintN(64, Atomics.load(this.hdr64, I_EVT_NEXT));
  }

  /** Byte offset of the evt_wake futex word in the buffer. */
  get wakeOffset(): number {
    return CtlHeader.evt_wake;
  }

  /** evt_wake now (read before sleeping on it). */
  wakeValue(): number {
    return Atomics.load(this.hdr32, I_EVT_WAKE);
  }

  /** A reader announces (+1) or withdraws (-1) a sleeper; several readers share the count. */
  addSleeper(delta: 1 | -1): void {
    Atomics.add(this.hdr32, I_EVT_SLEEPERS, delta);
  }

  /**
   * Reads the events from `cursor` on, at most `max` (and at most one
   * log's worth), copying each out. Events overwritten before or while
   * being read are counted in `missed`, never returned.
   */
  read(cursor: bigint, max = this.records): EventLogRead {
    const next = this.next();
    const out: EventLogRead = { records: [], missed: 0n, missedFrom: cursor, cursor };
    if (next === cursor) return out;
    if (next < cursor) {
      throw new SlipwayError('PROTOCOL', `event log: evt_next went back from ${cursor} to ${next}`);
    }
    const n = BigInt(this.records);
    let c = cursor;
    let missedFrom = -1n;
    if (next - c > n) {
      // behind by more than the log holds: the oldest are overwritten
      out.missed = next - n - c;
      missedFrom = c;
      c = next - n;
    }
    for (let i = 0; c < next && i < max; i++, c++) {
      const rec = this.readRecord(c);
      if (rec === null) {
        if (missedFrom < 0n) missedFrom = c;
        out.missed++;
        continue;
      }
      out.records.push(rec);
    }
    if (missedFrom >= 0n) out.missedFrom = missedFrom;
    out.cursor = c;
    return out;
  }

  // The record of `seq`, or null when it was overwritten (before or during the copy).
  private readRecord(seq: bigint): EventRecord | null {
    const idx = Number(seq & this.mask);
    const base = idx * EVT_RECORD_SIZE;
    const iSeq = base / 8;
    const s1 = BigInt.asUintN(64, Atomics.load(this.seqs, iSeq)); // acquire
    if (s1 !== seq) return null;
    const type = this.view.getUint16(base + EvtRecord.type, true);
    const len = this.view.getUint16(base + EvtRecord.len, true);
    const payload = this.bytes.slice(base + EvtRecord.payload, base + EvtRecord.payload + EVT_PAYLOAD_MAX);
    const s2 = BigInt.asUintN(64, Atomics.load(this.seqs, iSeq));
    if (s2 !== seq) return null;
    if (len > EVT_PAYLOAD_MAX) {
      throw new SlipwayError(
        'PROTOCOL',
        `event log: event ${seq} (record ${idx}) has a payload of ${len} bytes, at most ${EVT_PAYLOAD_MAX} fit`,
      );
    }
    return { seq, type, payload: payload.subarray(0, len) };
  }

  /* ---------------- the writer side (fake dataplanes and tests) ---------------- */

  /** Writes event `next` as slipwayd does, then publishes evt_next and bumps evt_wake; returns its seq. */
  append(type: number, payload: Uint8Array, wake?: (buf: ArrayBuffer, off: number, n: number) => number): bigint {
    if (payload.byteLength > EVT_PAYLOAD_MAX) throw new RangeError(`event payload of ${payload.byteLength} bytes`);
    const seq = this.next();
    const base = Number(seq & this.mask) * EVT_RECORD_SIZE;
    Atomics.store(this.seqs, base / 8, BigInt.asIntN(64, EVT_WRITING));
    this.bytes.fill(0, base + 8, base + EVT_RECORD_SIZE);
    this.view.setUint16(base + EvtRecord.type, type, true);
    this.view.setUint16(base + EvtRecord.len, payload.byteLength, true);
    this.bytes.set(payload, base + EvtRecord.payload);
    Atomics.store(this.seqs, base / 8, BigInt.asIntN(64, seq)); // release
    Atomics.store(this.hdr64, I_EVT_NEXT, BigInt.asIntN(64, seq + 1n));
    Atomics.add(this.hdr32, I_EVT_WAKE, 1);
    if (Atomics.load(this.hdr32, I_EVT_SLEEPERS) !== 0 && wake) wake(this.buffer, CtlHeader.evt_wake, 0x7fffffff);
    return seq;
  }
}

/** A whole sw_evt_record as bytes (the golden vector's form). */
export function encodeRecord(r: EventRecord): Uint8Array {
  const out = new Uint8Array(EVT_RECORD_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(EvtRecord.seq, r.seq, true);
  v.setUint16(EvtRecord.type, r.type, true);
  v.setUint16(EvtRecord.len, r.payload.byteLength, true);
  out.set(r.payload, EvtRecord.payload);
  return out;
}

/** Parses a whole sw_evt_record (PROTOCOL when its length does not fit). */
export function decodeRecord(b: Uint8Array): EventRecord {
  if (b.byteLength < EVT_RECORD_SIZE) {
    throw new SlipwayError('PROTOCOL', `event record: ${b.byteLength} bytes, expected ${EVT_RECORD_SIZE}`);
  }
  const v = new DataView(b.buffer, b.byteOffset, EVT_RECORD_SIZE);
  const len = v.getUint16(EvtRecord.len, true);
  if (len > EVT_PAYLOAD_MAX) throw new SlipwayError('PROTOCOL', `event record: payload of ${len} bytes`);
  return {
    seq: v.getBigUint64(EvtRecord.seq, true),
    type: v.getUint16(EvtRecord.type, true),
    payload: b.slice(EvtRecord.payload, EvtRecord.payload + len),
  };
}

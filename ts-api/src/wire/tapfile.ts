/**
 * A capture file (slipway_ctl_taps.h, struct sw_tap_hdr): its header checked
 * once against the file's size (every offset and size is from shared
 * memory: untrusted), its per-worker counters, and its rings, each a
 * {@link Ring} the client consumes. slipwayd never waits for the reader: a
 * ring that is full loses records (counted per port and point).
 */
import { CTL_ABI_VERSION, MAX_LCORES, MAX_PORTS, RING_DATA_OFF } from './abi/control';
import {
  TAP_HDR_SIZE,
  TAP_MAGIC,
  TAP_POINTS,
  TAP_POINT_NAMES,
  TAP_RING_MAX,
  TAP_RING_MIN,
  TapCounts,
  TapHdr,
  type TapPointName,
} from './abi/taps';
import { Ring } from './ring';
import { SlipwayError } from '../errors';

/** Decoded struct sw_tap_hdr. */
export interface TapFileHeader {
  magic: number;
  abiVersion: number;
  headerSize: number;
  id: number;
  fileSize: bigint;
  countsOff: number;
  ringOff: number;
  ringStride: number;
  ringSize: number;
  nRings: number;
  snaplen: number;
  tscHz: bigint;
  tsc0: bigint;
  realtimeNs0: bigint;
  state: number;
  endReason: number;
  points: number;
  port: number;
  lcores: number[];
}

export function readTapHeader(buf: ArrayBuffer): TapFileHeader {
  const v = new DataView(buf, 0, TAP_HDR_SIZE);
  const i32 = new Int32Array(buf, 0, TAP_HDR_SIZE / 4);
  const u32 = (o: number) => Atomics.load(i32, o / 4) >>> 0;
  const u64 = (o: number) => v.getBigUint64(o, true);
  const lcores: number[] = [];
  for (let i = 0; i < MAX_LCORES; i++) lcores.push(v.getUint16(TapHdr.lcore + 2 * i, true));
  return {
    magic: u32(TapHdr.magic),
    abiVersion: u32(TapHdr.abi_version),
    headerSize: u32(TapHdr.header_size),
    id: u32(TapHdr.id),
    fileSize: u64(TapHdr.file_size),
    countsOff: u32(TapHdr.counts_off),
    ringOff: u32(TapHdr.ring_off),
    ringStride: u32(TapHdr.ring_stride),
    ringSize: u32(TapHdr.ring_size),
    nRings: u32(TapHdr.n_rings),
    snaplen: u32(TapHdr.snaplen),
    tscHz: u64(TapHdr.tsc_hz),
    tsc0: u64(TapHdr.tsc0),
    realtimeNs0: u64(TapHdr.realtime_ns0),
    state: u32(TapHdr.state),
    endReason: u32(TapHdr.end_reason),
    points: v.getUint8(TapHdr.points),
    port: v.getUint16(TapHdr.port, true),
    lcores,
  };
}

/**
 * Checks magic, ABI version, that file_size is the file's size, and that
 * the counters and rings lie inside the file without overlapping; throws
 * ABI_MISMATCH naming the file and what is wrong.
 */
export function validateTapHeader(buf: ArrayBuffer, file: string, id: number): TapFileHeader {
  const bad = (why: string) => new SlipwayError('ABI_MISMATCH', `capture file ${file}: ${why}`);
  if (buf.byteLength < TAP_HDR_SIZE) throw bad(`${buf.byteLength} bytes, smaller than its header`);
  const h = readTapHeader(buf);
  if (h.magic !== TAP_MAGIC) throw bad(`bad magic 0x${h.magic.toString(16)}`);
  if (h.abiVersion !== CTL_ABI_VERSION)
    throw bad(`ABI version ${h.abiVersion}, this library speaks ${CTL_ABI_VERSION}`);
  if (h.headerSize !== TAP_HDR_SIZE) throw bad(`header size ${h.headerSize}`);
  if (h.id !== id) throw bad(`it belongs to tap ${h.id}, not ${id}`);
  if (h.fileSize !== BigInt(buf.byteLength))
    throw bad(`header says ${h.fileSize} bytes, the file has ${buf.byteLength}`);
  if (h.nRings < 1 || h.nRings > MAX_LCORES) throw bad(`${h.nRings} rings`);
  const pow2 = (n: number) => (n & (n - 1)) === 0;
  if (h.ringSize < TAP_RING_MIN || h.ringSize > TAP_RING_MAX || !pow2(h.ringSize)) throw bad(`ring size ${h.ringSize}`);
  if (h.ringStride % 64 !== 0 || h.ringStride < RING_DATA_OFF + h.ringSize) throw bad(`ring stride ${h.ringStride}`);
  const countsEnd = h.countsOff + h.nRings * TapCounts.SIZE;
  if (h.countsOff < TAP_HDR_SIZE || h.countsOff % 64 !== 0 || countsEnd > h.ringOff) {
    throw bad(
      `counters at ${h.countsOff} (+${h.nRings * TapCounts.SIZE}) overlap the header or the rings at ${h.ringOff}`,
    );
  }
  if (h.ringOff % 64 !== 0 || h.ringOff + h.nRings * h.ringStride > buf.byteLength) {
    throw bad(`rings at ${h.ringOff} (${h.nRings} x ${h.ringStride}) are outside the ${buf.byteLength}-byte file`);
  }
  if (h.tscHz === 0n) throw bad('tsc_hz is 0');
  return h;
}

/** Counters of one port at one point, summed over workers. */
export interface TapPointCounts {
  port: number;
  point: TapPointName;
  /** packets at the point */
  seen: bigint;
  /** taken by the filter */
  matched: bigint;
  /** taken but lost: the ring was full */
  lost: bigint;
}

/** The mapped capture file: rings to drain, counters, the client's heartbeat, the state. */
export class TapFile {
  readonly h: TapFileHeader;
  readonly rings: Ring[];
  private readonly i32: Int32Array;
  private readonly hb: DataView;

  constructor(
    readonly buf: ArrayBuffer,
    file: string,
    id: number,
  ) {
    this.h = validateTapHeader(buf, file, id);
    this.rings = [];
    for (let i = 0; i < this.h.nRings; i++) {
      this.rings.push(
        new Ring(buf, this.h.ringOff + i * this.h.ringStride, this.h.ringSize, { name: `capture ${id} ring ${i}` }),
      );
    }
    this.i32 = new Int32Array(buf, 0, TAP_HDR_SIZE / 4);
    this.hb = new DataView(buf, TapHdr.client_heartbeat_ns, 8);
  }

  /** SW_TAP_RUNNING, _ENDING or _ENDED (load-acquire). */
  get state(): number {
    return Atomics.load(this.i32, TapHdr.state / 4) >>> 0;
  }

  /** SW_TAP_END_* once it ended, else 0. */
  get endReason(): number {
    return Atomics.load(this.i32, TapHdr.end_reason / 4) >>> 0;
  }

  /** The client is alive (CLOCK_MONOTONIC ns); at least every second, or the capture ends. */
  beat(nowNs: bigint): void {
    this.hb.setBigUint64(0, nowNs, true);
  }

  /** Wall-clock nanoseconds of a TSC stamp. */
  timeNs(tsc: bigint): bigint {
    return this.h.realtimeNs0 + ((tsc - this.h.tsc0) * 1_000_000_000n) / this.h.tscHz;
  }

  /** Per port and point where anything was seen, summed over the workers. */
  counts(): TapPointCounts[] {
    const out: TapPointCounts[] = [];
    const v = new DataView(this.buf);
    for (let port = 0; port < MAX_PORTS; port++) {
      for (let pt = 0; pt < TAP_POINTS; pt++) {
        let seen = 0n;
        let matched = 0n;
        let lost = 0n;
        for (let r = 0; r < this.h.nRings; r++) {
          const base = this.h.countsOff + r * TapCounts.SIZE + (port * TAP_POINTS + pt) * 8;
          seen += v.getBigUint64(base + TapCounts.seen, true);
          matched += v.getBigUint64(base + TapCounts.matched, true);
          lost += v.getBigUint64(base + TapCounts.lost, true);
        }
        if (seen || matched || lost) out.push({ port, point: TAP_POINT_NAMES[pt], seen, matched, lost });
      }
    }
    return out;
  }
}

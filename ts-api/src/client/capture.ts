/**
 * A running capture as its client holds it: the capture file, opened
 * without following links, checked (owner, mode, type) and mapped; its
 * rings drained by polling (slipwayd never waits for us nor wakes us); the
 * heartbeat that keeps the capture alive; the stop that waits until no
 * worker writes any more, so the last records and the counters are final.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TapEvents, TapOps, TapState } from '../wire/abi/taps';
import { ctlFileProblem } from '../wire/ctlfile';
import { TapFile, type TapPointCounts } from '../wire/tapfile';
import {
  type CaptureRecordHeader,
  type TapEndName,
  type TapInfo,
  decodeCaptureRecord,
  decodeTapInfoPayload,
  encodeTapRef,
  tapEndName,
} from '../codec/capture';
import { SlipwayError } from '../errors';
import type { NativeBinding } from '../native';
import type { Requests } from './namespace';

/** One captured packet: its record's fields (origLen: the packet's length; data holds its first snaplen bytes). */
export interface CapturedPacket extends Omit<CaptureRecordHeader, 'capLen'> {
  /** wall-clock nanoseconds since the epoch */
  timeNs: bigint;
  data: Uint8Array;
  /** the record's number on its worker's ring (lost records included) */
  seq: number;
  ring: number;
}

/** What a capture has seen so far, per port and point where anything happened. */
export interface CaptureStats {
  points: TapPointCounts[];
  /** packets delivered to this client */
  read: bigint;
  /** records lost on the rings (summed) */
  lost: bigint;
}

const FILE_RE = /^[A-Za-z0-9_-]{1,31}\.tap[0-9]{1,10}$/;
const HEARTBEAT_MS = 500;

/** Opens, checks and maps a capture file named by TAP_START. */
function openCaptureFile(dir: string, info: TapInfo, native: NativeBinding): TapFile {
  if (!FILE_RE.test(info.file)) {
    throw new SlipwayError('PROTOCOL', `capture ${info.id}: the dataplane named its file ${JSON.stringify(info.file)}`);
  }
  const file = path.join(dir, info.file);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new SlipwayError('NATIVE', `capture ${info.id}: cannot open ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const wrong = ctlFileProblem(fs.fstatSync(fd), process.geteuid?.() ?? 0);
    if (wrong) throw new SlipwayError('INSECURE', `capture file ${file} ${wrong}; refusing to use it`);
    return new TapFile(native.mapFd(fd), file, info.id);
  } finally {
    fs.closeSync(fd);
  }
}

export class Capture implements AsyncIterable<CapturedPacket> {
  /** The capture as slipwayd started it (file, filter, JIT, rings). */
  readonly info: TapInfo;
  private readonly file: TapFile;
  private readonly timer: NodeJS.Timeout;
  private read = 0n;
  private stopping?: Promise<CaptureStats>;

  /** @internal use sw.taps.capture() */
  constructor(
    private readonly rq: Requests,
    info: TapInfo,
    dir: string,
    native: NativeBinding,
    private readonly pollMs: number,
  ) {
    this.info = info;
    try {
      this.file = openCaptureFile(dir, info, native);
    } catch (e) {
      void rq.call(TapOps.TAP_STOP, encodeTapRef(info.id)).catch(() => undefined);
      throw e;
    }
    this.file.beat(native.monotonicNs());
    this.timer = setInterval(() => this.file.beat(native.monotonicNs()), HEARTBEAT_MS);
    this.timer.unref();
  }

  get id(): number {
    return this.info.id;
  }

  /** The capture ended (stopped, its client gone or silent, slipwayd stopping) and every ring is final. */
  get ended(): boolean {
    return this.file.state === TapState.ENDED;
  }

  /** Why it ended, null while it runs. */
  get endReason(): TapEndName | null {
    return this.file.state === TapState.RUNNING ? null : tapEndName(this.file.endReason);
  }

  /** Wall-clock nanoseconds of a TSC stamp of this capture. */
  timeNs(tsc: bigint): bigint {
    return this.file.timeNs(tsc);
  }

  /**
   * Takes what the rings hold now (at most `max` packets), in time order.
   * Throws PROTOCOL when a ring holds something that is not a record.
   */
  poll(max = 4096): CapturedPacket[] {
    const out: CapturedPacket[] = [];
    this.file.rings.forEach((ring, r) => {
      ring.drain((type, seq, _status, off, len) => {
        if (type !== TapEvents.CAPTURE_PKT) {
          throw new SlipwayError('PROTOCOL', `capture ${this.id} ring ${r}: record of type ${type}`);
        }
        const h: CaptureRecordHeader = decodeCaptureRecord(ring.view, off, len);
        const at = off + (len - h.capLen);
        out.push({
          timeNs: this.file.timeNs(h.tsc),
          tsc: h.tsc,
          port: h.port,
          point: h.point,
          reason: h.reason,
          queue: h.queue,
          lcore: h.lcore,
          origLen: h.origLen,
          data: ring.data.slice(at, at + h.capLen),
          seq,
          ring: r,
        });
      }, max - out.length);
    });
    out.sort((a, b) => (a.tsc < b.tsc ? -1 : a.tsc > b.tsc ? 1 : 0));
    this.read += BigInt(out.length);
    return out;
  }

  /** Counters per port and point (seen, taken by the filter, lost), and what this client read. */
  stats(): CaptureStats {
    const points = this.file.counts();
    return { points, read: this.read, lost: points.reduce((s, p) => s + p.lost, 0n) };
  }

  /**
   * The packets as they come, until the capture ends (stop(), or the
   * dataplane ended it) or `signal` aborts; polls every pollMs while the
   * rings are empty.
   */
  async *packets(opts: { signal?: AbortSignal } = {}): AsyncGenerator<CapturedPacket> {
    for (;;) {
      const ended = this.ended; // before draining: what follows ENDED is final
      const batch = this.poll();
      for (const p of batch) yield p;
      if (ended && batch.length === 0) return;
      if (opts.signal?.aborted) return;
      if (batch.length === 0) {
        try {
          await sleep(this.pollMs, undefined, { signal: opts.signal });
        } catch {
          return;
        }
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<CapturedPacket> {
    return this.packets();
  }

  /**
   * Stops the capture and waits (at most timeoutMs) until slipwayd says no
   * worker writes any more; what the rings still hold can then be poll()ed.
   * Returns the final counters. Idempotent.
   */
  stop(opts: { timeoutMs?: number } = {}): Promise<CaptureStats> {
    this.stopping ??= (async () => {
      try {
        if (this.file.state === TapState.RUNNING) {
          await this.rq.call(TapOps.TAP_STOP, encodeTapRef(this.id)).then(decodeTapInfoPayload);
        }
      } catch (e) {
        if (!(e instanceof SlipwayError && (e.code === 'NOT_FOUND' || e.code === 'NOT_RUNNING'))) throw e;
      }
      const deadline = Date.now() + (opts.timeoutMs ?? 2000);
      while (this.file.state !== TapState.ENDED && Date.now() < deadline) await sleep(5);
      clearInterval(this.timer);
      return this.stats();
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

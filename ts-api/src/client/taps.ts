/**
 * sw.taps: see what the fast path does. capture() copies packets at its
 * points (rx, tx, punt, inject, drop) into rings this client reads, with a
 * tcpdump filter slipwayd compiles (libpcap, DPDK BPF); trace() follows the
 * next packets a filter takes through the rules, checks, routes and next
 * hops to what became of them; explain() computes, with the same code,
 * what the fast path would do with a packet made of a few fields; list()
 * shows every capture and trace of the instance, whoever started it.
 */
import * as path from 'node:path';
import { TapOps } from '../wire/abi/taps';
import {
  type CaptureOptions,
  type TapInfo,
  type TraceOptions,
  decodeTapInfoPayload,
  decodeTapList,
  encodeCaptureStart,
  encodeTapRef,
  encodeTraceStart,
} from '../codec/capture';
import { type ExplainPacket, type TraceRecord, decodeTrace, encodeExplain } from '../codec/trace';
import { check } from '../errors';
import type { NativeBinding } from '../native';
import { Capture } from './capture';
import type { Requests } from './namespace';
import { Trace } from './trace';

/** How often an idle reader looks at its rings (capture) or asks (trace), ms. */
const DEFAULT_POLL_MS = 20;

function pollMsOf(o: { pollMs?: number }): number {
  const ms = o.pollMs ?? DEFAULT_POLL_MS;
  check(Number.isFinite(ms) && ms >= 1 && ms <= 1000, `bad pollMs ${JSON.stringify(o.pollMs)}: expected 1..1000`);
  return ms;
}

export class Taps {
  /** @internal */
  constructor(
    private readonly rq: Requests,
    private readonly ctlFile: string,
    private readonly native: NativeBinding,
  ) {}

  /**
   * Starts a capture; resolves once it is in force. Its packets come from
   * the returned {@link Capture} (an async iterable); stop() it when done.
   * BAD_ARGUMENT for a bad option, INVALID for a filter libpcap or DPDK
   * refused (with their words), BUSY when TAP_MAX taps are on, NO_PORT.
   */
  readonly capture = async (opts: CaptureOptions & { pollMs?: number } = {}): Promise<Capture> => {
    const pollMs = pollMsOf(opts);
    const info = decodeTapInfoPayload(await this.rq.call(TapOps.TAP_START, encodeCaptureStart(opts, process.pid)));
    return new Capture(this.rq, info, path.dirname(this.ctlFile), this.native, pollMs);
  };

  /**
   * Starts a trace of the next `count` packets (per worker) the filter
   * takes at rx; resolves once it is in force. Records come from the
   * returned {@link Trace}.
   */
  readonly trace = async (opts: TraceOptions & { pollMs?: number } = {}): Promise<Trace> => {
    const pollMs = pollMsOf(opts);
    const info = decodeTapInfoPayload(await this.rq.call(TapOps.TAP_START, encodeTraceStart(opts, process.pid)));
    return new Trace(this.rq, info, pollMs);
  };

  /**
   * What the fast path would do with a packet received on p.inPort: the
   * same classification (rules, checks, routes, next hop) on a packet made
   * of these fields, with nothing counted, sent or punted. The answer has
   * the shape of a trace record (observed: false, explain: true).
   */
  readonly explain = async (p: ExplainPacket): Promise<TraceRecord> =>
    decodeTrace(await this.rq.call(TapOps.EXPLAIN, encodeExplain(p)));

  /** Every capture and trace of the instance (running, or ending). */
  readonly list = async (): Promise<TapInfo[]> => decodeTapList(await this.rq.call(TapOps.TAP_LIST));

  /** Stops any capture or trace by id (another client's too). */
  readonly stop = async (id: number): Promise<TapInfo> =>
    decodeTapInfoPayload(await this.rq.call(TapOps.TAP_STOP, encodeTapRef(id)));
}

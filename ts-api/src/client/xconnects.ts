/** sw.xconnects: cross-connects, one at a time or as batches; their replay step. */
import { XConnectOps } from '../wire/abi/xconnects';
import { encodePortRef } from '../codec/ports';
import {
  type XConnect,
  type XConnectPair,
  XcAddSource,
  XcDelSource,
  decodeXConnectList,
  encodeXConnect,
} from '../codec/xconnects';
import type { BatchResult } from './batch';
import type { CallOptions } from './options';
import { Namespace } from './namespace';
import type { ReplayContext } from './replay';

/** Cross-connects: everything received on a port is sent on another. */
export class XConnects extends Namespace {
  /** Forwards everything received on inPort to outPort. */
  readonly add = async (inPort: number, outPort: number, opts?: CallOptions): Promise<void> => {
    await this.rq.call(XConnectOps.XC_ADD, encodeXConnect({ inPort, outPort }), opts);
    this.desired?.xconnectAdded(inPort, outPort);
  };

  /** Removes the cross-connect of inPort. */
  readonly remove = async (inPort: number, opts?: CallOptions): Promise<void> => {
    await this.rq.call(XConnectOps.XC_DEL, encodePortRef(inPort), opts);
    this.desired?.xconnectRemoved(inPort);
  };

  /** All cross-connects. */
  readonly list = async (opts?: CallOptions): Promise<XConnect[]> =>
    decodeXConnectList(await this.rq.call(XConnectOps.XC_LIST, undefined, opts));

  /**
   * Adds many cross-connects as one batch (pairs as {inPort, outPort} or
   * [in, out]); every pair gets its own status in the result. All pairs
   * are validated before anything is sent (BAD_ARGUMENT naming the pair).
   */
  readonly addMany = async (pairs: readonly XConnectPair[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new XcAddSource(pairs);
    return this.many(src, opts, (d, i) => d.xconnectAdded(...src.pair(i)));
  };

  /** Removes the cross-connects of many in-ports as one batch; each gets its own status. */
  readonly removeMany = async (inPorts: readonly number[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new XcDelSource(inPorts);
    return this.many(src, opts, (d, i) => d.xconnectRemoved(src.port(i)));
  };
}

/** Replay: stale cross-connects of the desired in-ports removed, the missing ones added. */
export async function replayXConnects(ctx: ReplayContext): Promise<void> {
  const want = ctx.desired.xconnects;
  const have = new Map(decodeXConnectList(await ctx.rq.call(XConnectOps.XC_LIST)).map((x) => [x.inPort, x.outPort]));
  const stale = [...want].filter(([i, o]) => have.has(i) && have.get(i) !== o).map(([i]) => i);
  await ctx.batch(new XcDelSource(stale), (k) => `xconnect ${stale[k]}: remove stale`);
  const add = [...want].filter(([i, o]) => have.get(i) !== o);
  ctx.summary.xconnects = await ctx.batch(new XcAddSource(add), (k) => `xconnect ${add[k][0]} -> ${add[k][1]}`);
}

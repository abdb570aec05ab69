/** sw.neighbours: the neighbour table; its replay step. */
import { NeighbourOps } from '../wire/abi/neighbours';
import { canonicalIp, type Family } from '../codec/ip';
import { type Neighbour, type NeighbourRef, NeighSource, decodeNeighbourList } from '../codec/neighbours';
import type { BatchResult } from './batch';
import type { CallOptions } from './options';
import { Namespace, familyFilter, listAll } from './namespace';
import type { ReplayContext } from './replay';

/**
 * The neighbour table: IP -> MAC per port. A neighbour resolves the next
 * hops with that gateway (or directly connected destination) on its port
 * and installs a host route (/32, /128) unless one was configured.
 */
export class Neighbours extends Namespace {
  /** Adds or replaces a neighbour `{port, ip, mac}`. */
  readonly add = async (n: Neighbour, opts?: CallOptions): Promise<void> => {
    const src = new NeighSource([n], false, true);
    await this.rq.call(NeighbourOps.NEIGH_ADD, src.encode(), opts);
    this.desired?.neighbourAdded(src.item(0));
  };

  /** Removes the neighbour `{port, ip}` (NOT_FOUND when there is none). */
  readonly remove = async (n: NeighbourRef, opts?: CallOptions): Promise<void> => {
    const src = new NeighSource([n], true, true);
    await this.rq.call(NeighbourOps.NEIGH_DEL, src.encode(), opts);
    this.desired?.neighbourRemoved(n.port, canonicalIp(n.ip));
  };

  /** Every neighbour (of one family when given), all pages. */
  readonly list = async (opts?: { family?: Family } & CallOptions): Promise<Neighbour[]> =>
    listAll(
      this.rq,
      NeighbourOps.NEIGH_LIST,
      familyFilter(opts, 'neighbour list'),
      decodeNeighbourList,
      'neighbour list',
      opts,
    );

  /** Adds or replaces many neighbours as one batch; each gets its own status. */
  readonly addMany = async (ns: readonly Neighbour[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new NeighSource(ns, false);
    return this.many(src, opts, (d, i) => d.neighbourAdded(src.item(i)));
  };

  /** Removes many neighbours as one batch; each gets its own status. */
  readonly removeMany = async (ns: readonly NeighbourRef[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new NeighSource(ns, true);
    return this.many(src, opts, (d, i) => d.neighbourRemoved(ns[i].port, src.item(i).ip));
  };
}

/** Replay: every desired neighbour, as one batch (after the routes: their next hops resolve). */
export async function replayNeighbours(ctx: ReplayContext): Promise<void> {
  const ns = [...ctx.desired.neighbours.values()];
  ctx.summary.neighbours = await ctx.batch(
    new NeighSource(ns, false),
    (i) => `neighbour ${ns[i].ip} on port ${ns[i].port}`,
  );
}

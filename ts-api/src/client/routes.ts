/** sw.routes: the route table (longest-prefix match); its replay step. */
import { RouteOps } from '../wire/abi/routes';
import type { Family } from '../codec/ip';
import {
  type Route,
  type RouteLookupOptions,
  type RouteMatch,
  type RouteSpec,
  RouteSource,
  decodeRouteList,
  decodeRouteMatch,
  encodeRouteLookup,
} from '../codec/routes';
import type { BatchResult } from './batch';
import type { CallOptions } from './options';
import { Namespace, familyFilter, listAll } from './namespace';
import type { ReplayContext } from './replay';

/**
 * IPv4/IPv6 routes (longest-prefix match). Prefixes are "addr/len"
 * strings ("10.2.0.0/24", "fd02::/64"; a bare address is a host route).
 * Malformed strings, ports, gateways of the wrong family or bad next-hop
 * counts fail with BAD_ARGUMENT before anything is sent; host bits set,
 * missing ports and full tables come back from the dataplane (INVALID,
 * NO_PORT, NO_SPACE) naming the route.
 */
export class Routes extends Namespace {
  /**
   * Adds or replaces a route: `{prefix, via: [{port, gw?}, ...]}` (1..8
   * next hops, ECMP by flow hash; no gw: directly connected) or
   * `{prefix, type: 'local' | 'drop'}` (local: an address of the host,
   * punted to the ingress vEth; drop: blackhole). Replacing is atomic
   * for the fast path.
   */
  readonly add = async (route: RouteSpec, opts?: CallOptions): Promise<void> => {
    const src = new RouteSource([route], false, true);
    await this.rq.call(RouteOps.ROUTE_ADD, src.encode(), opts);
    this.desired?.routeAdded(src.prefix(0), route);
  };

  /** Removes the route of `prefix` (NOT_FOUND when there is none). */
  readonly remove = async (prefix: string, opts?: CallOptions): Promise<void> => {
    const src = new RouteSource([prefix], true, true);
    await this.rq.call(RouteOps.ROUTE_DEL, src.encode(), opts);
    this.desired?.routeRemoved(src.prefix(0));
  };

  /**
   * Every route (of one family when given), following the listing cursor
   * through all pages. Includes the host routes neighbours install.
   */
  readonly list = async (opts?: { family?: Family } & CallOptions): Promise<Route[]> =>
    listAll(this.rq, RouteOps.ROUTE_LIST, familyFilter(opts, 'route list'), decodeRouteList, 'route list', opts);

  /**
   * The route the fast path would use for a packet to `addr` (an address,
   * not a prefix): its longest-prefix match and, for a forward route, the
   * next hop the flow hash picks among its ECMP members — give the flow
   * (`from`, `proto`, `sport`, `dport`) to see which member a flow gets;
   * `resolved` and `mac` say whether that next hop's neighbour is known,
   * `outPort` where the packet leaves. `found: false` when no route
   * matches (the fast path punts the packet to the ingress vEth).
   */
  readonly get = async (addr: string, opts: RouteLookupOptions & CallOptions = {}): Promise<RouteMatch> => {
    const { signal, timeoutMs, ...flow } = opts;
    return decodeRouteMatch(
      await this.rq.call(RouteOps.ROUTE_GET, encodeRouteLookup(addr, flow), { signal, timeoutMs }),
    );
  };

  /**
   * Adds or replaces many routes as one batch, encoded in place into the
   * request ring (start slipwayd with maxRoutes to size the IPv4 table for
   * large loads). Every route is validated before anything is sent; each
   * gets its own status in the result.
   */
  readonly addMany = async (routes: readonly RouteSpec[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new RouteSource(routes, false);
    return this.many(src, opts, (d, i) => d.routeAdded(src.prefix(i), routes[i]));
  };

  /** Removes the routes of many prefixes as one batch; each gets its own status. */
  readonly removeMany = async (prefixes: readonly string[], opts?: CallOptions): Promise<BatchResult> => {
    const src = new RouteSource(prefixes, true);
    return this.many(src, opts, (d, i) => d.routeRemoved(src.prefix(i)));
  };
}

/** Replay: every desired route, as one batch. */
export async function replayRoutes(ctx: ReplayContext): Promise<void> {
  const src = new RouteSource([...ctx.desired.routes.values()], false);
  ctx.summary.routes = await ctx.batch(src, (i) => `route ${src.prefix(i)}`);
}

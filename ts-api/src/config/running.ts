/**
 * The running configuration, read from the dataplane that owns it: ports
 * (with the devargs they were added with), cross-connects, the routes and
 * neighbours clients set (origin 'api'; what kernel sync or a neighbour
 * installed is counted, not listed), rules, the punt policer (defaults and
 * per port) and kernel sync.
 */
import type { Slipway } from '../client/slipway';
import { PUNT_CLASS_NAMES } from '../codec/policer';
import type { Origin } from '../codec/routes';
import { type RunningPort, type RunningState, neighbourKey } from './state';

/** Entries the dataplane holds that are not configuration, by origin. */
export interface LeftOut {
  routes: Partial<Record<Origin, number>>;
  neighbours: Partial<Record<Origin, number>>;
}

/** An entry a client installed (a dataplane that says no origin lists only those). */
const isApi = (o: Origin | undefined): boolean => o === undefined || o === 'api';

/** Reads the running configuration of `sw`'s dataplane. */
export async function readRunning(sw: Slipway): Promise<{ state: RunningState; leftOut: LeftOut }> {
  const [infos, defaults, xconnects, routes, neighbours, rules, sync] = await Promise.all([
    sw.ports.list(),
    sw.policer.get(),
    sw.xconnects.list(),
    sw.routes.list(),
    sw.neighbours.list(),
    sw.rules.list(),
    sw.kernelSync.get(),
  ]);
  const ports: RunningPort[] = [];
  for (const p of infos.sort((a, b) => a.port - b.port)) {
    const [devargs, pol] = await Promise.all([sw.ports.devargs(p.port), sw.policer.get(p.port)]);
    ports[p.port] = {
      devargs,
      mtu: p.mtu,
      mac: p.mac,
      promisc: p.promisc,
      started: p.started,
      policer: pol.classes,
      minMtu: p.minMtu,
      maxMtu: p.maxMtu,
      name: p.name,
      vif: p.vif,
    };
  }
  const leftOut: LeftOut = { routes: {}, neighbours: {} };
  const state: RunningState = {
    ports,
    xconnects: new Map(xconnects.map((x) => [x.inPort, x.outPort])),
    routes: new Map(),
    neighbours: new Map(),
    rules: new Map(rules.map((e) => [e.rule.id, e.rule])),
    policer: Object.fromEntries(PUNT_CLASS_NAMES.map((k) => [k, defaults.classes[k]])),
    kernelSync: sync.enabled,
  };
  for (const r of routes) {
    if (!isApi(r.origin)) {
      leftOut.routes[r.origin!] = (leftOut.routes[r.origin!] ?? 0) + 1;
      continue;
    }
    state.routes.set(r.prefix, { prefix: r.prefix, type: r.type, via: r.via });
  }
  for (const n of neighbours) {
    if (!isApi(n.origin)) {
      leftOut.neighbours[n.origin!] = (leftOut.neighbours[n.origin!] ?? 0) + 1;
      continue;
    }
    state.neighbours.set(neighbourKey(n), { port: n.port, ip: n.ip, mac: n.mac });
  }
  return { state, leftOut };
}

/**
 * A configuration as apply compares it: what a file asks for (desired) and
 * what the dataplane holds (running), in one shape, every entry in the
 * canonical form the dataplane lists it in (prefixes and addresses as
 * formatted by the codecs, rules decoded from their encoding), keyed as the
 * dataplane keys them.
 */
import type { Neighbour } from '../codec/neighbours';
import type { PolicerRate, PuntClassName } from '../codec/policer';
import type { NextHop, RouteSpec } from '../codec/routes';
import type { Rule } from '../codec/rules';

/** A punt policer: a rate per class (desired: the classes the file sets; running: all four). */
export type PolicerClasses = Partial<Record<PuntClassName, PolicerRate>>;

/** One port. Desired values left undefined are left as they are. */
export interface PortState {
  devargs: string;
  mtu?: number;
  mac?: string;
  promisc?: boolean;
  started?: boolean;
  /** desired: the effective rate of each class the file sets (the port's own, else the top-level one) */
  policer: PolicerClasses;
}

/** What a running port also tells (for checks and comments). */
export interface RunningPort extends PortState {
  minMtu: number;
  maxMtu: number;
  name: string;
  vif: string;
}

/** A route as configured: canonical prefix, type, next hops (no origin). */
export interface RouteEntry {
  prefix: string;
  type: 'forward' | 'local' | 'drop';
  via: NextHop[];
}

export interface ConfigState<P extends PortState = PortState> {
  ports: P[];
  /** in-port -> out-port */
  xconnects: Map<number, number>;
  /** by canonical prefix */
  routes: Map<string, RouteEntry>;
  /** by "port|ip" */
  neighbours: Map<string, Neighbour>;
  /** by id */
  rules: Map<number, Rule>;
  /** the defaults (ports added later, ports that set no class of their own) */
  policer: PolicerClasses;
  kernelSync?: boolean;
}

export type RunningState = ConfigState<RunningPort> & { kernelSync: boolean };

export const neighbourKey = (n: { port: number; ip: string }): string => `${n.port}|${n.ip}`;

/** A RouteEntry as the API takes it. */
export function routeSpec(r: RouteEntry): RouteSpec {
  return r.type === 'forward' ? { prefix: r.prefix, via: r.via } : { prefix: r.prefix, type: r.type };
}

/** Next hops compared as a set (the order of ECMP members does not matter). */
function viaKey(via: readonly NextHop[]): string {
  return via
    .map((h) => `${h.port}/${h.gw ?? ''}`)
    .sort()
    .join(',');
}

export function sameRoute(a: RouteEntry, b: RouteEntry): boolean {
  return a.type === b.type && viaKey(a.via) === viaKey(b.via);
}

export function sameRule(a: Rule, b: Rule): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sameRate(a: PolicerRate | undefined, b: PolicerRate | undefined): boolean {
  return a?.ratePps === b?.ratePps && a?.burst === b?.burst;
}

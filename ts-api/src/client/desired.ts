/**
 * The desired configuration a controller made through this library, kept
 * when `replay: true` so it can be applied again to a restarted dataplane
 * (ports added by devargs, port start/stop, MTU/MAC/promiscuous mode,
 * cross-connects, routes, neighbours, rules, punt policer settings and
 * kernel sync on/off).
 *
 * Only successful changes are recorded, in terms of what the user asked for
 * (not what the dataplane reported), and only those made through the typed
 * methods: raw request()/requestMany() bypass the record.
 */
import type { Neighbour } from '../codec/neighbours';
import type { PolicerSetting } from '../codec/policer';
import type { PortSettings } from '../codec/ports';
import type { RouteSpec } from '../codec/routes';
import type { Rule } from '../codec/rules';
import type { XConnect } from '../codec/xconnects';

/** What the library wants one port to be. */
export interface DesiredPort {
  /** Devargs the port was added with (by PORT_ADD or on slipwayd's command line). */
  devargs?: string;
  /** Desired run state; undefined: leave as the dataplane starts it. */
  started?: boolean;
  /** Settings applied with ports.set(), merged. */
  settings: PortSettings;
}

/** The record itself (one per Slipway with replay enabled). */
export class DesiredConfig {
  /** Ports by slipway index. */
  readonly ports = new Map<number, DesiredPort>();
  /** Cross-connects: in-port -> out-port. */
  readonly xconnects = new Map<number, number>();
  /** Routes by canonical prefix ("10.2.0.0/24", "fd02::/64"), as the user gave them. */
  readonly routes = new Map<string, RouteSpec>();
  /** Neighbours by "port|canonical ip". */
  readonly neighbours = new Map<string, Neighbour>();
  /** Rules by id. */
  readonly rules = new Map<number, Rule>();
  /** Punt policer settings in the order given (a later one for the same port and class replaces an earlier one). */
  readonly policer: PolicerSetting[] = [];
  /** Kernel sync on or off; undefined: as the dataplane starts. */
  kernelSync?: boolean;

  private port(i: number): DesiredPort {
    let p = this.ports.get(i);
    if (!p) {
      p = { settings: {} };
      this.ports.set(i, p);
    }
    return p;
  }

  /** Port `index` exists with these devargs. */
  portAdded(index: number, devargs: string): void {
    this.port(index).devargs = devargs;
  }

  /** Port `index` was started (true) or stopped (false). */
  portState(index: number, started: boolean): void {
    this.port(index).started = started;
  }

  /** Settings applied to port `index` (merged with earlier ones). */
  portSet(index: number, s: PortSettings): void {
    const cur = this.port(index).settings;
    if (s.mtu !== undefined) cur.mtu = s.mtu;
    if (s.mac !== undefined) cur.mac = s.mac.toLowerCase();
    if (s.promisc !== undefined) cur.promisc = s.promisc;
  }

  /** Cross-connect in -> out added. */
  xconnectAdded(inPort: number, outPort: number): void {
    this.xconnects.set(inPort, outPort);
  }

  /** Cross-connect of `inPort` removed. */
  xconnectRemoved(inPort: number): void {
    this.xconnects.delete(inPort);
  }

  /** Route `prefix` (canonical) added or replaced. */
  routeAdded(prefix: string, r: RouteSpec): void {
    this.routes.set(prefix, r);
  }

  /** Route `prefix` (canonical) removed. */
  routeRemoved(prefix: string): void {
    this.routes.delete(prefix);
  }

  /** Neighbour added or replaced (n in canonical form). */
  neighbourAdded(n: Neighbour): void {
    this.neighbours.set(`${n.port}|${n.ip}`, n);
  }

  /** Neighbour removed (ip canonical). */
  neighbourRemoved(port: number, ip: string): void {
    this.neighbours.delete(`${port}|${ip}`);
  }

  /** Rule added or replaced. */
  ruleAdded(r: Rule): void {
    this.rules.set(r.id, r);
  }

  /** Rule removed. */
  ruleRemoved(id: number): void {
    this.rules.delete(id);
  }

  /** A punt policer setting (normalized) was applied. */
  policerSet(s: PolicerSetting): void {
    const same = (x: PolicerSetting) => x.port === s.port && (x.class ?? 'all') === (s.class ?? 'all');
    const i = this.policer.findIndex(same);
    if (i >= 0) this.policer.splice(i, 1);
    this.policer.push({ ...s });
  }

  /** Kernel sync was turned on or off (through the API or launch's kernelSync). */
  kernelSyncSet(enabled: boolean): void {
    this.kernelSync = enabled;
  }

  /** A plain copy (for logs, tests and the CLI). */
  snapshot(): {
    ports: ({ port: number } & DesiredPort)[];
    xconnects: XConnect[];
    routes: RouteSpec[];
    neighbours: Neighbour[];
    rules: Rule[];
  } {
    return {
      routes: [...this.routes.values()],
      neighbours: [...this.neighbours.values()],
      rules: [...this.rules.values()].sort((a, b) => a.id - b.id),
      ports: [...this.ports]
        .sort((a, b) => a[0] - b[0])
        .map(([port, p]) => ({ port, ...p, settings: { ...p.settings } })),
      xconnects: [...this.xconnects].sort((a, b) => a[0] - b[0]).map(([inPort, outPort]) => ({ inPort, outPort })),
    };
  }
}

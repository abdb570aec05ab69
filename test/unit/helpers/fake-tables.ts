/**
 * The configuration tables of the fake dataplane (fake-dataplane.ts), kept
 * apart from its transport: the devargs each port was added with
 * (PORT_DEVARGS), route and neighbour listings with their origins (a
 * neighbour's host route listed with origin 'neighbour'), neighbour removal,
 * rules with counters, the punt policer (defaults and per port) and kernel
 * sync on/off. Enough to read a running configuration back and to apply one.
 *
 * `fail` makes chosen requests fail (a transaction's rollback is tested
 * with it); every request that changed something is in `changes`.
 */
import { Op, PORT_NONE, PUNT_CLASS_NAMES, type PuntClassName, RouteMsg } from '../../../ts-api/src/wire/abi';
import { formatPrefix } from '../../../ts-api/src/codec/ip';
import type { Message } from '../../../ts-api/src/wire/message';
import * as policer from '../../../ts-api/src/codec/policer';
import { decodeSyncState, encodeSyncSet } from '../../../ts-api/src/codec/kernel-sync';
import * as codec from './codec';
import * as tables from './tables';

const ST = { OK: 0, INVALID: 4, NOT_FOUND: 7 };
const none = new Uint8Array(0);

/** What the fake dataplane's own switch keeps (ports, routes, neighbours). */
export interface FakeCore {
  readonly ports: codec.PortInfo[];
  readonly routes: Map<string, tables.Route>;
  readonly neighbours: Map<string, tables.Neighbour>;
}

/** The policer's built-in defaults (policer/policer.c). */
export const POLICER_DEFAULTS: Record<PuntClassName, policer.PolicerRate> = {
  arp: { ratePps: 2000, burst: 256 },
  icmp: { ratePps: 2000, burst: 256 },
  host: { ratePps: 250000, burst: 16384 },
  other: { ratePps: 100000, burst: 8192 },
};

const copyClasses = (c: Record<PuntClassName, policer.PolicerRate>) =>
  Object.fromEntries(PUNT_CLASS_NAMES.map((k) => [k, { ...c[k] }])) as Record<PuntClassName, policer.PolicerRate>;

export class FakeTables {
  /** devargs by port index (ports pushed directly by a test fall back to their name) */
  readonly devargs = new Map<number, string>();
  readonly rules = new Map<number, tables.Rule>();
  /** per-rule counters a test may set */
  readonly ruleCounters = new Map<number, { packets: bigint; bytes: bigint }>();
  policerDefaults = copyClasses(POLICER_DEFAULTS);
  readonly policerPorts = new Map<number, Record<PuntClassName, policer.PolicerRate>>();
  kernelSync = false;
  /** entries per listing page (small, so that clients follow the cursor) */
  pageSize = 3;
  /** a status and message for requests that must fail; undefined lets them through */
  fail?: (m: Message) => [number, string] | undefined;
  /** every request that got OK and changes something, in order */
  readonly changes: Message[] = [];

  constructor(private readonly core: FakeCore) {}

  /** Answers `m` when it is one of these tables' requests; undefined leaves it to the fake's own switch. */
  handle(m: Message): [number, Uint8Array] | undefined {
    const f = this.fail?.(m);
    if (f) return [f[0], codec.encodeErrorText(f[1])];
    if (CHANGES.has(m.type)) this.changes.push(m);
    switch (m.type) {
      case Op.PORT_ADD:
        this.devargs.set(this.core.ports.length, codec.decodeDevargs(m.payload));
        this.policerPorts.set(this.core.ports.length, copyClasses(this.policerDefaults));
        return undefined;
      case Op.PORT_DEVARGS: {
        const p = codec.decodePortRef(m.payload);
        const info = this.core.ports[p];
        if (!info) return err(3, `port ${p} does not exist`);
        return [ST.OK, new TextEncoder().encode(this.devargs.get(p) ?? info.name)];
      }
      case Op.ROUTE_LIST: {
        const q = tables.decodeListReq(m.payload);
        return [ST.OK, tables.encodeRouteList(this.page(this.listedRoutes(q.family), q.cursor))];
      }
      case Op.NEIGH_LIST: {
        const q = tables.decodeListReq(m.payload);
        const ns = [...this.core.neighbours.values()]
          .filter((n) => q.family === 0 || familyOf(n.ip) === q.family)
          .map((n) => ({ ...n, origin: n.origin ?? 'api' }) as tables.Neighbour);
        return [ST.OK, tables.encodeNeighbourList(this.page(ns, q.cursor))];
      }
      case Op.ROUTE_DEL: {
        // the request carries the prefix only (type 0): the route decoder would refuse it
        const b = m.payload;
        const prefix = formatPrefix(b[RouteMsg.family], b, b[RouteMsg.prefix_len], RouteMsg.prefix);
        if (!this.core.routes.delete(prefix)) return err(ST.NOT_FOUND, `route ${prefix} does not exist`);
        return [ST.OK, none];
      }
      case Op.NEIGH_DEL: {
        const n = tables.decodeNeighbourPayload(m.payload);
        if (!this.core.neighbours.delete(`${n.port}|${n.ip}`))
          return err(ST.NOT_FOUND, `neighbour ${n.ip} on port ${n.port} does not exist`);
        return [ST.OK, none];
      }
      case Op.RULE_ADD: {
        const r = tables.decodeRulePayload(m.payload);
        this.rules.set(r.id, r);
        return [ST.OK, none];
      }
      case Op.RULE_DEL: {
        const id = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0, true);
        if (!this.rules.delete(id)) return err(ST.NOT_FOUND, `rule ${id} does not exist`);
        return [ST.OK, none];
      }
      case Op.RULE_LIST: {
        const q = tables.decodeListReq(m.payload);
        const entries = [...this.rules.values()]
          .sort((a, b) => a.id - b.id)
          .map((rule) => ({ rule, ...(this.ruleCounters.get(rule.id) ?? { packets: 0n, bytes: 0n }) }));
        return [ST.OK, tables.encodeRuleList(this.page(entries, q.cursor))];
      }
      case Op.POLICER_GET: {
        const p = codec.decodePortRef(m.payload);
        if (p === PORT_NONE)
          return [ST.OK, policer.encodePolicerInfo({ port: 'default', classes: this.policerDefaults })];
        if (!this.core.ports[p]) return err(3, `port ${p} does not exist`);
        return [ST.OK, policer.encodePolicerInfo({ port: p, classes: this.portPolicer(p) })];
      }
      case Op.POLICER_SET: {
        const s = policer.decodePolicerSet(m.payload);
        const classes = s.class === 'all' || s.class === undefined ? PUNT_CLASS_NAMES : [s.class];
        const rate = { ratePps: s.ratePps, burst: s.burst ?? 0 };
        if (s.port !== undefined && !this.core.ports[s.port]) return err(3, `port ${s.port} does not exist`);
        const targets =
          s.port === undefined
            ? [this.policerDefaults, ...this.core.ports.map((p) => this.portPolicer(p.port))]
            : [this.portPolicer(s.port)];
        for (const t of targets) for (const c of classes) t[c] = { ...rate };
        const info = s.port === undefined ? this.policerDefaults : this.portPolicer(s.port);
        return [ST.OK, policer.encodePolicerInfo({ port: s.port ?? 'default', classes: info })];
      }
      case Op.SYNC_SET:
        this.kernelSync = decodeSyncState(padSync(m.payload)).enabled;
        return [ST.OK, this.syncState()];
      case Op.SYNC_GET:
        return [ST.OK, this.syncState()];
      default:
        return undefined;
    }
  }

  /** A port's policer (the defaults at the time it is first seen). */
  portPolicer(port: number): Record<PuntClassName, policer.PolicerRate> {
    let c = this.policerPorts.get(port);
    if (!c) {
      c = copyClasses(this.policerDefaults);
      this.policerPorts.set(port, c);
    }
    return c;
  }

  private syncState(): Uint8Array {
    const b = new Uint8Array(24);
    b.set(encodeSyncSet(this.kernelSync));
    return b;
  }

  /** Routes as listed: the table's (origin 'api' unless a test set one) and each neighbour's host route. */
  private listedRoutes(family: number): (tables.Route & { origin: tables.Origin })[] {
    const out = [...this.core.routes.values()].map((r) => ({ ...r, origin: r.origin ?? 'api' }));
    for (const n of this.core.neighbours.values()) {
      const f = familyOf(n.ip);
      const prefix = `${n.ip}/${f === 4 ? 32 : 128}`;
      if (!this.core.routes.has(prefix))
        out.push({ prefix, family: f, type: 'forward', via: [{ port: n.port }], origin: 'neighbour' });
    }
    return out.filter((r) => family === 0 || r.family === family);
  }

  private page<T>(items: T[], cursor: number): { items: T[]; next: number } {
    const end = cursor + this.pageSize;
    return { items: items.slice(cursor, end), next: end < items.length ? end : 0 };
  }
}

/** Requests that change the configuration. */
const CHANGES = new Set<number>([
  Op.PORT_ADD,
  Op.PORT_START,
  Op.PORT_STOP,
  Op.PORT_SET,
  Op.XC_ADD,
  Op.XC_DEL,
  Op.ROUTE_ADD,
  Op.ROUTE_DEL,
  Op.NEIGH_ADD,
  Op.NEIGH_DEL,
  Op.RULE_ADD,
  Op.RULE_DEL,
  Op.POLICER_SET,
  Op.SYNC_SET,
]);

function err(status: number, text: string): [number, Uint8Array] {
  return [status, codec.encodeErrorText(text)];
}

function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

function padSync(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(24);
  out.set(b.subarray(0, 24));
  return out;
}

/**
 * What the schema cannot check, checked before anything is sent: addresses
 * and prefixes that parse (and have no host bits set), next hops of the
 * prefix's family, port references within the file's ports, entries listed
 * twice, rules the rule codec accepts. Each problem names its path, like
 * the schema's. The result is the file's desired state in the canonical
 * form apply compares (config/state.ts).
 */
import { type Family, familyName, formatIp, formatPrefix, parseIp, parsePrefix } from '../codec/ip';
import { normalizePolicer, type PolicerRate, PUNT_CLASS_NAMES } from '../codec/policer';
import { RuleSource, decodeRulePayload, type Rule } from '../codec/rules';
import { SlipwayError } from '../errors';
import { ConfigError, type ConfigIssue, formatPath } from './issues';
import type { PolicerClassesConfig, SlipwayConfig } from './schema';
import { type ConfigState, type PolicerClasses, type RouteEntry, neighbourKey } from './state';

type Path = (string | number)[];

/** The reason part of a codec's BAD_ARGUMENT ("bad route prefix \"x\": not an IPv4 address" -> "not an IPv4 address"). */
function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const i = m.lastIndexOf('": ');
  return i >= 0 ? m.slice(i + 3) : m.replace(/^bad /, '');
}

class Checker {
  readonly issues: ConfigIssue[] = [];

  constructor(readonly nPorts: number) {}

  add(path: Path, message: string): void {
    this.issues.push({ path, message });
  }

  port(path: Path, p: number | undefined): void {
    if (p !== undefined && p >= this.nPorts)
      this.add(path, `port ${p} is not in ports (${this.nPorts === 0 ? 'none listed' : `0..${this.nPorts - 1}`})`);
  }

  /** A prefix in canonical form, or undefined (and an issue). */
  prefix(path: Path, s: string): { text: string; family: Family } | undefined {
    try {
      const p = parsePrefix(s);
      const canonical = formatPrefix(p.family, p.bytes, p.len);
      const masked = p.bytes.slice();
      for (let bit = p.len; bit < 128; bit++) masked[bit >> 3] &= ~(0x80 >> (bit & 7));
      const network = formatPrefix(p.family, masked, p.len);
      if (network !== canonical) {
        this.add(path, `host bits set in ${JSON.stringify(s)} (the network is ${network})`);
        return undefined;
      }
      return { text: canonical, family: p.family };
    } catch (e) {
      this.add(path, `${reason(e)} (${JSON.stringify(s)})`);
      return undefined;
    }
  }

  ip(path: Path, s: string): { text: string; family: Family } | undefined {
    try {
      const a = parseIp(s);
      return { text: formatIp(a.family, a.bytes), family: a.family };
    } catch (e) {
      this.add(path, `${reason(e)} (${JSON.stringify(s)})`);
      return undefined;
    }
  }

  /** A duplicate key: the second path names the first. */
  unique<K>(seen: Map<K, Path>, key: K, path: Path, what: string): boolean {
    const first = seen.get(key);
    if (first) {
      this.add(path, `${what} is already ${formatPath(first)}`);
      return false;
    }
    seen.set(key, path);
    return true;
  }

  policer(path: Path, c: PolicerClassesConfig | undefined): PolicerClasses {
    const out: PolicerClasses = {};
    for (const k of PUNT_CLASS_NAMES) {
      const r = c?.[k];
      if (r === undefined) continue;
      try {
        const n = normalizePolicer({ class: k, ratePps: r.ratePps, burst: r.burst });
        out[k] = { ratePps: n.ratePps, burst: n.burst };
      } catch (e) {
        this.add([...path, k, 'burst'], reason(e));
      }
    }
    return out;
  }
}

/**
 * The desired state of a file that passed the schema; ConfigError (every
 * problem, each with its path) when it asks for something impossible.
 */
export function desiredState(cfg: SlipwayConfig, source: string): ConfigState {
  const ports = cfg.ports ?? [];
  const c = new Checker(ports.length);
  const state: ConfigState = {
    ports: [],
    xconnects: new Map(),
    routes: new Map(),
    neighbours: new Map(),
    rules: new Map(),
    policer: c.policer(['policer'], cfg.policer),
    kernelSync: cfg.kernelSync,
  };

  if (cfg.dataplane?.dpdkTools === true && cfg.dataplane.hugepages === false)
    c.add(
      ['dataplane', 'dpdkTools'],
      "needs hugepages (hugepages is false): DPDK's tools cannot attach to --no-huge memory",
    );

  const devargs = new Map<string, Path>();
  ports.forEach((p, i) => {
    c.unique(devargs, p.devargs, ['ports', i, 'devargs'], `devargs ${JSON.stringify(p.devargs)}`);
    if (p.devargs.includes('\0')) c.add(['ports', i, 'devargs'], 'must not contain a NUL character');
    const own = c.policer(['ports', i, 'policer'], p.policer);
    const policer: PolicerClasses = {};
    for (const k of PUNT_CLASS_NAMES) {
      const r: PolicerRate | undefined = own[k] ?? state.policer[k];
      if (r) policer[k] = r;
    }
    state.ports.push({
      devargs: p.devargs,
      mtu: p.mtu,
      mac: p.mac?.toLowerCase(),
      promisc: p.promisc,
      started: p.started,
      policer,
    });
  });

  const xcIn = new Map<number, Path>();
  (cfg.xconnects ?? []).forEach((x, i) => {
    const at: Path = ['xconnects', i];
    c.port([...at, 'inPort'], x.inPort);
    c.port([...at, 'outPort'], x.outPort);
    if (x.inPort === x.outPort) c.add([...at, 'outPort'], `port ${x.inPort} cannot feed itself`);
    if (c.unique(xcIn, x.inPort, [...at, 'inPort'], `a cross-connect from port ${x.inPort}`))
      state.xconnects.set(x.inPort, x.outPort);
  });

  const prefixes = new Map<string, Path>();
  (cfg.routes ?? []).forEach((r, i) => {
    const at: Path = ['routes', i];
    const p = c.prefix([...at, 'prefix'], r.prefix);
    const type = r.type ?? 'forward';
    const entry: RouteEntry = { prefix: p?.text ?? r.prefix, type, via: [] };
    if (type === 'forward' && r.via === undefined) c.add([...at, 'via'], 'is required for a forward route');
    if (type !== 'forward' && r.via !== undefined) c.add([...at, 'via'], `must be left out of a ${type} route`);
    (type === 'forward' ? (r.via ?? []) : []).forEach((h, j) => {
      c.port([...at, 'via', j, 'port'], h.port);
      if (h.gw === undefined) {
        entry.via.push({ port: h.port });
        return;
      }
      const gw = c.ip([...at, 'via', j, 'gw'], h.gw);
      if (gw && p && gw.family !== p.family)
        c.add([...at, 'via', j, 'gw'], `${h.gw} is ${familyName(gw.family)}, the prefix ${familyName(p.family)}`);
      entry.via.push({ port: h.port, gw: gw?.text ?? h.gw });
    });
    if (p && c.unique(prefixes, p.text, [...at, 'prefix'], `route ${p.text}`)) state.routes.set(p.text, entry);
  });

  const neighbours = new Map<string, Path>();
  (cfg.neighbours ?? []).forEach((n, i) => {
    const at: Path = ['neighbours', i];
    c.port([...at, 'port'], n.port);
    const ip = c.ip([...at, 'ip'], n.ip);
    if (!ip) return;
    const entry = { port: n.port, ip: ip.text, mac: n.mac.toLowerCase() };
    const key = neighbourKey(entry);
    if (c.unique(neighbours, key, [...at, 'ip'], `neighbour ${ip.text} on port ${n.port}`))
      state.neighbours.set(key, entry);
  });

  const ruleIds = new Map<number, Path>();
  (cfg.rules ?? []).forEach((r, i) => {
    const at: Path = ['rules', i];
    const before = c.issues.length;
    const unique = c.unique(ruleIds, r.id, [...at, 'id'], `rule ${r.id}`);
    c.port([...at, 'match', 'inPort'], r.match?.inPort);
    c.port([...at, 'action', 'port'], r.action.port);
    if (r.action.type === 'forward' && r.action.port === undefined)
      c.add([...at, 'action', 'port'], 'is required for a forward action');
    if (r.action.type !== 'forward' && r.action.type !== 'mirror' && r.action.port !== undefined)
      c.add([...at, 'action', 'port'], `must be left out of a ${r.action.type} action`);
    if (c.issues.length > before) return; // the codec would say the same again
    const canonical = canonicalRule(r as Rule, at, c);
    if (canonical && unique) state.rules.set(r.id, canonical);
  });

  if (c.issues.length > 0) throw new ConfigError(source, c.issues);
  return state;
}

/** A rule as the dataplane would list it: encoded by the rule codec and decoded again. */
function canonicalRule(r: Rule, at: Path, c: Checker): Rule | undefined {
  try {
    return decodeRulePayload(new RuleSource([{ ...r, match: r.match ?? {} }], false, true).encode());
  } catch (e) {
    if (!(e instanceof SlipwayError)) throw e;
    c.add(at, e.message.replace(/^bad rule( \d+)?:? ?/, ''));
    return undefined;
  }
}

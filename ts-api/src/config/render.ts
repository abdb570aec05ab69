/**
 * The running configuration as a file `apply` accepts: YAML (with comments
 * naming each port and what was left out) or JSON (the same note in
 * `$comment`).
 */
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { PROTOCOLS, parsePrefix } from '../codec/ip';
import { PUNT_CLASS_NAMES } from '../codec/policer';
import type { Origin } from '../codec/routes';
import type { Rule } from '../codec/rules';
import type { LeftOut } from './running';
import type { SlipwayConfig } from './schema';
import { type RunningState, sameRate } from './state';

/** Where editors find the schema (relative to the repository root). */
export const SCHEMA_PATH = 'ts-api/schema/slipway-config.schema.json';

const PROTO_NAMES = new Map<number, string>(
  Object.entries(PROTOCOLS)
    .filter(([name]) => name !== 'ipv6-icmp')
    .map(([name, n]) => [n, name]),
);

/** A rule as a file writes it: protocol names where there is one. */
function ruleForFile(r: Rule): NonNullable<SlipwayConfig['rules']>[number] {
  const match = { ...r.match };
  if (typeof match.proto === 'number' && PROTO_NAMES.has(match.proto)) match.proto = PROTO_NAMES.get(match.proto);
  return {
    id: r.id,
    priority: r.priority,
    ...(Object.keys(match).length > 0 ? { match: match as NonNullable<SlipwayConfig['rules']>[number]['match'] } : {}),
    action: { ...r.action } as { type: Rule['action']['type']; port?: number },
  };
}

/** Sort key of a prefix or address: family, then address bytes, then length. */
function addrKey(s: string): string {
  const p = parsePrefix(s);
  return `${p.family}:${Buffer.from(p.bytes).toString('hex')}:${String(p.len).padStart(3, '0')}`;
}

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The running state as a configuration file (entries in a stable order: ports, prefixes, addresses, ids). */
export function configOf(s: RunningState): SlipwayConfig {
  return {
    ports: s.ports.map((p) => {
      const own = Object.fromEntries(
        PUNT_CLASS_NAMES.filter((k) => !sameRate(p.policer[k], s.policer[k])).map((k) => [k, { ...p.policer[k]! }]),
      );
      return {
        devargs: p.devargs,
        mtu: p.mtu,
        mac: p.mac,
        promisc: p.promisc,
        started: p.started,
        ...(Object.keys(own).length > 0 ? { policer: own } : {}),
      };
    }),
    xconnects: [...s.xconnects].sort((a, b) => a[0] - b[0]).map(([inPort, outPort]) => ({ inPort, outPort })),
    routes: [...s.routes.values()]
      .sort(byKey((r) => addrKey(r.prefix)))
      .map((r) =>
        r.type === 'forward'
          ? { prefix: r.prefix, via: r.via.map((h) => ({ ...h })) }
          : { prefix: r.prefix, type: r.type },
      ),
    neighbours: [...s.neighbours.values()]
      .sort(byKey((n) => `${String(n.port).padStart(2, '0')}|${addrKey(n.ip)}`))
      .map((n) => ({ port: n.port, ip: n.ip, mac: n.mac })),
    rules: [...s.rules.values()].sort((a, b) => a.id - b.id).map(ruleForFile),
    policer: Object.fromEntries(PUNT_CLASS_NAMES.map((k) => [k, { ...s.policer[k]! }])),
    kernelSync: s.kernelSync,
  };
}

const ORIGIN_TEXT: Record<Origin, string> = {
  api: 'set through the API',
  neighbour: "neighbours' host routes",
  'kernel-address': "kernel sync: the vEths' addresses (local and connected routes)",
  'kernel-route': 'kernel sync: kernel routes',
  'kernel-neighbour': 'kernel sync: neighbours the kernel resolved',
};

/** What the dataplane holds that the file leaves out, one line each ([] when nothing). */
export function leftOutLines(l: LeftOut): string[] {
  const lines: string[] = [];
  for (const [what, counts] of [
    ['routes', l.routes],
    ['neighbours', l.neighbours],
  ] as const) {
    for (const [o, n] of Object.entries(counts))
      lines.push(`${ORIGIN_TEXT[o as Origin]}: ${n} ${n === 1 ? what.slice(0, -1) : what}`);
  }
  return lines;
}

/** A short banner: where it came from, what was left out and why. */
function header(instance: string, l: LeftOut): string[] {
  const out = [`running configuration of slipway instance ${instance} (slipctl show config)`];
  const left = leftOutLines(l);
  if (left.length > 0) {
    out.push('left out, as they are not configuration (kernel sync and neighbours install them):');
    out.push(...left.map((x) => `  ${x}`));
  }
  return out;
}

/** YAML with comments: the banner, and each port's index, name and vEth. */
export function renderYaml(
  cfg: SlipwayConfig,
  opts: { instance: string; leftOut: LeftOut; ports?: RunningState['ports'] },
): string {
  const doc = new Document(cfg);
  doc.commentBefore = [`yaml-language-server: $schema=${SCHEMA_PATH}`, ...header(opts.instance, opts.leftOut)]
    .map((l) => ` ${l}`)
    .join('\n');
  const ports = doc.get('ports', true) as YAMLSeq | undefined;
  if (ports && isSeq(ports)) {
    ports.items.forEach((item, i) => {
      const p = opts.ports?.[i];
      if (isMap(item)) (item as YAMLMap).commentBefore = ` port ${i}${p ? `: ${p.name}, ${p.vif}` : ''}`;
    });
  }
  // short entries on one line each
  for (const key of ['xconnects', 'neighbours']) {
    const seq = doc.get(key, true);
    if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  }
  for (const key of ['routes', 'rules']) {
    const seq = doc.get(key, true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      for (const pair of item.items) {
        const v = pair.value;
        if (isSeq(v)) for (const h of v.items) if (isMap(h)) h.flow = true;
        if (isMap(v)) v.flow = true;
      }
    }
  }
  const pol = doc.get('policer', true);
  if (isMap(pol)) for (const pair of pol.items) if (isMap(pair.value)) pair.value.flow = true;
  if (ports && isSeq(ports)) {
    for (const item of ports.items) {
      if (!isMap(item)) continue;
      const own = item.get('policer', true);
      if (isMap(own)) for (const pair of own.items) if (isMap(pair.value)) pair.value.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** JSON, the banner in $comment. */
export function renderJson(cfg: SlipwayConfig, opts: { instance: string; leftOut: LeftOut }): string {
  return JSON.stringify({ $comment: header(opts.instance, opts.leftOut).join('\n'), ...cfg }, null, 2) + '\n';
}

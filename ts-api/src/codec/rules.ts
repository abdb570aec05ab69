/**
 * Match-action rules: the value types of the rule API and their encoding
 * to and from sw_rule, sw_rule_ref and sw_rule_entry (RULE_ADD, RULE_DEL,
 * RULE_LIST pages with counters), and the batch source.
 */
import { AF, PORT_NONE } from '../wire/abi/control';
import {
  RULE_PRIORITY_MAX,
  RULE_PRIORITY_MIN,
  RuleAction,
  RuleEntryMsg,
  RuleMsg,
  RuleOps,
  RuleRef,
} from '../wire/abi/rules';
import { PackedSource } from '../wire/batch';
import { need, viewOf } from '../wire/bytes';
import { SlipwayError, check } from '../errors';
import { type ListPage, checkPort, decodePage, encodePage, formatMac, isMac, parseMac } from './common';
import { type Family, familyName, formatPrefix, parsePrefixInto, parseProto } from './ip';

/** An L4 port or inclusive range [lo, hi]. */
export type PortRange = number | readonly [number, number];

/** What a rule matches; every field is optional (absent: any). */
export interface RuleMatch {
  inPort?: number;
  srcMac?: string;
  dstMac?: string;
  /** Outer VLAN id 0..4095. */
  vlan?: number;
  /** Innermost ethertype (host order), e.g. 0x0806. */
  ethertype?: number;
  /** IP version; inferred from src/dst (or an IP ethertype) when absent. */
  family?: Family;
  /** Source prefix "addr/len" (a bare address: a host). */
  src?: string;
  dst?: string;
  /** IP protocol number or name (tcp, udp, icmp, icmpv6, ...). */
  proto?: number | string;
  sport?: PortRange;
  dport?: PortRange;
}

/** What a matching rule does. */
export type RuleActionSpec =
  | { type: 'forward'; port: number }
  | { type: 'route' }
  | { type: 'drop' }
  | { type: 'punt' }
  /** A copy to `port` (omitted: the ingress port's vEth), the original is routed. */
  | { type: 'mirror'; port?: number }
  /** Count only, then route. */
  | { type: 'count' };

/** A match-action rule; the highest priority match applies. */
export interface Rule {
  /** Unique id chosen by the controller (0..2^32-1); adding an existing id replaces it. */
  id: number;
  /** 1..2^29-1, higher wins. */
  priority: number;
  match: RuleMatch;
  action: RuleActionSpec;
}

/** A rule with its counters, summed over lcores. */
export interface RuleEntry {
  rule: Rule;
  packets: bigint;
  bytes: bigint;
}

const json = (x: unknown) => JSON.stringify(x);
const ACTIONS: Record<string, number> = {
  forward: RuleAction.FORWARD,
  route: RuleAction.ROUTE,
  drop: RuleAction.DROP,
  punt: RuleAction.PUNT,
  mirror: RuleAction.MIRROR,
  count: RuleAction.COUNT,
};
const ACTION_NAMES: Record<number, RuleActionSpec['type']> = Object.fromEntries(
  Object.entries(ACTIONS).map(([k, v]) => [v, k]),
) as Record<number, RuleActionSpec['type']>;

const MATCH_KEYS = new Set([
  'inPort',
  'srcMac',
  'dstMac',
  'vlan',
  'ethertype',
  'family',
  'src',
  'dst',
  'proto',
  'sport',
  'dport',
]);

function u16(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffff;
}

function portRange(x: PortRange | undefined, what: string): [number, number] {
  if (x === undefined) return [0, 0xffff];
  if (Array.isArray(x)) {
    check(
      x.length === 2 && u16(x[0]) && u16(x[1]) && x[0] <= x[1],
      `bad ${what} ${json(x)}: expected [lo, hi] with 0 <= lo <= hi <= 65535`,
    );
    return [x[0], x[1]];
  }
  check(u16(x), `bad ${what} ${json(x)}: expected a port 0..65535 or [lo, hi]`);
  return [x as number, x as number];
}

/** Writes a validated sw_rule at `off` of `b` (which must be zeroed there). */
function writeRule(r: Rule, v: DataView, b: Uint8Array, off: number, tag: string): void {
  check(r !== null && typeof r === 'object', `bad ${tag} ${json(r)}: expected {id, priority, match, action}`);
  check(
    Number.isInteger(r.id) && r.id >= 0 && r.id <= 0xffffffff,
    `bad ${tag} id ${json(r.id)}: expected an integer 0..2^32-1`,
  );
  const name = `rule ${r.id}`;
  check(
    Number.isInteger(r.priority) && r.priority >= RULE_PRIORITY_MIN && r.priority <= RULE_PRIORITY_MAX,
    `bad ${name} priority ${json(r.priority)}: expected an integer ${RULE_PRIORITY_MIN}..${RULE_PRIORITY_MAX}`,
  );
  const m: RuleMatch = r.match ?? {};
  check(typeof m === 'object' && m !== null, `bad ${name} match ${json(m)}: expected an object`);
  for (const k of Object.keys(m))
    check(MATCH_KEYS.has(k), `bad ${name} match key ${json(k)}: expected one of ${[...MATCH_KEYS].join(', ')}`);
  const a = r.action;
  check(
    a !== null && typeof a === 'object' && ACTIONS[a.type] !== undefined,
    `bad ${name} action ${json(a)}: expected {type: forward | route | drop | punt | mirror | count}`,
  );

  let inPort = PORT_NONE;
  if (m.inPort !== undefined) {
    checkPort(m.inPort, `${name} inPort`);
    inPort = m.inPort;
  }
  let vlan = 0xffff;
  if (m.vlan !== undefined) {
    check(
      Number.isInteger(m.vlan) && m.vlan >= 0 && m.vlan <= 4095,
      `bad ${name} vlan ${json(m.vlan)}: expected 0..4095`,
    );
    vlan = m.vlan;
  }
  let ethertype = 0;
  if (m.ethertype !== undefined) {
    check(
      Number.isInteger(m.ethertype) && m.ethertype >= 1 && m.ethertype <= 0xffff,
      `bad ${name} ethertype ${json(m.ethertype)}: expected 0x0001..0xffff`,
    );
    ethertype = m.ethertype;
  }
  for (const k of ['srcMac', 'dstMac'] as const) {
    if (m[k] !== undefined) check(isMac(m[k]), `bad ${name} ${k} ${json(m[k])}: expected aa:bb:cc:dd:ee:ff`);
  }
  let family = 0;
  if (m.family !== undefined) {
    check(m.family === AF.INET || m.family === AF.INET6, `bad ${name} family ${json(m.family)}: expected 4 or 6`);
    family = m.family;
  }
  let srcLen = 0;
  let dstLen = 0;
  for (const k of ['src', 'dst'] as const) {
    const p = m[k];
    if (p === undefined) continue;
    const at = off + (k === 'src' ? RuleMsg.src : RuleMsg.dst);
    const r2 = parsePrefixInto(p, b, at, `${name} ${k}`);
    check(
      family === 0 || family === r2.family,
      `bad ${name} ${k} ${json(p)}: ${familyName(r2.family)}, but the rule is ${familyName(family)}`,
    );
    family = r2.family;
    if (r2.len === 0) b.fill(0, at, at + 16); // /0 is the wildcard
    if (k === 'src') srcLen = r2.len;
    else dstLen = r2.len;
  }
  const proto = m.proto === undefined ? 0 : parseProto(m.proto, `${name} proto`);
  const [slo, shi] = portRange(m.sport, `${name} sport`);
  const [dlo, dhi] = portRange(m.dport, `${name} dport`);
  const ipFields = proto !== 0 || m.sport !== undefined || m.dport !== undefined;
  if (family === 0 && ipFields) {
    if (ethertype === 0x0800) family = AF.INET;
    else if (ethertype === 0x86dd) family = AF.INET6;
    check(family !== 0, `bad ${name}: proto/sport/dport need an IP family (give family 4 or 6, or a src/dst prefix)`);
  }
  if (family !== 0 && ethertype !== 0) {
    const et = family === AF.INET ? 0x0800 : 0x86dd;
    check(
      ethertype === et,
      `bad ${name}: ethertype 0x${ethertype.toString(16).padStart(4, '0')} contradicts ${familyName(family)}`,
    );
  }

  let outPort = PORT_NONE;
  if (a.type === 'forward') {
    checkPort(a.port, `${name} forward port`);
    outPort = a.port;
  } else if (a.type === 'mirror' && a.port !== undefined) {
    checkPort(a.port, `${name} mirror port`);
    outPort = a.port;
  } else {
    const extra = (a as { port?: unknown }).port;
    check(extra === undefined, `bad ${name} action ${json(a)}: ${a.type} takes no port`);
  }

  v.setUint32(off + RuleMsg.id, r.id, true);
  v.setUint32(off + RuleMsg.priority, r.priority, true);
  v.setUint8(off + RuleMsg.family, family);
  v.setUint8(off + RuleMsg.proto, proto);
  v.setUint8(off + RuleMsg.action, ACTIONS[a.type]);
  v.setUint16(off + RuleMsg.in_port, inPort, true);
  v.setUint16(off + RuleMsg.vlan, vlan, true);
  v.setUint16(off + RuleMsg.ethertype, ethertype, true);
  v.setUint16(off + RuleMsg.out_port, outPort, true);
  if (m.srcMac !== undefined) b.set(parseMac(m.srcMac), off + RuleMsg.src_mac);
  if (m.dstMac !== undefined) b.set(parseMac(m.dstMac), off + RuleMsg.dst_mac);
  v.setUint8(off + RuleMsg.src_len, srcLen);
  v.setUint8(off + RuleMsg.dst_len, dstLen);
  v.setUint16(off + RuleMsg.sport_lo, slo, true);
  v.setUint16(off + RuleMsg.sport_hi, shi, true);
  v.setUint16(off + RuleMsg.dport_lo, dlo, true);
  v.setUint16(off + RuleMsg.dport_hi, dhi, true);
}

/** Rules validated and encoded up front (sw_rule or sw_rule_ref each). */
export class RuleSource extends PackedSource {
  /** @param items rules (add) or rule ids (del) */
  constructor(items: readonly (Rule | number)[], del: boolean, single = false) {
    check(Array.isArray(items), `bad rules ${typeof items}: expected an array`);
    const n = items.length;
    super(
      n,
      del ? `rule remove of ${n} ids` : `rule add of ${n} rules`,
      del ? RuleOps.RULE_DEL : RuleOps.RULE_ADD,
      del ? RuleRef.SIZE : RuleMsg.SIZE,
    );
    const v = viewOf(this.buf);
    for (let i = 0; i < n; i++) {
      const tag = single ? 'rule' : `rule #${i}`;
      if (del) {
        const id = items[i] as number;
        check(
          Number.isInteger(id) && id >= 0 && id <= 0xffffffff,
          `bad ${tag} id ${json(id)}: expected an integer 0..2^32-1`,
        );
        v.setUint32(i * this.size + RuleRef.id, id, true);
      } else {
        writeRule(items[i] as Rule, v, this.buf, i * this.size, tag);
      }
    }
  }

  /** Id of item `i`. */
  id(i: number): number {
    return viewOf(this.buf).getUint32(i * this.size, true);
  }
}

/** sw_rule payload of RULE_ADD; BAD_ARGUMENT naming the rule when malformed. */
export function encodeRule(r: Rule): Uint8Array {
  return new RuleSource([r], false, true).encode();
}

/** Reads a sw_rule at `off`. */
export function decodeRule(v: DataView, off = 0): Rule {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const m: RuleMatch = {};
  const inPort = v.getUint16(off + RuleMsg.in_port, true);
  if (inPort !== PORT_NONE) m.inPort = inPort;
  const macSet = (o: number) => b.subarray(off + o, off + o + 6).some((x) => x !== 0);
  if (macSet(RuleMsg.src_mac)) m.srcMac = formatMac(v, off + RuleMsg.src_mac);
  if (macSet(RuleMsg.dst_mac)) m.dstMac = formatMac(v, off + RuleMsg.dst_mac);
  const vlan = v.getUint16(off + RuleMsg.vlan, true);
  if (vlan !== 0xffff) m.vlan = vlan;
  const et = v.getUint16(off + RuleMsg.ethertype, true);
  if (et !== 0) m.ethertype = et;
  const family = v.getUint8(off + RuleMsg.family);
  if (family === AF.INET || family === AF.INET6) {
    m.family = family;
    const sl = v.getUint8(off + RuleMsg.src_len);
    const dl = v.getUint8(off + RuleMsg.dst_len);
    if (sl > 0) m.src = formatPrefix(family, b, sl, off + RuleMsg.src);
    if (dl > 0) m.dst = formatPrefix(family, b, dl, off + RuleMsg.dst);
  }
  const proto = v.getUint8(off + RuleMsg.proto);
  if (proto !== 0) m.proto = proto;
  const range = (lo: number, hi: number): PortRange | undefined =>
    lo === 0 && hi === 0xffff ? undefined : lo === hi ? lo : [lo, hi];
  const sp = range(v.getUint16(off + RuleMsg.sport_lo, true), v.getUint16(off + RuleMsg.sport_hi, true));
  const dp = range(v.getUint16(off + RuleMsg.dport_lo, true), v.getUint16(off + RuleMsg.dport_hi, true));
  if (sp !== undefined) m.sport = sp;
  if (dp !== undefined) m.dport = dp;
  const act = v.getUint8(off + RuleMsg.action);
  const outPort = v.getUint16(off + RuleMsg.out_port, true);
  const type = ACTION_NAMES[act];
  if (type === undefined) throw new SlipwayError('PROTOCOL', `rule: unknown action ${act}`);
  let action: RuleActionSpec;
  if (type === 'forward') action = { type, port: outPort };
  else if (type === 'mirror') action = outPort === PORT_NONE ? { type } : { type, port: outPort };
  else action = { type } as RuleActionSpec;
  return {
    id: v.getUint32(off + RuleMsg.id, true),
    priority: v.getUint32(off + RuleMsg.priority, true),
    match: m,
    action,
  };
}

/** Parses one sw_rule payload. */
export function decodeRulePayload(b: Uint8Array): Rule {
  need(b, RuleMsg.SIZE, 'rule');
  return decodeRule(viewOf(b), 0);
}

/** Reads a sw_rule_entry at `off`. */
export function decodeRuleEntry(v: DataView, off = 0): RuleEntry {
  return {
    rule: decodeRule(v, off + RuleEntryMsg.rule),
    packets: v.getBigUint64(off + RuleEntryMsg.packets, true),
    bytes: v.getBigUint64(off + RuleEntryMsg.bytes, true),
  };
}

/** Parses a RULE_LIST response page. */
export function decodeRuleList(b: Uint8Array): ListPage<RuleEntry> {
  return decodePage(b, RuleEntryMsg.SIZE, 'rule list', decodeRuleEntry);
}

/** RULE_LIST response payload (tests and fake dataplanes). */
export function encodeRuleList(page: ListPage<RuleEntry>): Uint8Array {
  return encodePage(page, RuleEntryMsg.SIZE, (v, b, off, e) => {
    writeRule(e.rule, v, b, off + RuleEntryMsg.rule, 'rule');
    v.setBigUint64(off + RuleEntryMsg.packets, e.packets, true);
    v.setBigUint64(off + RuleEntryMsg.bytes, e.bytes, true);
  });
}

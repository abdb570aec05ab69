/* Parsing and rendering of rules for slipctl. */
import type { PortRange, Rule, RuleActionSpec, RuleEntry, RuleMatch } from '../../../index';
import { UsageError } from '../../errors';
import { table } from '../../output';
import { portNumber } from '../../parse';

/** The options of `rule add` (and of a `rule add` line of `slipctl batch`), as commander parses them. */
export interface RuleOptions {
  priority: number;
  action: string;
  inPort?: number;
  srcMac?: string;
  dstMac?: string;
  vlan?: number;
  ethertype?: string;
  family?: '4' | '6';
  src?: string;
  dst?: string;
  proto?: string;
  sport?: string;
  dport?: string;
}

/** The rule `rule add ID` with these options makes. */
export function ruleOf(id: number, o: RuleOptions): Rule {
  const match: RuleMatch = {};
  if (o.inPort !== undefined) match.inPort = o.inPort;
  if (o.srcMac !== undefined) match.srcMac = o.srcMac;
  if (o.dstMac !== undefined) match.dstMac = o.dstMac;
  if (o.vlan !== undefined) match.vlan = o.vlan;
  if (o.ethertype !== undefined) match.ethertype = parseNumber(o.ethertype, 'ethertype');
  if (o.family !== undefined) match.family = Number(o.family) as 4 | 6;
  if (o.src !== undefined) match.src = o.src;
  if (o.dst !== undefined) match.dst = o.dst;
  if (o.proto !== undefined) match.proto = o.proto;
  if (o.sport !== undefined) match.sport = parseRange(o.sport, 'sport');
  if (o.dport !== undefined) match.dport = parseRange(o.dport, 'dport');
  return { id, priority: o.priority, match, action: parseAction(o.action) };
}

/** "N" or "LO-HI" -> a port range. */
export function parseRange(text: string, what: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) {
    throw new UsageError(`${what} "${text}" is not a port or LO-HI range`);
  }

  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

/** forward:PORT | route | drop | punt | mirror[:PORT] | count */
export function parseAction(text: string): RuleActionSpec {
  const [type, arg, extra] = text.split(':');
  if (extra !== undefined) {
    throw new UsageError(`action "${text}": expected forward:PORT, route, drop, punt, mirror[:PORT] or count`);
  }

  switch (type) {
    case 'forward': {
      if (arg === undefined) {
        throw new UsageError(`action "${text}": forward needs a port (forward:PORT)`);
      }

      return { type, port: portNumber(arg, 'forward port') };
    }

    case 'mirror': {
      return arg === undefined ? { type } : { type, port: portNumber(arg, 'mirror port') };
    }

    case 'route':
    case 'drop':
    case 'punt':
    case 'count': {
      if (arg !== undefined) {
        throw new UsageError(`action "${text}": ${type} takes no port`);
      }

      return { type };
    }

    default: {
      throw new UsageError(`action "${text}": expected forward:PORT, route, drop, punt, mirror[:PORT] or count`);
    }
  }
}

/** A number in decimal or 0x hex. */
export function parseNumber(text: string, what: string): number {
  if (!/^(0x[\da-f]+|\d+)$/i.test(text)) {
    throw new UsageError(`${what} "${text}" is not a number`);
  }

  return Number(text);
}

function rangeText(r: PortRange | undefined): string | undefined {
  return r === undefined ? undefined : Array.isArray(r) ? `${r[0]}-${r[1]}` : String(r);
}

/** The match of a rule as "key=value ..." ("any" when empty). */
export function matchText(m: RuleMatch): string {
  const parts: string[] = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined) {
      parts.push(`${k}=${String(v)}`);
    }
  };

  add('in-port', m.inPort);
  add('src-mac', m.srcMac);
  add('dst-mac', m.dstMac);
  add('vlan', m.vlan);
  add('ethertype', m.ethertype === undefined ? undefined : `0x${m.ethertype.toString(16).padStart(4, '0')}`);
  add('family', m.family);
  add('src', m.src);
  add('dst', m.dst);
  add('proto', m.proto);
  add('sport', rangeText(m.sport));
  add('dport', rangeText(m.dport));
  return parts.length > 0 ? parts.join(' ') : 'any';
}

export function actionText(a: RuleActionSpec): string {
  return a.type === 'forward'
    ? `forward:${a.port}`
    : a.type === 'mirror' && a.port !== undefined
      ? `mirror:${a.port}`
      : a.type;
}

export function rulesTable(entries: RuleEntry[]): string {
  if (entries.length === 0) {
    return 'no rules\n';
  }

  return table(
    ['ID', 'PRIORITY', 'ACTION', 'PACKETS', 'BYTES', 'MATCH'],
    [...entries]
      .sort((a, b) => b.rule.priority - a.rule.priority || a.rule.id - b.rule.id)
      .map((e) => [
        String(e.rule.id),
        String(e.rule.priority),
        actionText(e.rule.action),
        e.packets,
        e.bytes,
        matchText(e.rule.match),
      ]),
  );
}

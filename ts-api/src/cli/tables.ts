/* Parsing and rendering of routes, neighbours and rules for slipctl. */
import type { NextHop, Route, RouteSpec, RuleActionSpec, RuleEntry, RuleMatch, PortRange } from '../index';
import { UsageError } from './errors';
import { table } from './output';

function portNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`${what} "${text}" is not a port number`);
  }

  return Number(text);
}

/**
 * `PREFIX via PORT[:GW] [via PORT[:GW]]...`, `PREFIX local` or `PREFIX drop`
 * (the words after PREFIX). The gateway may be IPv6: everything after the
 * first colon is the gateway.
 */
export function parseRouteWords(prefix: string, words: string[]): RouteSpec {
  if (words.length === 1 && (words[0] === 'local' || words[0] === 'drop')) {
    return { prefix, type: words[0] };
  }

  if (words.length === 0 || words.length % 2 !== 0) {
    throw new UsageError(
      `route add ${prefix}: expected "via PORT[:GW]" (repeatable), "local" or "drop", got "${words.join(' ')}"`,
    );
  }

  const via: NextHop[] = [];
  for (let i = 0; i < words.length; i += 2) {
    if (words[i] !== 'via') {
      throw new UsageError(`route add ${prefix}: expected "via", got "${words[i]}"`);
    }

    const hop = words[i + 1]!;
    const colon = hop.indexOf(':');
    const port = portNumber(colon < 0 ? hop : hop.slice(0, colon), `route add ${prefix}: next hop`);
    via.push(colon < 0 ? { port } : { port, gw: hop.slice(colon + 1) });
  }

  return { prefix, via };
}

export function routesTable(routes: Route[]): string {
  if (routes.length === 0) {
    return 'no routes\n';
  }

  return table(
    ['PREFIX', 'TYPE', 'NEXT HOPS'],
    routes.map((r) => [
      r.prefix,
      r.type,
      r.type === 'forward' ? r.via.map((h) => `${h.port}${h.gw ? `:${h.gw}` : ' (connected)'}`).join(', ') : '-',
    ]),
  );
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

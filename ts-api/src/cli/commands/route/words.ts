/* Parsing and rendering of routes for slipctl. */
import type { NextHop, Route, RouteSpec } from '../../../index';
import { UsageError } from '../../errors';
import { table } from '../../output';
import { portNumber } from '../../parse';

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

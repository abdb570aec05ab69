/* slipctl neigh add|del|list */
import { Command } from 'commander';
import { globals, withSlipway } from '../context';
import { print, printJson, table } from '../output';
import { parsePort } from '../parse';

export function neighAddCommand(): Command {
  return new Command('add')
    .description('add or replace a neighbour: IP is MAC on PORT (resolves next hops, installs a host route)')
    .argument('<port>', 'port', parsePort)
    .argument('<ip>', 'IPv4 or IPv6 address')
    .argument('<mac>', 'aa:bb:cc:dd:ee:ff')
    .action(async (port: number, ip: string, mac: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => sw.neighbours.add({ port, ip, mac }));
      if (g.json) {
        printJson({ port, ip, mac, added: true });
      } else {
        print(`neighbour ${ip} is ${mac} on port ${port}`);
      }
    });
}

export function neighDelCommand(): Command {
  return new Command('del')
    .alias('remove')
    .description('remove the neighbour IP on PORT')
    .argument('<port>', 'port', parsePort)
    .argument('<ip>', 'IPv4 or IPv6 address')
    .action(async (port: number, ip: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => sw.neighbours.remove({ port, ip }));
      if (g.json) {
        printJson({ port, ip, removed: true });
      } else {
        print(`neighbour ${ip} on port ${port} removed`);
      }
    });
}

export function neighListCommand(): Command {
  return new Command('list').description('list neighbours').action(async (_o: unknown, cmd: Command) => {
    const g = globals(cmd);
    const ns = await withSlipway(g, async (sw) => sw.neighbours.list());
    if (g.json) {
      printJson(ns);
    } else {
      print(
        ns.length === 0
          ? 'no neighbours'
          : table(
              ['PORT', 'IP', 'MAC'],
              ns.map((n) => [String(n.port), n.ip, n.mac]),
            ),
      );
    }
  });
}

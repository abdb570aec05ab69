/* slipctl xconnect add IN OUT [IN OUT]... : one pair, or many as one batch */
import { Command } from 'commander';
import { xconnects } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { UsageError } from '../../errors';
import { print, printJson } from '../../output';
import { parsePort } from '../../parse';

export function xconnectAddCommand(): Command {
  return new Command('add')
    .description('forward everything received on IN out of OUT on the fast path; several pairs go as one batch')
    .argument('<pairs...>', 'IN OUT [IN OUT]...: ingress and egress port of each pair')
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      if (args.length % 2 !== 0) {
        throw new UsageError(`xconnect add: expected IN OUT pairs, got ${args.length} port(s)`);
      }

      const ports = args.map((a) => parsePort(a));
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < ports.length; i += 2) {
        pairs.push([ports[i]!, ports[i + 1]!]);
      }
      new xconnects.XcAddSource(pairs); // checked before connecting (BAD_ARGUMENT: exit 2)

      const result = await withSlipway(g, async (sw) => sw.xconnects.addMany(pairs));
      const items = pairs.map(([inPort, outPort], i) => ({
        inPort,
        outPort,
        ok: result.statuses[i] === 0,
        error: result.error(i)?.message,
        code: result.error(i)?.code,
      }));
      if (g.json) {
        printJson(items); // one item per pair, however many
      } else {
        for (const it of items) {
          print(
            it.ok
              ? `cross-connect ${it.inPort} -> ${it.outPort} added`
              : `cross-connect ${it.inPort} -> ${it.outPort} failed: ${it.error} (${it.code})`,
          );
        }
      }

      result.throwIfFailed();
    });
}

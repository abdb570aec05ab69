/* slipctl policer show [--port P] */
import { Command, Option } from 'commander';
import { PUNT_CLASS_NAMES, type PolicerConfig } from '../../../index';
import { policer } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson, table } from '../../output';
import { parsePort } from '../../parse';
/** A port's (or the defaults') policer as a table. */
export function policerText(c: PolicerConfig): string {
  const rows = PUNT_CLASS_NAMES.map((name) => {
    const r = c.classes[name];
    return [name, r.ratePps === 0 ? 'off' : String(r.ratePps), r.ratePps === 0 ? '-' : String(r.burst)];
  });
  const head = c.port === 'default' ? 'defaults (every port added later)' : `port ${c.port}`;
  return `${head}\n${table(['CLASS', 'RATE PPS', 'BURST'], rows)}`;
}

export function policerShowCommand(): Command {
  return new Command('show')
    .description('show the punt policer of a port, or the defaults')
    .addOption(new Option('--port <port>', 'a port (default: the defaults)').argParser(parsePort))
    .action(async (o: { port?: number }, cmd: Command) => {
      const g = globals(cmd);
      policer.encodePolicerGet(o.port); // checked before connecting (BAD_ARGUMENT: exit 2)
      const c = await withSlipway(g, async (sw) => sw.policer.get(o.port));
      if (g.json) {
        printJson(c);
      } else {
        print(policerText(c));
      }
    });
}

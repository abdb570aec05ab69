/* slipctl policer set [--port P] [--class C] --rate PPS [--burst N] */
import { Command, Option } from 'commander';
import { PUNT_CLASS_NAMES, type PolicerSetting } from '../../../index';
import { policer } from '../../../wire';
import { globals, withSlipway } from '../../context';
import { print, printJson } from '../../output';
import { parseIntArg, parsePort } from '../../parse';
import { policerText } from './show';

export function policerSetCommand(): Command {
  return new Command('set')
    .description(
      'set the punt rate limit of a class (arp, icmp, host, other, or all) on a port, or on every port and the defaults',
    )
    .addOption(
      new Option('--port <port>', 'one port (default: every port, and ports added later)').argParser(parsePort),
    )
    .addOption(new Option('--class <class>', 'punt class').choices([...PUNT_CLASS_NAMES, 'all']).default('all'))
    .requiredOption('--rate <pps>', 'packets per second; 0 turns the policer off', parseIntArg(0, 100_000_000))
    .option(
      '--burst <packets>',
      'bucket size in packets (default: a tenth of a second of the rate, at least 16)',
      parseIntArg(1, 1_000_000),
    )
    .action(
      async (o: { port?: number; class: PolicerSetting['class']; rate: number; burst?: number }, cmd: Command) => {
        const g = globals(cmd);
        const setting: PolicerSetting = {
          class: o.class,
          ratePps: o.rate,
          ...(o.port === undefined ? {} : { port: o.port }),
          ...(o.burst === undefined ? {} : { burst: o.burst }),
        };
        policer.encodePolicerSet(policer.normalizePolicer(setting)); // checked before connecting (BAD_ARGUMENT: exit 2)
        const c = await withSlipway(g, async (sw) => sw.policer.set(setting));
        if (g.json) {
          printJson(c);
        } else {
          print(policerText(c));
        }
      },
    );
}

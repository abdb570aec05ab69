/*
 * slipctl stats [--detail] [--watch [SECONDS]]: a summary that fits 120
 * columns (with --watch, the rates of each interval: packets, bits, routed,
 * cross-connected, punted and dropped per second, lcore busy share),
 * --detail for every counter. --json: one object (with --watch one per
 * line, the rates of the interval in it), 64-bit counters as strings.
 */
import { Command } from 'commander';
import type { Stats } from '../../index';
import { globals, interrupted, withSlipway } from '../context';
import { print, printJson, toJson } from '../output';
import { parseSeconds } from '../parse';
import { type StatsJson, type StatsRates, statsDetail, statsRates, statsSummary } from '../stats-view';

export function statsCommand(): Command {
  return new Command('stats')
    .description(
      'port and lcore counters: a summary (totals; with --watch the rates of each interval, drops and punts included), --detail for every counter',
    )
    .option('--watch [seconds]', 'redraw every SECONDS (default 1) until interrupted', parseSeconds)
    .option('--detail', 'every counter, exact: device, queues, each punt and drop class, the policer, lcore times')
    .addHelpText(
      'after',
      '\nDROPS counts every frame a port lost: device (imissed, ierrors, oerrors, rx_nombuf), full tx, punt and vEth queues, injected frames dropped, the L3 drop classes, rule drops and the punt policer.',
    )
    .action(async (o: { watch?: number | true; detail?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const render = (stats: Stats, time: string, intervalS: number | null, rates: StatsRates | null): string =>
        o.detail
          ? statsDetail(stats, rates ?? undefined)
          : statsSummary(stats, {
              instance: g.instance,
              time,
              ...(intervalS === null ? {} : { intervalS }),
              ...(rates ? { rates } : {}),
            });
      const json = (stats: Stats, time: string, intervalS: number | null, rates: StatsRates | null): StatsJson => ({
        time,
        instance: g.instance,
        intervalS,
        rates,
        ...stats,
      });
      await withSlipway(g, async (sw) => {
        if (o.watch === undefined) {
          const stats = await sw.stats({ refresh: true });
          const time = new Date().toISOString();
          if (g.json) printJson(json(stats, time, null, null));
          else print(render(stats, time, null, null));
          return;
        }

        const intervalS = o.watch === true ? 1 : o.watch;
        const stop = interrupted();
        try {
          let prev: Stats | undefined;
          let prevAt = 0n;
          for (;;) {
            const stats = await sw.stats({ refresh: true });
            const now = process.hrtime.bigint();
            const time = new Date().toISOString();
            const rates = prev ? statsRates(prev, stats, Number(now - prevAt) / 1e9) : null;
            if (g.json) {
              process.stdout.write(toJson(json(stats, time, intervalS, rates)) + '\n'); // NDJSON
            } else {
              const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '\n';
              process.stdout.write(`${clear}${render(stats, time, intervalS, rates)}`);
            }

            prev = stats;
            prevAt = now;
            let timer: NodeJS.Timeout | undefined;
            const signal = await Promise.race([
              stop.promise,
              new Promise<undefined>((resolve) => {
                timer = setTimeout(() => resolve(undefined), intervalS * 1000);
              }),
            ]);
            clearTimeout(timer);
            if (signal) {
              break;
            }
          }
        } finally {
          stop.dispose();
        }
      });
    });
}

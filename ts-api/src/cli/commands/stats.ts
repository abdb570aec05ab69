/* slipctl stats [--json] [--watch [SECONDS]] */
import { Command } from 'commander';
import type { Stats } from '../../index';
import { globals, interrupted, withSlipway } from '../context';
import { print, printJson, statsTable, toJson, type Rates } from '../output';
import { parseSeconds } from '../parse';

function rates(prev: Stats, cur: Stats, seconds: number): Map<number, Rates> {
  const out = new Map<number, Rates>();
  for (const p of cur.ports) {
    const q = prev.ports.find((x) => x.port === p.port);
    if (!q || seconds <= 0) {
      continue;
    }

    const per = (a: bigint, b: bigint) => Number(a - b) / seconds;
    out.set(p.port, {
      rxPps: per(p.rxPackets, q.rxPackets),
      txPps: per(p.txPackets, q.txPackets),
      rxBps: per(p.rxBytes, q.rxBytes),
      txBps: per(p.txBytes, q.txBytes),
    });
  }

  return out;
}

export function statsCommand(): Command {
  return new Command('stats')
    .description('per-port and per-lcore counters; --watch redraws every SECONDS (default 1) with rates')
    .option('--watch [seconds]', 'redraw until interrupted', parseSeconds)
    .action(async (o: { watch?: number | true }, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => {
        if (o.watch === undefined) {
          const stats = await sw.stats({ refresh: true });
          if (g.json) {
            printJson(stats);
          } else {
            print(statsTable(stats));
          }

          return;
        }

        const intervalMs = (o.watch === true ? 1 : o.watch) * 1000;
        const stop = interrupted();
        try {
          let prev: Stats | undefined;
          let prevAt = 0n;
          for (;;) {
            const stats = await sw.stats({ refresh: true });
            const now = process.hrtime.bigint();
            const r = prev ? rates(prev, stats, Number(now - prevAt) / 1e9) : new Map<number, Rates>();
            if (g.json) {
              // one JSON object per line (NDJSON)
              process.stdout.write(
                toJson({ time: new Date().toISOString(), rates: Object.fromEntries(r), ...stats }) + '\n',
              );
            } else {
              const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '\n';
              process.stdout.write(
                `${clear}slipway ${g.instance} — ${new Date().toISOString()} — every ${intervalMs / 1000}s, Ctrl-C to stop\n\n${statsTable(stats, r)}`,
              );
            }

            prev = stats;
            prevAt = now;
            let timer: NodeJS.Timeout | undefined;
            const signal = await Promise.race([
              stop.promise,
              new Promise<undefined>((resolve) => {
                timer = setTimeout(() => resolve(undefined), intervalMs);
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

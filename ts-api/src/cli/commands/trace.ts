/* slipctl trace [--port P] [-c N] [--duration S] [--json] [FILTER]: the next N packets' path through the fast path. */
import { Command } from 'commander';
import { globals, interrupted, withSlipway } from '../context';
import { print, toJson } from '../output';
import { parseIntArg, parsePort, parseSeconds } from '../parse';
import { traceText } from './trace-text';

interface TraceCliOptions {
  port?: number;
  count: number;
  duration?: number;
}

export function traceCommand(): Command {
  return new Command('trace')
    .description(
      'the path of the next packets a tcpdump filter takes at rx: headers, rule, route and next hop, policer, verdict and output port or punt/drop reason, TSC stamps',
    )
    .argument('[filter...]', 'tcpdump filter expression (libpcap syntax)')
    .option('--port <port>', 'one ingress port (default: every port)', parsePort)
    .option('-c, --count <n>', 'packets to trace', parseIntArg(1, 1024), 10)
    .option('--duration <seconds>', 'give up after this long', parseSeconds)
    .action(async (filterWords: string[], o: TraceCliOptions, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => {
        const t = await sw.taps.trace({ port: o.port, count: o.count, filter: filterWords.join(' ') || undefined });
        const stop = interrupted();
        const abort = new AbortController();
        void stop.promise.then(() => abort.abort());
        if (!g.json) {
          process.stderr.write(
            `slipctl: trace ${t.id} of ${o.count} packet(s)${t.info.filter ? ` matching '${t.info.filter}'` : ''}; Ctrl-C to stop\n`,
          );
        }
        let n = 0;
        try {
          for await (const r of t.records({
            max: o.count,
            signal: abort.signal,
            timeoutMs: o.duration === undefined ? undefined : o.duration * 1000,
          })) {
            n++;
            if (g.json) process.stdout.write(toJson(r) + '\n');
            else print(traceText(r, n));
          }
        } finally {
          stop.dispose();
          await t.stop();
        }
        if (!g.json) process.stderr.write(`trace ${t.id}: ${n} packet(s) traced, ${t.matched} taken by the filter\n`);
      });
    });
}

/* slipctl stop: shut the dataplane down cleanly and report the mempool check. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { defaultLogFile } from '../../index';
import { globals, withSlipway } from '../context';
import { print, printJson } from '../output';
import { parseIntArg } from '../parse';

/** The dataplane's last "shutdown: mempool …" line, if its log is readable. */
function mempoolLine(logFile: string, pid: number): string | undefined {
  try {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    // the last one: the log may hold earlier runs of the same instance
    return (
      lines.reverse().find((l) => l.includes(`slipwayd[${pid}]`) && /shutdown: mempool|leaked/.test(l)) ??
      lines.find((l) => /shutdown: mempool|leaked/.test(l))
    );
  } catch {
    return undefined;
  }
}

export function stopCommand(): Command {
  return new Command('stop')
    .description('stop slipwayd: ports stopped, vEth interfaces and control file removed, mempool checked')
    .option('--timeout <ms>', 'how long to wait for the daemon to exit', parseIntArg(1, 600_000), 10_000)
    .option('--log-file <path>', 'slipwayd log file to read the mempool check from (default <ctl-dir>/<instance>.log)')
    .action(async (o: { timeout: number; logFile?: string }, cmd: Command) => {
      const g = globals(cmd);
      let pid = 0;
      await withSlipway(g, async (sw) => {
        pid = sw.pid;
        await sw.shutdown({ timeoutMs: o.timeout });
      });
      const mempool = mempoolLine(o.logFile ?? defaultLogFile(g.instance, g.ctlDir), pid);
      if (g.json) {
        printJson({ instance: g.instance, pid, stopped: true, mempool: mempool ?? null });
      } else {
        print(`slipwayd pid ${pid} stopped (instance ${g.instance})`);
        if (mempool) {
          print(mempool);
        }
      }
    });
}

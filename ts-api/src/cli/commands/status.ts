/* slipctl status: the instance, its ports, cross-connects and mempool. */
import { Command } from 'commander';
import { ctlPath } from '../../index';
import { globals, withSlipway } from '../context';
import { portsTable, print, printJson, table } from '../output';

export function statusCommand(): Command {
  return new Command('status')
    .description('show the running instance: pid, workers, ports, cross-connects, mbufs')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => {
        const hello = await sw.hello();
        const ports = await sw.ports.list();
        const xconnects = await sw.xconnects.list();
        const stats = await sw.stats();
        const vifNetns = sw.header().vifNetns;
        if (g.json) {
          printJson({
            instance: g.instance,
            ctlPath: ctlPath(g.instance, g.ctlDir),
            ...hello,
            vifNetns: vifNetns === '' ? null : vifNetns,
            ports,
            xconnects,
            mbufTotal: stats.mbufTotal,
            mbufFree: stats.mbufFree,
          });
          return;
        }

        print(
          `instance ${g.instance}: slipwayd pid ${hello.dpPid}, ABI ${hello.abiVersion}, ${hello.nWorkers} worker(s), ${hello.nPorts}/${hello.maxPorts} ports`,
        );
        if (vifNetns !== '') print(`vEths in network namespace ${vifNetns}`);
        print(`control file ${ctlPath(g.instance, g.ctlDir)}; mbufs ${stats.mbufFree} free of ${stats.mbufTotal}\n`);
        print(portsTable(ports));
        print(
          xconnects.length === 0
            ? 'no cross-connects'
            : table(
                ['IN', 'OUT'],
                xconnects.map((x) => [String(x.inPort), String(x.outPort)]),
              ),
        );
      });
    });
}

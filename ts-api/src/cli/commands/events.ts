/* slipctl events: print dataplane events as they come, until interrupted. */
import { Command } from 'commander';
import { describeSyncEvent, type SlipwayEvent } from '../../index';
import { globals, interrupted, withSlipway } from '../context';
import { print, toJson } from '../output';

function describe(ev: SlipwayEvent): string {
  if (ev.type === 'client-gone') {
    return `client pid ${ev.pid} is gone: its slot ${ev.slot} was freed`;
  }

  if (ev.type === 'events-missed') {
    return ev.reason === 'overwritten'
      ? `missed ${ev.count} event(s) from #${ev.seq}: overwritten in the dataplane's event log before they were read`
      : `missed ${ev.count} event(s) from #${ev.seq}: this reader fell too far behind`;
  }

  if (ev.type === 'kernel-request') {
    const what =
      ev.request === 'mtu'
        ? `mtu ${ev.value}`
        : ev.request === 'mac'
          ? `address ${ev.mac}`
          : ev.request === 'promisc' || ev.request === 'allmulti'
            ? `${ev.request} ${ev.value ? 'on' : 'off'}`
            : ev.request;
    return `port ${ev.port}: vEth asked for ${what}: ${ev.applied ? 'applied' : `refused (${ev.reason})`}`;
  }

  if (ev.type === 'sync') {
    return describeSyncEvent(ev);
  }

  if (ev.type === 'tap-end') {
    const why = {
      stopped: 'stopped',
      'client-gone': `its client (pid ${ev.pid}) is gone`,
      timeout: `its client (pid ${ev.pid}) stopped reading`,
      shutdown: 'slipwayd stops',
    }[ev.reason];
    return `${ev.kind} ${ev.id} ended: ${why} (${ev.written} records, ${ev.lost} lost)`;
  }

  if (ev.type === 'policer') {
    return ev.dropping
      ? `port ${ev.port}: punt policer drops ${ev.class} at ${ev.dropPps} packets/s (${ev.drops} so far)`
      : `port ${ev.port}: punt policer stopped dropping ${ev.class} (${ev.drops} dropped in all)`;
  }

  const link = ev.linkUp ? `link up ${ev.linkSpeed} Mbps, vEth carrier on` : 'link down, vEth carrier off';
  return `port ${ev.port} ${ev.type}: ${link}, ${ev.started ? 'started' : 'stopped'}`;
}

export function eventsCommand(): Command {
  return new Command('events')
    .description(
      'print link/carrier, port, client, vEth request, punt policer, kernel sync and capture/trace events as they happen (Ctrl-C to stop)',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withSlipway(g, async (sw) => {
        const stop = interrupted();
        const it = sw.events();
        try {
          for (;;) {
            const next = await Promise.race([it.next(), stop.promise]);
            if (typeof next === 'string' || next.done) {
              break;
            }

            const ev = next.value;
            if (g.json) {
              process.stdout.write(toJson({ time: new Date().toISOString(), ...ev }) + '\n');
            } else {
              print(`${new Date().toISOString()} #${ev.seq} ${describe(ev)}`);
            }
          }
        } finally {
          stop.dispose();
          await it.return?.();
        }
      });
    });
}

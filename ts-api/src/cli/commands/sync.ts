/* slipctl sync on|off|status: kernel sync (the vEths' addresses, neighbours and routes in the fast path) */
import { Command } from 'commander';
import type { KernelSyncState, Slipway } from '../../index';
import { globals, withSlipway } from '../context';
import { print, printJson } from '../output';

function show(s: KernelSyncState): string {
  if (!s.enabled) {
    return 'kernel sync: off\n';
  }

  return (
    `kernel sync: on${s.resyncing ? ' (resync in progress)' : ''}\n` +
    `  installed: ${s.routes} routes, ${s.neighbours} neighbours, ${s.addresses} vEth addresses\n` +
    `  refused: ${s.refused}, full resyncs: ${s.resyncs}\n`
  );
}

function syncCommand(name: string, description: string, run: (sw: Slipway) => Promise<KernelSyncState>): Command {
  return new Command(name).description(description).action(async (_o: unknown, cmd: Command) => {
    const g = globals(cmd);
    const s = await withSlipway(g, run);
    if (g.json) {
      printJson(s);
    } else {
      print(show(s));
    }
  });
}

export function syncCommands(): Command {
  return new Command('sync')
    .description('kernel sync: addresses, neighbours and routes the host stack has on the vEths go to the fast path')
    .addCommand(
      syncCommand('on', 'turn kernel sync on (when on already: a full resync)', async (sw) => sw.kernelSync.set(true)),
    )
    .addCommand(
      syncCommand('off', 'turn kernel sync off and remove what it installed', async (sw) => sw.kernelSync.set(false)),
    )
    .addCommand(
      syncCommand('status', 'show whether kernel sync is on and what it installed', async (sw) => sw.kernelSync.get()),
    );
}

/** sw.kernelSync: the vEths' addresses, neighbours and routes in the fast path; its replay step. */
import { KernelSyncOps } from '../wire/abi/kernel-sync';
import { type KernelSyncState, decodeSyncState, encodeSyncSet } from '../codec/kernel-sync';
import { Namespace } from './namespace';
import type { CallOptions } from './options';
import type { ReplayContext } from './replay';

/**
 * Kernel sync (linux-cp style): with it on, the addresses, neighbours and
 * main-table routes the host stack has on the vEths are installed in the
 * fast path and removed when the kernel removes them (each a 'sync'
 * event). Turning it on starts a full resync (`resyncing` until done);
 * turning it off removes what sync installed. Entries set through the API
 * win: sync never replaces or removes them.
 */
export class KernelSync extends Namespace {
  /** Turns kernel sync on (again: a full resync) or off; returns the state after. */
  readonly set = async (enabled: boolean, opts?: CallOptions): Promise<KernelSyncState> => {
    const st = decodeSyncState(await this.rq.call(KernelSyncOps.SYNC_SET, encodeSyncSet(enabled), opts));
    this.desired?.kernelSyncSet(enabled);
    return st;
  };

  /** Whether it is on, and what it installed. */
  readonly get = async (opts?: CallOptions): Promise<KernelSyncState> =>
    decodeSyncState(await this.rq.call(KernelSyncOps.SYNC_GET, undefined, opts));
}

/** Replay: on or off as it was set (last: what the API set is in place first, and wins). */
export async function replayKernelSync(ctx: ReplayContext): Promise<void> {
  const on = ctx.desired.kernelSync;
  if (on !== undefined) await ctx.one(`kernel sync ${on ? 'on' : 'off'}`, KernelSyncOps.SYNC_SET, encodeSyncSet(on));
}

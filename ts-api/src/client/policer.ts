/** sw.policer: the punt policer in front of the vEths; its replay step. */
import { PolicerOps } from '../wire/abi/policer';
import {
  type PolicerConfig,
  type PolicerSetting,
  decodePolicerInfo,
  encodePolicerGet,
  encodePolicerSet,
  normalizePolicer,
} from '../codec/policer';
import { Namespace } from './namespace';
import type { CallOptions } from './options';
import type { ReplayContext } from './replay';

/**
 * The punt policer: token buckets per port and punt class (arp, icmp,
 * host, other) in front of the vEths, so a flood of unmatched traffic
 * cannot starve the host stack or keep ARP from working. Rates are in
 * packets per second (0: no limit); drops are counted per class in the
 * L3 counters (`police_<class>`) and reported as 'policer' events.
 * Defaults per port (packets/s / burst): arp 2000/256, icmp 2000/256,
 * host 250000/16384, other 100000/8192.
 */
export class Policer extends Namespace {
  /** Sets one class (or all) of one port (or every port and the defaults); returns the result. */
  readonly set = async (s: PolicerSetting, opts?: CallOptions): Promise<PolicerConfig> => {
    const n = normalizePolicer(s);
    const info = decodePolicerInfo(await this.rq.call(PolicerOps.POLICER_SET, encodePolicerSet(n), opts));
    this.desired?.policerSet(n);
    return info;
  };

  /** A port's settings, or the defaults for ports added later when port is omitted. */
  readonly get = async (port?: number, opts?: CallOptions): Promise<PolicerConfig> =>
    decodePolicerInfo(await this.rq.call(PolicerOps.POLICER_GET, encodePolicerGet(port), opts));
}

/** Replay: the settings in the order they were made. */
export async function replayPolicer(ctx: ReplayContext): Promise<void> {
  for (const s of ctx.desired.policer) {
    await ctx.one(`punt policer ${JSON.stringify(s)}`, PolicerOps.POLICER_SET, encodePolicerSet(s));
  }
}

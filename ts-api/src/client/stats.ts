/** sw.stats(): the statistics area, refreshed first on request. */
import { setTimeout as sleep } from 'node:timers/promises';
import { StatsOps } from '../wire/abi/stats';
import { type Stats, readStats } from '../codec/stats';
import { SlipwayError, throwIfAborted } from '../errors';
import type { Attachment } from './attachment';
import type { Requests } from './namespace';
import type { CallOptions } from './options';

/**
 * Reads the statistics area of `a`, after a STATS_REFRESH when `refresh`
 * (device counters fresh). Retries while the device part is being written.
 */
export async function readStatsArea(
  rq: Requests,
  a: () => Attachment,
  refresh: boolean,
  instance: string,
  opts: CallOptions = {},
): Promise<Stats> {
  if (refresh) await rq.call(StatsOps.STATS_REFRESH, undefined, opts);
  for (let attempt = 0; attempt < 100; attempt++) {
    const cur = a();
    const s = readStats(cur.buf, cur.statsOff);
    if (s) return s;
    throwIfAborted(opts.signal, `instance ${instance}: statistics`);
    await sleep(1);
  }
  throw new SlipwayError('TIMEOUT', `instance ${instance}: device statistics stayed inconsistent (seqlock held)`);
}

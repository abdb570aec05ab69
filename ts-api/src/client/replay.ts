/**
 * Replaying the desired configuration on a restarted dataplane. Each
 * namespace file provides its own step (ports first, kernel sync last: the
 * order is the facade's, client/slipway.ts); the steps share this context
 * and its one batch helper.
 */
import type { BatchSource } from '../wire/batch';
import { SlipwayError } from '../errors';
import type { DesiredConfig } from './desired';
import type { Requests } from './namespace';

/** Summary of a replay, emitted with the 'replayed' event. */
export interface ReplaySummary {
  /** The new dataplane's pid. */
  pid: number;
  /** Ports the new dataplane already had (from its command line). */
  portsPresent: number;
  /** Ports added again by PORT_ADD. */
  portsAdded: number;
  /** Ports whose settings or run state were applied. */
  portsConfigured: number;
  /** Cross-connects added. */
  xconnects: number;
  /** Routes added. */
  routes: number;
  /** Neighbours added. */
  neighbours: number;
  /** Rules added. */
  rules: number;
  /** Everything that could not be replayed, naming the object. */
  failures: { what: string; code: string; message: string }[];
  /** Time from detecting the restart to the end of the replay. */
  ms: number;
}

/** What a replay step gets. */
export class ReplayContext {
  readonly summary: ReplaySummary;

  constructor(
    /** requests to the new dataplane (nothing sent here is recorded again) */
    readonly rq: Requests,
    readonly desired: DesiredConfig,
    pid: number,
  ) {
    this.summary = {
      pid,
      portsPresent: 0,
      portsAdded: 0,
      portsConfigured: 0,
      xconnects: 0,
      routes: 0,
      neighbours: 0,
      rules: 0,
      failures: [],
      ms: 0,
    };
  }

  /** Notes what could not be replayed. */
  failed(what: string, e: unknown): void {
    const se = e instanceof SlipwayError ? e : new SlipwayError('REPLAY_FAILED', String(e));
    this.summary.failures.push({ what, code: se.code, message: se.message });
  }

  /** Sends a batch, notes each failed item (named by `label`), returns how many succeeded. */
  async batch(src: BatchSource, label: (i: number) => string): Promise<number> {
    if (src.count === 0) return 0;
    const r = await this.rq.sendBatch(src);
    r.failures().forEach((f) => this.failed(label(f.index), f.error));
    return src.count - r.failed;
  }

  /** One request; a failure is noted (named by `what`) and false returned. */
  async one(what: string, op: number, payload?: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return await this.rq.call(op, payload);
    } catch (e) {
      this.failed(what, e);
      return undefined;
    }
  }
}

/** A namespace's part of the replay. */
export type ReplayStep = (ctx: ReplayContext) => Promise<void>;

/** Runs the steps in order on the dataplane just attached. */
export async function replay(
  rq: Requests,
  desired: DesiredConfig,
  pid: number,
  steps: readonly ReplayStep[],
  t0: number,
): Promise<ReplaySummary> {
  const ctx = new ReplayContext(rq, desired, pid);
  for (const step of steps) await step(ctx);
  ctx.summary.ms = performance.now() - t0;
  return ctx.summary;
}

/**
 * Applying a plan as one transaction: the phases in order, each phase's
 * steps pipelined (at most `window` requests in flight, every one with its
 * own answer). When a step fails, the phase's other requests are let finish,
 * then every step that succeeded is undone, newest phase first, and the
 * error names the item that failed. What cannot be undone (a port added: a
 * running dataplane cannot remove ports) is stopped and named.
 */
import type { Slipway } from '../client/slipway';
import type { Logger } from '../logger';
import { SlipwayError, type ErrorCode } from '../errors';
import type { Change, Plan, Step } from './plan';

/** An apply that failed: the failed item's code, its change, and what the rollback did. */
export class ApplyError extends SlipwayError {
  /** The change that failed. */
  readonly change: Change;
  /** Changes undone. */
  readonly undone: number;
  /** Undo steps that failed in turn ("item: message"), and what stays by design. */
  readonly leftBehind: string[];

  constructor(code: ErrorCode, change: Change, cause: Error, undone: number, leftBehind: string[]) {
    const rollback =
      leftBehind.length === 0
        ? `; rolled back (${undone} change${undone === 1 ? '' : 's'} undone): nothing changed`
        : `; rolled back ${undone} change${undone === 1 ? '' : 's'}, but:\n  ${leftBehind.join('\n  ')}`;
    super(code, `apply failed at ${change.item}: ${cause.message}${rollback}`, { cause });
    this.name = 'ApplyError';
    this.change = change;
    this.undone = undone;
    this.leftBehind = leftBehind;
  }
}

export interface ApplyOptions {
  logger?: Logger;
  /** requests in flight at once within a phase (default 256) */
  window?: number;
}

/** Runs `fn` over `items`, at most `window` at a time; settles every one. */
async function settleAll<T>(
  items: readonly T[],
  window: number,
  fn: (x: T) => Promise<void>,
): Promise<({ ok: true } | { ok: false; error: unknown })[]> {
  const out: ({ ok: true } | { ok: false; error: unknown })[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
        out[i] = { ok: true };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
  return out;
}

/**
 * Makes every change of `plan`, or none: on a failure, what was done is
 * undone and ApplyError is thrown. Resolves with the changes made.
 */
export async function applyPlan(sw: Slipway, plan: Plan, opts: ApplyOptions = {}): Promise<Change[]> {
  const log = opts.logger;
  const window = opts.window ?? 256;
  const done: Step[][] = [];
  for (const phase of plan.phases) {
    const results = await settleAll(phase.steps, window, (s) => s.run(sw));
    const ok = phase.steps.filter((_, i) => results[i].ok);
    done.push(ok);
    const firstBad = results.findIndex((r) => !r.ok);
    if (firstBad < 0) {
      log?.debug(`apply: ${phase.name}: ${ok.length} change(s)`);
      continue;
    }
    const failed = phase.steps[firstBad];
    const error = (results[firstBad] as { error: unknown }).error;
    const err = error instanceof Error ? error : new Error(String(error));
    log?.warn(`apply: ${failed.change.item} failed (${err.message}); rolling back`);
    const { undone, leftBehind } = await rollback(sw, done, window, log);
    throw new ApplyError(error instanceof SlipwayError ? error.code : 'STATE', failed.change, err, undone, leftBehind);
  }
  return plan.changes;
}

/** Undoes the steps done, newest phase first. */
async function rollback(
  sw: Slipway,
  done: Step[][],
  window: number,
  log: Logger | undefined,
): Promise<{ undone: number; leftBehind: string[] }> {
  let undone = 0;
  const leftBehind: string[] = [];
  for (const steps of [...done].reverse()) {
    const results = await settleAll(steps, window, async (s) => {
      if (s.undo) await s.undo(sw);
    });
    steps.forEach((s, i) => {
      const r = results[i];
      if (!r.ok) {
        const m = r.error instanceof Error ? r.error.message : String(r.error);
        leftBehind.push(`${s.change.item}: could not be undone: ${m}`);
        log?.error(`apply rollback: ${s.change.item} could not be undone: ${m}`);
        return;
      }
      undone++;
      if (s.note) leftBehind.push(s.note);
    });
  }
  return { undone, leftBehind };
}

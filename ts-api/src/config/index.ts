/**
 * The configuration: a file (YAML or JSON, one schema), the running
 * configuration read back from the dataplane that owns it, the difference
 * between the two, and applying it as one transaction.
 *
 * @example
 *   const file = loadConfigFile('/etc/slipway/lab.yaml');
 *   const { plan } = await applyConfig(sw, file, { dryRun: true });
 *   console.log(renderPlan(plan));
 */
import type { Slipway } from '../client/slipway';
import type { Logger } from '../logger';
import { type ApplyOptions, applyPlan } from './apply';
import type { LoadedConfig } from './load';
import { type Change, type Plan, makePlan } from './plan';
import { configOf } from './render';
import { type LeftOut, readRunning } from './running';
import type { SlipwayConfig } from './schema';
import type { RunningState } from './state';

export { ApplyError } from './apply';
export { ConfigError, formatIssue, formatPath } from './issues';
export type { ConfigIssue } from './issues';
export { loadConfigFile, parseConfig } from './load';
export type { LoadedConfig } from './load';
export { planSummary, renderPlan } from './plan';
export type { Change, Plan } from './plan';
export { leftOutLines, renderJson, renderYaml, SCHEMA_PATH } from './render';
export type { LeftOut } from './running';
export { configJsonSchema, configSchema } from './schema';
export { launchOptionsOf } from './dataplane';
export type { DataplaneConfig, SlipwayConfig } from './schema';

/** The running configuration of `sw`'s dataplane, as a file `apply` accepts. */
export async function showConfig(
  sw: Slipway,
): Promise<{ config: SlipwayConfig; running: RunningState; leftOut: LeftOut }> {
  const { state, leftOut } = await readRunning(sw);
  return { config: configOf(state), running: state, leftOut };
}

/**
 * Makes the dataplane of `sw` hold what `file` says: the difference is
 * computed from the running configuration and applied as one transaction
 * (see config/apply.ts); with `dryRun`, only computed. ConfigError when the
 * difference cannot be applied live, ApplyError when a change failed (and
 * was rolled back).
 */
export async function applyConfig(
  sw: Slipway,
  file: LoadedConfig,
  opts: ApplyOptions & { dryRun?: boolean; logger?: Logger } = {},
): Promise<{ plan: Plan; applied: Change[] }> {
  const { state } = await readRunning(sw);
  const plan = makePlan(state, file.desired, file.source);
  if (opts.dryRun || plan.changes.length === 0) return { plan, applied: [] };
  const applied = await applyPlan(sw, plan, opts);
  opts.logger?.info(`applied ${file.source}: ${applied.length} change(s)`);
  return { plan, applied };
}

/**
 * How a configuration file starts slipwayd (`slipctl start --config`, the
 * agent): its `dataplane` section and its ports' devargs as launch()
 * options. The ports are given on slipwayd's command line (PCI devices are
 * only probed when named there); apply then finds them present.
 */
import type { LaunchOptions } from '../launch';
import type { SlipwayConfig } from './schema';

/** launch() options for `cfg` (instance, logger and the like are the caller's). */
export function launchOptionsOf(cfg: SlipwayConfig): Omit<LaunchOptions, 'instance'> {
  const d = cfg.dataplane ?? {};
  const o: Omit<LaunchOptions, 'instance'> = { ports: (cfg.ports ?? []).map((p) => p.devargs) };
  if (d.workers !== undefined) o.workers = d.workers;
  if (d.mainLcore !== undefined) o.mainLcore = d.mainLcore;
  if (d.hugepages === false) o.noHuge = true;
  if (d.mbufs !== undefined) o.mbufs = d.mbufs;
  if (d.maxRoutes !== undefined) o.maxRoutes = d.maxRoutes;
  if (d.vifPrefix !== undefined) o.vifPrefix = d.vifPrefix;
  if (d.vifNetns !== undefined) o.vifNetns = d.vifNetns;
  if (d.pollMode !== undefined) o.pollMode = d.pollMode;
  if (d.idleUs !== undefined) o.idleUs = d.idleUs;
  if (d.spinUs !== undefined) o.dataplaneSpinUs = d.spinUs;
  if (d.maxRules !== undefined) o.maxRules = d.maxRules;
  if (d.idleSleepUs !== undefined) o.idleSleepUs = d.idleSleepUs;
  if (d.syncAuditS !== undefined) o.syncAuditS = d.syncAuditS;
  if (d.dpdkTools !== undefined) o.dpdkTools = d.dpdkTools;
  if (d.eal !== undefined) o.eal = d.eal;
  if (cfg.kernelSync === true) o.kernelSync = true;
  return o;
}

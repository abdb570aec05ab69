/** sw.rules: match-action rules applied before the routes; their replay step. */
import { RuleOps } from '../wire/abi/rules';
import { type Rule, type RuleEntry, RuleSource, decodeRuleList } from '../codec/rules';
import type { BatchResult } from './batch';
import type { CallOptions } from './options';
import { Namespace, listAll } from './namespace';
import type { ReplayContext } from './replay';

/**
 * Match-action rules, applied before the routes: the highest priority
 * match wins. Matches: inPort, srcMac, dstMac, vlan, ethertype, family,
 * src/dst prefixes, proto (number or name), sport/dport (port or
 * [lo, hi]). Actions: forward to a port, route, drop, punt to the ingress
 * vEth, mirror a copy (to a port, or the vEth when no port) then route,
 * count then route. Per-rule packet/byte counters come with list().
 */
export class Rules extends Namespace {
  /** Adds a rule, or replaces the rule with the same id. */
  readonly add = async (rule: Rule, opts?: CallOptions): Promise<void> => {
    const src = new RuleSource([rule], false, true);
    await this.rq.call(RuleOps.RULE_ADD, src.encode(), opts);
    this.desired?.ruleAdded(rule);
  };

  /** Removes rule `id` (NOT_FOUND when there is none). */
  readonly remove = async (id: number, opts?: CallOptions): Promise<void> => {
    const src = new RuleSource([id], true, true);
    await this.rq.call(RuleOps.RULE_DEL, src.encode(), opts);
    this.desired?.ruleRemoved(id);
  };

  /** Every rule with its packet and byte counters (summed over lcores), all pages. */
  readonly list = async (opts?: CallOptions): Promise<RuleEntry[]> =>
    listAll(this.rq, RuleOps.RULE_LIST, 0, decodeRuleList, 'rule list', opts);

  /**
   * Adds or replaces many rules as one batch (the classifier is rebuilt
   * once per pass of the dataplane, not once per rule); each gets its
   * own status.
   */
  readonly addMany = async (rules: readonly Rule[], opts?: CallOptions): Promise<BatchResult> =>
    this.many(new RuleSource(rules, false), opts, (d, i) => d.ruleAdded(rules[i]));

  /** Removes many rules by id as one batch; each gets its own status. */
  readonly removeMany = async (ids: readonly number[], opts?: CallOptions): Promise<BatchResult> =>
    this.many(new RuleSource(ids, true), opts, (d, i) => d.ruleRemoved(ids[i]));
}

/** Replay: every desired rule, as one batch. */
export async function replayRules(ctx: ReplayContext): Promise<void> {
  const rules = [...ctx.desired.rules.values()];
  ctx.summary.rules = await ctx.batch(new RuleSource(rules, false), (i) => `rule ${rules[i].id}`);
}

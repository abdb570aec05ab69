/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Match-action rules (control side, main lcore). The rule set lives here;
 * the classifier the fast path uses (rte_acl) is built from it once per
 * commit, on the control thread when the set is large (rules/acl.c), and a
 * request that changed rules is answered only once that build is in force
 * or has failed (then its change is undone and it fails).
 */
#ifndef SW_RULES_RULES_H
#define SW_RULES_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "rules/rules_key.h"
#include "slipway_ctl.h"

#define SW_MAX_RULES_DEFAULT 16384u

/* Per-lcore counters of slot 0.. of lcore slot l (0: the main lcore). */
struct sw_rule_counter *sw_rules_counters(unsigned int lcore_slot);
/* The rule the published classifiers hold in slot (what a packet that
 * matched it matched, for a trace); false when the slot is free. */
bool sw_rule_in_force(uint32_t slot, struct sw_rule *out);

/* rules/acl.c: a snapshot of the rule set to classify with. */
struct sw_acl_rule_in {
	uint32_t slot;
	struct sw_rule rule;
};

struct rte_acl_ctx;
/* Builds the IPv4 (and non-IP) or IPv6 classifier of rules (any thread).
 * NULL when no rule applies; (void *)-1 with msg set on failure. */
struct rte_acl_ctx *sw_acl_build(bool v6, const struct sw_acl_rule_in *rules, uint32_t n,
				 uint64_t tag, char *msg, size_t len);
int sw_acl_thread_start(void);
void sw_acl_thread_stop(void);
/* Hands a snapshot to the control thread (which owns it until done). */
void sw_acl_job_start(struct sw_acl_rule_in *rules, uint32_t n, uint64_t tag);
/* True when the job is done: its classifiers (or NULLs and msg on failure). */
bool sw_acl_job_done(struct rte_acl_ctx *ctx[2], int *err, char *msg, size_t len);

#endif

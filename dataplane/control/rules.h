/* SPDX-License-Identifier: BSD-3-Clause */
/* Match-action rules on the control side (main lcore only). */
#ifndef SW_RULES_H
#define SW_RULES_H

#include "err.h"
#include "rules_key.h"

#define SW_MAX_RULES 16384u

struct rte_acl_ctx;

int sw_rules_init(void);
void sw_rules_fini(void);
int sw_rule_add(const struct sw_rule *r, struct sw_err *e);
int sw_rule_del(const struct sw_rule_ref *ref, struct sw_err *e);
int sw_rule_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		 struct sw_err *e);

/* Publish path: build contexts for a changed rule set before the config is
 * built; reclaim the old ones after its grace period. */
void sw_rules_prepare(void);
struct rte_acl_ctx *sw_rules_ctx(uint8_t family);   /* NULL: no rules */
void sw_rules_after_grace(uint64_t reclaimed);
struct sw_rule_counter *sw_rules_counters(unsigned int lcore_slot);
uint32_t sw_rules_count(void);

#endif

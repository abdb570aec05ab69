/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing the fast-path configuration: the main lcore builds a new
 * sw_fp_config from its port records, swaps the pointer workers read, waits
 * for an RCU QSBR grace period (every worker has finished the loop iteration
 * that might still use the old one), then frees the old one. A packet is
 * therefore handled entirely under one configuration: never lost or
 * duplicated by the switch.
 *
 * Table changes from a batch of requests are group-committed: each marks the
 * configuration dirty, and one publish (one grace period) covers the batch
 * before any of its responses is released.
 */
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "routes.h"
#include "rules.h"

#include "sw.h"

struct sw_fp_config *sw_fp_current;
static bool fp_dirty;   /* table changes not yet published (main lcore only) */

static struct sw_fp_config *fp_build(void)
{
	struct sw_fp_config *cfg = rte_zmalloc("sw_fp_config", sizeof(*cfg), RTE_CACHE_LINE_SIZE);

	if (cfg == NULL)
		return NULL;
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++) {
		const struct sw_port *sp = &sw.ports[p];
		struct sw_fp_port *fp = &cfg->port[p];

		fp->xc_out = SW_PORT_NONE;
		if (!sp->in_use)
			continue;
		fp->eth_port = sp->eth_port;
		fp->active = sp->started;
		rte_eth_macaddr_get(sp->eth_port, &fp->mac);
		fp->promisc = rte_eth_promiscuous_get(sp->eth_port) == 1;
		fp->punt = sp->punt;
		fp->inject = sp->inject;
		if (sp->xc_out != SW_PORT_NONE)
			fp->xc_out = sp->xc_out;
		if (!sp->started || sp->worker < 0)
			continue;
		for (uint16_t q = 0; q < sp->n_rxq; q++) {
			struct sw_fp_worker *fw = &cfg->worker[(sp->worker + q) % sw.n_workers];

			fw->rx[fw->n_rx++] = (struct sw_fp_rxq){ .port = p, .queue = q };
		}
	}
	cfg->lpm4 = sw_routes_lpm4();
	cfg->lpm6 = sw_routes_lpm6_current();
	cfg->groups = sw_routes_groups();
	cfg->nh = sw_routes_nh();
	cfg->acl[0] = sw_rules_ctx(SW_AF_INET);
	cfg->acl[1] = sw_rules_ctx(SW_AF_INET6);
	return cfg;
}

int sw_fp_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(sw.n_workers);

	sw.qsbr = rte_zmalloc("sw_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (sw.qsbr == NULL || rte_rcu_qsbr_init(sw.qsbr, sw.n_workers) != 0) {
		SW_LOG(ERR, "rcu: cannot set up QSBR for %u workers", sw.n_workers);
		return -1;
	}
	for (unsigned int w = 0; w < sw.n_workers; w++)
		rte_rcu_qsbr_thread_register(sw.qsbr, w);
	if (sw_routes_init() != 0 || sw_rules_init() != 0)
		return -1;
	sw_fp_current = fp_build();
	return sw_fp_current ? 0 : -1;
}

int sw_fp_publish(void)
{
	struct sw_fp_config *next;

	sw_rules_prepare();
	next = fp_build();
	struct sw_fp_config *old;

	if (next == NULL) {
		SW_LOG(ERR, "fast path: out of memory building configuration");
		return -1;
	}
	fp_dirty = false;
	old = __atomic_exchange_n(&sw_fp_current, next, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(sw.qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	sw_routes_after_grace();
	sw_rules_after_grace();
	return 0;
}

void sw_fp_mark_dirty(void)
{
	fp_dirty = true;
}

int sw_fp_commit(void)
{
	return fp_dirty ? sw_fp_publish() : 0;
}

void sw_fp_fini(void)
{
	sw_routes_fini();
	sw_rules_fini();
	rte_free(sw_fp_current);
	sw_fp_current = NULL;
	rte_free(sw.qsbr);
	sw.qsbr = NULL;
}

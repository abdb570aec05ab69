/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing the fast-path configuration: the main lcore builds a new
 * sw_fp_config from its port records and tables and swaps the pointer
 * workers read. From then on every worker iteration that starts uses it, so
 * a request's change is in effect when its response leaves. A packet is
 * handled entirely under one configuration: never lost or duplicated by the
 * switch.
 *
 * Reclamation is deferred: each publish takes an RCU QSBR token (generation
 * g); once every worker has reported quiescence since then, the previous
 * configuration buffer is recycled, and everything the tables released
 * before publish g (next-hop groups, ACL contexts, rule slots, the stale
 * IPv6 FIB copy) may be reused. The main loop polls for that without
 * blocking; only operations that need the old state gone now (stopping a
 * port, writing the IPv6 shadow while a swap is in flight) wait.
 *
 * Table changes from a batch of requests are group-committed: each marks
 * the configuration dirty, and one publish covers the batch before any of
 * its responses is released.
 */
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "policer.h"
#include "routes.h"
#include "rules.h"
#include "sw.h"

struct sw_fp_config *sw_fp_current;

#define PENDING_MAX 64u     /* publishes awaiting their grace period */
#define SPARE_MAX   4u      /* recycled configuration buffers */

static struct {
	bool dirty;                          /* changes not yet published */
	uint64_t gen_published;              /* publishes so far */
	uint64_t gen_reclaimed;              /* every publish <= this is past its grace */
	struct {
		uint64_t token;
		uint64_t gen;
		struct sw_fp_config *old;
	} pending[PENDING_MAX];
	unsigned int head, n;
	struct sw_fp_config *spare[SPARE_MAX];
	unsigned int n_spare;
} F;

static struct sw_fp_config *cfg_alloc(void)
{
	struct sw_fp_config *cfg = F.n_spare ? F.spare[--F.n_spare]
					     : rte_malloc("sw_fp_config", sizeof(*cfg),
							  RTE_CACHE_LINE_SIZE);
	if (cfg != NULL)
		memset(cfg, 0, sizeof(*cfg));
	return cfg;
}

static void cfg_free(struct sw_fp_config *cfg)
{
	if (cfg != NULL && F.n_spare < SPARE_MAX)
		F.spare[F.n_spare++] = cfg;
	else
		rte_free(cfg);
}

static struct sw_fp_config *fp_build(void)
{
	struct sw_fp_config *cfg = cfg_alloc();

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
		memcpy(fp->punt, sp->punt, sizeof(fp->punt));
		memcpy(fp->inject, sp->inject, sizeof(fp->inject));
		if (sp->xc_out != SW_PORT_NONE)
			fp->xc_out = sp->xc_out;
		if (!sp->started || sp->worker < 0)
			continue;
		for (uint16_t q = 0; q < sp->n_rxq; q++) {
			struct sw_fp_worker *fw = &cfg->worker[(sp->worker + q) % sw.n_workers];

			fw->rx[fw->n_rx++] = (struct sw_fp_rxq){ .port = p, .queue = q };
		}
	}
	cfg->fib4 = sw_routes_fib4();
	cfg->lpm6 = sw_routes_lpm6_current();
	cfg->groups = sw_routes_groups();
	cfg->nh = sw_routes_nh();
	cfg->acl[0] = sw_rules_ctx(SW_AF_INET);
	cfg->acl[1] = sw_rules_ctx(SW_AF_INET6);
	sw_police_fill(cfg);
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
	sw_police_init();
	sw_fp_current = fp_build();
	return sw_fp_current ? 0 : -1;
}

uint64_t sw_fp_next_gen(void)
{
	return F.gen_published + 1;
}

/* Retire publishes whose grace period is over; with wait, all of them. */
void sw_fp_reclaim(bool wait)
{
	while (F.n > 0) {
		unsigned int i = F.head;

		if (rte_rcu_qsbr_check(sw.qsbr, F.pending[i].token, wait) != 1)
			return;
		cfg_free(F.pending[i].old);
		F.gen_reclaimed = F.pending[i].gen;
		F.head = (F.head + 1) % PENDING_MAX;
		F.n--;
		sw_routes_after_grace(F.gen_reclaimed);
		sw_rules_after_grace(F.gen_reclaimed);
	}
}

int sw_fp_publish(void)
{
	struct sw_fp_config *next, *old;

	if (F.n == PENDING_MAX)
		sw_fp_reclaim(true);
	sw_rules_prepare();
	sw_routes_before_publish(F.gen_published + 1);
	next = fp_build();
	if (next == NULL) {
		SW_LOG(ERR, "fast path: out of memory building configuration");
		return -1;
	}
	F.dirty = false;
	old = __atomic_exchange_n(&sw_fp_current, next, __ATOMIC_RELEASE);
	F.pending[(F.head + F.n) % PENDING_MAX].token = rte_rcu_qsbr_start(sw.qsbr);
	F.pending[(F.head + F.n) % PENDING_MAX].gen = ++F.gen_published;
	F.pending[(F.head + F.n) % PENDING_MAX].old = old;
	F.n++;
	sw_fp_reclaim(false);
	return 0;
}

int sw_fp_publish_sync(void)
{
	int ret = sw_fp_publish();

	sw_fp_reclaim(true);
	return ret;
}

void sw_fp_mark_dirty(void)
{
	F.dirty = true;
}

int sw_fp_commit(void)
{
	return F.dirty ? sw_fp_publish() : 0;
}

void sw_fp_fini(void)
{
	sw_fp_reclaim(true);
	sw_routes_fini();
	sw_rules_fini();
	rte_free(sw_fp_current);
	sw_fp_current = NULL;
	while (F.n_spare > 0)
		rte_free(F.spare[--F.n_spare]);
	rte_free(sw.qsbr);
	sw.qsbr = NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See publish.h. A packet is handled entirely under one configuration:
 * never lost or duplicated by a switch. Reclamation is deferred: each
 * publish takes an RCU QSBR token, and the configuration it replaced is
 * recycled once every worker has reported quiescence since; the main loop
 * polls for that without blocking.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "core/bell.h"
#include "core/fp.h"
#include "core/log.h"
#include "core/publish.h"
#include "core/state.h"

struct sw_fp_config *sw_fp_current;

#define MAX_OPS	    16u
#define PENDING_MAX 64u /* publishes awaiting their grace period */
#define SPARE_MAX   4u	/* recycled configuration buffers */

static struct {
	const struct sw_publish_ops *ops[MAX_OPS];
	unsigned int n_ops;
	bool dirty;		/* changes not yet published */
	bool preparing;		/* a commit waits for a module's preparation */
	uint64_t gen_published; /* publishes so far */
	uint64_t gen_reclaimed; /* every publish <= this is past its grace */
	struct {
		uint64_t token;
		uint64_t gen;
		struct sw_fp_config *old;
	} pending[PENDING_MAX];
	unsigned int head, n;
	struct sw_fp_config *spare[SPARE_MAX];
	unsigned int n_spare;
} publisher;

void sw_publish_register(const struct sw_publish_ops *ops)
{
	if (publisher.n_ops == MAX_OPS)
		abort();
	publisher.ops[publisher.n_ops++] = ops;
}

static struct sw_fp_config *cfg_alloc(void)
{
	struct sw_fp_config *cfg = publisher.n_spare ? publisher.spare[--publisher.n_spare]
						     : rte_malloc("sw_fp_config", sizeof(*cfg),
								  RTE_CACHE_LINE_SIZE);

	if (cfg != NULL)
		memset(cfg, 0, sizeof(*cfg));
	return cfg;
}

static void cfg_free(struct sw_fp_config *cfg)
{
	if (cfg != NULL && publisher.n_spare < SPARE_MAX)
		publisher.spare[publisher.n_spare++] = cfg;
	else
		rte_free(cfg);
}

static struct sw_fp_config *build(void)
{
	struct sw_fp_config *cfg = cfg_alloc();

	if (cfg == NULL)
		return NULL;
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		cfg->port[p].xc_out = SW_PORT_NONE;
	for (unsigned int i = 0; i < publisher.n_ops; i++)
		if (publisher.ops[i]->fill != NULL)
			publisher.ops[i]->fill(cfg);
	return cfg;
}

/* Retire publishes whose grace period is over; with wait, all of them. */
static void reclaim(bool wait)
{
	while (publisher.n > 0) {
		unsigned int i = publisher.head;

		if (rte_rcu_qsbr_check(sw.qsbr, publisher.pending[i].token, wait) != 1)
			return;
		cfg_free(publisher.pending[i].old);
		publisher.gen_reclaimed = publisher.pending[i].gen;
		publisher.head = (publisher.head + 1) % PENDING_MAX;
		publisher.n--;
		for (unsigned int k = 0; k < publisher.n_ops; k++)
			if (publisher.ops[k]->reclaim != NULL)
				publisher.ops[k]->reclaim(publisher.gen_reclaimed);
	}
}

int sw_publish_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(sw.n_workers);

	sw.qsbr = rte_zmalloc("sw_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (sw.qsbr == NULL || rte_rcu_qsbr_init(sw.qsbr, sw.n_workers) != 0) {
		SW_LOG(ERR, "rcu: cannot set up QSBR for %u workers", sw.n_workers);
		return -1;
	}
	for (unsigned int w = 0; w < sw.n_workers; w++)
		rte_rcu_qsbr_thread_register(sw.qsbr, w);
	sw_fp_current = build();
	return sw_fp_current ? 0 : -1;
}

void sw_publish_fini(void)
{
	if (sw.qsbr != NULL)
		reclaim(true);
	rte_free(sw_fp_current);
	sw_fp_current = NULL;
	while (publisher.n_spare > 0)
		rte_free(publisher.spare[--publisher.n_spare]);
	rte_free(sw.qsbr);
	sw.qsbr = NULL;
}

static uint64_t changes;

void sw_publish_mark_dirty(void)
{
	publisher.dirty = true;
	changes++;
}

uint64_t sw_publish_changes(void)
{
	return changes;
}

bool sw_publish_dirty(void)
{
	return publisher.dirty;
}

uint64_t sw_publish_next_gen(void)
{
	return publisher.gen_published + 1;
}

bool sw_publish_busy(void)
{
	return publisher.preparing;
}

/* Every module ready: build, swap, take the grace-period token. */
static int publish(void)
{
	struct sw_fp_config *next, *old;
	unsigned int k;

	if (publisher.n == PENDING_MAX)
		reclaim(true);
	next = build();
	if (next == NULL) {
		SW_LOG(ERR, "fast path: out of memory building its configuration");
		return -1;
	}
	publisher.dirty = false;
	old = __atomic_exchange_n(&sw_fp_current, next, __ATOMIC_RELEASE);
	sw_bell_workers_ring(); /* a sleeping worker polls what is new at once */
	k = (publisher.head + publisher.n) % PENDING_MAX;
	publisher.pending[k].token = rte_rcu_qsbr_start(sw.qsbr);
	publisher.pending[k].gen = ++publisher.gen_published;
	publisher.pending[k].old = old;
	publisher.n++;
	reclaim(false);
	return 0;
}

static int try_publish(void)
{
	bool busy = false;
	struct sw_err e;

	for (unsigned int i = 0; i < publisher.n_ops; i++) {
		const struct sw_publish_ops *ops = publisher.ops[i];

		if (ops->prepare == NULL)
			continue;
		int r = ops->prepare(sw_publish_next_gen(), &e);
		if (r == SW_PREPARE_BUSY)
			busy = true;
		else if (r < 0)
			SW_LOG(WARNING, "%s: %s", ops->name, e.msg);
	}
	publisher.preparing = busy;
	if (busy)
		return SW_PREPARE_BUSY;
	return publish();
}

static bool held;

void sw_publish_hold(bool on)
{
	held = on;
}

int sw_publish_commit_background(bool changed)
{
	/* a held batch commits itself soon (at most its hold bound): a
	 * classifier is then compiled once for it, not once per poll */
	if (held && !changed)
		return 0;
	return sw_publish_commit();
}

int sw_publish_commit(void)
{
	if (publisher.preparing)
		return SW_PREPARE_BUSY;
	if (!publisher.dirty)
		return 0;
	return try_publish();
}

void sw_publish_poll(void)
{
	if (publisher.preparing)
		try_publish();
	reclaim(false);
}

/* Commit, waiting for a preparation in progress. */
static int commit_blocking(void)
{
	int r;

	while ((r = publisher.preparing ? try_publish() : sw_publish_commit()) == SW_PREPARE_BUSY)
		usleep(100);
	return r;
}

int sw_publish_sync(void)
{
	int r;

	publisher.dirty = true; /* whatever changed outside the tables (a port) */
	r = commit_blocking();
	reclaim(true);
	return r;
}

void sw_publish_wait(uint64_t gen)
{
	while (publisher.gen_reclaimed < gen && publisher.n > 0)
		reclaim(true);
}

bool sw_publish_make_room(void)
{
	bool published = false;

	for (unsigned int i = 0; i < publisher.n_ops; i++) {
		const struct sw_publish_ops *ops = publisher.ops[i];

		if (ops->full == NULL || !ops->full())
			continue;
		commit_blocking();
		reclaim(true);
		published = true;
	}
	return published;
}

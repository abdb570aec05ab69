/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include <rte_common.h>
#include <rte_mempool.h>

#include "core/state.h"
#include "core/stats.h"
#include "core/util.h"

#define MAX_HOOKS 16u

static struct {
	sw_stats_hook hooks[MAX_HOOKS];
	unsigned int n;
} stats_hooks;

void sw_stats_register(sw_stats_hook fn)
{
	if (stats_hooks.n == MAX_HOOKS)
		abort();
	stats_hooks.hooks[stats_hooks.n++] = fn;
}

struct sw_port_counters *sw_main_counters(uint16_t port)
{
	return &sw.stats->lcores[0].ports[port];
}

void sw_stats_refresh(void)
{
	struct sw_stats *st = sw.stats;

	__atomic_add_fetch(&st->dev_seq, 1, __ATOMIC_RELEASE); /* odd: writing */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned int i = 0; i < stats_hooks.n; i++)
		stats_hooks.hooks[i](st);
	st->mbuf_total = sw.mp->size;
	st->mbuf_free = rte_mempool_avail_count(sw.mp);
	st->updated_ns = sw_mono_ns();
	__atomic_add_fetch(&st->dev_seq, 1, __ATOMIC_RELEASE); /* even: done */
}

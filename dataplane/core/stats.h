/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters in the statistics area: one slot per lcore, one writer each,
 * relaxed 64-bit stores, summed by readers. Values that need a consistent
 * snapshot (device counters, table sizes) are refreshed by the main lcore
 * under the area's seqlock by the hooks modules register here.
 */
#ifndef SW_CORE_STATS_H
#define SW_CORE_STATS_H

#include <stdint.h>

#include "slipway_ctl.h"

/* Counter update by the one lcore that owns the slot. */
static inline void sw_count(struct sw_port_counters *pc, enum sw_port_counter c, uint64_t n)
{
	__atomic_store_n(&pc->c[c], pc->c[c] + n, __ATOMIC_RELAXED);
}

static inline void sw_count_l3(struct sw_l3_counters *lc, enum sw_l3_counter c, uint64_t n)
{
	__atomic_store_n(&lc->c[c], lc->c[c] + n, __ATOMIC_RELAXED);
}

/* The main lcore's own counters of a port (vEth service, port stop). */
struct sw_port_counters *sw_main_counters(uint16_t port);

/* A refresh hook fills its part of st; it runs under the seqlock. */
typedef void (*sw_stats_hook)(struct sw_stats *st);
void sw_stats_register(sw_stats_hook fn);
/* Runs every hook under the seqlock (main lcore). */
void sw_stats_refresh(void);

#define SW_STATS_REGISTER(fn)                                                 \
	__attribute__((constructor)) static void sw_stats_register_##fn(void) \
	{                                                                     \
		sw_stats_register(fn);                                        \
	}

#endif

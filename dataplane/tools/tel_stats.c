/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands answered from the statistics area alone, on DPDK's
 * telemetry thread (see tools.h): they answer even while the main lcore is
 * busy.
 *   /slipway/l3,PORT  the L3 counters of traffic received on PORT
 *   /slipway/lcores   every lcore's loop counters and time
 *   /slipway/tables   the route tables' summary and the mempool
 */
#include <stdio.h>
#include <string.h>

#include <rte_pause.h>

#include "core/state.h"
#include "tools/tools.h"

#define SEQLOCK_TRIES 100000u

static int l3_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t v[SW_L3__COUNT];
	uint16_t port;

	RTE_SET_USED(cmd);
	if (!sw_tel_enter())
		return -1;
	if (sw_tel_port_param(params, d, &port) == 0) {
		sw_tel_l3_counters(port, v);
		rte_tel_data_start_dict(d);
		for (unsigned int c = 0; c < SW_L3__COUNT; c++)
			rte_tel_data_add_dict_u64(d, sw_tel_l3_counter_names[c], v[c]);
	}
	sw_tel_leave();
	return 0;
}

static int lcores_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const roles[] = { "unused", "main", "worker" };
	unsigned int n;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!sw_tel_enter())
		return -1;
	n = RTE_MIN(__atomic_load_n(&sw.stats->n_lcores, __ATOMIC_ACQUIRE), SW_MAX_LCORES);
	rte_tel_data_start_dict(d);
	for (unsigned int l = 0; l < n; l++) {
		const struct sw_lcore_stats *ls = &sw.stats->lcores[l];
		uint32_t role = __atomic_load_n(&ls->role, __ATOMIC_RELAXED);
		struct rte_tel_data *o;
		char key[16];

		if (role == SW_ROLE_UNUSED || role >= RTE_DIM(roles) ||
		    (o = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_string(o, "role", roles[role]);
		rte_tel_data_add_dict_u64(o, "busy_polls",
					  __atomic_load_n(&ls->busy_polls, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "idle_polls",
					  __atomic_load_n(&ls->idle_polls, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "busy_ns",
					  __atomic_load_n(&ls->busy_ns, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "idle_ns",
					  __atomic_load_n(&ls->idle_ns, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "sleep_ns",
					  __atomic_load_n(&ls->sleep_ns, __ATOMIC_RELAXED));
		snprintf(key, sizeof(key), "%u", __atomic_load_n(&ls->lcore_id, __ATOMIC_RELAXED));
		if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
			rte_tel_data_free(o);
	}
	sw_tel_leave();
	return 0;
}

/* The table summary and the mempool counts, consistent under the seqlock
 * the main lcore writes them under. */
struct table_snap {
	struct sw_table_stats t;
	uint64_t mbuf_total, mbuf_free, updated_ns;
};

static bool read_tables(struct table_snap *out)
{
	const struct sw_stats *st = sw.stats;

	for (unsigned int i = 0; i < SEQLOCK_TRIES; i++) {
		uint32_t s0 = __atomic_load_n(&st->dev_seq, __ATOMIC_ACQUIRE);

		if (s0 & 1) {
			rte_pause();
			continue;
		}
		out->t.mem_bytes = __atomic_load_n(&st->tables.mem_bytes, __ATOMIC_RELAXED);
		out->t.routes4 = __atomic_load_n(&st->tables.routes4, __ATOMIC_RELAXED);
		out->t.routes6 = __atomic_load_n(&st->tables.routes6, __ATOMIC_RELAXED);
		out->t.neighbours = __atomic_load_n(&st->tables.neighbours, __ATOMIC_RELAXED);
		out->t.nh_groups = __atomic_load_n(&st->tables.nh_groups, __ATOMIC_RELAXED);
		out->mbuf_total = __atomic_load_n(&st->mbuf_total, __ATOMIC_RELAXED);
		out->mbuf_free = __atomic_load_n(&st->mbuf_free, __ATOMIC_RELAXED);
		out->updated_ns = __atomic_load_n(&st->updated_ns, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&st->dev_seq, __ATOMIC_RELAXED) == s0)
			return true;
	}
	return false;
}

static int tables_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct table_snap s;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!sw_tel_enter())
		return -1;
	if (!read_tables(&s)) {
		sw_tel_error(d, "the statistics area stayed inconsistent: try again");
	} else {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_u64(d, "routes4", s.t.routes4);
		rte_tel_data_add_dict_u64(d, "routes6", s.t.routes6);
		rte_tel_data_add_dict_u64(d, "neighbours", s.t.neighbours);
		rte_tel_data_add_dict_u64(d, "nh_groups", s.t.nh_groups);
		rte_tel_data_add_dict_u64(d, "mem_bytes", s.t.mem_bytes);
		rte_tel_data_add_dict_u64(d, "mbuf_total", s.mbuf_total);
		rte_tel_data_add_dict_u64(d, "mbuf_free", s.mbuf_free);
		rte_tel_data_add_dict_u64(d, "updated_ns", s.updated_ns);
	}
	sw_tel_leave();
	return 0;
}

static const struct sw_tel_cmd stats_cmds[] = {
	{ "/slipway/l3", l3_cmd,
	  "L3 counters (routed, punt and drop reasons) of traffic received on a port. "
	  "Parameters: int port" },
	{ "/slipway/lcores", lcores_cmd,
	  "Each lcore's role, busy and idle polls, and busy, idle and sleep time (ns). "
	  "Takes no parameters" },
	{ "/slipway/tables", tables_cmd,
	  "Routes, neighbours, next-hop groups, table memory and the mempool's mbufs. "
	  "Takes no parameters" },
};
SW_TEL_REGISTER(stats_cmds)

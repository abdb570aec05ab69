/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process-wide state of slipwayd: its options, the workers, the mempool and
 * the RCU variable. Written by the main lcore before the workers start,
 * read by everyone afterwards (quit excepted).
 */
#ifndef SW_CORE_STATE_H
#define SW_CORE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_meter.h>

#include "slipway_ctl.h"

#define SW_BURST       32u
#define SW_MAX_WORKERS (SW_MAX_LCORES - 1)

struct rte_mempool;
struct rte_rcu_qsbr;
struct sw_rule_counter;

/* --poll-mode */
enum sw_poll_mode {
	SW_POLL_SLEEP,	   /* back off: sleep growing to --idle-sleep-us */
	SW_POLL_BUSY,	   /* never sleep */
	SW_POLL_INTERRUPT, /* sleep until an rx interrupt where every queue has one */
};

/* A worker lcore: written by the main lcore before it is launched; the
 * fields under "fast path" are its own. */
struct sw_worker {
	unsigned int lcore_id;
	unsigned int index;	      /* tx queue on every port, RCU thread id */
	struct sw_lcore_stats *stats; /* its slot in the statistics area */
	struct sw_l3_counters *l3;    /* [SW_MAX_PORTS], its row of L3 counters */
	/* fast path */
	struct sw_rule_counter *rules; /* [rule slot], its rule counters */
	struct rte_meter_srtcm police[SW_MAX_PORTS][SW_PUNT_CLASSES]; /* its punt token buckets */
	bool punted; /* frames went into a punt ring since its last idle poll */
};

struct sw_state {
	/* options */
	const char *instance;
	const char *vif_prefix;
	const char *vif_netns; /* NULL: the vEths live in slipwayd's own namespace */
	const char *ctl_dir;
	unsigned int n_mbufs;
	unsigned int idle_us;	     /* longest main lcore sleep when idle */
	unsigned int spin_us;	     /* main lcore polling time after its last work */
	unsigned int idle_sleep_us;  /* longest worker sleep when its queues stay empty */
	enum sw_poll_mode poll_mode; /* --poll-mode: what an idle worker does */
	unsigned int max_routes;     /* IPv4 FIB size */
	unsigned int max_rules;	     /* match-action rules */
	bool kernel_sync;	     /* start with kernel sync on */
	unsigned int sync_audit_s;   /* kernel sync's periodic audit, 0: none */
	bool dpdk_tools; /* --dpdk-tools: shared EAL configuration and the pdump server */
	/* set up at start */
	unsigned int n_workers;
	struct sw_worker workers[SW_MAX_WORKERS];
	struct rte_mempool *mp;
	struct rte_rcu_qsbr *qsbr;
	struct sw_stats *stats; /* the statistics area, in the control file */
	volatile bool quit;	/* set by the signal handler; read by every lcore */
};

extern struct sw_state sw;

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipwayd internal state shared between the control side (main lcore) and
 * the fast path (worker lcores). Every shared field says who writes it and
 * who reads it.
 */
#ifndef SW_H
#define SW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_meter.h>

#include "slipway_ctl.h"

#define SW_BURST        32u
#define SW_RING_SLOTS   2048u   /* punt and inject rings, per port and worker */

extern int sw_logtype;
#define SW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sw_logtype, "slipwayd: " fmt "\n", ##__VA_ARGS__)

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct rte_fib;
struct rte_lpm6;
struct sw_nh_group;
struct sw_rule_counter;
struct rte_acl_ctx;

/* Per-port fast-path view: immutable once published in a sw_fp_config. */
struct sw_fp_port {
	struct rte_ether_addr mac;/* L2 destination of routed frames; their new source */
	uint16_t eth_port;        /* ethdev of the port */
	uint16_t xc_out;          /* cross-connect output slipway port, SW_PORT_NONE */
	uint8_t active;           /* started: may be polled and transmitted to */
	/* [worker index] the vEth's rings, one pair per worker (TAP queue k pairs
	 * with worker k). punt: worker k -> main lcore -> vEth (SP/SC). inject:
	 * vEth -> main lcore -> worker k, drained whenever worker k polls one of
	 * the port's rx queues (SP/SC). */
	struct rte_ring *punt[SW_MAX_LCORES - 1];
	struct rte_ring *inject[SW_MAX_LCORES - 1];
};

/* A punt policer: srTCM with no excess bucket, metering packets (each
 * counts as one byte), so it is a plain token bucket. */
struct sw_fp_police {
	struct rte_meter_srtcm_profile prof;
	bool on;                  /* off: no limit */
};

/* One rx queue a worker polls. A worker polling any queue of a port also
 * drains its own inject ring of that port (single consumer). */
struct sw_fp_rxq {
	uint16_t port;
	uint16_t queue;
};

struct sw_fp_worker {
	uint16_t n_rx;
	struct sw_fp_rxq rx[SW_MAX_PORTS]; /* at most one queue of each port per worker */
};

/*
 * The fast-path configuration. Built by the main lcore, published with a
 * release store to sw_fp_current, read by workers once per loop iteration,
 * freed by the main lcore after an RCU QSBR grace period.
 */
struct sw_fp_config {
	struct sw_fp_port port[SW_MAX_PORTS];
	struct sw_fp_worker worker[SW_MAX_LCORES];
	struct rte_fib *fib4;              /* this configuration's IPv4 FIB copy */
	struct rte_lpm6 *lpm6;             /* this configuration's IPv6 FIB copy */
	const struct sw_nh_group *groups;  /* see l3.h */
	const uint64_t *nh;
	struct rte_acl_ctx *acl[2];        /* rules: [0] IPv4 and non-IP, [1] IPv6; NULL: none */
	/* punt policer profiles per ingress port and class (one worker's share) */
	struct sw_fp_police police[SW_MAX_PORTS][SW_PUNT_CLASSES];
};

/* Control-side record of a port (main lcore only). */
struct sw_port {
	bool in_use;
	bool started;
	uint16_t eth_port;
	int16_t worker;           /* worker polling rx queue 0, -1 when stopped; queue j is
				   * polled by worker (worker + j) % n_workers (RSS spread) */
	uint16_t n_rxq;           /* one per worker, as many as the device allows */
	uint16_t xc_out;
	uint16_t n_txq;
	char vif_name[SW_IFNAME_LEN];
	unsigned int vif_ifindex;  /* kernel ifindex of the vEth, for netlink */
	char kif[SW_IFNAME_LEN];  /* kernel interface behind an af_packet/af_xdp port */
	struct rte_ring *punt[SW_MAX_LCORES - 1];   /* [worker], see sw_fp_port */
	struct rte_ring *inject[SW_MAX_LCORES - 1];
	uint8_t link_up;
	uint32_t link_speed;
};

struct sw_worker {
	unsigned int lcore_id;
	unsigned int index;       /* tx queue index on every port, RCU thread id */
	struct sw_lcore_stats *stats;
	struct sw_l3_counters *l3;  /* [SW_MAX_PORTS], this worker's row */
	struct sw_rule_counter *rules; /* [SW_MAX_RULES], this worker's counters */
	struct rte_meter_srtcm police[SW_MAX_PORTS][SW_PUNT_CLASSES]; /* its token buckets */
};

struct sw_ctl_file;

/* Process-wide state. Written by the main lcore unless said otherwise. */
struct sw_state {
	const char *instance;
	const char *vif_prefix;
	const char *ctl_dir;
	unsigned int n_mbufs;
	unsigned int idle_us;     /* longest main lcore sleep when idle */
	unsigned int spin_us;     /* main lcore polling time after its last work */
	unsigned int max_routes;  /* IPv4 FIB size */
	unsigned int n_workers;
	struct sw_worker workers[SW_MAX_LCORES - 1];
	struct rte_mempool *mp;
	struct rte_rcu_qsbr *qsbr;
	struct sw_port ports[SW_MAX_PORTS];
	struct sw_ctl_file *ctl;
	struct sw_stats *stats;   /* in the control file */
	volatile bool quit;       /* set by signal handler; read by every lcore */
};

extern struct sw_state sw;
/* Written by the main lcore (release), read by workers (acquire). */
extern struct sw_fp_config *sw_fp_current;

/* Counter update by the one lcore that owns the slot. */
static inline void sw_count(struct sw_port_counters *pc, enum sw_port_counter c, uint64_t n)
{
	__atomic_store_n(&pc->c[c], pc->c[c] + n, __ATOMIC_RELAXED);
}

static inline void sw_count_l3(struct sw_l3_counters *lc, enum sw_l3_counter c, uint64_t n)
{
	__atomic_store_n(&lc->c[c], lc->c[c] + n, __ATOMIC_RELAXED);
}

/* datapath/worker.c */
int sw_worker_main(void *arg);

/* control/rules.c */
struct sw_rule_counter *sw_rules_counters(unsigned int lcore_slot);

/* control/fp_config.c */
int sw_fp_init(void);
int sw_fp_publish(void);      /* rebuild from sw.ports and the tables, swap it in */
int sw_fp_publish_sync(void); /* ... and wait until no worker can see the old one */
void sw_fp_mark_dirty(void);  /* a table changed: publish at the next commit */
int sw_fp_commit(void);       /* publish if anything changed since the last publish */
void sw_fp_reclaim(bool wait);/* retire publishes past their grace period */
uint64_t sw_fp_next_gen(void);      /* generation the next publish will have */
void sw_fp_fini(void);

#endif

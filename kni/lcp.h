/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync (linux-cp style): what the host stack knows about the vEths
 * is installed in the fast path. The router part (kni/lcp_router.c,
 * lcp_addr.c, lcp_resync.c, lcp_events.c; kni/lcp_router.h what they share) is an
 * rtnetlink consumer that needs no DPDK: everything it reads or changes
 * outside itself goes through struct sw_lcp_tables, which slipwayd binds
 * to the l3 tables, the vEths and the event bus (kni/lcp.c, with turning
 * sync on and off, its API and the periodic audit) and the fuzz target
 * (test/fuzz/fuzz_sync.c) to a model of them. Main lcore only.
 */
#ifndef SW_KNI_LCP_H
#define SW_KNI_LCP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "l3/route.h"
#include "slipway_ctl.h"

/* The cause of the periodic audit's resync (kni/lcp.c). */
#define SW_LCP_AUDIT_CAUSE "periodic audit"

/* What kernel sync reads and writes: l3/route.h's calls, and the vEths'
 * ifindexes and the events. */
struct sw_lcp_tables {
	int (*route_add)(const struct sw_l3_route *r, enum sw_origin o, uint32_t metric,
			 struct sw_err *e);
	int (*route_del)(const struct sw_l3_route *r, enum sw_origin o, const uint32_t *metric,
			 struct sw_err *e);
	int (*route_get)(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *o,
			 uint32_t *metric);
	int (*route_get_cand)(const struct sw_l3_route *key, enum sw_origin o, uint32_t metric,
			      struct sw_l3_route *out);
	int (*neigh_add)(const struct sw_l3_neigh *n, enum sw_origin o, struct sw_err *e);
	int (*neigh_del)(const struct sw_l3_neigh *n, enum sw_origin o, struct sw_err *e);
	void (*mark)(void);
	uint32_t (*neighs_sweep)(enum sw_origin o, void (*removed)(const struct sw_l3_neigh *n));
	int (*routes_sweep_begin)(uint32_t mask);
	bool (*routes_sweep_step)(unsigned int max,
				  void (*removed)(const struct sw_l3_route *r, enum sw_origin o,
						  uint32_t metric));
	bool (*audit_fib)(uint32_t *cursor, unsigned int max, uint32_t *fixed);
	/* the port whose vEth has that ifindex, or -1 */
	int (*vif_port)(int ifindex);
	/* port's vEth administratively up now: 1, down: 0, no vEth: -1 (NULL: taken as up) */
	int (*vif_up)(unsigned int port);
	void (*event)(const struct sw_evt_sync *ev);
};

struct sw_lcp {
	const struct sw_lcp_tables *t;
	bool enabled;
	bool resync;	    /* a resync of ours is in progress */
	bool audit;	    /* and it is an audit */
	bool audit_pending; /* the next one is */
	bool removing;	    /* turned off: what it installed is being removed */
	bool nh_expanded;   /* routes spell out their next-hop objects (nexthop_compat_mode) */
	bool vif_up[SW_MAX_PORTS];
	uint8_t epoch; /* of the addresses and next-hop objects seen */
	unsigned int stage;
	uint32_t cursor;
	uint32_t refused, resyncs, audits; /* since enabled */
	/* the resync in progress */
	uint32_t rs_added, rs_removed, rs_refused, rs_checked, rs_events, rs_fib;
	/* events outside resyncs: per window, the rest counted in a burst event */
	uint64_t win_start;
	uint32_t win_events, win_added, win_removed, win_refused;
};

extern struct sw_lcp kernel_sync; /* kni/lcp_events.c */

/* kni/lcp_resync.c */
void sw_lcp_bind(const struct sw_lcp_tables *t);
void sw_lcp_start(void);
/* Turns it off: what it installed is removed, a bounded part per step;
 * true when done. */
void sw_lcp_stop(void);
bool sw_lcp_stop_step(void);
/* The next resync is an audit (it is requested with SW_LCP_AUDIT_CAUSE). */
void sw_lcp_audit(void);
/* kni/lcp_events.c. Periodic: ends an event window. */
void sw_lcp_tick(uint64_t now_ns);
/* kni/lcp_addr.c */
uint32_t sw_lcp_addresses(void);
/* kni/lcp_router.c */
uint32_t sw_lcp_objects(void);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of kernel sync's router share (kni/ only; kni/lcp.h is
 * its interface):
 *  - lcp_router.c: kernel routes and next-hop objects (ip nexthop);
 *  - lcp_addr.c: addresses on the vEths and the neighbours there;
 *  - lcp_events.c: its state and the events it sends;
 *  - lcp_resync.c: the resync (dumps, sweep, audit), links, the rtnetlink
 *    consumer that ties them together, and turning it on and off.
 * lcp_events.c calls none of the others, lcp_router.c only lcp_events.c,
 * lcp_addr.c those two.
 * Main lcore only; no DPDK.
 */
#ifndef SW_KNI_LCP_ROUTER_H
#define SW_KNI_LCP_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "kni/lcp.h"
#include "kni/nl.h"

/* the tables kernel sync is bound to (sw_lcp_bind) */
#define T (kernel_sync.t)

/* One entry more seen in the resync in progress. */
static inline void sw_lcp_checked(void)
{
	if (kernel_sync.resync)
		kernel_sync.rs_checked++;
}

/* lcp_events.c: sends a per-entry event (windowed, counted in a resync). */
void sw_lcp_emit(struct sw_evt_sync *ev, const char *reason);
/* A summary event (resync, audit, burst). */
void sw_lcp_emit_summary(uint8_t what, uint32_t added, uint32_t removed, uint32_t refused,
			 uint32_t checked, const char *reason);

/* lcp_router.c */
/* r as a candidate of origin (and metric); says what came of it. */
void sw_lcp_route_install(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric);
/* The candidate of origin (and metric) of r's prefix goes. */
void sw_lcp_route_uninstall(const struct sw_l3_route *r, enum sw_origin origin,
			    const uint32_t *metric);
void sw_lcp_route_swept(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric);
void sw_lcp_on_route(const struct sw_nl_route *m);
void sw_lcp_on_nexthop(const struct sw_nl_nexthop *m);
/* Next-hop objects not seen in this epoch go. */
void sw_lcp_objs_sweep(void);
void sw_lcp_objs_clear(void);
/* IPv4 routes appended behind another of the same prefix and metric (not
 * followed: the kernel uses the first) since the last resync */
extern uint32_t sw_lcp_v4_appended;

/* lcp_addr.c */
void sw_lcp_on_addr(const struct sw_nl_addr *m);
void sw_lcp_on_neigh(const struct sw_nl_neigh *m);
void sw_lcp_neigh_swept(const struct sw_l3_neigh *n);
/* Addresses not seen in this epoch go, with their routes. */
void sw_lcp_addrs_sweep(void);
void sw_lcp_addrs_clear(void);

#endif

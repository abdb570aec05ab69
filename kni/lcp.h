/* SPDX-License-Identifier: BSD-3-Clause */
/* Kernel sync's state, shared by its on/off part (kni/kernel_sync.c) and its
 * router part (kni/lcp_router.c). Main lcore only. */
#ifndef SW_KNI_LCP_H
#define SW_KNI_LCP_H

#include <stdbool.h>
#include <stdint.h>

#include "l3/route.h"
#include "slipway_ctl.h"

struct rte_hash;

struct akey {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t len;
};

struct sw_lcp {
	bool enabled;
	struct rte_hash *ad; /* the vEths' addresses */
	uint8_t *ad_seen;    /* [position] seen since the resync began */
	bool resync;	     /* a resync of ours is in progress */
	bool vif_up[SW_MAX_PORTS];
	uint32_t refused, resyncs;			      /* since enabled */
	uint32_t rs_added, rs_removed, rs_refused, rs_events; /* the resync in progress */
};

extern struct sw_lcp kernel_sync;

/* kni/lcp_router.c */
void sw_lcp_emit(struct sw_evt_sync *ev, const char *reason);
void sw_lcp_route_removed(const struct sw_l3_route *r);
void sw_lcp_neigh_removed(const struct sw_l3_neigh *n);
void sw_lcp_addr_uninstall(const struct akey *a);

/* kni/kernel_sync.c: the reader's resync callbacks */
bool sw_lcp_wants_dump(void);
void sw_lcp_resync_begin(void);
void sw_lcp_resync_end(bool complete);

#endif

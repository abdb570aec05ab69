/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync (linux-cp style): what the host stack knows about the vEths
 * is installed in the fast path. See struct sw_sync_cfg in slipway_ctl.h
 * for the rules. This part turns it on and off and resynchronises: a
 * resync marks every entry of sync's origins in the l3 tables, the router
 * part (kni/lcp_router.c) re-installs what the dumps show, and what is
 * still marked is swept, only after a complete dump. Main lcore only.
 */
#include <string.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "core/api.h"
#include "core/log.h"
#include "core/module.h"
#include "core/state.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/nl.h"
#include "l3/route.h"
#include "port/port.h"

#define LCP_MAX_ADDRS 4096u

static void mark_all(void)
{
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(kernel_sync.ad, &key, &data, &next)) >= 0)
		kernel_sync.ad_seen[pos] = 0;
	sw_routes_mark(SW_ORIGIN_KROUTE);
	sw_routes_mark(SW_ORIGIN_KADDR);
	sw_neighs_mark(SW_ORIGIN_KNEIGH);
}

static void sweep_all(void)
{
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	sw_routes_sweep(SW_ORIGIN_KROUTE, sw_lcp_route_removed);
	sw_neighs_sweep(SW_ORIGIN_KNEIGH, sw_lcp_neigh_removed);
	while ((pos = rte_hash_iterate(kernel_sync.ad, &key, &data, &next)) >= 0) {
		struct akey a = *(const struct akey *)key;

		if (!kernel_sync.ad_seen[pos])
			sw_lcp_addr_uninstall(&a);
	}
	sw_routes_sweep(SW_ORIGIN_KADDR, NULL); /* what a shared address kept too long */
}

void sw_lcp_resync_begin(void)
{
	if (!kernel_sync.enabled)
		return;
	kernel_sync.resync = true;
	kernel_sync.rs_added = kernel_sync.rs_removed = kernel_sync.rs_refused =
		kernel_sync.rs_events = 0;
	mark_all();
}

void sw_lcp_resync_end(bool complete)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_RESYNC,
		.action = SW_SYNC_ACT_DONE,
		.port = SW_PORT_NONE,
	};

	if (!kernel_sync.enabled || !kernel_sync.resync || !complete)
		return;
	sweep_all();
	kernel_sync.resync = false;
	kernel_sync.resyncs++;
	ev.added = kernel_sync.rs_added;
	ev.removed = kernel_sync.rs_removed;
	ev.refused = kernel_sync.rs_refused;
	SW_LOG(INFO, "kernel sync: resync (%s) done: %u added, %u removed, %u refused",
	       sw_nl_resync_cause(), ev.added, ev.removed, ev.refused);
	sw_lcp_emit(&ev, sw_nl_resync_cause());
}

bool sw_lcp_wants_dump(void)
{
	return kernel_sync.enabled;
}

/* --- on and off --- */

static int enable(const char *cause, struct sw_err *e)
{
	if (!kernel_sync.enabled) {
		if (kernel_sync.ad == NULL)
			return sw_fail(e, SW_ST_NO_SPACE, "kernel sync: no address table");
		for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
			kernel_sync.vif_up[p] = sw_port_exists(p);
		kernel_sync.enabled = true;
		kernel_sync.refused = kernel_sync.resyncs = 0;
	}
	sw_nl_resync(cause);
	return 0;
}

/* Remove what sync installed, routes first, then neighbours, then the
 * addresses with their local and connected routes. */
static void disable(void)
{
	mark_all();
	sweep_all();
	rte_hash_reset(kernel_sync.ad);
	kernel_sync.enabled = false;
	kernel_sync.resync = false;
	SW_LOG(INFO, "kernel sync: off; what it installed was removed");
}

static void fill_cfg(struct sw_sync_cfg *out)
{
	uint32_t cursor = 0, neighbours = 0;
	struct sw_l3_neigh n;
	enum sw_origin origin;

	while (sw_neigh_next(0, &cursor, &n, &origin))
		neighbours += origin == SW_ORIGIN_KNEIGH;
	memset(out, 0, sizeof(*out));
	out->enabled = kernel_sync.enabled;
	out->resyncing = kernel_sync.enabled && sw_nl_resyncing();
	out->routes = sw_routes_count_origin(SW_ORIGIN_KROUTE) +
		      sw_routes_count_origin(SW_ORIGIN_KADDR);
	out->neighbours = neighbours;
	out->addresses = kernel_sync.ad ? (uint32_t)rte_hash_count(kernel_sync.ad) : 0;
	out->refused = kernel_sync.refused;
	out->resyncs = kernel_sync.resyncs;
}

static int sync_set(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_sync_cfg *c = req;

	if (c->enabled > 1)
		return sw_fail(e, SW_ST_RANGE, "kernel sync: enabled must be 0 or 1, not %u",
			       c->enabled);
	if (c->enabled) {
		if (enable("enabled through the API", e) != 0)
			return -1;
	} else if (kernel_sync.enabled) {
		disable();
	}
	fill_cfg(resp);
	*resp_len = sizeof(struct sw_sync_cfg);
	return 0;
}

static int sync_get(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	fill_cfg(resp);
	*resp_len = sizeof(struct sw_sync_cfg);
	return 0;
}

static const struct sw_api_handler sync_handlers[] = {
	{ SW_OP_SYNC_SET, "SYNC_SET", SW_API_SIZE(struct sw_sync_cfg), sync_set, NULL },
	{ SW_OP_SYNC_GET, "SYNC_GET", SW_API_NONE, sync_get, SW_API_READ },
};
SW_API_REGISTER(sync_handlers)

static int lcp_init(void)
{
	struct sw_err e;

	kernel_sync.ad = sw_hash_create("sw_lcp_ad", LCP_MAX_ADDRS, sizeof(struct akey));
	if (kernel_sync.ad != NULL)
		kernel_sync.ad_seen = rte_zmalloc("sw_lcp_ad_seen",
						  rte_hash_max_key_id(kernel_sync.ad) + 1, 0);
	if (kernel_sync.ad == NULL || kernel_sync.ad_seen == NULL) {
		SW_LOG(ERR, "kernel sync: cannot allocate its address table");
		return -1;
	}
	if (sw.kernel_sync && enable("start-up (--kernel-sync)", &e) != 0) {
		SW_LOG(ERR, "%s", e.msg);
		return -1;
	}
	return 0;
}

static void lcp_fini(void)
{
	kernel_sync.enabled = false;
	rte_hash_free(kernel_sync.ad);
	rte_free(kernel_sync.ad_seen);
	kernel_sync.ad = NULL;
	kernel_sync.ad_seen = NULL;
}

static const struct sw_module lcp_module = {
	.name = "kernel sync",
	.prio = SW_PRIO_KNI,
	.init = lcp_init,
	.fini = lcp_fini,
};
SW_MODULE_REGISTER(lcp_module)

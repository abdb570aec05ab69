/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync (linux-cp style): what the host stack knows about the vEths
 * is installed in the fast path. See struct sw_sync_cfg in slipway_ctl.h
 * for the rules and kni/lcp_router.c for how. This part binds the router
 * to the l3 tables, the vEths and the event bus, turns sync on and off
 * (off removes what it installed, a bounded part per poll), serves its
 * API, and asks for the periodic audit (--sync-audit-s): a resync that
 * also checks the FIB, reported in a sync event with its counts. Main lcore
 * only.
 */
#include <net/if.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "core/api.h"
#include "core/event.h"
#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/nl.h"
#include "kni/vif.h"
#include "port/port.h"
#include "l3/route.h"

#define LCP_TICK_NS	(100ull * 1000 * 1000)
#define LCP_OFF_SYNC_US 20000u /* removal done inside the API call; the rest in the tick */

static struct {
	uint64_t last_audit_ns; /* or when sync was turned on */
} lcp;

static void push_event(const struct sw_evt_sync *ev)
{
	sw_event_push(SW_EVT_SYNC, ev);
}

SW_EVENT_COPY(SW_EVT_SYNC, sw_evt_sync)

static int vif_up_now(unsigned int port)
{
	const struct sw_port *p = sw_port_get((uint16_t)port);
	struct sw_vif_state st;

	if (p == NULL || p->vif_ifindex == 0 || sw_vif_get_state(p, &st) != 0)
		return -1;
	return (st.flags & IFF_UP) != 0;
}

static const struct sw_lcp_tables l3_tables = {
	.route_add = sw_route_add,
	.route_del = sw_route_del,
	.route_get = sw_route_get,
	.route_get_cand = sw_route_get_cand,
	.neigh_add = sw_neigh_add,
	.neigh_del = sw_neigh_del,
	.mark = sw_l3_mark,
	.neighs_sweep = sw_neighs_sweep,
	.routes_sweep_begin = sw_routes_sweep_begin,
	.routes_sweep_step = sw_routes_sweep_step,
	.audit_fib = sw_routes_audit_fib,
	.vif_port = sw_vif_port,
	.vif_up = vif_up_now,
	.event = push_event,
};

/* --- on and off --- */

static void enable(const char *cause)
{
	if (!kernel_sync.enabled) {
		sw_lcp_start();
		lcp.last_audit_ns = sw_mono_ns();
	}
	sw_nl_resync(cause);
}

/* Removes what sync installed, within a time budget; the tick goes on. */
static void remove_some(uint64_t budget_us)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() / 1000000 * budget_us;
	const uint64_t changes = sw_publish_changes();

	while (!sw_lcp_stop_step() && rte_get_timer_cycles() < end)
		;
	sw_publish_commit_background(sw_publish_changes() != changes);
}

static void disable(void)
{
	sw_lcp_stop();
	remove_some(LCP_OFF_SYNC_US);
	SW_LOG(INFO, "kernel sync: off; what it installed %s removed",
	       kernel_sync.removing ? "is being" : "was");
}

static void lcp_tick(uint64_t now_ns)
{
	sw_lcp_tick(now_ns);
	if (kernel_sync.removing) {
		remove_some(5000);
		if (kernel_sync.removing)
			sw_periodic_again();
		return;
	}
	if (!kernel_sync.enabled || sw.sync_audit_s == 0 || sw_nl_resyncing())
		return;
	if (now_ns - lcp.last_audit_ns >= sw.sync_audit_s * 1000000000ull) {
		lcp.last_audit_ns = now_ns;
		sw_lcp_audit();
	}
}
SW_PERIODIC_REGISTER("kernel sync", LCP_TICK_NS, lcp_tick)

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
	out->addresses = sw_lcp_addresses();
	out->refused = kernel_sync.refused;
	out->resyncs = kernel_sync.resyncs;
}

static int sync_set(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_sync_cfg *c = req;

	if (c->enabled > 1)
		return sw_fail(e, SW_ST_RANGE, "kernel sync: enabled must be 0 or 1, not %u",
			       c->enabled);
	if (c->enabled)
		enable("enabled through the API");
	else if (kernel_sync.enabled)
		disable();
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
	sw_lcp_bind(&l3_tables);
	if (sw.kernel_sync)
		enable("start-up (--kernel-sync)");
	return 0;
}

static void lcp_fini(void)
{
	kernel_sync.enabled = false;
	kernel_sync.removing = false;
}

static const struct sw_module lcp_module = {
	.name = "kernel sync",
	.prio = SW_PRIO_KNI,
	.init = lcp_init,
	.fini = lcp_fini,
};
SW_MODULE_REGISTER(lcp_module)

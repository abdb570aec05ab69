/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync's machinery around the handlers of lcp_router.c and
 * lcp_addr.c: the rtnetlink consumer that calls them, links going down
 * and up, and the resync: it starts a new
 * epoch (the tables' and ours), re-installs what the dumps show and
 * sweeps, a bounded part per call, what was not seen. An audit is a resync
 * that also checks the FIB against the RIB and reports its counts. Also
 * turning sync on and off. Main lcore only; no DPDK.
 */
#include <linux/if.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/lcp_router.h"
#include "kni/nl.h"

#define LCP_SWEEP_STEP 1024u /* prefixes per sweep step */
#define LCP_AUDIT_STEP 4096u /* FIB entries per audit step */
#define LCP_KINDS      ((1u << SW_ORIGIN_KROUTE) | (1u << SW_ORIGIN_KADDR))

/* --- links --- */

/* A vEth going down loses its IPv4 routes and its next-hop objects without
 * notifications (and multipath routes their next hops there: marked dead);
 * coming up, the dead next hops come back, again without a notification. */
static void on_link(const struct sw_nl_link *l)
{
	int port;
	bool up = (l->flags & IFF_UP) != 0 && !l->del;

	if (T == NULL || (port = T->vif_port(l->ifindex)) < 0 || port >= (int)SW_MAX_PORTS)
		return;
	if (kernel_sync.enabled && kernel_sync.vif_up[port] && !up)
		sw_nl_resync("a vEth went down (the kernel drops its routes silently)");
	else if (kernel_sync.enabled && !kernel_sync.vif_up[port] && up)
		sw_nl_resync("a vEth came up (the kernel revives next hops silently)");
	kernel_sync.vif_up[port] = up;
}

/* --- resync --- */

static bool wants_dump(void)
{
	return kernel_sync.enabled;
}

static void resync_begin(void)
{
	struct sw_lcp *ks = &kernel_sync;

	if (!ks->enabled)
		return;
	ks->resync = true;
	ks->audit = ks->audit_pending;
	ks->audit_pending = false;
	ks->rs_added = ks->rs_removed = ks->rs_refused = ks->rs_checked = ks->rs_events = 0;
	ks->rs_fib = 0;
	ks->stage = 0;
	sw_lcp_v4_appended = 0;
	ks->epoch++;
	T->mark();
	/* links are not dumped: each vEth's state is read now, so that both its
	 * going down and its coming up (neither of which the dumps would show:
	 * the routes it loses, the next hops it revives) are seen after these
	 * dumps. One down now and taken as up would come up unnoticed, and its
	 * next hops the dumps found dead would stay missing. Unknown: up. */
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		ks->vif_up[p] = T->vif_up == NULL || T->vif_up(p) != 0;
}

/* Next-hop objects go before the routes are dumped: a route resolves
 * through the objects the kernel has now. */
static void dump_done(enum sw_nl_dump what)
{
	if (!kernel_sync.enabled || !kernel_sync.resync || what != SW_NL_DUMP_NEXTHOP)
		return;
	sw_lcp_objs_sweep();
}

static bool resync_sweep(void)
{
	struct sw_lcp *ks = &kernel_sync;

	if (!ks->enabled || !ks->resync)
		return true;
	switch (ks->stage) {
	case 0:
		sw_lcp_addrs_sweep();
		T->neighs_sweep(SW_ORIGIN_KNEIGH, sw_lcp_neigh_swept);
		if (T->routes_sweep_begin(LCP_KINDS) != 0)
			return true; /* out of memory (logged): the next resync sweeps */
		ks->stage = 1;
		return false;
	case 1:
		if (!T->routes_sweep_step(LCP_SWEEP_STEP, sw_lcp_route_swept))
			return false;
		ks->stage = ks->audit ? 2 : 3;
		ks->cursor = 0;
		return false;
	case 2:
		if (!T->audit_fib(&ks->cursor, LCP_AUDIT_STEP, &ks->rs_fib))
			return false;
		ks->stage = 3;
		return false;
	default:
		return true;
	}
}

static void resync_end(bool complete)
{
	struct sw_lcp *ks = &kernel_sync;
	const char *cause = sw_nl_resync_cause();

	if (!ks->enabled || !ks->resync || !complete)
		return;
	ks->resync = false;
	if (ks->audit) {
		ks->audits++;
		SW_LOG(INFO,
		       "kernel sync: audit: %u entries checked, %u missing or different, %u "
		       "extra, %u refused, %u FIB entries rewritten",
		       ks->rs_checked, ks->rs_added, ks->rs_removed, ks->rs_refused, ks->rs_fib);
		sw_lcp_emit_summary(SW_SYNC_WHAT_AUDIT, ks->rs_added + ks->rs_fib, ks->rs_removed,
				    ks->rs_refused, ks->rs_checked, cause);
		return;
	}
	ks->resyncs++;
	SW_LOG(INFO, "kernel sync: resync (%s) done: %u checked, %u added, %u removed, %u refused",
	       cause, ks->rs_checked, ks->rs_added, ks->rs_removed, ks->rs_refused);
	sw_lcp_emit_summary(SW_SYNC_WHAT_RESYNC, ks->rs_added, ks->rs_removed, ks->rs_refused,
			    ks->rs_checked, cause);
}

static void batch_end(uint64_t now_ns)
{
	if (T != NULL)
		sw_lcp_tick(now_ns);
}

static const struct sw_nl_consumer router = {
	.name = "kernel sync",
	.link = on_link,
	.addr = sw_lcp_on_addr,
	.neigh = sw_lcp_on_neigh,
	.nexthop = sw_lcp_on_nexthop,
	.route = sw_lcp_on_route,
	.wants_dump = wants_dump,
	.resync_begin = resync_begin,
	.dump_done = dump_done,
	.resync_sweep = resync_sweep,
	.resync_end = resync_end,
	.batch_end = batch_end,
};
SW_NL_REGISTER(router)

/* --- on and off --- */

void sw_lcp_bind(const struct sw_lcp_tables *t)
{
	kernel_sync.t = t;
}

void sw_lcp_start(void)
{
	struct sw_lcp *ks = &kernel_sync;

	if (ks->enabled)
		return;
	ks->enabled = true;
	ks->removing = false;
	ks->resync = false;
	ks->nh_expanded = true;
	ks->refused = ks->resyncs = ks->audits = 0;
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		ks->vif_up[p] = true;
}

void sw_lcp_stop(void)
{
	struct sw_lcp *ks = &kernel_sync;

	ks->enabled = false;
	ks->resync = false;
	ks->audit = ks->audit_pending = false;
	T->mark(); /* everything sync installed is stale now */
	T->neighs_sweep(SW_ORIGIN_KNEIGH, NULL);
	sw_lcp_addrs_clear();
	sw_lcp_objs_clear();
	ks->removing = T->routes_sweep_begin(LCP_KINDS) == 0;
}

bool sw_lcp_stop_step(void)
{
	if (!kernel_sync.removing)
		return true;
	if (!T->routes_sweep_step(LCP_SWEEP_STEP, NULL))
		return false;
	kernel_sync.removing = false;
	return true;
}

void sw_lcp_audit(void)
{
	kernel_sync.audit_pending = true;
	sw_nl_resync(SW_LCP_AUDIT_CAUSE);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync's machinery around the handlers of lcp_router.c and
 * lcp_addr.c: the rtnetlink consumer that calls them, the events it sends
 * (one per entry, bounded per window and per resync, the rest counted in
 * a summary), links going down and up, and the resync: it starts a new
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

#define LCP_RESYNC_EVENTS 256u /* per-entry events per resync; the rest counted */
#define LCP_WINDOW_NS	  (100ull * 1000 * 1000)
#define LCP_WINDOW_EVENTS 64u	/* per-entry events per window; the rest counted */
#define LCP_SWEEP_STEP	  1024u /* prefixes per sweep step */
#define LCP_AUDIT_STEP	  4096u /* FIB entries per audit step */
#define LCP_KINDS	  ((1u << SW_ORIGIN_KROUTE) | (1u << SW_ORIGIN_KADDR))

struct sw_lcp kernel_sync = { .nh_expanded = true };

/* --- events --- */

static bool windowed(const struct sw_evt_sync *ev)
{
	if (kernel_sync.resync) {
		/* a resync of a big table would flood the event log: its summary counts */
		return ++kernel_sync.rs_events > LCP_RESYNC_EVENTS;
	}
	if (kernel_sync.win_events < LCP_WINDOW_EVENTS) {
		kernel_sync.win_events++;
		return false;
	}
	kernel_sync.win_added += ev->action == SW_SYNC_ACT_ADDED;
	kernel_sync.win_removed += ev->action == SW_SYNC_ACT_REMOVED;
	kernel_sync.win_refused += ev->action == SW_SYNC_ACT_REFUSED;
	return true;
}

void sw_lcp_emit(struct sw_evt_sync *ev, const char *reason)
{
	static const char *const what[] = { "", "neighbour", "route", "address" };
	char ip[64];

	snprintf(ev->reason, sizeof(ev->reason), "%s", reason ? reason : "");
	if (ev->action == SW_SYNC_ACT_REFUSED)
		kernel_sync.refused++;
	if (kernel_sync.resync) {
		kernel_sync.rs_added += ev->action == SW_SYNC_ACT_ADDED;
		kernel_sync.rs_removed += ev->action == SW_SYNC_ACT_REMOVED;
		kernel_sync.rs_refused += ev->action == SW_SYNC_ACT_REFUSED;
	}
	if (ev->action == SW_SYNC_ACT_REFUSED && rte_log_can_log(sw_logtype, RTE_LOG_INFO))
		SW_LOG(INFO, "kernel sync: %s %s/%u port %u refused: %s", what[ev->what],
		       sw_fmt_ip(ev->family, ev->ip, ip, sizeof(ip)), ev->prefix_len, ev->port,
		       ev->reason);
	if (windowed(ev))
		return;
	T->event(ev);
}

/* A summary event (resync, audit, burst). */
static void emit_summary(uint8_t what, uint32_t added, uint32_t removed, uint32_t refused,
			 uint32_t checked, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = what,
		.action = SW_SYNC_ACT_DONE,
		.port = SW_PORT_NONE,
		.added = added,
		.removed = removed,
		.refused = refused,
		.checked = checked,
	};

	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	T->event(&ev);
}

void sw_lcp_tick(uint64_t now_ns)
{
	struct sw_lcp *ks = &kernel_sync;

	if (now_ns - ks->win_start < LCP_WINDOW_NS)
		return;
	if (ks->win_added + ks->win_removed + ks->win_refused > 0 && T != NULL)
		emit_summary(SW_SYNC_WHAT_BURST, ks->win_added, ks->win_removed, ks->win_refused, 0,
			     "more changes than are reported one by one");
	ks->win_start = now_ns;
	ks->win_events = ks->win_added = ks->win_removed = ks->win_refused = 0;
}

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
	/* links are not dumped: a vEth is taken as up, so that its going down
	 * (which the dumps would not show) is never missed */
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		ks->vif_up[p] = true;
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
		emit_summary(SW_SYNC_WHAT_AUDIT, ks->rs_added + ks->rs_fib, ks->rs_removed,
			     ks->rs_refused, ks->rs_checked, cause);
		return;
	}
	ks->resyncs++;
	SW_LOG(INFO, "kernel sync: resync (%s) done: %u checked, %u added, %u removed, %u refused",
	       cause, ks->rs_checked, ks->rs_added, ks->rs_removed, ks->rs_refused);
	emit_summary(SW_SYNC_WHAT_RESYNC, ks->rs_added, ks->rs_removed, ks->rs_refused,
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

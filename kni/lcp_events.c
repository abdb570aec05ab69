/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync's state and the events it sends: one per entry, bounded per
 * window and per resync, the rest counted in a summary (burst, resync,
 * audit). The other parts of the router (lcp_router.c, lcp_addr.c,
 * lcp_resync.c) report through here. Main lcore only; no DPDK.
 */
#include <stdio.h>

#include "core/log.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/lcp_router.h"

#define LCP_RESYNC_EVENTS 256u /* per-entry events per resync; the rest counted */
#define LCP_WINDOW_NS	  (100ull * 1000 * 1000)
#define LCP_WINDOW_EVENTS 64u /* per-entry events per window; the rest counted */

struct sw_lcp kernel_sync = { .nh_expanded = true };

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
void sw_lcp_emit_summary(uint8_t what, uint32_t added, uint32_t removed, uint32_t refused,
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
		sw_lcp_emit_summary(SW_SYNC_WHAT_BURST, ks->win_added, ks->win_removed,
				    ks->win_refused, 0,
				    "more changes than are reported one by one");
	ks->win_start = now_ns;
	ks->win_events = ks->win_added = ks->win_removed = ks->win_refused = 0;
}

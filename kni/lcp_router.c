/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync, the router part (as VPP's lcp_router): the rtnetlink reader
 * (kni/nl.c) hands parsed messages here, and this turns
 * them into l3 calls with an origin: an address on vEthN becomes a local
 * route and the connected prefix through port N (origin "kernel address"),
 * a neighbour the kernel resolved becomes a neighbour (origin "kernel
 * neighbour"), a main-table route through vEths becomes a route (origin
 * "kernel route", with its metric). The l3 tables keep the origin with each
 * entry: what the API set is never replaced or removed by sync (kni/kernel_sync.c:
 * turning it on and off, resync by mark and sweep). Main lcore only.
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>

#include "core/event.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/nl.h"
#include "kni/vif.h"
#include "l3/route.h"
#include "port/port.h"

#define LCP_RESYNC_EVENTS 256u /* per-entry 'added' events per resync; the rest counted */
#define LCP_MAX_ADDRS	  4096u

struct sw_lcp kernel_sync;

/* --- events --- */

void sw_lcp_emit(struct sw_evt_sync *ev, const char *reason)
{
	char ip[64];
	static const char *const what[] = { "", "neighbour", "route", "address", "resync" };
	static const char *const act[] = { "", "added", "removed", "refused", "done" };

	snprintf(ev->reason, sizeof(ev->reason), "%s", reason ? reason : "");
	if (ev->action == SW_SYNC_ACT_REFUSED) {
		kernel_sync.refused++;
		if (kernel_sync.resync)
			kernel_sync.rs_refused++;
		SW_LOG(INFO, "kernel sync: %s %s/%u port %u refused: %s", what[ev->what],
		       sw_fmt_ip(ev->family, ev->ip, ip, sizeof(ip)), ev->prefix_len, ev->port,
		       reason);
	} else if (ev->what != SW_SYNC_WHAT_RESYNC) {
		SW_LOG(DEBUG, "kernel sync: %s %s/%u port %u %s", what[ev->what],
		       sw_fmt_ip(ev->family, ev->ip, ip, sizeof(ip)), ev->prefix_len, ev->port,
		       act[ev->action]);
	}
	if (kernel_sync.resync && ev->what != SW_SYNC_WHAT_RESYNC) {
		if (ev->action == SW_SYNC_ACT_ADDED)
			kernel_sync.rs_added++;
		else if (ev->action == SW_SYNC_ACT_REMOVED)
			kernel_sync.rs_removed++;
		/* a resync of a big table would flood the event ring: its summary counts them */
		if (ev->action == SW_SYNC_ACT_ADDED && ++kernel_sync.rs_events > LCP_RESYNC_EVENTS)
			return;
	}
	sw_event_push(SW_EVT_SYNC, ev);
}

static void emit_route(const struct sw_l3_route *r, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_ROUTE,
		.action = action,
		.family = r->family,
		.prefix_len = r->len,
		.port = SW_PORT_NONE,
		.route_type = r->type,
		.n_nh = r->n_nh,
	};

	memcpy(ev.ip, r->prefix, 16);
	if (r->n_nh > 0) {
		ev.port = r->nh[0].port;
		memcpy(ev.gw, r->nh[0].gw, 16);
	}
	sw_lcp_emit(&ev, reason);
}

static void emit_neigh(const struct sw_l3_neigh *n, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_NEIGH,
		.action = action,
		.family = n->family,
		.prefix_len = n->family == SW_AF_INET ? 32 : 128,
		.port = n->port,
	};

	memcpy(ev.ip, n->ip, 16);
	memcpy(ev.mac, n->mac, 6);
	sw_lcp_emit(&ev, reason);
}

static void emit_addr(const struct akey *a, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_ADDR,
		.action = action,
		.family = a->family,
		.prefix_len = a->len,
		.port = a->port,
	};

	memcpy(ev.ip, a->ip, 16);
	sw_lcp_emit(&ev, reason);
}

SW_EVENT_COPY(SW_EVT_SYNC, sw_evt_sync)

/* --- routes --- */

static int nh_cmp(const void *a, const void *b)
{
	const struct sw_l3_nh *x = a, *y = b;

	if (x->port != y->port)
		return (int)x->port - (int)y->port;
	return memcmp(x->gw, y->gw, 16);
}

static bool same_route(const struct sw_l3_route *a, const struct sw_l3_route *b)
{
	struct sw_l3_nh x[SW_ECMP_MAX], y[SW_ECMP_MAX];

	if (a->type != b->type || a->n_nh != b->n_nh)
		return false;
	memcpy(x, a->nh, a->n_nh * sizeof(x[0]));
	memcpy(y, b->nh, b->n_nh * sizeof(y[0]));
	qsort(x, a->n_nh, sizeof(x[0]), nh_cmp);
	qsort(y, b->n_nh, sizeof(y[0]), nh_cmp);
	return memcmp(x, y, a->n_nh * sizeof(x[0])) == 0;
}

/* Install r with origin (and metric) unless the API owns its prefix. */
static void route_install(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric)
{
	struct sw_l3_route cur;
	enum sw_origin cur_origin;
	struct sw_err e;
	bool fresh = sw_route_get(r, &cur, &cur_origin, NULL) != 0 || cur_origin != origin ||
		     !same_route(r, &cur);
	int ret = sw_route_add(r, origin, metric, &e);

	if (ret == -EPERM) {
		if (!same_route(r, &cur)) /* the API has the very same route: nothing to say */
			emit_route(r, SW_SYNC_ACT_REFUSED, "set through the API");
	} else if (ret < 0) {
		emit_route(r, SW_SYNC_ACT_REFUSED, e.msg);
	} else if (ret == 0 && fresh && origin == SW_ORIGIN_KROUTE) {
		emit_route(r, SW_SYNC_ACT_ADDED, "");
	}
}

/* Remove what sync installed for r's prefix with that origin (and metric). */
static void route_uninstall(const struct sw_l3_route *r, enum sw_origin origin,
			    const uint32_t *metric)
{
	struct sw_l3_route cur;

	if (sw_route_get(r, &cur, NULL, NULL) != 0)
		return;
	if (sw_route_del(r, origin, metric, NULL) == 0 && origin == SW_ORIGIN_KROUTE)
		emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
}

void sw_lcp_route_removed(const struct sw_l3_route *r)
{
	emit_route(r, SW_SYNC_ACT_REMOVED, "");
}

/* --- neighbours --- */

static void neigh_install(const struct sw_l3_neigh *n)
{
	uint8_t cur[6];
	enum sw_origin origin;
	struct sw_err e;
	bool fresh = sw_neigh_get(n, cur, &origin) != 0 || origin != SW_ORIGIN_KNEIGH ||
		     memcmp(cur, n->mac, 6) != 0;
	int ret = sw_neigh_add(n, SW_ORIGIN_KNEIGH, &e);

	if (ret == -EPERM)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, "set through the API with another MAC");
	else if (ret < 0)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, e.msg);
	else if (ret == 0 && fresh)
		emit_neigh(n, SW_SYNC_ACT_ADDED, "");
}

void sw_lcp_neigh_removed(const struct sw_l3_neigh *n)
{
	emit_neigh(n, SW_SYNC_ACT_REMOVED, "");
}

/* --- addresses: a local host route and the connected prefix --- */

static void addr_routes(const struct akey *a, struct sw_l3_route *local, struct sw_l3_route *conn)
{
	unsigned int bits = sw_af_bytes(a->family) * 8;

	memset(local, 0, sizeof(*local));
	local->family = a->family;
	local->len = bits;
	local->type = SW_ROUTE_LOCAL;
	memcpy(local->prefix, a->ip, 16);
	memset(conn, 0, sizeof(*conn));
	conn->family = a->family;
	conn->len = a->len;
	conn->type = SW_ROUTE_FORWARD;
	conn->n_nh = 1;
	conn->nh[0].port = a->port; /* gateway zero: directly connected */
	memcpy(conn->prefix, a->ip, 16);
	sw_mask_prefix(conn->prefix, a->len, bits);
}

static void addr_install(const struct akey *a)
{
	struct sw_l3_route local, conn;
	int32_t pos = rte_hash_lookup(kernel_sync.ad, a);
	bool fresh = pos < 0;

	if (fresh && (pos = rte_hash_add_key(kernel_sync.ad, a)) < 0) {
		emit_addr(a, SW_SYNC_ACT_REFUSED, "kernel sync's address record is full");
		return;
	}
	kernel_sync.ad_seen[pos] = 1;
	addr_routes(a, &local, &conn);
	route_install(&local, SW_ORIGIN_KADDR, 0);
	if (a->len < local.len)
		route_install(&conn, SW_ORIGIN_KADDR, 0);
	if (fresh)
		emit_addr(a, SW_SYNC_ACT_ADDED, "");
}

/* Does another address recorded still want this local or connected route? */
static bool addr_shared(const struct akey *a, bool local)
{
	unsigned int bits = sw_af_bytes(a->family) * 8;
	uint8_t mine[16], theirs[16];
	const void *key;
	void *data;
	uint32_t next = 0;

	memcpy(mine, a->ip, 16);
	sw_mask_prefix(mine, local ? bits : a->len, bits);
	while (rte_hash_iterate(kernel_sync.ad, &key, &data, &next) >= 0) {
		const struct akey *o = key;

		if (memcmp(o, a, sizeof(*a)) == 0 || o->family != a->family ||
		    (!local && o->len != a->len))
			continue;
		memcpy(theirs, o->ip, 16);
		sw_mask_prefix(theirs, local ? bits : o->len, bits);
		if (memcmp(mine, theirs, 16) == 0)
			return true;
	}
	return false;
}

void sw_lcp_addr_uninstall(const struct akey *a)
{
	struct sw_l3_route local, conn;

	if (rte_hash_lookup(kernel_sync.ad, a) < 0)
		return;
	addr_routes(a, &local, &conn);
	if (!addr_shared(a, true))
		route_uninstall(&local, SW_ORIGIN_KADDR, NULL);
	if (a->len < local.len && !addr_shared(a, false))
		route_uninstall(&conn, SW_ORIGIN_KADDR, NULL);
	rte_hash_del_key(kernel_sync.ad, a);
	emit_addr(a, SW_SYNC_ACT_REMOVED, "");
}

/* --- from the rtnetlink reader --- */

static void on_addr(const struct sw_nl_addr *m)
{
	struct akey a = { .family = m->family, .len = m->len };
	int port = sw_vif_port(m->ifindex);

	if (!kernel_sync.enabled || port < 0)
		return;
	a.port = (uint16_t)port;
	memcpy(a.ip, m->ip, 16);
	if (a.family == SW_AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
		return; /* link-local: the fast path punts it anyway, and it is on every vEth */
	if (!m->del) {
		addr_install(&a);
		return;
	}
	sw_lcp_addr_uninstall(&a);
	if (a.family == SW_AF_INET)
		sw_nl_resync("address removed (the kernel drops its routes silently)");
}

static bool unicast_ip(uint8_t family, const uint8_t *ip)
{
	static const uint8_t zero[16];

	if (memcmp(ip, zero, sw_af_bytes(family)) == 0)
		return false;
	if (family == SW_AF_INET)
		return (ip[0] & 0xf0) != 0xe0 &&
		       !(ip[0] == 255 && ip[1] == 255 && ip[2] == 255 && ip[3] == 255);
	return ip[0] != 0xff;
}

static void on_neigh(const struct sw_nl_neigh *m)
{
	const uint16_t usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				NUD_NOARP;
	struct sw_l3_neigh n = { .family = m->family };
	int port = sw_vif_port(m->ifindex);
	struct rte_ether_addr mac;

	if (!kernel_sync.enabled || port < 0 || (m->flags & NTF_PROXY) ||
	    !unicast_ip(m->family, m->ip))
		return;
	n.port = (uint16_t)port;
	memcpy(n.ip, m->ip, 16);
	memcpy(n.mac, m->mac, 6);
	memcpy(mac.addr_bytes, m->mac, 6);
	if (!m->del && (m->state & usable) && m->has_mac &&
	    rte_is_valid_assigned_ether_addr(&mac)) {
		neigh_install(&n);
		return;
	}
	if (sw_neigh_del(&n, SW_ORIGIN_KNEIGH, NULL) == 0)
		emit_neigh(&n, SW_SYNC_ACT_REMOVED, "");
}

/* Next hops of a unicast route: 0; -1 with *why when it cannot be followed;
 * -2 when a next hop does not leave through a vEth (not ours to follow). */
static int route_nexthops(const struct sw_nl_route *m, struct sw_l3_route *r, const char **why)
{
	if (m->nhid != 0) {
		*why = "next-hop objects (ip nexthop) are not followed";
		return -1;
	}
	for (unsigned int i = 0; i < m->n_nh; i++) {
		int port = sw_vif_port(m->nh[i].ifindex);

		if (port < 0)
			return -2;
		if (m->nh[i].other_family_gw) {
			*why = "a gateway of another family (RTA_VIA)";
			return -1;
		}
		if (r->n_nh == SW_ECMP_MAX || m->too_many_nh) {
			*why = "more next hops than the fast path's ECMP maximum (8)";
			return -1;
		}
		r->nh[r->n_nh].port = (uint16_t)port;
		memcpy(r->nh[r->n_nh].gw, m->nh[i].gw, 16);
		r->n_nh++;
	}
	return r->n_nh > 0 ? 0 : -2;
}

/* An IPv6 route loses some of its next hops (the kernel notifies siblings
 * one by one): keep the others. Returns true when it did. */
static bool route_shrink(const struct sw_l3_route *del, uint32_t metric)
{
	struct sw_l3_route cur, left;
	enum sw_origin origin;
	uint32_t cur_metric;

	if (del->family != SW_AF_INET6 || del->n_nh == 0 ||
	    sw_route_get(del, &cur, &origin, &cur_metric) != 0 || origin != SW_ORIGIN_KROUTE ||
	    cur_metric != metric || cur.n_nh <= del->n_nh)
		return false;
	left = cur;
	left.n_nh = 0;
	for (unsigned int i = 0; i < cur.n_nh; i++) {
		bool gone = false;

		for (unsigned int j = 0; j < del->n_nh; j++)
			gone |= nh_cmp(&cur.nh[i], &del->nh[j]) == 0;
		if (!gone)
			left.nh[left.n_nh++] = cur.nh[i];
	}
	if (left.n_nh == 0 || left.n_nh + del->n_nh != cur.n_nh)
		return false;
	route_install(&left, SW_ORIGIN_KROUTE, metric);
	return true;
}

static void on_route(const struct sw_nl_route *m)
{
	struct sw_l3_route r = { .family = m->family, .len = m->len };
	const char *why = NULL;
	int nhs = 0;

	if (!kernel_sync.enabled || (m->flags & RTM_F_CLONED) || m->table != RT_TABLE_MAIN)
		return;
	memcpy(r.prefix, m->dst, 16);
	switch (m->type) {
	case RTN_UNICAST:
		if (m->protocol == RTPROT_KERNEL)
			return; /* connected routes: the addresses give them */
		r.type = SW_ROUTE_FORWARD;
		nhs = route_nexthops(m, &r, &why);
		break;
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		r.type = SW_ROUTE_DROP;
		break;
	default:
		return;
	}
	if (m->del) {
		if (!route_shrink(&r, m->metric))
			route_uninstall(&r, SW_ORIGIN_KROUTE, &m->metric);
		return;
	}
	if (nhs == 0) {
		route_install(&r, SW_ORIGIN_KROUTE, m->metric);
		return;
	}
	/* now a route sync cannot follow: what sync had for it goes */
	route_uninstall(&r, SW_ORIGIN_KROUTE, &m->metric);
	if (nhs == -1) {
		r.n_nh = 0;
		emit_route(&r, SW_SYNC_ACT_REFUSED, why);
	}
}

/* A vEth going down loses its IPv4 routes without notifications. */
static void on_link(const struct sw_nl_link *l)
{
	int port = sw_vif_port(l->ifindex);
	bool up = (l->flags & IFF_UP) != 0 && !l->del;

	if (port < 0)
		return;
	if (kernel_sync.enabled && kernel_sync.vif_up[port] && !up)
		sw_nl_resync("a vEth went down (the kernel drops its routes silently)");
	kernel_sync.vif_up[port] = up;
}

static const struct sw_nl_consumer router = {
	.name = "kernel sync",
	.link = on_link,
	.addr = on_addr,
	.neigh = on_neigh,
	.route = on_route,
	.wants_dump = sw_lcp_wants_dump,
	.resync_begin = sw_lcp_resync_begin,
	.resync_end = sw_lcp_resync_end,
};
SW_NL_REGISTER(router)

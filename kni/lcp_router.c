/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync, the router part (as VPP's lcp_router): the rtnetlink reader
 * (kni/nl.c) hands parsed messages here, and this turns them into table
 * calls with an origin (kni/lcp.h: the tables are an interface):
 *  - an address on vEthN: a local route and the connected prefix through
 *    port N (origin "kernel address");
 *  - a neighbour the kernel resolved on vEthN: a neighbour on port N
 *    (origin "kernel neighbour");
 *  - a main-table route whose next hops all leave through vEths: a route
 *    (origin "kernel route"), one candidate per metric as the kernel keeps
 *    them (the lowest metric is used, the next takes over when it goes);
 *    its next hops spelled out in the message, or a next-hop object (ip
 *    nexthop: followed here, RTM_NEWNEXTHOP) and its group's members;
 *    IPv6 next hops come and go one by one (ip -6 route append / del ...
 *    via), IPv4 ECMP is one route.
 * A resync starts a new epoch (the tables' and ours), re-installs what the
 * dumps show and sweeps, a bounded part per call, what was not seen. An
 * audit is a resync that also checks the FIB against the RIB and reports
 * its counts. Main lcore only; no DPDK.
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "kni/lcp.h"
#include "kni/nl.h"

#define LCP_MAX_ADDRS	  4096u
#define LCP_OBJ_SLOTS	  32768u /* next-hop objects: half of them at most */
#define LCP_RESYNC_EVENTS 256u	 /* per-entry events per resync; the rest counted */
#define LCP_WINDOW_NS	  (100ull * 1000 * 1000)
#define LCP_WINDOW_EVENTS 64u	/* per-entry events per window; the rest counted */
#define LCP_SWEEP_STEP	  1024u /* prefixes per sweep step */
#define LCP_AUDIT_STEP	  4096u /* FIB entries per audit step */
#define LCP_KINDS	  ((1u << SW_ORIGIN_KROUTE) | (1u << SW_ORIGIN_KADDR))

struct sw_lcp kernel_sync = { .nh_expanded = true };
#define T (kernel_sync.t)

struct akey {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t len;
};

static struct {
	struct akey k;
	uint8_t epoch;
	bool used;
} addrs[LCP_MAX_ADDRS];
static unsigned int addrs_top; /* slots used so far: [0, addrs_top) */

struct nh_obj {
	bool used;
	uint8_t epoch;
	struct sw_nl_nexthop o;
};
static struct nh_obj objs[LCP_OBJ_SLOTS];
static uint32_t n_objs;
/* IPv4 routes appended behind another of the same prefix and metric (not
 * followed: the kernel uses the first) since the last resync */
static uint32_t v4_appended;

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

static void emit(struct sw_evt_sync *ev, const char *reason)
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
	emit(&ev, reason);
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
	emit(&ev, reason);
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
	emit(&ev, reason);
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

/* --- routes --- */

static int nh_cmp(const void *a, const void *b)
{
	const struct sw_l3_nh *x = a, *y = b;

	if (x->port != y->port)
		return (int)x->port - (int)y->port;
	return memcmp(x->gw, y->gw, 16);
}

static bool has_nh(const struct sw_l3_route *r, const struct sw_l3_nh *h)
{
	for (unsigned int i = 0; i < r->n_nh; i++)
		if (nh_cmp(&r->nh[i], h) == 0)
			return true;
	return false;
}

static bool same_nhs(const struct sw_l3_route *a, const struct sw_l3_route *b)
{
	if (a->type != b->type || a->n_nh != b->n_nh)
		return false;
	for (unsigned int i = 0; i < a->n_nh; i++)
		if (!has_nh(b, &a->nh[i]))
			return false;
	return true;
}

static void checked(void)
{
	if (kernel_sync.resync)
		kernel_sync.rs_checked++;
}

/* r as a candidate of origin (and metric); says what came of it. */
static void route_install(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric)
{
	struct sw_l3_route cur;
	enum sw_origin active;
	struct sw_err e;
	int ret = T->route_add(r, origin, metric, &e);

	checked();
	if (ret < 0) {
		emit_route(r, SW_SYNC_ACT_REFUSED, e.msg);
	} else if (origin != SW_ORIGIN_KROUTE) {
		return;
	} else if (ret == SW_RT_ACTIVE) {
		emit_route(r, SW_SYNC_ACT_ADDED, "");
	} else if (ret == SW_RT_BEHIND && T->route_get(r, &cur, &active, NULL) == 0 &&
		   active == SW_ORIGIN_API && !same_nhs(r, &cur)) {
		/* kept behind it: it takes over when the API's goes */
		emit_route(r, SW_SYNC_ACT_REFUSED, "set through the API");
	}
}

/* The candidate of origin (and metric) of r's prefix goes. */
static void route_uninstall(const struct sw_l3_route *r, enum sw_origin origin,
			    const uint32_t *metric)
{
	struct sw_l3_route cur;

	if (origin == SW_ORIGIN_KROUTE &&
	    T->route_get_cand(r, origin, metric ? *metric : 0, &cur) != 0)
		return;
	if (T->route_del(r, origin, metric, NULL) == 0 && origin == SW_ORIGIN_KROUTE)
		emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
}

static void route_swept(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric)
{
	if (origin == SW_ORIGIN_KROUTE)
		emit_route(r, SW_SYNC_ACT_REMOVED, "");
}

/* --- neighbours --- */

static void neigh_install(const struct sw_l3_neigh *n)
{
	struct sw_err e;
	int ret = T->neigh_add(n, SW_ORIGIN_KNEIGH, &e);

	checked();
	if (ret == SW_RT_BEHIND)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, "set through the API with another MAC");
	else if (ret < 0)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, e.msg);
	else if (ret == SW_RT_ACTIVE)
		emit_neigh(n, SW_SYNC_ACT_ADDED, "");
}

static void neigh_swept(const struct sw_l3_neigh *n)
{
	emit_neigh(n, SW_SYNC_ACT_REMOVED, "");
}

/* --- addresses: a local host route and the connected prefix --- */

static int addr_find(const struct akey *a)
{
	for (unsigned int i = 0; i < addrs_top; i++)
		if (addrs[i].used && memcmp(&addrs[i].k, a, sizeof(*a)) == 0)
			return (int)i;
	return -1;
}

static int addr_new(const struct akey *a)
{
	unsigned int i;

	for (i = 0; i < addrs_top && addrs[i].used; i++)
		;
	if (i == LCP_MAX_ADDRS)
		return -1;
	if (i == addrs_top)
		addrs_top++;
	addrs[i].used = true;
	addrs[i].k = *a;
	return (int)i;
}

uint32_t sw_lcp_addresses(void)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < addrs_top; i++)
		n += addrs[i].used;
	return n;
}

/* The kernel's connected route of an address has metric 0 in IPv4, 256 in
 * IPv6; its local route 0 (l3/route.h: how candidates compare). */
static uint32_t conn_metric(uint8_t family)
{
	return family == SW_AF_INET6 ? 256 : 0;
}

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
	int pos = addr_find(a);
	bool fresh = pos < 0;

	checked();
	if (fresh && (pos = addr_new(a)) < 0) {
		emit_addr(a, SW_SYNC_ACT_REFUSED, "kernel sync's address record is full");
		return;
	}
	addrs[pos].epoch = kernel_sync.epoch;
	addr_routes(a, &local, &conn);
	route_install(&local, SW_ORIGIN_KADDR, 0);
	if (a->len < local.len)
		route_install(&conn, SW_ORIGIN_KADDR, conn_metric(a->family));
	if (fresh)
		emit_addr(a, SW_SYNC_ACT_ADDED, "");
}

/* Does another address recorded still want this local or connected route? */
static bool addr_shared(const struct akey *a, bool local)
{
	unsigned int bits = sw_af_bytes(a->family) * 8;
	uint8_t mine[16], theirs[16];

	memcpy(mine, a->ip, 16);
	sw_mask_prefix(mine, local ? bits : a->len, bits);
	for (unsigned int i = 0; i < addrs_top; i++) {
		const struct akey *o = &addrs[i].k;

		if (!addrs[i].used || memcmp(o, a, sizeof(*a)) == 0 || o->family != a->family ||
		    (!local && (o->len != a->len || o->port != a->port)))
			continue;
		memcpy(theirs, o->ip, 16);
		sw_mask_prefix(theirs, local ? bits : o->len, bits);
		if (memcmp(mine, theirs, 16) == 0)
			return true;
	}
	return false;
}

static void addr_uninstall(int pos)
{
	struct akey a = addrs[pos].k;
	struct sw_l3_route local, conn;

	addr_routes(&a, &local, &conn);
	if (!addr_shared(&a, true))
		route_uninstall(&local, SW_ORIGIN_KADDR, NULL);
	if (a.len < local.len && !addr_shared(&a, false))
		route_uninstall(&conn, SW_ORIGIN_KADDR, NULL);
	addrs[pos].used = false;
	while (addrs_top > 0 && !addrs[addrs_top - 1].used)
		addrs_top--;
	emit_addr(&a, SW_SYNC_ACT_REMOVED, "");
}

/* --- next-hop objects (ip nexthop) --- */

static uint32_t obj_home(uint32_t id)
{
	return (id * 2654435761u) & (LCP_OBJ_SLOTS - 1);
}

static struct nh_obj *obj_find(uint32_t id)
{
	for (uint32_t i = obj_home(id), n = 0; n < LCP_OBJ_SLOTS;
	     i = (i + 1) & (LCP_OBJ_SLOTS - 1), n++) {
		if (!objs[i].used)
			return NULL;
		if (objs[i].o.id == id)
			return &objs[i];
	}
	return NULL;
}

static struct nh_obj *obj_new(uint32_t id)
{
	uint32_t i = obj_home(id);

	if (n_objs >= LCP_OBJ_SLOTS / 2)
		return NULL;
	while (objs[i].used)
		i = (i + 1) & (LCP_OBJ_SLOTS - 1);
	objs[i].used = true;
	objs[i].o.id = id;
	n_objs++;
	return &objs[i];
}

/* Linear probing without tombstones: the entries after a hole move back. */
static void obj_free(struct nh_obj *o)
{
	uint32_t i = (uint32_t)(o - objs), j = i;

	for (;;) {
		j = (j + 1) & (LCP_OBJ_SLOTS - 1);
		if (!objs[j].used)
			break;
		uint32_t h = obj_home(objs[j].o.id);
		/* j's entry may fill the hole at i unless its home lies in (i, j] */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);

		if (!stays) {
			objs[i] = objs[j];
			i = j;
		}
	}
	objs[i].used = false;
	n_objs--;
}

uint32_t sw_lcp_objects(void)
{
	return n_objs;
}

static void objs_clear(void)
{
	memset(objs, 0, sizeof(objs));
	n_objs = 0;
}

static bool same_obj(const struct sw_nl_nexthop *a, const struct sw_nl_nexthop *b)
{
	return a->family == b->family && a->ifindex == b->ifindex && a->has_gw == b->has_gw &&
	       a->blackhole == b->blackhole && a->fdb == b->fdb && a->n_grp == b->n_grp &&
	       a->too_many == b->too_many && memcmp(a->gw, b->gw, 16) == 0 &&
	       memcmp(a->grp, b->grp, a->n_grp * sizeof(a->grp[0])) == 0;
}

static void on_nexthop(const struct sw_nl_nexthop *m)
{
	struct nh_obj *o;
	bool changed;

	if (!kernel_sync.enabled)
		return;
	o = obj_find(m->id);
	if (m->del) {
		if (o == NULL)
			return;
		obj_free(o);
		changed = true;
	} else {
		changed = o != NULL && !same_obj(&o->o, m);
		if (o == NULL && (o = obj_new(m->id)) == NULL) {
			SW_LOG(WARNING, "kernel sync: next-hop object %u not followed: %u already",
			       m->id, LCP_OBJ_SLOTS / 2);
			return;
		}
		o->o = *m;
		o->epoch = kernel_sync.epoch;
	}
	/* without the kernel's expansion in route messages (nexthop_compat_mode
	 * 0), a change of an object reaches no route message: dump them again */
	if (changed && !kernel_sync.nh_expanded && !kernel_sync.resync)
		sw_nl_resync("a next-hop object changed (routes use it)");
}

/* One next hop of object o, for a route of family. */
static bool obj_nh(const struct sw_nl_nexthop *o, uint8_t family, struct sw_nl_nh *h)
{
	if (o->n_grp > 0 || o->blackhole || o->fdb)
		return false;
	memset(h, 0, sizeof(*h));
	h->ifindex = o->ifindex;
	h->has_gw = o->has_gw;
	h->other_family_gw = o->has_gw && o->family != family;
	memcpy(h->gw, o->gw, 16);
	return true;
}

/* The next hops of object id: 0 (*n of them; *blackhole), -1 with *why. */
static int obj_expand(uint32_t id, uint8_t family, struct sw_nl_nh *nh, unsigned int *n,
		      bool *blackhole, const char **why)
{
	const struct nh_obj *o = obj_find(id);

	*n = 0;
	*blackhole = false;
	if (o == NULL) {
		*why = "its next-hop object is not known";
		return -1;
	}
	if (o->o.blackhole) {
		*blackhole = true;
		return 0;
	}
	if (o->o.too_many) {
		*why = "more next hops than the fast path's ECMP maximum (8)";
		return -1;
	}
	if (o->o.n_grp == 0) {
		if (!obj_nh(&o->o, family, &nh[0])) {
			*why = "a next-hop object that is not for routes";
			return -1;
		}
		*n = 1;
		return 0;
	}
	for (unsigned int i = 0; i < o->o.n_grp; i++) {
		const struct nh_obj *m = obj_find(o->o.grp[i]);

		if (m == NULL || !obj_nh(&m->o, family, &nh[*n])) {
			*why = "a member of its next-hop group is not known or not a next hop";
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* Next hops of a unicast route into r: 0; -1 with *why when it cannot be
 * followed; -2 when a next hop does not leave through a vEth (not ours to
 * follow); -3 when every next hop is dead (the kernel does not use it). */
static int route_nexthops(const struct sw_nl_route *m, struct sw_l3_route *r, const char **why)
{
	const struct sw_nl_nh *nh = m->nh;
	struct sw_nl_nh exp[SW_NL_MAX_NH];
	unsigned int n = m->n_nh, dead = 0;
	bool too_many = m->too_many_nh, blackhole;

	if (m->nhid != 0) {
		if (m->n_nh == 0)
			kernel_sync.nh_expanded = false;
		if (obj_expand(m->nhid, m->family, exp, &n, &blackhole, why) == 0) {
			if (blackhole) {
				r->type = SW_ROUTE_DROP;
				return 0;
			}
			nh = exp;
			too_many = false;
		} else if (m->n_nh > 0) {
			n = m->n_nh; /* the kernel's own expansion */
		} else {
			return -1;
		}
	}
	if (too_many) {
		*why = "more next hops than the fast path's ECMP maximum (8)";
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		int port = T->vif_port(nh[i].ifindex);

		if (port < 0)
			return -2;
		if (nh[i].other_family_gw) {
			*why = "a gateway of another family";
			return -1;
		}
		if (nh[i].dead) {
			dead++;
			continue;
		}
		if (r->n_nh == SW_ECMP_MAX) {
			*why = "more next hops than the fast path's ECMP maximum (8)";
			return -1;
		}
		r->nh[r->n_nh].port = (uint16_t)port;
		memcpy(r->nh[r->n_nh].gw, nh[i].gw, 16);
		r->n_nh++;
	}
	if (r->n_nh == 0)
		return dead > 0 ? -3 : -2;
	return 0;
}

/* ip -6 route append: the next hops join those of the route. */
static void route_union(struct sw_l3_route *r, uint32_t metric)
{
	struct sw_l3_route cur;

	if (T->route_get_cand(r, SW_ORIGIN_KROUTE, metric, &cur) != 0 || cur.type != r->type)
		return;
	for (unsigned int i = 0; i < cur.n_nh && r->n_nh < SW_ECMP_MAX; i++)
		if (!has_nh(r, &cur.nh[i]))
			r->nh[r->n_nh++] = cur.nh[i];
}

/* A route of the kernel went: r as the message has it (nhs: what
 * route_nexthops said of it). */
static void route_gone(const struct sw_nl_route *m, struct sw_l3_route *r, int nhs)
{
	struct sw_l3_route cur, left;

	if (T->route_get_cand(r, SW_ORIGIN_KROUTE, m->metric, &cur) != 0)
		return;
	if (r->type == SW_ROUTE_FORWARD && nhs == 0) {
		if (m->family == SW_AF_INET6 && cur.n_nh > r->n_nh) {
			/* IPv6 next hops go one by one: keep the others */
			left = cur;
			left.n_nh = 0;
			for (unsigned int i = 0; i < cur.n_nh; i++)
				if (!has_nh(r, &cur.nh[i]))
					left.nh[left.n_nh++] = cur.nh[i];
			if (left.n_nh > 0 && left.n_nh + r->n_nh == cur.n_nh) {
				route_install(&left, SW_ORIGIN_KROUTE, m->metric);
				return;
			}
		}
		if (m->family == SW_AF_INET && !same_nhs(r, &cur))
			return; /* another route of that prefix and metric (ip route append) */
	}
	if (T->route_del(r, SW_ORIGIN_KROUTE, &m->metric, NULL) == 0)
		emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
	if (m->family == SW_AF_INET && v4_appended > 0)
		sw_nl_resync("an IPv4 route appended behind the one removed may take over");
}

static void on_route(const struct sw_nl_route *m)
{
	struct sw_l3_route r = { .family = m->family, .len = m->len }, cur;
	const char *why = NULL;
	int nhs = 0;

	if (!kernel_sync.enabled || (m->flags & RTM_F_CLONED) || m->table != RT_TABLE_MAIN ||
	    m->tos != 0)
		return; /* TOS routes: the fast path does not route by TOS */
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
		route_gone(m, &r, nhs);
		return;
	}
	if (nhs == 0) {
		if (r.type == SW_ROUTE_FORWARD && m->append) {
			if (m->family == SW_AF_INET6) {
				route_union(&r, m->metric);
			} else if (T->route_get_cand(&r, SW_ORIGIN_KROUTE, m->metric, &cur) == 0 &&
				   !same_nhs(&r, &cur)) {
				checked();
				v4_appended++;
				return; /* a second IPv4 route of that prefix and metric: the
					 * kernel uses the first */
			}
		}
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

/* --- addresses, neighbours, links --- */

static void on_addr(const struct sw_nl_addr *m)
{
	struct akey a = { .family = m->family, .len = m->len };
	int port, pos;

	if (!kernel_sync.enabled || (port = T->vif_port(m->ifindex)) < 0)
		return;
	a.port = (uint16_t)port;
	memcpy(a.ip, m->ip, 16);
	if (a.family == SW_AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
		return; /* link-local: the fast path punts it anyway, and it is on every vEth */
	if (!m->del) {
		addr_install(&a);
		return;
	}
	if ((pos = addr_find(&a)) >= 0)
		addr_uninstall(pos);
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

static bool unicast_mac(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

static void on_neigh(const struct sw_nl_neigh *m)
{
	const uint16_t usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				NUD_NOARP;
	struct sw_l3_neigh n = { .family = m->family };
	int port;

	if (!kernel_sync.enabled || (port = T->vif_port(m->ifindex)) < 0 ||
	    (m->flags & NTF_PROXY) || !unicast_ip(m->family, m->ip))
		return;
	n.port = (uint16_t)port;
	memcpy(n.ip, m->ip, 16);
	memcpy(n.mac, m->mac, 6);
	if (!m->del && (m->state & usable) && m->has_mac && unicast_mac(m->mac)) {
		neigh_install(&n);
		return;
	}
	if (T->neigh_del(&n, SW_ORIGIN_KNEIGH, NULL) == 0)
		emit_neigh(&n, SW_SYNC_ACT_REMOVED, "");
}

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
	v4_appended = 0;
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
	for (uint32_t i = 0; i < LCP_OBJ_SLOTS; i++)
		while (objs[i].used && objs[i].epoch != kernel_sync.epoch)
			obj_free(&objs[i]); /* another entry may move into slot i */
}

static bool resync_sweep(void)
{
	struct sw_lcp *ks = &kernel_sync;

	if (!ks->enabled || !ks->resync)
		return true;
	switch (ks->stage) {
	case 0:
		for (unsigned int i = 0; i < addrs_top; i++)
			if (addrs[i].used && addrs[i].epoch != ks->epoch)
				addr_uninstall((int)i);
		T->neighs_sweep(SW_ORIGIN_KNEIGH, neigh_swept);
		if (T->routes_sweep_begin(LCP_KINDS) != 0)
			return true; /* out of memory (logged): the next resync sweeps */
		ks->stage = 1;
		return false;
	case 1:
		if (!T->routes_sweep_step(LCP_SWEEP_STEP, route_swept))
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
	.addr = on_addr,
	.neigh = on_neigh,
	.nexthop = on_nexthop,
	.route = on_route,
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
	memset(addrs, 0, sizeof(addrs));
	addrs_top = 0;
	objs_clear();
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

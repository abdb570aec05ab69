/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync, the router part (as VPP's lcp_router): the rtnetlink reader
 * (kni/nl.c) hands parsed messages to lcp_resync.c's consumer, and these
 * files turn them into table calls with an origin (kni/lcp.h: the tables
 * are an interface). This file, the routes: a main-table route whose next
 * hops all leave through vEths gives a route (origin "kernel route"), one
 * candidate per metric as the kernel keeps them (the lowest metric is
 * used, the next takes over when it goes); its next hops spelled out in
 * the message, or a next-hop object (ip nexthop: followed here,
 * RTM_NEWNEXTHOP) and its group's members; IPv6 next hops come and go one
 * by one (ip -6 route append / del ... via), IPv4 ECMP is one route.
 * Addresses and neighbours: lcp_addr.c. Main lcore only; no DPDK.
 */
#include <linux/rtnetlink.h>
#include <string.h>

#include "core/log.h"
#include "kni/lcp.h"
#include "kni/lcp_router.h"
#include "kni/nl.h"

#define LCP_OBJ_SLOTS 32768u /* next-hop objects: half of them at most */

struct nh_obj {
	bool used;
	uint8_t epoch;
	struct sw_nl_nexthop o;
};
static struct nh_obj objs[LCP_OBJ_SLOTS];
static uint32_t n_objs;
/* IPv4 routes appended behind another of the same prefix and metric (not
 * followed: the kernel uses the first) since the last resync */
uint32_t sw_lcp_v4_appended;

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

/* r as a candidate of origin (and metric); says what came of it. */
void sw_lcp_route_install(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric)
{
	struct sw_l3_route cur;
	enum sw_origin active;
	struct sw_err e;
	int ret = T->route_add(r, origin, metric, &e);

	sw_lcp_checked();
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
void sw_lcp_route_uninstall(const struct sw_l3_route *r, enum sw_origin origin,
			    const uint32_t *metric)
{
	struct sw_l3_route cur;

	if (origin == SW_ORIGIN_KROUTE &&
	    T->route_get_cand(r, origin, metric ? *metric : 0, &cur) != 0)
		return;
	if (T->route_del(r, origin, metric, NULL) == 0 && origin == SW_ORIGIN_KROUTE)
		emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
}

void sw_lcp_route_swept(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric)
{
	if (origin == SW_ORIGIN_KROUTE)
		emit_route(r, SW_SYNC_ACT_REMOVED, "");
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

void sw_lcp_objs_clear(void)
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

void sw_lcp_on_nexthop(const struct sw_nl_nexthop *m)
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
				sw_lcp_route_install(&left, SW_ORIGIN_KROUTE, m->metric);
				return;
			}
		}
		if (m->family == SW_AF_INET && !same_nhs(r, &cur))
			return; /* another route of that prefix and metric (ip route append) */
	}
	if (T->route_del(r, SW_ORIGIN_KROUTE, &m->metric, NULL) == 0)
		emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
	if (m->family == SW_AF_INET && sw_lcp_v4_appended > 0)
		sw_nl_resync("an IPv4 route appended behind the one removed may take over");
}

void sw_lcp_on_route(const struct sw_nl_route *m)
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
				sw_lcp_checked();
				sw_lcp_v4_appended++;
				return; /* a second IPv4 route of that prefix and metric: the
					 * kernel uses the first */
			}
		}
		sw_lcp_route_install(&r, SW_ORIGIN_KROUTE, m->metric);
		return;
	}
	/* now a route sync cannot follow: what sync had for it goes */
	sw_lcp_route_uninstall(&r, SW_ORIGIN_KROUTE, &m->metric);
	if (nhs == -1) {
		r.n_nh = 0;
		emit_route(&r, SW_SYNC_ACT_REFUSED, why);
	}
}

/* The objects not seen in this resync's dump go (before the routes are
 * dumped: a route resolves through the objects the kernel has now). */
void sw_lcp_objs_sweep(void)
{
	for (uint32_t i = 0; i < LCP_OBJ_SLOTS; i++)
		while (objs[i].used && objs[i].epoch != kernel_sync.epoch)
			obj_free(&objs[i]); /* another entry may move into slot i */
}

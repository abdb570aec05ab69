/* SPDX-License-Identifier: BSD-3-Clause */
/* Control operations on routes and neighbours: the ABI in, the l3 tables out. */
#include <string.h>

#include "core/api.h"
#include "core/fp.h"
#include "core/util.h"
#include "l3/nexthop.h"
#include "l3/route.h"

static void route_from_abi(const struct sw_route *a, struct sw_l3_route *r)
{
	memset(r, 0, sizeof(*r));
	r->family = a->family;
	r->len = a->prefix_len;
	r->type = a->type;
	r->n_nh = a->n_nh;
	memcpy(r->prefix, a->prefix, 16);
	for (unsigned int i = 0; i < SW_ECMP_MAX; i++) {
		r->nh[i].port = a->nh[i].port;
		memcpy(r->nh[i].gw, a->nh[i].gw, 16);
	}
}

static void route_to_abi(const struct sw_l3_route *r, struct sw_route *a)
{
	memset(a, 0, sizeof(*a));
	a->family = r->family;
	a->prefix_len = r->len;
	a->type = r->type;
	a->n_nh = r->n_nh;
	memcpy(a->prefix, r->prefix, 16);
	for (unsigned int i = 0; i < r->n_nh; i++) {
		a->nh[i].port = r->nh[i].port;
		memcpy(a->nh[i].gw, r->nh[i].gw, 16);
	}
}

static void neigh_from_abi(const struct sw_neigh *a, struct sw_l3_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->port = a->port;
	n->family = a->family;
	memcpy(n->ip, a->ip, 16);
	memcpy(n->mac, a->mac, 6);
}

static int route_add(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	struct sw_l3_route r;

	route_from_abi(req, &r);
	return sw_route_add(&r, SW_ORIGIN_API, 0, e) < 0 ? -1 : 0;
}

static int route_del(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	struct sw_l3_route r;

	route_from_abi(req, &r);
	return sw_route_del(&r, SW_ORIGIN_API, NULL, e) < 0 ? -1 : 0;
}

/* Entries of `entry` bytes that fit in one response, or as the request asked. */
static uint32_t list_max(const struct sw_list_req *q, size_t entry)
{
	uint32_t max = (SW_RESP_MAX - sizeof(struct sw_list_hdr)) / entry;

	return q->max != 0 && q->max < max ? q->max : max;
}

static int route_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		      struct sw_err *e)
{
	const struct sw_list_req *q = req;
	struct sw_list_hdr *lh = resp;
	struct sw_route *out = (void *)(lh + 1);
	uint32_t max = list_max(q, sizeof(*out)), cursor = q->cursor;
	struct sw_l3_route r;
	enum sw_origin origin;

	memset(lh, 0, sizeof(*lh));
	while (lh->count < max) {
		if (!sw_route_next(q->family, &cursor, &r, &origin)) {
			cursor = 0;
			break;
		}
		route_to_abi(&r, &out[lh->count]);
		out[lh->count++].origin = origin;
	}
	lh->next = cursor;
	*resp_len = sizeof(*lh) + lh->count * sizeof(*out);
	return 0;
}

/* The longest-prefix match and, for a forward route, the member the flow's
 * hash picks: the fast path's own hash (l3/l3.h) on the same words. */
static int route_get(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	const struct sw_route_lookup *q = req;
	struct sw_route_match *m = resp;
	struct sw_l3_route r;
	uint32_t gid;

	if (q->family != SW_AF_INET && q->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "route lookup: family must be 4 or 6, not %u",
			       q->family);
	memset(m, 0, sizeof(*m));
	m->out_port = SW_PORT_NONE;
	*resp_len = sizeof(*m);
	if (sw_route_lookup(q->family, q->dst, &r, &gid) != 0)
		return 0;
	m->found = 1;
	route_to_abi(&r, &m->route);
	if (r.type != SW_ROUTE_FORWARD)
		return 0;

	const struct sw_nh_group *g = sw_grp(gid);
	bool l4 = q->proto == 6 || q->proto == 17;
	uint16_t ports[2] = { __builtin_bswap16(q->sport), __builtin_bswap16(q->dport) };
	uint32_t l4w, h;

	memcpy(&l4w, ports, 4);
	if (q->family == SW_AF_INET) {
		uint32_t s, d;

		memcpy(&s, q->src, 4);
		memcpy(&d, q->dst, 4);
		h = sw_flow_hash4(s, d, q->proto, l4, l4w);
	} else {
		h = sw_flow_hash6(q->src, q->dst, q->proto, l4, l4w);
	}
	/* route_to_abi lists the next hops in group order, as the fast path indexes them */
	m->member = (uint8_t)sw_ecmp_member(g, h);
	const struct sw_nh_rec *n = sw_nh_rec(g->nh[m->member]);
	m->out_port = n->key.port;
	m->resolved = n->has_neigh;
	if (n->has_neigh)
		memcpy(m->mac, n->mac, 6);
	return 0;
}

static int neigh_add(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	struct sw_l3_neigh n;

	neigh_from_abi(req, &n);
	return sw_neigh_add(&n, SW_ORIGIN_API, e) < 0 ? -1 : 0;
}

static int neigh_del(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	struct sw_l3_neigh n;

	neigh_from_abi(req, &n);
	return sw_neigh_del(&n, SW_ORIGIN_API, e) < 0 ? -1 : 0;
}

static int neigh_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		      struct sw_err *e)
{
	const struct sw_list_req *q = req;
	struct sw_list_hdr *lh = resp;
	struct sw_neigh *out = (void *)(lh + 1);
	uint32_t max = list_max(q, sizeof(*out)), cursor = q->cursor;
	struct sw_l3_neigh n;
	enum sw_origin origin;

	memset(lh, 0, sizeof(*lh));
	while (lh->count < max) {
		if (!sw_neigh_next(q->family, &cursor, &n, &origin)) {
			cursor = 0;
			break;
		}
		struct sw_neigh *o = &out[lh->count++];
		memset(o, 0, sizeof(*o));
		o->port = n.port;
		o->family = n.family;
		o->origin = origin;
		memcpy(o->mac, n.mac, 6);
		memcpy(o->ip, n.ip, 16);
	}
	lh->next = cursor;
	*resp_len = sizeof(*lh) + lh->count * sizeof(*out);
	return 0;
}

static const struct sw_api_handler l3_handlers[] = {
	{ SW_OP_ROUTE_ADD, "ROUTE_ADD", SW_API_SIZE(struct sw_route), route_add, NULL },
	{ SW_OP_ROUTE_DEL, "ROUTE_DEL", SW_API_SIZE(struct sw_route), route_del, NULL },
	{ SW_OP_ROUTE_LIST, "ROUTE_LIST", SW_API_SIZE(struct sw_list_req), route_list,
	  SW_API_READ },
	{ SW_OP_ROUTE_GET, "ROUTE_GET", SW_API_SIZE(struct sw_route_lookup), route_get,
	  SW_API_READ },
	{ SW_OP_NEIGH_ADD, "NEIGH_ADD", SW_API_SIZE(struct sw_neigh), neigh_add, NULL },
	{ SW_OP_NEIGH_DEL, "NEIGH_DEL", SW_API_SIZE(struct sw_neigh), neigh_del, NULL },
	{ SW_OP_NEIGH_LIST, "NEIGH_LIST", SW_API_SIZE(struct sw_list_req), neigh_list,
	  SW_API_READ },
};
SW_API_REGISTER(l3_handlers)

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A route's next hops and its next-hop group (l3/nexthop.h): the group key
 * of a route to add, its next hops found or created; and the route that a
 * prefix of the RIB and its group make, for look-ups and walks.
 */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "l3/nexthop.h"
#include "l3/rib.h"
#include "l3/route.h"
#include "port/port.h"

void sw_rib_release_members(const struct sw_nh_group *g)
{
	for (unsigned int i = 0; i < g->n; i++)
		sw_nh_maybe_release(g->nh[i]);
}

/* The group key of r: its next hops found or created, sorted (one set,
 * one group, whatever the order). */
int sw_rib_group_of(const struct sw_l3_route *r, const char *name, struct sw_nh_group *g,
		    struct sw_err *e)
{
	memset(g, 0, sizeof(*g));
	g->type = r->type;
	switch (r->type) {
	case SW_ROUTE_LOCAL:
	case SW_ROUTE_DROP:
		if (r->n_nh == 0)
			return 0;
		if (e)
			sw_fail(e, SW_ST_INVALID, "route %s: %s routes take no next hop", name,
				r->type == SW_ROUTE_LOCAL ? "local" : "drop");
		return -EINVAL;
	case SW_ROUTE_FORWARD:
		break;
	default:
		if (e)
			sw_fail(e, SW_ST_INVALID, "route %s: unknown type %u", name, r->type);
		return -EINVAL;
	}
	if (r->n_nh < 1 || r->n_nh > SW_ECMP_MAX) {
		if (e)
			sw_fail(e, SW_ST_RANGE, "route %s: %u next hops, expected 1..%u", name,
				r->n_nh, SW_ECMP_MAX);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < r->n_nh; i++) {
		int ret = -ENODEV;

		if (!sw_port_exists(r->nh[i].port)) {
			if (e)
				sw_fail(e, SW_ST_NO_PORT,
					"route %s: next hop %u: port %u does not exist", name, i,
					r->nh[i].port);
		} else if ((ret = sw_nh_get(r->nh[i].port, r->family, r->nh[i].gw, &g->nh[i])) !=
			   0) {
			if (e)
				sw_fail(e, SW_ST_NO_SPACE, "route %s: next-hop table full (%u)",
					name, SW_MAX_NH);
		}
		if (ret != 0) {
			sw_rib_release_members(g);
			return ret;
		}
		g->n = i + 1;
	}
	for (unsigned int i = 1; i < g->n; i++)
		for (unsigned int j = i; j > 0 && g->nh[j - 1] > g->nh[j]; j--) {
			uint32_t t = g->nh[j];

			g->nh[j] = g->nh[j - 1];
			g->nh[j - 1] = t;
		}
	return 0;
}

void sw_rib_route_of(const struct rt_key *k, uint32_t gid, struct sw_l3_route *r)
{
	const struct sw_nh_group *g = sw_grp(gid);

	memset(r, 0, sizeof(*r));
	r->family = k->family;
	r->len = k->len;
	r->type = g->type;
	memcpy(r->prefix, k->ip, 16);
	r->n_nh = g->n;
	for (unsigned int i = 0; i < g->n; i++) {
		const struct sw_nh_rec *n = sw_nh_rec(g->nh[i]);

		r->nh[i].port = n->key.port;
		memcpy(r->nh[i].gw, n->key.ip, 16);
	}
}

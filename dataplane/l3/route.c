/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB: one rte_hash of (family, prefix, length) -> group id, origin,
 * metric and the resync mark, for replace, delete, walks and the API's
 * longest-prefix look-up. The FIBs (fib.c) hold what the fast path reads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>

#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/stats.h"
#include "core/util.h"
#include "l3/fib.h"
#include "l3/nexthop.h"
#include "l3/route.h"
#include "port/port.h"

struct rt_key {
	uint8_t ip[16];
	uint8_t len;
	uint8_t family;
	uint8_t pad[2];
};

/* RIB data: group id, origin, the resync mark, and the kernel metric. */
#define RD_GID(d)    ((uint32_t)((d)&0xfffffu))
#define RD_ORIGIN(d) ((enum sw_origin)(((d) >> 20) & 0xfu))
#define RD_STALE     (1ull << 24)
#define RD_METRIC(d) ((uint32_t)((d) >> 32))
#define RD(gid, origin, metric) \
	((uint64_t)(gid) | (uint64_t)(origin) << 20 | (uint64_t)(metric) << 32)

static struct {
	struct rte_hash *rib;
	uint32_t n[2];	    /* routes per family */
	uint32_t origin[8]; /* routes per origin */
} rib;

static void set_data(const struct rt_key *k, uint64_t old, bool had, uint64_t d)
{
	if (had)
		rib.origin[RD_ORIGIN(old)]--;
	rib.origin[RD_ORIGIN(d)]++;
	rte_hash_add_key_data(rib.rib, k, (void *)(uintptr_t)d);
}

uint32_t sw_routes_count_origin(enum sw_origin origin)
{
	return rib.origin[origin & 7];
}

int sw_routes_init(void)
{
	if (sw_fib_init() != 0 || sw_nexthop_init() != 0)
		return -1;
	rib.rib = sw_hash_create("sw_rib", sw.max_routes + SW_MAX_ROUTES6, sizeof(struct rt_key));
	if (rib.rib == NULL) {
		SW_LOG(ERR, "routes: cannot allocate the RIB for %u routes; more hugepages?",
		       sw.max_routes + SW_MAX_ROUTES6);
		return -1;
	}
	return 0;
}

void sw_routes_fini(void)
{
	rte_hash_free(rib.rib);
	memset(&rib, 0, sizeof(rib));
	sw_nexthop_fini();
	sw_fib_fini();
}

static const struct sw_module l3_module = {
	.name = "l3",
	.prio = SW_PRIO_TABLES,
	.init = sw_routes_init,
	.fini = sw_routes_fini,
};
SW_MODULE_REGISTER(l3_module)

uint32_t sw_routes_count(uint8_t family)
{
	return rib.n[family == SW_AF_INET6];
}

void sw_route_name(const struct sw_l3_route *r, char *buf, size_t len)
{
	char ip[64];

	snprintf(buf, len, "%s/%u", sw_fmt_ip(r->family, r->prefix, ip, sizeof(ip)), r->len);
}

static int rkey(const struct sw_l3_route *r, struct rt_key *k, const char *name, struct sw_err *e)
{
	unsigned int bits;

	if (r->family != SW_AF_INET && r->family != SW_AF_INET6) {
		if (e)
			sw_fail(e, SW_ST_INVALID, "route: family must be 4 or 6, not %u",
				r->family);
		return -EINVAL;
	}
	bits = sw_af_bytes(r->family) * 8;
	if (r->len > bits) {
		if (e)
			sw_fail(e, SW_ST_RANGE, "route %s: prefix length beyond %u", name, bits);
		return -EINVAL;
	}
	if (sw_host_bits_set(r->prefix, r->len, bits)) {
		if (e)
			sw_fail(e, SW_ST_INVALID, "route %s: host bits set in the prefix", name);
		return -EINVAL;
	}
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, r->prefix, sw_af_bytes(r->family));
	k->len = r->len;
	k->family = r->family;
	return 0;
}

static void release_members(const struct sw_nh_group *g)
{
	for (unsigned int i = 0; i < g->n; i++)
		sw_nh_maybe_release(g->nh[i]);
}

/* The group key of r: its next hops found or created, sorted (one set,
 * one group, whatever the order). */
static int group_of(const struct sw_l3_route *r, const char *name, struct sw_nh_group *g,
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
			release_members(g);
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

static bool kernel_origin(enum sw_origin o)
{
	return o == SW_ORIGIN_KADDR || o == SW_ORIGIN_KROUTE;
}

int sw_route_add(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric,
		 struct sw_err *e)
{
	struct sw_nh_group gk;
	struct rt_key k;
	char name[64];
	uint32_t gid;
	void *data;
	int ret;

	sw_route_name(r, name, sizeof(name));
	if ((ret = rkey(r, &k, name, e)) != 0)
		return ret;
	bool had = rte_hash_lookup_data(rib.rib, &k, &data) >= 0;
	uint64_t old = (uintptr_t)data;

	if (had && kernel_origin(origin)) {
		if (RD_ORIGIN(old) == SW_ORIGIN_API) {
			if (e)
				sw_fail(e, SW_ST_EXISTS, "route %s: set through the API", name);
			return -EPERM;
		}
		/* the kernel prefers the lowest metric; so do we */
		if (origin == SW_ORIGIN_KROUTE && RD_ORIGIN(old) == SW_ORIGIN_KROUTE &&
		    !(old & RD_STALE) && metric > RD_METRIC(old))
			return 1;
	}
	if ((ret = group_of(r, name, &gk, e)) != 0)
		return ret;
	if ((ret = sw_grp_get(&gk, &gid)) != 0) {
		release_members(&gk);
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: next-hop group table full (%u)", name,
				SW_MAX_GROUPS);
		return ret;
	}
	if (had && RD_GID(old) == gid) {
		/* the same route: only who owns it changes */
		sw_grp_put(gid);
		set_data(&k, old, true, RD(gid, origin, metric));
		return 0;
	}
	ret = sw_fib_set(k.family, k.ip, k.len, gid);
	if (ret == 0 &&
	    rte_hash_add_key_data(rib.rib, &k, (void *)(uintptr_t)RD(gid, origin, metric)) < 0) {
		sw_fib_del(k.family, k.ip, k.len);
		ret = -ENOSPC;
	}
	if (ret == 0) {
		if (had)
			rib.origin[RD_ORIGIN(old)]--;
		rib.origin[origin]++;
	}
	if (ret != 0) {
		sw_grp_put(gid);
		if (had) /* the FIB may have lost the old entry on a failed replace */
			sw_fib_set(k.family, k.ip, k.len, RD_GID(old));
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: FIB refused it: %s", name,
				strerror(-ret));
		return ret < 0 ? ret : -ENOSPC;
	}
	if (had)
		sw_grp_put(RD_GID(old));
	else
		rib.n[k.family == SW_AF_INET6]++;
	sw_publish_mark_dirty();
	return 0;
}

static void remove_entry(const struct rt_key *k, uint64_t d)
{
	sw_fib_del(k->family, k->ip, k->len);
	rte_hash_del_key(rib.rib, k);
	rib.origin[RD_ORIGIN(d)]--;
	sw_grp_put(RD_GID(d));
	rib.n[k->family == SW_AF_INET6]--;
	sw_publish_mark_dirty();
}

int sw_route_del(const struct sw_l3_route *r, enum sw_origin origin, const uint32_t *metric,
		 struct sw_err *e)
{
	struct rt_key k;
	char name[64];
	void *data;
	int ret;

	sw_route_name(r, name, sizeof(name));
	if ((ret = rkey(r, &k, name, e)) != 0)
		return ret;
	if (rte_hash_lookup_data(rib.rib, &k, &data) < 0) {
		if (e)
			sw_fail(e, SW_ST_NOT_FOUND, "route %s does not exist", name);
		return -ENOENT;
	}
	uint64_t d = (uintptr_t)data;
	if (origin != SW_ORIGIN_API &&
	    (RD_ORIGIN(d) != origin || (metric != NULL && *metric != RD_METRIC(d)))) {
		if (e)
			sw_fail(e, SW_ST_EXISTS, "route %s belongs to another origin", name);
		return -EPERM;
	}
	remove_entry(&k, d);
	return 0;
}

static void route_of(const struct rt_key *k, uint32_t gid, struct sw_l3_route *r)
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

int sw_route_get(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *origin,
		 uint32_t *metric)
{
	struct rt_key k;
	void *data;

	if (rkey(key, &k, "", NULL) != 0 || rte_hash_lookup_data(rib.rib, &k, &data) < 0)
		return -ENOENT;
	route_of(&k, RD_GID((uintptr_t)data), out);
	if (origin != NULL)
		*origin = RD_ORIGIN((uintptr_t)data);
	if (metric != NULL)
		*metric = RD_METRIC((uintptr_t)data);
	return 0;
}

int sw_route_lookup(uint8_t family, const uint8_t *dst, struct sw_l3_route *out, uint32_t *gid)
{
	unsigned int bits = sw_af_bytes(family) * 8;
	struct rt_key k = { .family = family };
	void *data;

	for (int len = (int)bits; len >= 0; len--) {
		memset(k.ip, 0, sizeof(k.ip));
		memcpy(k.ip, dst, sw_af_bytes(family));
		sw_mask_prefix(k.ip, (unsigned int)len, bits);
		k.len = (uint8_t)len;
		if (rte_hash_lookup_data(rib.rib, &k, &data) >= 0) {
			*gid = RD_GID((uintptr_t)data);
			route_of(&k, *gid, out);
			return 0;
		}
	}
	return -ENOENT;
}

bool sw_route_next(uint8_t family, uint32_t *cursor, struct sw_l3_route *out,
		   enum sw_origin *origin)
{
	const void *key;
	void *data;

	while (rte_hash_iterate(rib.rib, &key, &data, cursor) >= 0) {
		const struct rt_key *k = key;

		if (family != 0 && k->family != family)
			continue;
		route_of(k, RD_GID((uintptr_t)data), out);
		if (origin != NULL)
			*origin = RD_ORIGIN((uintptr_t)data);
		return true;
	}
	return false;
}

void sw_routes_mark(enum sw_origin origin)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	while (rte_hash_iterate(rib.rib, &key, &data, &next) >= 0) {
		uint64_t d = (uintptr_t)data;

		if (RD_ORIGIN(d) == origin)
			rte_hash_add_key_data(rib.rib, key, (void *)(uintptr_t)(d | RD_STALE));
	}
}

uint32_t sw_routes_sweep(enum sw_origin origin, void (*removed)(const struct sw_l3_route *r))
{
	const void *key;
	void *data;
	uint32_t next = 0, n = 0;

	while (rte_hash_iterate(rib.rib, &key, &data, &next) >= 0) {
		uint64_t d = (uintptr_t)data;
		struct rt_key k = *(const struct rt_key *)key;
		struct sw_l3_route r;

		if (RD_ORIGIN(d) != origin || !(d & RD_STALE))
			continue;
		sw_publish_make_room();
		route_of(&k, RD_GID(d), &r);
		remove_entry(&k, d);
		if (removed != NULL)
			removed(&r);
		n++;
	}
	return n;
}

static void routes_stats(struct sw_stats *st)
{
	/* rte_hash: key + data per entry, roughly doubled for buckets */
	st->tables.mem_bytes = sw_fib_mem_bytes() + sw_nexthop_mem_bytes() +
			       2ull * (sw.max_routes + SW_MAX_ROUTES6) *
				       (sizeof(struct rt_key) + 8);
	st->tables.routes4 = rib.n[0];
	st->tables.routes6 = rib.n[1];
	st->tables.neighbours = sw_neighbours_count();
	st->tables.nh_groups = sw_groups_used();
}
SW_STATS_REGISTER(routes_stats)

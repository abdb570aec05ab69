/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB: one rte_hash of (family, prefix, length) -> the prefix's active
 * candidate in one word (group id, origin, epoch, metric), for replace,
 * delete, walks and the API's longest-prefix look-up; a prefix with more
 * than one candidate also has all of them in a second hash (few do). The
 * FIBs (fib.c) hold what the fast path reads: the active candidate's group.
 * This file: the RIB, its candidates, add, delete and look-ups; a route's
 * next hops as a group in route_nh.c, the sweep and the FIB audit in
 * route_sweep.c (l3/rib.h: what they share).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "l3/rib.h"
#include "l3/route.h"
#include "port/port.h"

struct sw_rib sw_rib;

static uint64_t rd_of(const struct cand *c, bool set)
{
	return (uint64_t)c->gid | (uint64_t)c->origin << 20 |
	       (uint64_t)(c->epoch & EPOCH_MASK) << 24 | (set ? RD_SET : 0) |
	       (uint64_t)c->metric << 32;
}

static struct cand cand_of(uint64_t d)
{
	return (struct cand){ .gid = RD_GID(d),
			      .metric = RD_METRIC(d),
			      .origin = RD_ORIGIN(d),
			      .epoch = RD_EPOCH(d) };
}

uint32_t sw_routes_count_origin(enum sw_origin origin)
{
	return sw_rib.origin[origin & 7];
}

int sw_routes_init(void)
{
	if (sw_fib_init() != 0 || sw_nexthop_init() != 0)
		return -1;
	sw_rib.rib = sw_hash_create("sw_rib", sw.max_routes + SW_MAX_ROUTES6,
				    sizeof(struct rt_key));
	sw_rib.sets = sw_hash_create("sw_rib_sets", MAX_SETS, sizeof(struct rt_key));
	if (sw_rib.rib == NULL || sw_rib.sets == NULL) {
		SW_LOG(ERR, "routes: cannot allocate the RIB for %u routes; more hugepages?",
		       sw.max_routes + SW_MAX_ROUTES6);
		return -1;
	}
	return 0;
}

void sw_routes_fini(void)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	while (sw_rib.sets != NULL && rte_hash_iterate(sw_rib.sets, &key, &data, &next) >= 0)
		free(data);
	rte_hash_free(sw_rib.sets);
	rte_hash_free(sw_rib.rib);
	free(sw_rib.sweep.keys);
	memset(&sw_rib, 0, sizeof(sw_rib));
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
	return sw_rib.n[family == SW_AF_INET6];
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

/* --- candidates --- */

static unsigned int rank(uint8_t origin)
{
	switch (origin) {
	case SW_ORIGIN_API:
		return 0;
	case SW_ORIGIN_KADDR:
	case SW_ORIGIN_KROUTE:
		return 1;
	default:
		return 2;
	}
}

static bool better(const struct cand *a, const struct cand *b)
{
	if (rank(a->origin) != rank(b->origin))
		return rank(a->origin) < rank(b->origin);
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->origin == SW_ORIGIN_KADDR && b->origin != SW_ORIGIN_KADDR;
}

/* One candidate per origin; kernel routes: one per metric. */
static bool same_cand(const struct cand *c, uint8_t origin, uint32_t metric)
{
	return c->origin == origin && (origin != SW_ORIGIN_KROUTE || c->metric == metric);
}

static void best_first(struct cset *s)
{
	unsigned int b = 0;

	for (unsigned int i = 1; i < s->n; i++)
		if (better(&s->c[i], &s->c[b]))
			b = i;
	if (b != 0) {
		struct cand t = s->c[0];

		s->c[0] = s->c[b];
		s->c[b] = t;
	}
}

/* The candidates of k (data d): a copy in *s, the stored set in *stored. */
void sw_rib_load(const struct rt_key *k, uint64_t d, struct cset *s, struct cset **stored)
{
	void *p = NULL;

	*stored = NULL;
	if ((d & RD_SET) && rte_hash_lookup_data(sw_rib.sets, k, &p) >= 0 && p != NULL) {
		*stored = p;
		*s = **stored;
		return;
	}
	s->n = 1;
	s->c[0] = cand_of(d);
}

static const char *origin_name(uint8_t origin)
{
	switch (origin) {
	case SW_ORIGIN_API:
		return "the API's";
	case SW_ORIGIN_NEIGH:
		return "a neighbour's host route";
	case SW_ORIGIN_KADDR:
		return "kernel sync's (an address on a vEth)";
	case SW_ORIGIN_KROUTE:
		return "kernel sync's (a kernel route)";
	default:
		return "another origin's";
	}
}

/*
 * Puts s (changed) in place of k's candidates: the best one becomes active
 * (the FIB follows when its group differs), no candidate left removes the
 * prefix. On failure nothing changed.
 */
int sw_rib_commit(const struct rt_key *k, bool had, uint64_t old, struct cset *stored,
		  struct cset *s, const char *name, struct sw_err *e)
{
	bool fib_changed, new_set = false;
	struct cset *keep = stored;
	uint64_t d;
	int ret;

	if (s->n == 0) {
		sw_fib_del(k->family, k->ip, k->len);
		rte_hash_del_key(sw_rib.rib, k);
		if (stored != NULL) {
			rte_hash_del_key(sw_rib.sets, k);
			free(stored);
		}
		sw_rib.origin[RD_ORIGIN(old)]--;
		sw_rib.n[k->family == SW_AF_INET6]--;
		sw_publish_mark_dirty();
		return 0;
	}
	best_first(s);
	if (s->n > 1 && keep == NULL) {
		keep = malloc(sizeof(*keep));
		if (keep == NULL || rte_hash_add_key_data(sw_rib.sets, k, keep) < 0) {
			free(keep);
			if (e)
				sw_fail(e, SW_ST_NO_SPACE,
					"route %s: no room for another prefix with more than one "
					"route (%u)",
					name, MAX_SETS);
			return -ENOSPC;
		}
		new_set = true;
	}
	fib_changed = !had || RD_GID(old) != s->c[0].gid;
	if (fib_changed && (ret = sw_fib_set(k->family, k->ip, k->len, s->c[0].gid)) != 0) {
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: FIB refused it: %s", name,
				strerror(-ret));
		goto undo;
	}
	d = rd_of(&s->c[0], s->n > 1);
	if (rte_hash_add_key_data(sw_rib.rib, k, (void *)(uintptr_t)d) < 0) {
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: the route table is full (%u)", name,
				sw.max_routes + SW_MAX_ROUTES6);
		if (!had)
			sw_fib_del(k->family, k->ip, k->len);
		else if (fib_changed)
			sw_fib_set(k->family, k->ip, k->len, RD_GID(old));
		ret = -ENOSPC;
		goto undo;
	}
	if (s->n > 1) {
		*keep = *s;
	} else if (stored != NULL) {
		rte_hash_del_key(sw_rib.sets, k);
		free(stored);
	}
	if (had)
		sw_rib.origin[RD_ORIGIN(old)]--;
	else
		sw_rib.n[k->family == SW_AF_INET6]++;
	sw_rib.origin[s->c[0].origin]++;
	if (fib_changed)
		sw_publish_mark_dirty();
	return 0;
undo:
	if (new_set) {
		rte_hash_del_key(sw_rib.sets, k);
		free(keep);
	}
	return ret < 0 ? ret : -ENOSPC;
}

/* The epoch of candidate i of k refreshed, nothing else changed. */
static void touch(const struct rt_key *k, struct cset *s, struct cset *stored, unsigned int i)
{
	s->c[i].epoch = sw_rib.epoch;
	if (stored != NULL)
		stored->c[i].epoch = sw_rib.epoch;
	if (i == 0)
		rte_hash_add_key_data(sw_rib.rib, k, (void *)(uintptr_t)rd_of(&s->c[0], s->n > 1));
}

int sw_route_add(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric,
		 struct sw_err *e)
{
	struct cset s, *stored = NULL;
	struct sw_nh_group gk;
	struct rt_key k;
	struct cand nc;
	uint32_t gid, old_gid = NO_GID;
	char name[64];
	void *data;
	unsigned int i;
	int ret;

	sw_route_name(r, name, sizeof(name));
	if ((ret = rkey(r, &k, name, e)) != 0)
		return ret;
	if (origin != SW_ORIGIN_KROUTE && origin != SW_ORIGIN_KADDR)
		metric = 0;
	if ((ret = sw_rib_group_of(r, name, &gk, e)) != 0)
		return ret;
	if ((ret = sw_grp_get(&gk, &gid)) != 0) {
		sw_rib_release_members(&gk);
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: next-hop group table full (%u)", name,
				SW_MAX_GROUPS);
		return ret;
	}
	nc = (struct cand){ .gid = gid, .metric = metric, .origin = origin, .epoch = sw_rib.epoch };
	bool had = rte_hash_lookup_data(sw_rib.rib, &k, &data) >= 0;
	uint64_t old = (uintptr_t)data;

	s.n = 0;
	if (had)
		sw_rib_load(&k, old, &s, &stored);
	for (i = 0; i < s.n && !same_cand(&s.c[i], origin, metric); i++)
		;
	if (i < s.n && s.c[i].gid == gid) {
		sw_grp_put(gid); /* the candidate holds its reference already */
		if (s.c[i].epoch != sw_rib.epoch)
			touch(&k, &s, stored, i);
		return SW_RT_UNCHANGED;
	}
	if (i < s.n) {
		old_gid = s.c[i].gid;
		s.c[i] = nc;
	} else if (s.n == SW_RT_CANDS_MAX) {
		sw_grp_put(gid);
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "route %s: more than %u routes for one prefix",
				name, SW_RT_CANDS_MAX);
		return -ENOSPC;
	} else {
		s.c[s.n++] = nc;
	}
	if ((ret = sw_rib_commit(&k, had, old, stored, &s, name, e)) != 0) {
		sw_grp_put(gid);
		return ret;
	}
	if (old_gid != NO_GID)
		sw_grp_put(old_gid);
	return same_cand(&s.c[0], origin, metric) ? SW_RT_ACTIVE : SW_RT_BEHIND;
}

int sw_route_del(const struct sw_l3_route *r, enum sw_origin origin, const uint32_t *metric,
		 struct sw_err *e)
{
	struct cset s, *stored;
	uint32_t gone[SW_RT_CANDS_MAX];
	unsigned int n_gone = 0, n = 0;
	struct rt_key k;
	char name[64];
	void *data;
	int ret;

	sw_route_name(r, name, sizeof(name));
	if ((ret = rkey(r, &k, name, e)) != 0)
		return ret;
	if (rte_hash_lookup_data(sw_rib.rib, &k, &data) < 0) {
		if (e)
			sw_fail(e, SW_ST_NOT_FOUND, "route %s does not exist", name);
		return -ENOENT;
	}
	uint64_t d = (uintptr_t)data;

	sw_rib_load(&k, d, &s, &stored);
	for (unsigned int i = 0; i < s.n; i++) {
		const struct cand *c = &s.c[i];
		bool match = c->origin == origin &&
			     (origin != SW_ORIGIN_KROUTE || metric == NULL || c->metric == *metric);

		if (match)
			gone[n_gone++] = c->gid;
		else
			s.c[n++] = *c;
	}
	if (n_gone == 0) {
		if (e)
			sw_fail(e, SW_ST_NOT_FOUND, "route %s was not set %s: it is %s", name,
				origin == SW_ORIGIN_API ? "through the API" : "by that origin",
				origin_name(RD_ORIGIN(d)));
		return -ENOENT;
	}
	s.n = n;
	sw_publish_make_room();
	if ((ret = sw_rib_commit(&k, true, d, stored, &s, name, e)) != 0)
		return ret;
	for (unsigned int i = 0; i < n_gone; i++)
		sw_grp_put(gone[i]);
	return 0;
}

int sw_route_get(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *origin,
		 uint32_t *metric)
{
	struct rt_key k;
	void *data;

	if (rkey(key, &k, "", NULL) != 0 || rte_hash_lookup_data(sw_rib.rib, &k, &data) < 0)
		return -ENOENT;
	sw_rib_route_of(&k, RD_GID((uintptr_t)data), out);
	if (origin != NULL)
		*origin = RD_ORIGIN((uintptr_t)data);
	if (metric != NULL)
		*metric = RD_METRIC((uintptr_t)data);
	return 0;
}

int sw_route_get_cand(const struct sw_l3_route *key, enum sw_origin origin, uint32_t metric,
		      struct sw_l3_route *out)
{
	struct cset s, *stored;
	struct rt_key k;
	void *data;

	if (rkey(key, &k, "", NULL) != 0 || rte_hash_lookup_data(sw_rib.rib, &k, &data) < 0)
		return -ENOENT;
	if (origin != SW_ORIGIN_KROUTE && origin != SW_ORIGIN_KADDR)
		metric = 0;
	sw_rib_load(&k, (uintptr_t)data, &s, &stored);
	for (unsigned int i = 0; i < s.n; i++)
		if (same_cand(&s.c[i], origin, metric)) {
			sw_rib_route_of(&k, s.c[i].gid, out);
			return 0;
		}
	return -ENOENT;
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
		if (rte_hash_lookup_data(sw_rib.rib, &k, &data) >= 0) {
			*gid = RD_GID((uintptr_t)data);
			sw_rib_route_of(&k, *gid, out);
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

	while (rte_hash_iterate(sw_rib.rib, &key, &data, cursor) >= 0) {
		const struct rt_key *k = key;

		if (family != 0 && k->family != family)
			continue;
		sw_rib_route_of(k, RD_GID((uintptr_t)data), out);
		if (origin != NULL)
			*origin = RD_ORIGIN((uintptr_t)data);
		return true;
	}
	return false;
}

static void routes_stats(struct sw_stats *st)
{
	/* rte_hash: key + data per entry, roughly doubled for buckets */
	st->tables.mem_bytes = sw_fib_mem_bytes() + sw_nexthop_mem_bytes() +
			       2ull * (sw.max_routes + SW_MAX_ROUTES6) *
				       (sizeof(struct rt_key) + 8);
	st->tables.routes4 = sw_rib.n[0];
	st->tables.routes6 = sw_rib.n[1];
	st->tables.neighbours = sw_neighbours_count();
	st->tables.nh_groups = sw_groups_used();
}
SW_STATS_REGISTER(routes_stats)

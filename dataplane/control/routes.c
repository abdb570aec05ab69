/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes, next hops and neighbours (control side).
 *
 *  - RIB: one rte_hash of (family, prefix, length) -> group id, for replace,
 *    delete and listing. FIBs: rte_fib (IPv4, DIR24_8 over a RIB: adds are
 *    logarithmic, where rte_lpm scans its rules) and rte_lpm6 (IPv6). Each
 *    is a pair of copies: changes go to the shadow copy, which becomes the
 *    live one at the next publish, and are replayed on the other copy once
 *    no worker can read it (the publish's grace period). Workers therefore
 *    never read a table being changed, whatever the library does with its
 *    tbl8 groups.
 *  - Next hops: (port, family, gateway) -> slot, deduplicated; a neighbour
 *    (port, family, ip, mac) resolves the next hop with that identity and
 *    installs an attached host route (/32, /128) unless one was configured.
 *    A gateway of all zeros means "directly connected": never resolved, so
 *    such traffic punts and the kernel resolves it, after which the host
 *    route forwards.
 *  - Groups: (type, members) -> slot, deduplicated, reference counted by
 *    routes; freed after a grace period.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_fib.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "routes.h"
#include "list.h"
#include "sw.h"

struct rt_key {
	uint8_t ip[16];
	uint8_t len;
	uint8_t family;
	uint8_t pad[2];
};

#define RT_NEIGH_INSTALLED (1ull << 32)   /* in the RIB data: a neighbour's host route */

struct nh_key {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
};

struct nh_rec {
	struct nh_key key;
	uint32_t refs;        /* groups using it */
	bool in_use;
	bool has_neigh;
	uint8_t mac[6];
};

struct grp_rec {
	uint32_t refs;        /* routes using it */
	bool in_use;
};

struct fibop {
	uint8_t add;
	uint8_t len;
	uint8_t ip[16];
	uint32_t gid;
};

#define FIBLOG_MAX (1u << 16)

/* Two copies of one family's FIB (see the top of the file). */
struct fibpair {
	uint8_t family;
	void *t[2];                   /* struct rte_fib * or struct rte_lpm6 * */
	unsigned int live;            /* the copy the latest configuration uses */
	/* without a swap in flight: ops applied to the shadow (live ^ 1), not
	 * yet published; with one: ops the new live copy has and the old one,
	 * to be caught up after swap_gen's grace period, lacks */
	struct fibop *log;
	unsigned int n_log;
	bool swap_pending;
	uint64_t swap_gen;
};

struct idstack {
	uint32_t *ids;
	uint32_t n;
};

/* Released ids, in release order, each with the generation whose grace
 * period must pass before reuse. */
struct idfifo {
	struct { uint32_t id; uint64_t gen; } *e;
	uint32_t head, n, cap;
};

static struct {
	struct rte_hash *rib, *nh_h, *grp_h;
	struct fibpair fib[2];        /* [0] IPv4, [1] IPv6 */
	struct sw_nh_group *groups;   /* fast-path views */
	uint64_t *nh;
	struct nh_rec *nrec;
	struct grp_rec *grec;
	struct idstack free_nh, free_grp;
	struct idfifo pending_nh, pending_grp;
	uint32_t n_routes[2];
} R;

static const char *fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len)
{
	return inet_ntop(family == SW_AF_INET ? AF_INET : AF_INET6, ip, buf, len) ? buf : "?";
}

static int stack_init(struct idstack *s, uint32_t n, bool full)
{
	s->ids = rte_malloc("sw_ids", n * sizeof(uint32_t), 0);
	if (s->ids == NULL)
		return -1;
	s->n = 0;
	if (full)
		for (uint32_t i = 0; i < n; i++)
			s->ids[s->n++] = n - 1 - i;   /* pop gives 0 first */
	return 0;
}

static int fifo_init(struct idfifo *f, uint32_t cap)
{
	f->e = rte_malloc("sw_idfifo", cap * sizeof(*f->e), 0);
	f->head = f->n = 0;
	f->cap = cap;
	return f->e ? 0 : -1;
}

static void fifo_push(struct idfifo *f, uint32_t id)
{
	uint32_t i = (f->head + f->n++) % f->cap;

	f->e[i].id = id;
	f->e[i].gen = sw_fp_next_gen();
}

/* Move ids whose grace period is over back to the free stack. */
static void fifo_release(struct idfifo *f, struct idstack *to, uint64_t reclaimed)
{
	while (f->n > 0 && f->e[f->head].gen <= reclaimed) {
		to->ids[to->n++] = f->e[f->head].id;
		f->head = (f->head + 1) % f->cap;
		f->n--;
	}
}

struct rte_hash *sw_hash_create(const char *name, uint32_t entries, uint32_t key_len)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	return rte_hash_create(&p);
}

/* Table sizes: IPv4 from --max-routes; tbl8 groups (for prefixes longer
 * than /24) scale with it. */
static uint32_t fib4_tbl8s(void)
{
	return RTE_MIN(1u << 16, RTE_MAX(1u << 10, sw.max_routes / 4));
}
#define LPM6_TBL8S (1u << 12)

static void *fib_create(uint8_t family, unsigned int copy)
{
	char name[32];

	snprintf(name, sizeof(name), "sw_fib%u%c", family, copy ? 'b' : 'a');
	if (family == SW_AF_INET) {
		struct rte_fib_conf c = {
			.type = RTE_FIB_DIR24_8,
			.default_nh = SW_FIB_MISS,
			.max_routes = (int)sw.max_routes,
			.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = fib4_tbl8s() },
		};
		return rte_fib_create(name, (int)rte_socket_id(), &c);
	}
	struct rte_lpm6_config c6 = {
		.max_rules = SW_MAX_ROUTES6,
		.number_tbl8s = LPM6_TBL8S,
	};
	return rte_lpm6_create(name, (int)rte_socket_id(), &c6);
}

static void fib_free(uint8_t family, void *t)
{
	if (family == SW_AF_INET)
		rte_fib_free(t);
	else
		rte_lpm6_free(t);
}

int sw_routes_init(void)
{
	R.rib = sw_hash_create("sw_rib", sw.max_routes + SW_MAX_ROUTES6, sizeof(struct rt_key));
	R.nh_h = sw_hash_create("sw_nh", SW_MAX_NH, sizeof(struct nh_key));
	R.grp_h = sw_hash_create("sw_grp", SW_MAX_GROUPS, sizeof(struct sw_nh_group));
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &R.fib[f];

		fp->family = f ? SW_AF_INET6 : SW_AF_INET;
		fp->t[0] = fib_create(fp->family, 0);
		fp->t[1] = fib_create(fp->family, 1);
		fp->log = rte_malloc("sw_fiblog", FIBLOG_MAX * sizeof(*fp->log), 0);
		if (!fp->t[0] || !fp->t[1] || !fp->log) {
			SW_LOG(ERR, "routes: cannot create the IPv%u FIB (%s); more hugepages?",
			       fp->family, rte_strerror(rte_errno));
			return -1;
		}
	}
	R.groups = rte_zmalloc("sw_groups", SW_MAX_GROUPS * sizeof(*R.groups), RTE_CACHE_LINE_SIZE);
	R.nh = rte_zmalloc("sw_nh_words", SW_MAX_NH * sizeof(*R.nh), RTE_CACHE_LINE_SIZE);
	R.nrec = rte_zmalloc("sw_nh_rec", SW_MAX_NH * sizeof(*R.nrec), 0);
	R.grec = rte_zmalloc("sw_grp_rec", SW_MAX_GROUPS * sizeof(*R.grec), 0);
	if (!R.rib || !R.nh_h || !R.grp_h || !R.groups || !R.nh || !R.nrec || !R.grec ||
	    stack_init(&R.free_nh, SW_MAX_NH, true) || stack_init(&R.free_grp, SW_MAX_GROUPS, true) ||
	    fifo_init(&R.pending_nh, SW_MAX_NH) || fifo_init(&R.pending_grp, SW_MAX_GROUPS)) {
		SW_LOG(ERR, "routes: cannot allocate tables (%s); more hugepages?",
		       rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void sw_routes_fini(void)
{
	for (unsigned int f = 0; f < 2; f++) {
		for (unsigned int c = 0; c < 2; c++)
			if (R.fib[f].t[c] != NULL)
				fib_free(R.fib[f].family, R.fib[f].t[c]);
		rte_free(R.fib[f].log);
	}
	rte_hash_free(R.rib);
	rte_hash_free(R.nh_h);
	rte_hash_free(R.grp_h);
	rte_free(R.groups);
	rte_free(R.nh);
	rte_free(R.nrec);
	rte_free(R.grec);
	rte_free(R.free_nh.ids);
	rte_free(R.free_grp.ids);
	rte_free(R.pending_nh.e);
	rte_free(R.pending_grp.e);
	memset(&R, 0, sizeof(R));
}

struct rte_fib *sw_routes_fib4(void) { return R.fib[0].t[R.fib[0].live]; }
struct rte_lpm6 *sw_routes_lpm6_current(void) { return R.fib[1].t[R.fib[1].live]; }
const struct sw_nh_group *sw_routes_groups(void) { return R.groups; }
const uint64_t *sw_routes_nh(void) { return R.nh; }

/* A publish with generation gen is about to be built: a shadow copy with
 * changes becomes the live one. */
void sw_routes_before_publish(uint64_t gen)
{
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &R.fib[f];

		if (fp->swap_pending || fp->n_log == 0)
			continue;
		fp->live ^= 1;
		fp->swap_pending = true;
		fp->swap_gen = gen;
	}
}

uint32_t sw_routes_count(uint8_t family)
{
	return R.n_routes[family == SW_AF_INET6];
}

uint64_t sw_routes_mem_bytes(void)
{
	/* rte_fib (x2): tbl24 + tbl8s + RIB nodes; rte_lpm6 (x2): tbl8s + rules;
	 * our arrays; rte_hash: key + data per entry, roughly doubled for buckets */
	uint64_t b = 2 * ((1ull << 24) * 4 + (uint64_t)fib4_tbl8s() * 256 * 4 + sw.max_routes * 64ull);

	b += 2 * ((uint64_t)LPM6_TBL8S * 256 * 4 + SW_MAX_ROUTES6 * 32ull);
	b += SW_MAX_GROUPS * (sizeof(struct sw_nh_group) + sizeof(struct grp_rec)) +
	     SW_MAX_NH * (sizeof(uint64_t) + sizeof(struct nh_rec));
	b += 2ull * (sw.max_routes + SW_MAX_ROUTES6) * (sizeof(struct rt_key) + 8) +
	     2ull * SW_MAX_NH * (sizeof(struct nh_key) + 8) +
	     2ull * SW_MAX_GROUPS * (sizeof(struct sw_nh_group) + 8);
	return b;
}

uint32_t sw_routes_neighbours(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < SW_MAX_NH; i++)
		n += R.nrec[i].in_use && R.nrec[i].has_neigh;
	return n;
}

uint32_t sw_routes_groups_used(void)
{
	return SW_MAX_GROUPS - R.free_grp.n - R.pending_grp.n;
}

/* --- next hops --- */

static int nh_get(uint16_t port, uint8_t family, const uint8_t *ip, uint32_t *id)
{
	struct nh_key k = { .port = port, .family = family };
	void *data;

	memcpy(k.ip, ip, family == SW_AF_INET ? 4 : 16);
	if (rte_hash_lookup_data(R.nh_h, &k, &data) >= 0) {
		*id = (uint32_t)(uintptr_t)data;
		return 0;
	}
	if (R.free_nh.n == 0)
		return -ENOSPC;
	*id = R.free_nh.ids[--R.free_nh.n];
	struct nh_rec *n = &R.nrec[*id];
	memset(n, 0, sizeof(*n));
	n->key = k;
	n->in_use = true;
	__atomic_store_n(&R.nh[*id], sw_nh_word(0, port, n->mac), __ATOMIC_RELEASE);
	if (rte_hash_add_key_data(R.nh_h, &k, (void *)(uintptr_t)*id) < 0) {
		n->in_use = false;
		R.free_nh.ids[R.free_nh.n++] = *id;
		return -ENOSPC;
	}
	return 0;
}

/* Unused and no neighbour: reclaim after the next grace period. */
static void nh_maybe_release(uint32_t id)
{
	struct nh_rec *n = &R.nrec[id];

	if (!n->in_use || n->refs > 0 || n->has_neigh)
		return;
	rte_hash_del_key(R.nh_h, &n->key);
	n->in_use = false;
	fifo_push(&R.pending_nh, id);
}

/* --- groups --- */

static int grp_get(const struct sw_nh_group *key, uint32_t *id)
{
	void *data;

	if (rte_hash_lookup_data(R.grp_h, key, &data) >= 0) {
		*id = (uint32_t)(uintptr_t)data;
		return 0;
	}
	if (R.free_grp.n == 0)
		return -ENOSPC;
	*id = R.free_grp.ids[--R.free_grp.n];
	R.groups[*id] = *key;
	R.grec[*id] = (struct grp_rec){ .in_use = true };
	for (unsigned int i = 0; i < key->n; i++)
		R.nrec[key->nh[i]].refs++;
	if (rte_hash_add_key_data(R.grp_h, key, (void *)(uintptr_t)*id) < 0) {
		R.grec[*id].in_use = false;
		R.free_grp.ids[R.free_grp.n++] = *id;
		return -ENOSPC;
	}
	/* the group is complete before any FIB entry can point at it */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

static void grp_put(uint32_t id)
{
	struct grp_rec *g = &R.grec[id];

	if (--g->refs > 0)
		return;
	rte_hash_del_key(R.grp_h, &R.groups[id]);
	g->in_use = false;
	fifo_push(&R.pending_grp, id);
	for (unsigned int i = 0; i < R.groups[id].n; i++) {
		R.nrec[R.groups[id].nh[i]].refs--;
		nh_maybe_release(R.groups[id].nh[i]);
	}
}

static int fib_apply(struct fibpair *fp, void *t, const struct fibop *o)
{
	if (fp->family == SW_AF_INET) {
		uint32_t a;

		memcpy(&a, o->ip, 4);
		return o->add ? rte_fib_add(t, rte_be_to_cpu_32(a), o->len, o->gid)
			      : rte_fib_delete(t, rte_be_to_cpu_32(a), o->len);
	}
	return o->add ? rte_lpm6_add(t, o->ip, o->len, o->gid) : rte_lpm6_delete(t, o->ip, o->len);
}

void sw_routes_after_grace(uint64_t reclaimed)
{
	/* no worker reads the old live copy any more: catch it up */
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &R.fib[f];

		if (!fp->swap_pending || reclaimed < fp->swap_gen)
			continue;
		for (unsigned int i = 0; i < fp->n_log; i++)
			fib_apply(fp, fp->t[fp->live ^ 1], &fp->log[i]);
		fp->n_log = 0;
		fp->swap_pending = false;
	}
	fifo_release(&R.pending_grp, &R.free_grp, reclaimed);
	fifo_release(&R.pending_nh, &R.free_nh, reclaimed);
}

/* Change the shadow copy and log the change for the other one. */
static int fib_change(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t gid, bool add)
{
	struct fibpair *fp = &R.fib[family == SW_AF_INET6];
	struct fibop o = { .add = add, .len = len, .gid = gid };
	int ret;

	if (fp->swap_pending)          /* the shadow is still read: wait it out */
		sw_fp_reclaim(true);
	if (fp->n_log == FIBLOG_MAX && sw_fp_publish_sync() != 0)   /* publish, catch up */
		return -ENOMEM;
	memcpy(o.ip, ip, 16);
	ret = fib_apply(fp, fp->t[fp->live ^ 1], &o);
	if (ret == 0)
		fp->log[fp->n_log++] = o;
	return ret;
}

static int fib_set(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t gid)
{
	return fib_change(family, ip, len, gid, true);
}

static int fib_del(uint8_t family, const uint8_t *ip, uint8_t len)
{
	return fib_change(family, ip, len, 0, false);
}

/* --- routes --- */

static int route_key(const struct sw_route *r, struct rt_key *k, char *name, size_t nlen,
		     struct sw_err *e)
{
	unsigned int bits = r->family == SW_AF_INET ? 32 : 128;
	char ip[INET6_ADDRSTRLEN];

	if (r->family != SW_AF_INET && r->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "route: family must be 4 or 6, not %u", r->family);
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, r->prefix, bits / 8);
	k->len = r->prefix_len;
	k->family = r->family;
	snprintf(name, nlen, "%s/%u", fmt_ip(r->family, r->prefix, ip, sizeof(ip)),
		 r->prefix_len);
	if (r->prefix_len > bits)
		return sw_fail(e, SW_ST_RANGE, "route %s: prefix length beyond %u", name, bits);
	for (unsigned int b = r->prefix_len; b < bits; b++)
		if (r->prefix[b / 8] & (0x80 >> (b % 8)))
			return sw_fail(e, SW_ST_INVALID, "route %s: host bits set in the prefix",
				       name);
	return 0;
}

static int route_group(const struct sw_route *r, const char *name, struct sw_nh_group *g,
		       struct sw_err *e)
{
	memset(g, 0, sizeof(*g));
	g->type = r->type;
	switch (r->type) {
	case SW_ROUTE_LOCAL:
	case SW_ROUTE_DROP:
		if (r->n_nh != 0)
			return sw_fail(e, SW_ST_INVALID, "route %s: %s routes take no next hop",
				       name, r->type == SW_ROUTE_LOCAL ? "local" : "drop");
		return 0;
	case SW_ROUTE_FORWARD:
		break;
	default:
		return sw_fail(e, SW_ST_INVALID, "route %s: unknown type %u", name, r->type);
	}
	if (r->n_nh < 1 || r->n_nh > SW_ECMP_MAX)
		return sw_fail(e, SW_ST_RANGE, "route %s: %u next hops, expected 1..%u", name,
			       r->n_nh, SW_ECMP_MAX);
	for (unsigned int i = 0; i < r->n_nh; i++) {
		uint16_t port = r->nh[i].port;

		if (port >= SW_MAX_PORTS || !sw.ports[port].in_use) {
			sw_fail(e, SW_ST_NO_PORT, "route %s: next hop %u: port %u does not exist",
				name, i, port);
			goto undo;
		}
		if (nh_get(port, r->family, r->nh[i].gw, &g->nh[i]) != 0) {
			sw_fail(e, SW_ST_NO_SPACE, "route %s: next-hop table full (%u)", name,
				SW_MAX_NH);
			goto undo;
		}
		g->n = i + 1;
	}
	g->n = r->n_nh;
	/* same set, same group, whatever the order */
	for (unsigned int i = 1; i < g->n; i++)
		for (unsigned int j = i; j > 0 && g->nh[j - 1] > g->nh[j]; j--) {
			uint32_t t = g->nh[j];
			g->nh[j] = g->nh[j - 1];
			g->nh[j - 1] = t;
		}
	return 0;
undo:
	for (unsigned int i = 0; i < g->n; i++)
		nh_maybe_release(g->nh[i]);
	return -1;
}

static int route_set(const struct rt_key *k, const struct sw_nh_group *gk, bool neigh_installed,
		     const char *name, struct sw_err *e)
{
	void *old;
	bool had = rte_hash_lookup_data(R.rib, k, &old) >= 0;
	uint32_t gid;
	int ret;

	if (grp_get(gk, &gid) != 0) {
		for (unsigned int i = 0; i < gk->n; i++)
			nh_maybe_release(gk->nh[i]);
		return sw_fail(e, SW_ST_NO_SPACE, "route %s: next-hop group table full (%u)", name,
			       SW_MAX_GROUPS);
	}
	R.grec[gid].refs++;
	ret = fib_set(k->family, k->ip, k->len, gid);
	if (ret == 0 && rte_hash_add_key_data(R.rib, k, (void *)(uintptr_t)(gid |
			(neigh_installed ? RT_NEIGH_INSTALLED : 0))) < 0) {
		fib_del(k->family, k->ip, k->len);
		ret = -ENOSPC;
	}
	if (ret != 0) {
		grp_put(gid);
		if (had) /* the FIB may have lost the old entry on a failed replace */
			fib_set(k->family, k->ip, k->len, (uint32_t)(uintptr_t)old);
		return sw_fail(e, SW_ST_NO_SPACE, "route %s: FIB refused it: %s", name,
			       rte_strerror(-ret));
	}
	if (had)
		grp_put((uint32_t)(uintptr_t)old);
	else
		R.n_routes[k->family == SW_AF_INET6]++;
	sw_fp_mark_dirty();
	return 0;
}

int sw_route_add(const struct sw_route *r, struct sw_err *e)
{
	struct sw_nh_group gk;
	struct rt_key k;
	char name[64];

	if (route_key(r, &k, name, sizeof(name), e) != 0 ||
	    route_group(r, name, &gk, e) != 0)
		return -1;
	return route_set(&k, &gk, false, name, e);
}

static int route_remove(const struct rt_key *k)
{
	void *old;

	if (rte_hash_lookup_data(R.rib, k, &old) < 0)
		return -ENOENT;
	fib_del(k->family, k->ip, k->len);
	rte_hash_del_key(R.rib, k);
	grp_put((uint32_t)(uintptr_t)old);
	R.n_routes[k->family == SW_AF_INET6]--;
	sw_fp_mark_dirty();
	return 0;
}

int sw_route_del(const struct sw_route *r, struct sw_err *e)
{
	struct rt_key k;
	char name[64];

	if (route_key(r, &k, name, sizeof(name), e) != 0)
		return -1;
	if (route_remove(&k) != 0)
		return sw_fail(e, SW_ST_NOT_FOUND, "route %s does not exist", name);
	return 0;
}

static void route_fill(const struct rt_key *k, uint32_t gid, struct sw_route *r)
{
	const struct sw_nh_group *g = &R.groups[gid];

	memset(r, 0, sizeof(*r));
	r->family = k->family;
	r->prefix_len = k->len;
	r->type = g->type;
	memcpy(r->prefix, k->ip, 16);
	r->n_nh = g->n;
	for (unsigned int i = 0; i < g->n; i++) {
		const struct nh_rec *n = &R.nrec[g->nh[i]];
		r->nh[i].port = n->key.port;
		memcpy(r->nh[i].gw, n->key.ip, 16);
	}
}

int sw_route_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		  struct sw_err *e)
{
	struct sw_list_hdr *lh = (void *)buf;
	struct sw_route *out = (void *)(lh + 1);
	uint32_t max = sw_list_begin(q, buf, cap, sizeof(*out)), next = q->cursor;
	const void *key;
	void *data;

	RTE_SET_USED(e);
	while (lh->count < max) {
		int32_t pos = rte_hash_iterate(R.rib, &key, &data, &next);
		if (pos < 0) {
			next = 0;
			break;
		}
		const struct rt_key *k = key;
		if (q->family != 0 && k->family != q->family)
			continue;
		route_fill(k, (uint32_t)(uintptr_t)data, &out[lh->count++]);
	}
	sw_list_end(buf, next, sizeof(*out), len);
	return 0;
}

int sw_route_get(const struct sw_route *key, struct sw_route *out, bool *neigh_host)
{
	struct sw_err e;
	struct rt_key k;
	char name[64];
	void *data;

	if (route_key(key, &k, name, sizeof(name), &e) != 0 ||
	    rte_hash_lookup_data(R.rib, &k, &data) < 0)
		return -1;
	route_fill(&k, (uint32_t)(uintptr_t)data, out);
	*neigh_host = ((uintptr_t)data & RT_NEIGH_INSTALLED) != 0;
	return 0;
}

/* --- neighbours --- */

static int neigh_check(const struct sw_neigh *n, char *name, size_t nlen, struct sw_err *e)
{
	char ip[INET6_ADDRSTRLEN];
	static const uint8_t zero[16];

	if (n->family != SW_AF_INET && n->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "neighbour: family must be 4 or 6, not %u",
			       n->family);
	snprintf(name, nlen, "%s on port %u", fmt_ip(n->family, n->ip, ip, sizeof(ip)), n->port);
	if (n->port >= SW_MAX_PORTS || !sw.ports[n->port].in_use)
		return sw_fail(e, SW_ST_NO_PORT, "neighbour %s: port %u does not exist", name,
			       n->port);
	if (memcmp(n->ip, zero, n->family == SW_AF_INET ? 4 : 16) == 0 ||
	    (n->family == SW_AF_INET ? (n->ip[0] & 0xf0) == 0xe0 : n->ip[0] == 0xff))
		return sw_fail(e, SW_ST_INVALID, "neighbour %s: not a unicast address", name);
	return 0;
}

static void host_key(uint8_t family, const uint8_t *ip, struct rt_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->len = family == SW_AF_INET ? 32 : 128;
	memcpy(k->ip, ip, family == SW_AF_INET ? 4 : 16);
}

int sw_neigh_add(const struct sw_neigh *n, struct sw_err *e)
{
	struct rte_ether_addr mac;
	struct rt_key hk;
	char name[80];
	uint32_t id;
	void *data;

	if (neigh_check(n, name, sizeof(name), e) != 0)
		return -1;
	memcpy(mac.addr_bytes, n->mac, 6);
	if (!rte_is_valid_assigned_ether_addr(&mac))
		return sw_fail(e, SW_ST_INVALID, "neighbour %s: MAC " RTE_ETHER_ADDR_PRT_FMT
			       " is not a unicast address", name, RTE_ETHER_ADDR_BYTES(&mac));
	if (nh_get(n->port, n->family, n->ip, &id) != 0)
		return sw_fail(e, SW_ST_NO_SPACE, "neighbour %s: next-hop table full (%u)", name,
			       SW_MAX_NH);
	struct nh_rec *r = &R.nrec[id];
	r->has_neigh = true;
	memcpy(r->mac, n->mac, 6);
	__atomic_store_n(&R.nh[id], sw_nh_word(1, n->port, n->mac), __ATOMIC_RELEASE);

	/* attached host route, unless the user configured that prefix */
	host_key(n->family, n->ip, &hk);
	if (rte_hash_lookup_data(R.rib, &hk, &data) < 0) {
		struct sw_nh_group g = { .type = SW_ROUTE_FORWARD, .n = 1, .nh = { id } };

		if (route_set(&hk, &g, true, name, e) != 0)
			return -1;
	}
	sw_fp_mark_dirty();
	return 0;
}

int sw_neigh_del(const struct sw_neigh *n, struct sw_err *e)
{
	struct nh_key k = { .port = n->port, .family = n->family };
	struct rt_key hk;
	char name[80];
	void *data;
	uint32_t id;

	if (neigh_check(n, name, sizeof(name), e) != 0)
		return -1;
	memcpy(k.ip, n->ip, n->family == SW_AF_INET ? 4 : 16);
	if (rte_hash_lookup_data(R.nh_h, &k, &data) < 0 ||
	    !R.nrec[(uint32_t)(uintptr_t)data].has_neigh)
		return sw_fail(e, SW_ST_NOT_FOUND, "neighbour %s does not exist", name);
	id = (uint32_t)(uintptr_t)data;
	host_key(n->family, n->ip, &hk);
	if (rte_hash_lookup_data(R.rib, &hk, &data) >= 0 &&
	    ((uintptr_t)data & RT_NEIGH_INSTALLED))
		route_remove(&hk);
	R.nrec[id].has_neigh = false;
	__atomic_store_n(&R.nh[id], sw_nh_word(0, n->port, R.nrec[id].mac), __ATOMIC_RELEASE);
	nh_maybe_release(id);
	sw_fp_mark_dirty();
	return 0;
}

int sw_neigh_get(const struct sw_neigh *key, uint8_t mac[6])
{
	struct nh_key k = { .port = key->port, .family = key->family };
	void *data;

	memcpy(k.ip, key->ip, key->family == SW_AF_INET ? 4 : 16);
	if (rte_hash_lookup_data(R.nh_h, &k, &data) < 0 ||
	    !R.nrec[(uint32_t)(uintptr_t)data].has_neigh)
		return -1;
	memcpy(mac, R.nrec[(uint32_t)(uintptr_t)data].mac, 6);
	return 0;
}

int sw_neigh_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		  struct sw_err *e)
{
	struct sw_list_hdr *lh = (void *)buf;
	struct sw_neigh *out = (void *)(lh + 1);
	uint32_t max = sw_list_begin(q, buf, cap, sizeof(*out)), next = q->cursor;
	const void *key;
	void *data;

	RTE_SET_USED(e);
	while (lh->count < max) {
		if (rte_hash_iterate(R.nh_h, &key, &data, &next) < 0) {
			next = 0;
			break;
		}
		const struct nh_rec *r = &R.nrec[(uint32_t)(uintptr_t)data];
		if (!r->has_neigh || (q->family != 0 && r->key.family != q->family))
			continue;
		struct sw_neigh *o = &out[lh->count++];
		memset(o, 0, sizeof(*o));
		o->port = r->key.port;
		o->family = r->key.family;
		memcpy(o->mac, r->mac, 6);
		memcpy(o->ip, r->key.ip, 16);
	}
	sw_list_end(buf, next, sizeof(*out), len);
	return 0;
}

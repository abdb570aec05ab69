/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "core/fp.h"
#include "core/publish.h"
#include "core/util.h"
#include "l3/nexthop.h"

/* Free ids: a stack, and a FIFO of ids released with the generation whose
 * grace period must pass before they are reused. */
struct idstack {
	uint32_t *ids;
	uint32_t n;
};

struct idfifo {
	struct {
		uint32_t id;
		uint64_t gen;
	} * e;
	uint32_t head, n, cap;
};

struct grp_rec {
	uint32_t refs; /* routes using it */
	bool in_use;
};

static struct {
	struct rte_hash *nh_h, *grp_h;
	struct sw_nh_group *groups; /* fast-path views */
	uint64_t *nh;
	struct sw_nh_rec *nrec;
	struct grp_rec *grec;
	struct idstack free_nh, free_grp;
	struct idfifo pending_nh, pending_grp;
	uint32_t n_neigh; /* next hops with a neighbour */
} nexthops;

static int stack_init(struct idstack *s, uint32_t n)
{
	s->ids = rte_malloc("sw_ids", n * sizeof(uint32_t), 0);
	if (s->ids == NULL)
		return -1;
	for (s->n = 0; s->n < n; s->n++)
		s->ids[s->n] = n - 1 - s->n; /* pop gives 0 first */
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
	f->e[i].gen = sw_publish_next_gen();
}

static void fifo_release(struct idfifo *f, struct idstack *to, uint64_t reclaimed)
{
	while (f->n > 0 && f->e[f->head].gen <= reclaimed) {
		to->ids[to->n++] = f->e[f->head].id;
		f->head = (f->head + 1) % f->cap;
		f->n--;
	}
}

int sw_nexthop_init(void)
{
	nexthops.nh_h = sw_hash_create("sw_nh", SW_MAX_NH, sizeof(struct sw_nh_key));
	nexthops.grp_h = sw_hash_create("sw_grp", SW_MAX_GROUPS, sizeof(struct sw_nh_group));
	nexthops.groups = rte_zmalloc("sw_groups", SW_MAX_GROUPS * sizeof(*nexthops.groups),
				      RTE_CACHE_LINE_SIZE);
	nexthops.nh = rte_zmalloc("sw_nh_words", SW_MAX_NH * sizeof(*nexthops.nh),
				  RTE_CACHE_LINE_SIZE);
	nexthops.nrec = rte_zmalloc("sw_nh_rec", SW_MAX_NH * sizeof(*nexthops.nrec), 0);
	nexthops.grec = rte_zmalloc("sw_grp_rec", SW_MAX_GROUPS * sizeof(*nexthops.grec), 0);
	if (!nexthops.nh_h || !nexthops.grp_h || !nexthops.groups || !nexthops.nh ||
	    !nexthops.nrec || !nexthops.grec || stack_init(&nexthops.free_nh, SW_MAX_NH) ||
	    stack_init(&nexthops.free_grp, SW_MAX_GROUPS) ||
	    fifo_init(&nexthops.pending_nh, SW_MAX_NH) ||
	    fifo_init(&nexthops.pending_grp, SW_MAX_GROUPS))
		return -1;
	return 0;
}

void sw_nexthop_fini(void)
{
	rte_hash_free(nexthops.nh_h);
	rte_hash_free(nexthops.grp_h);
	rte_free(nexthops.groups);
	rte_free(nexthops.nh);
	rte_free(nexthops.nrec);
	rte_free(nexthops.grec);
	rte_free(nexthops.free_nh.ids);
	rte_free(nexthops.free_grp.ids);
	rte_free(nexthops.pending_nh.e);
	rte_free(nexthops.pending_grp.e);
	memset(&nexthops, 0, sizeof(nexthops));
}

static void nh_key(uint16_t port, uint8_t family, const uint8_t *ip, struct sw_nh_key *k)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = family;
	memcpy(k->ip, ip, sw_af_bytes(family));
}

int sw_nh_find(uint16_t port, uint8_t family, const uint8_t *ip, uint32_t *id)
{
	struct sw_nh_key k;
	void *data;

	nh_key(port, family, ip, &k);
	if (rte_hash_lookup_data(nexthops.nh_h, &k, &data) < 0)
		return -ENOENT;
	*id = (uint32_t)(uintptr_t)data;
	return 0;
}

int sw_nh_get(uint16_t port, uint8_t family, const uint8_t *ip, uint32_t *id)
{
	struct sw_nh_rec *n;

	if (sw_nh_find(port, family, ip, id) == 0)
		return 0;
	if (nexthops.free_nh.n == 0)
		return -ENOSPC;
	*id = nexthops.free_nh.ids[--nexthops.free_nh.n];
	n = &nexthops.nrec[*id];
	memset(n, 0, sizeof(*n));
	nh_key(port, family, ip, &n->key);
	n->in_use = true;
	__atomic_store_n(&nexthops.nh[*id], sw_nh_word(0, port, n->mac), __ATOMIC_RELEASE);
	if (rte_hash_add_key_data(nexthops.nh_h, &n->key, (void *)(uintptr_t)*id) < 0) {
		n->in_use = false;
		nexthops.free_nh.ids[nexthops.free_nh.n++] = *id;
		return -ENOSPC;
	}
	return 0;
}

struct sw_nh_rec *sw_nh_rec(uint32_t id)
{
	return &nexthops.nrec[id];
}

void sw_nh_resolve(uint32_t id, const uint8_t *mac)
{
	struct sw_nh_rec *n = &nexthops.nrec[id];

	nexthops.n_neigh += (mac != NULL) - n->has_neigh;
	n->has_neigh = mac != NULL;
	if (mac != NULL)
		memcpy(n->mac, mac, 6);
	__atomic_store_n(&nexthops.nh[id], sw_nh_word(mac != NULL, n->key.port, n->mac),
			 __ATOMIC_RELEASE);
}

void sw_nh_maybe_release(uint32_t id)
{
	struct sw_nh_rec *n = &nexthops.nrec[id];

	if (!n->in_use || n->refs > 0 || n->has_neigh)
		return;
	rte_hash_del_key(nexthops.nh_h, &n->key);
	n->in_use = false;
	fifo_push(&nexthops.pending_nh, id);
}

int64_t sw_nh_iterate(uint32_t *cursor)
{
	const void *key;
	void *data;

	if (rte_hash_iterate(nexthops.nh_h, &key, &data, cursor) < 0)
		return -1;
	return (int64_t)(uintptr_t)data;
}

uint32_t sw_neighbours_count(void)
{
	return nexthops.n_neigh;
}

int sw_grp_get(const struct sw_nh_group *key, uint32_t *id)
{
	void *data;

	if (rte_hash_lookup_data(nexthops.grp_h, key, &data) >= 0) {
		*id = (uint32_t)(uintptr_t)data;
		nexthops.grec[*id].refs++;
		return 0;
	}
	if (nexthops.free_grp.n == 0)
		return -ENOSPC;
	*id = nexthops.free_grp.ids[--nexthops.free_grp.n];
	nexthops.groups[*id] = *key;
	nexthops.grec[*id] = (struct grp_rec){ .in_use = true, .refs = 1 };
	for (unsigned int i = 0; i < key->n; i++)
		nexthops.nrec[key->nh[i]].refs++;
	if (rte_hash_add_key_data(nexthops.grp_h, key, (void *)(uintptr_t)*id) < 0) {
		for (unsigned int i = 0; i < key->n; i++)
			nexthops.nrec[key->nh[i]].refs--;
		nexthops.grec[*id].in_use = false;
		nexthops.free_grp.ids[nexthops.free_grp.n++] = *id;
		return -ENOSPC;
	}
	/* the group is complete before any FIB entry can point at it */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

void sw_grp_put(uint32_t id)
{
	struct grp_rec *g = &nexthops.grec[id];
	const struct sw_nh_group *k = &nexthops.groups[id];

	if (--g->refs > 0)
		return;
	rte_hash_del_key(nexthops.grp_h, k);
	g->in_use = false;
	fifo_push(&nexthops.pending_grp, id);
	for (unsigned int i = 0; i < k->n; i++) {
		nexthops.nrec[k->nh[i]].refs--;
		sw_nh_maybe_release(k->nh[i]);
	}
}

const struct sw_nh_group *sw_grp(uint32_t id)
{
	return &nexthops.groups[id];
}

uint32_t sw_groups_used(void)
{
	return SW_MAX_GROUPS - nexthops.free_grp.n - nexthops.pending_grp.n;
}

uint64_t sw_nexthop_mem_bytes(void)
{
	/* arrays, and rte_hash's key + data per entry, roughly doubled for buckets */
	return SW_MAX_GROUPS * (sizeof(struct sw_nh_group) + sizeof(struct grp_rec)) +
	       SW_MAX_NH * (sizeof(uint64_t) + sizeof(struct sw_nh_rec)) +
	       2ull * SW_MAX_NH * (sizeof(struct sw_nh_key) + 8) +
	       2ull * SW_MAX_GROUPS * (sizeof(struct sw_nh_group) + 8);
}

static void nexthop_fill(struct sw_fp_config *cfg)
{
	cfg->groups = nexthops.groups;
	cfg->nh = nexthops.nh;
}

static void nexthop_reclaim(uint64_t reclaimed)
{
	fifo_release(&nexthops.pending_grp, &nexthops.free_grp, reclaimed);
	fifo_release(&nexthops.pending_nh, &nexthops.free_nh, reclaimed);
}

static const struct sw_publish_ops nexthop_publish = {
	.name = "next hops",
	.fill = nexthop_fill,
	.reclaim = nexthop_reclaim,
};
SW_PUBLISH_REGISTER(nexthop_publish)

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB's mark and sweep by epoch, per origin: a resync marks (a new
 * epoch), writes again what it sees, then removes in bounded steps the
 * candidates of its origins left in an older epoch; and the audit of the
 * FIB against the RIB, also in bounded steps.
 */
#include <stdlib.h>

#include <rte_hash.h>

#include "core/log.h"
#include "core/publish.h"
#include "l3/fib.h"
#include "l3/nexthop.h"
#include "l3/rib.h"
#include "l3/route.h"

void sw_l3_mark(void)
{
	sw_rib.epoch = (sw_rib.epoch + 1) & EPOCH_MASK;
}

uint8_t sw_l3_epoch(void)
{
	return sw_rib.epoch;
}

/* --- resync: sweep by epoch --- */

static bool stale_in(const struct cand *c, uint32_t mask)
{
	return (mask & (1u << c->origin)) && c->epoch != sw_rib.epoch;
}

int sw_routes_sweep_begin(uint32_t mask)
{
	sw_rib.sweep.n = sw_rib.sweep.pos = sw_rib.sweep.walk = 0;
	sw_rib.sweep.mask = mask;
	sw_rib.sweep.listing = true;
	sw_rib.sweep.failed = false;
	return 0;
}

/* Lists the prefixes with a stale candidate, at most max entries of the
 * RIB walked per call (a full table is walked in bounded parts); true when
 * the walk is done. */
static bool sweep_list(unsigned int max)
{
	const void *key;
	void *data;

	for (unsigned int i = 0; i < max; i++) {
		if (rte_hash_iterate(sw_rib.rib, &key, &data, &sw_rib.sweep.walk) < 0) {
			sw_rib.sweep.listing = false;
			return true;
		}
		const struct rt_key *k = key;
		struct cset s, *stored;
		bool stale = false;

		sw_rib_load(k, (uintptr_t)data, &s, &stored);
		for (unsigned int c = 0; c < s.n && !stale; c++)
			stale = stale_in(&s.c[c], sw_rib.sweep.mask);
		if (!stale)
			continue;
		if (sw_rib.sweep.n == sw_rib.sweep.cap) {
			uint32_t cap = sw_rib.sweep.cap ? 2 * sw_rib.sweep.cap : 1024;
			struct rt_key *keys = realloc(sw_rib.sweep.keys, cap * sizeof(*keys));

			if (keys == NULL) {
				SW_LOG(ERR, "routes: no memory to sweep %u stale routes", cap);
				sw_rib.sweep.listing = false;
				sw_rib.sweep.failed = true;
				return true;
			}
			sw_rib.sweep.keys = keys;
			sw_rib.sweep.cap = cap;
		}
		sw_rib.sweep.keys[sw_rib.sweep.n++] = *k;
	}
	return false;
}

bool sw_routes_sweep_step(unsigned int max, void (*removed)(const struct sw_l3_route *r,
							    enum sw_origin origin, uint32_t metric))
{
	/* the walk first (it changes nothing), then the removals */
	if (sw_rib.sweep.listing && !sweep_list(max * 16))
		return false;
	for (unsigned int done = 0; done < max && sw_rib.sweep.pos < sw_rib.sweep.n; done++) {
		const struct rt_key *k = &sw_rib.sweep.keys[sw_rib.sweep.pos++];
		struct sw_l3_route routes[SW_RT_CANDS_MAX];
		struct cand gone[SW_RT_CANDS_MAX];
		struct cset s, *stored;
		unsigned int n_gone = 0, n = 0;
		void *data;
		char name[64];

		if (rte_hash_lookup_data(sw_rib.rib, k, &data) < 0)
			continue;
		uint64_t d = (uintptr_t)data;

		sw_rib_load(k, d, &s, &stored);
		for (unsigned int i = 0; i < s.n; i++) {
			if (stale_in(&s.c[i], sw_rib.sweep.mask)) {
				sw_rib_route_of(k, s.c[i].gid, &routes[n_gone]);
				gone[n_gone++] = s.c[i];
			} else {
				s.c[n++] = s.c[i];
			}
		}
		if (n_gone == 0)
			continue; /* written again since the sweep began */
		s.n = n;
		sw_publish_make_room();
		sw_route_name(&routes[0], name, sizeof(name));
		if (sw_rib_commit(k, true, d, stored, &s, name, NULL) != 0) {
			SW_LOG(WARNING, "routes: %s: a stale route could not be removed", name);
			continue;
		}
		for (unsigned int i = 0; i < n_gone; i++) {
			sw_grp_put(gone[i].gid);
			if (removed != NULL)
				removed(&routes[i], gone[i].origin, gone[i].metric);
		}
	}
	return sw_rib.sweep.pos >= sw_rib.sweep.n;
}

/* --- audit of the FIB --- */

bool sw_routes_audit_fib(uint32_t *cursor, unsigned int max, uint32_t *fixed)
{
	const void *key;
	void *data;

	for (unsigned int i = 0; i < max; i++) {
		if (rte_hash_iterate(sw_rib.rib, &key, &data, cursor) < 0)
			return true;
		const struct rt_key *k = key;
		uint32_t want = RD_GID((uintptr_t)data), got;

		if (sw_fib_get(k->family, k->ip, k->len, &got) == 0 && got == want)
			continue;
		sw_publish_make_room();
		if (sw_fib_set(k->family, k->ip, k->len, want) == 0) {
			sw_publish_mark_dirty();
			(*fixed)++;
		}
	}
	return false;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops and next-hop groups (main lcore).
 *
 *  - A next hop is (port, family, gateway), deduplicated; an all-zero
 *    gateway means "directly connected": it is resolved by the neighbour
 *    with the destination's own address, so until then such traffic punts
 *    and the kernel resolves it. Its fast-path word holds the neighbour's
 *    MAC once one is known (neigh.c).
 *  - A group is (type, members), deduplicated, reference counted by routes.
 * Both are freed after the grace period of the publish that stopped using
 * them.
 */
#ifndef SW_L3_NEXTHOP_H
#define SW_L3_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

#include "l3/l3.h"

struct sw_nh_key {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
};

struct sw_nh_rec {
	struct sw_nh_key key;
	uint32_t refs; /* groups using it */
	bool in_use;
	bool has_neigh;
	uint8_t neigh_origin; /* SW_ORIGIN_* of the neighbour */
	uint8_t epoch;	      /* when the neighbour was last written (sw_l3_mark) */
	uint8_t mac[6];
	/* a kernel neighbour behind an API one (route.h) */
	bool has_kmac;
	uint8_t kepoch;
	uint8_t kmac[6];
};

/* The epoch entries written now carry (route.c). */
uint8_t sw_l3_epoch(void);

int sw_nexthop_init(void);
void sw_nexthop_fini(void);

/* The next hop of (port, family, ip): found, or created unused. 0 or -ENOSPC. */
int sw_nh_get(uint16_t port, uint8_t family, const uint8_t *ip, uint32_t *id);
/* The existing next hop, or -ENOENT. */
int sw_nh_find(uint16_t port, uint8_t family, const uint8_t *ip, uint32_t *id);
struct sw_nh_rec *sw_nh_rec(uint32_t id);
/* A neighbour for it is now known (mac) or gone (NULL): one atomic store. */
void sw_nh_resolve(uint32_t id, const uint8_t *mac);
/* Not used by a group and without a neighbour: freed after the next grace period. */
void sw_nh_maybe_release(uint32_t id);
/* Walk the next hops: id of the next one from *cursor on (0 first), -1 at the end. */
int64_t sw_nh_iterate(uint32_t *cursor);
uint32_t sw_neighbours_count(void);

/* The group of key (members sorted), found or created; holds a reference. */
int sw_grp_get(const struct sw_nh_group *key, uint32_t *id);
void sw_grp_put(uint32_t id);
const struct sw_nh_group *sw_grp(uint32_t id);
uint32_t sw_groups_used(void);

uint64_t sw_nexthop_mem_bytes(void);

#endif

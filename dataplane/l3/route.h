/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes and neighbours (main lcore): the RIB, with an origin per entry.
 *
 * Every route and neighbour carries the origin that installed it (as VPP's
 * FIB sources do): the API, a neighbour (its attached host route), a
 * kernel address (kernel sync: the local /32 or /128 and the connected
 * prefix), a kernel route. What the API sets wins: kernel sync never
 * replaces or removes it. Kernel sync resynchronises by origin: mark every
 * entry of an origin stale, re-install what the kernel dumps (which clears
 * the mark), sweep what is still stale.
 *
 * Functions return 0 or a negative errno; when e is not NULL it also gets
 * a message naming the entry (for the API and for sync's events).
 */
#ifndef SW_L3_ROUTE_H
#define SW_L3_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "slipway_ctl.h"

/* Who installed an entry: SW_ORIGIN_API, _NEIGH (a neighbour's attached
 * host route), _KADDR (kernel sync: an address on a vEth), _KROUTE (kernel
 * sync: a kernel route), _KNEIGH (kernel sync: a neighbour the kernel
 * resolved), as the ABI defines them (listings report them). */
enum sw_origin { SW_ORIGIN__LAST = SW_ORIGIN_KNEIGH };

struct sw_l3_nh {
	uint16_t port;
	uint8_t gw[16]; /* all zero: directly connected */
};

struct sw_l3_route {
	uint8_t family;	    /* SW_AF_* */
	uint8_t len;	    /* prefix length */
	uint8_t type;	    /* SW_ROUTE_* */
	uint8_t n_nh;	    /* FORWARD: 1..SW_ECMP_MAX */
	uint8_t prefix[16]; /* network order, host bits zero */
	struct sw_l3_nh nh[SW_ECMP_MAX];
};

struct sw_l3_neigh {
	uint16_t port;
	uint8_t family;
	uint8_t ip[16];
	uint8_t mac[6];
};

int sw_routes_init(void);
void sw_routes_fini(void);

/*
 * Adds or replaces the route of r's prefix. A kernel origin does not
 * replace an API route (-EPERM) nor a kernel route of a lower metric that
 * is not stale (returns 1: kept). Errors: -EINVAL (malformed), -ENODEV (a
 * next hop's port does not exist), -ENOSPC (a table is full).
 */
int sw_route_add(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric,
		 struct sw_err *e);
/* Removes the route of r's prefix (family, prefix, len). The API removes any
 * route; another origin only its own (with that metric when metric is not
 * NULL): -EPERM otherwise, -ENOENT when there is none. */
int sw_route_del(const struct sw_l3_route *r, enum sw_origin origin, const uint32_t *metric,
		 struct sw_err *e);
/* The route of r's prefix, its origin and metric; -ENOENT. */
int sw_route_get(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *origin,
		 uint32_t *metric);
/* The longest-prefix match for dst, as the fast path finds it. */
int sw_route_lookup(uint8_t family, const uint8_t *dst, struct sw_l3_route *out, uint32_t *gid);
/* Resync by origin: mark every route of origin stale; remove the stale
 * ones (calling removed for each when not NULL); returns how many. */
void sw_routes_mark(enum sw_origin origin);
uint32_t sw_routes_sweep(enum sw_origin origin, void (*removed)(const struct sw_l3_route *r));
uint32_t sw_routes_count(uint8_t family);
uint32_t sw_routes_count_origin(enum sw_origin origin);

/*
 * Neighbours: (port, family, ip) -> MAC. A neighbour resolves the next hops
 * with that identity and installs an attached host route (/32, /128)
 * unless that prefix has a route. A kernel origin does not replace an API
 * neighbour (-EPERM when the MAC differs, 1 when it is the same).
 */
int sw_neigh_add(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e);
int sw_neigh_del(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e);
int sw_neigh_get(const struct sw_l3_neigh *key, uint8_t mac[6], enum sw_origin *origin);
void sw_neighs_mark(enum sw_origin origin);
uint32_t sw_neighs_sweep(enum sw_origin origin, void (*removed)(const struct sw_l3_neigh *n));

/* Walks: the next entry of family (0: both) from *cursor on (0 first);
 * false at the end. */
bool sw_route_next(uint8_t family, uint32_t *cursor, struct sw_l3_route *out,
		   enum sw_origin *origin);
bool sw_neigh_next(uint8_t family, uint32_t *cursor, struct sw_l3_neigh *out,
		   enum sw_origin *origin);

/* "10.2.0.0/24" */
void sw_route_name(const struct sw_l3_route *r, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes and neighbours (main lcore): the RIB, with an origin per entry.
 *
 * A prefix has candidates (as VPP's FIB sources), one per origin: the API,
 * a neighbour (its attached host route), a kernel address (kernel sync: the
 * local /32 or /128 and the connected prefix), and kernel routes, one per
 * metric (the kernel keeps one route per prefix and metric in a table).
 * The best candidate is active, the one the fast path uses; the others wait
 * behind it and take over when it goes. Best first: the API; then kernel
 * addresses and kernel routes by metric (a kernel address on a tie: its
 * local route has metric 0, its connected prefix 0 in IPv4 and 256 in IPv6,
 * as the kernel's own); then a neighbour's host route.
 *
 * A neighbour (port, family, ip) has one MAC: the API's when it set one,
 * else the kernel's; a kernel neighbour behind an API one is remembered
 * and takes over when the API's goes.
 *
 * Resync (kernel sync) without a marking walk: sw_l3_mark() starts a new
 * epoch; every candidate and neighbour written since carries it; a sweep
 * removes the entries of an origin written before it (stale).
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

#define SW_RT_CANDS_MAX 16u /* candidates of one prefix */

/* sw_route_add results (>= 0) */
#define SW_RT_ACTIVE	0 /* new or changed, and the fast path uses it */
#define SW_RT_BEHIND	1 /* new or changed, behind a better candidate */
#define SW_RT_UNCHANGED 2 /* the same candidate was there (its epoch refreshed) */

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
 * Adds or replaces the candidate of origin (and, for a kernel route,
 * metric) of r's prefix: SW_RT_ACTIVE, SW_RT_BEHIND or SW_RT_UNCHANGED.
 * Errors: -EINVAL (malformed), -ENODEV (a next hop's port does not exist),
 * -ENOSPC (a table is full).
 */
int sw_route_add(const struct sw_l3_route *r, enum sw_origin origin, uint32_t metric,
		 struct sw_err *e);
/* Removes the candidate of origin (a kernel route: of that metric; NULL:
 * every kernel route of the prefix) of r's prefix (family, prefix, len); the
 * next best takes over. -ENOENT when there is none (for the API, with a
 * message saying whose the prefix is when it is another origin's). */
int sw_route_del(const struct sw_l3_route *r, enum sw_origin origin, const uint32_t *metric,
		 struct sw_err *e);
/* The active route of r's prefix, its origin and metric; -ENOENT. */
int sw_route_get(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *origin,
		 uint32_t *metric);
/* The candidate of origin (and metric, for a kernel route) of key's prefix. */
int sw_route_get_cand(const struct sw_l3_route *key, enum sw_origin origin, uint32_t metric,
		      struct sw_l3_route *out);
/* The longest-prefix match for dst, as the fast path finds it. */
int sw_route_lookup(uint8_t family, const uint8_t *dst, struct sw_l3_route *out, uint32_t *gid);
uint32_t sw_routes_count(uint8_t family);
/* Active routes of origin (the ones the fast path uses). */
uint32_t sw_routes_count_origin(enum sw_origin origin);

/* A new epoch: whatever is written from now on is fresh, the rest stale. */
void sw_l3_mark(void);
/*
 * Sweeps the stale candidates of the origins in mask (1u << SW_ORIGIN_*):
 * begin starts it; the first steps list the prefixes that have one (a walk
 * of the RIB, no change, at most 16 * max entries per step), the next ones
 * remove those of at most max prefixes that are still stale,
 * calling removed (when not NULL) with each candidate's route, origin and
 * metric; it returns true when none is left. One sweep at a time.
 */
int sw_routes_sweep_begin(uint32_t mask);
bool sw_routes_sweep_step(unsigned int max,
			  void (*removed)(const struct sw_l3_route *r, enum sw_origin origin,
					  uint32_t metric));
/* Audit of the FIB against the RIB: from *cursor on (0 first), at most max
 * active routes are looked up in the FIB as the fast path's next
 * configuration has it; a missing or different entry is written again and
 * counted in *fixed. Returns true when the walk is done. */
bool sw_routes_audit_fib(uint32_t *cursor, unsigned int max, uint32_t *fixed);

/*
 * Neighbours: (port, family, ip) -> MAC. A neighbour resolves the next hops
 * with that identity and is the candidate of its host route (/32, /128,
 * origin "neighbour"). A kernel neighbour behind an API one is kept (1);
 * sw_neigh_del of the API's lets it take over.
 */
int sw_neigh_add(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e);
int sw_neigh_del(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e);
int sw_neigh_get(const struct sw_l3_neigh *key, uint8_t mac[6], enum sw_origin *origin);
/* Removes the stale neighbours of origin (and the stale kernel MACs kept
 * behind API neighbours); returns how many. */
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

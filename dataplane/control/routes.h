/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes, next hops and neighbours on the control side (main lcore only). */
#ifndef SW_ROUTES_H
#define SW_ROUTES_H

#include "err.h"
#include "l3.h"

struct rte_fib;
struct rte_hash;
struct rte_lpm6;

int sw_routes_init(void);
/* A jhash-keyed rte_hash on this socket (the tables' records, kernel sync's). */
struct rte_hash *sw_hash_create(const char *name, uint32_t entries, uint32_t key_len);
void sw_routes_fini(void);

int sw_route_add(const struct sw_route *r, struct sw_err *e);
int sw_route_del(const struct sw_route *r, struct sw_err *e);
int sw_route_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		  struct sw_err *e);
int sw_neigh_add(const struct sw_neigh *n, struct sw_err *e);
int sw_neigh_del(const struct sw_neigh *n, struct sw_err *e);
int sw_neigh_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		  struct sw_err *e);
/* Exact-match reads for kernel sync (kni/lcp.c), which must not replace what
 * the API set. sw_route_get: the route for key's (family, prefix, prefix_len)
 * into *out (next hops in group order), *neigh_host true when it is a
 * neighbour's attached host route; -1 when there is none. sw_neigh_get: the
 * MAC of key's (port, family, ip); -1 when there is no such neighbour. */
int sw_route_get(const struct sw_route *key, struct sw_route *out, bool *neigh_host);
int sw_neigh_get(const struct sw_neigh *key, uint8_t mac[6]);

/* For the fast-path configuration being built. */
struct rte_fib *sw_routes_fib4(void);
struct rte_lpm6 *sw_routes_lpm6_current(void);
const struct sw_nh_group *sw_routes_groups(void);
const uint64_t *sw_routes_nh(void);
/* Publish hooks: before building generation gen; after every publish up to
 * `reclaimed` is past its grace period (reuse ids, catch up the IPv6 copy). */
void sw_routes_before_publish(uint64_t gen);
void sw_routes_after_grace(uint64_t reclaimed);

uint64_t sw_routes_mem_bytes(void);
uint32_t sw_routes_count(uint8_t family);
uint32_t sw_routes_neighbours(void);
uint32_t sw_routes_groups_used(void);

#endif

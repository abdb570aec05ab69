/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB's inside, shared by the files that make it up (l3/ only; the rest
 * of slipway uses l3/route.h):
 *  - route.c: the RIB itself, its candidates per prefix, add, delete and
 *    look-ups;
 *  - route_nh.c: a route's next hops as a next-hop group and back;
 *  - route_sweep.c: the per-origin mark and sweep by epoch, and the audit
 *    of the FIB against the RIB.
 */
#ifndef SW_L3_RIB_H
#define SW_L3_RIB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "l3/nexthop.h"
#include "l3/route.h"

struct rt_key {
	uint8_t ip[16];
	uint8_t len;
	uint8_t family;
	uint8_t pad[2];
};

/* RIB data: the active candidate. */
#define EPOCH_MASK   0x7fu
#define RD_GID(d)    ((uint32_t)((d)&0xfffffu))
#define RD_ORIGIN(d) ((uint8_t)(((d) >> 20) & 0xfu))
#define RD_EPOCH(d)  ((uint8_t)(((d) >> 24) & EPOCH_MASK))
#define RD_SET	     (1ull << 31) /* other candidates wait: the set is in rib.sets */
#define RD_METRIC(d) ((uint32_t)((d) >> 32))

#define MAX_SETS (1u << 16) /* prefixes with more than one candidate */
#define NO_GID	 UINT32_MAX

struct cand {
	uint32_t gid;
	uint32_t metric;
	uint8_t origin;
	uint8_t epoch;
};

/* Every candidate of a prefix, the active one first. */
struct cset {
	unsigned int n;
	struct cand c[SW_RT_CANDS_MAX];
};

extern struct sw_rib {
	struct rte_hash *rib;
	struct rte_hash *sets; /* rt_key -> struct cset * */
	uint32_t n[2];	       /* prefixes per family */
	uint32_t origin[8];    /* active routes per origin */
	uint8_t epoch;	       /* of what is written now (sw_l3_mark) */
	struct {	       /* the sweep in progress */
		struct rt_key *keys;
		uint32_t n, pos, cap, mask;
		uint32_t walk; /* the RIB walk's cursor while it lists them */
		bool listing;  /* the walk is not done */
		bool failed;   /* out of memory: nothing more is listed */
	} sweep;
} sw_rib;

/* route.c */
/* The candidates of k (data d): a copy in *s, the stored set in *stored. */
void sw_rib_load(const struct rt_key *k, uint64_t d, struct cset *s, struct cset **stored);
/* Puts s (changed) in place of k's candidates (see route.c). */
int sw_rib_commit(const struct rt_key *k, bool had, uint64_t old, struct cset *stored,
		  struct cset *s, const char *name, struct sw_err *e);

/* route_nh.c */
void sw_rib_release_members(const struct sw_nh_group *g);
/* The group key of r: its next hops found or created, sorted. */
int sw_rib_group_of(const struct sw_l3_route *r, const char *name, struct sw_nh_group *g,
		    struct sw_err *e);
/* The route of prefix k through group gid. */
void sw_rib_route_of(const struct rt_key *k, uint32_t gid, struct sw_l3_route *r);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI: neighbours, routes and kernel sync.
 *
 * Requests and responses of the NEIGH_*, ROUTE_* and SYNC_* operations,
 * the SW_EVT_SYNC event.
 *
 * Part of the one definition in slipway_ctl.h, which includes this file
 * (include slipway_ctl.h); checked against the TypeScript side by
 * test/c/abi_dump.c like the rest.
 */
#ifndef SLIPWAY_CTL_L3_H
#define SLIPWAY_CTL_L3_H

#include <stdint.h>

#include "slipway_ctl.h" /* the constants, struct sw_port_ref, SW_AF_* */

/* Addresses are 16 bytes in network order; IPv4 uses the first 4. */
struct sw_neigh {
	uint16_t port;	    /*  0 */
	uint8_t family;	    /*  2 SW_AF_* */
	uint8_t origin;	    /*  3 SW_ORIGIN_* in listings; 0 in requests */
	uint8_t mac[6];	    /*  4 */
	uint16_t reserved1; /* 10 */
	uint32_t reserved2; /* 12 */
	uint8_t ip[16];	    /* 16 */
};

#define SW_ECMP_MAX 8u

/* sw_route.origin, sw_neigh.origin: who installed an entry (listings only) */
#define SW_ORIGIN_API	 1u /* a client */
#define SW_ORIGIN_NEIGH	 2u /* a neighbour: its attached host route */
#define SW_ORIGIN_KADDR	 3u /* kernel sync: an address on a vEth (local and connected routes) */
#define SW_ORIGIN_KROUTE 4u /* kernel sync: a kernel route */
#define SW_ORIGIN_KNEIGH 5u /* kernel sync: a neighbour the kernel resolved */

/* sw_route.type */
#define SW_ROUTE_FORWARD 1u /* to the next hops */
#define SW_ROUTE_LOCAL	 2u /* an address of the host: punt to the ingress vEth */
#define SW_ROUTE_DROP	 3u /* blackhole */

struct sw_nexthop {
	uint16_t port;	    /*  0 output port */
	uint16_t reserved0; /*  2 */
	uint32_t reserved1; /*  4 */
	uint8_t gw[16];	    /*  8 gateway; all zero = directly connected (the
				*    destination itself is the neighbour) */
};

struct sw_route {
	uint8_t family;			   /*   0 SW_AF_* */
	uint8_t prefix_len;		   /*   1 0..32 or 0..128 */
	uint8_t type;			   /*   2 SW_ROUTE_* */
	uint8_t n_nh;			   /*   3 1..SW_ECMP_MAX for FORWARD, else 0 */
	uint8_t origin;			   /*   4 SW_ORIGIN_* in listings; 0 in requests */
	uint8_t reserved0;		   /*   5 */
	uint16_t reserved1;		   /*   6 */
	uint8_t prefix[16];		   /*   8 host bits must be zero */
	struct sw_nexthop nh[SW_ECMP_MAX]; /* 24 */
};

/*
 * ROUTE_GET: the route the fast path would use for a packet to dst (and,
 * for the ECMP member, from src with protocol proto and L4 ports; the same
 * flow hash as the fast path's).
 */
struct sw_route_lookup {
	uint8_t family;	   /*  0 SW_AF_* */
	uint8_t proto;	   /*  1 IP protocol of the flow, 0: none */
	uint16_t sport;	   /*  2 host order; used with TCP and UDP */
	uint16_t dport;	   /*  4 */
	uint16_t reserved; /*  6 */
	uint8_t dst[16];   /*  8 */
	uint8_t src[16];   /* 24 */
};

struct sw_route_match {
	uint8_t found;	       /*   0 1: a route matched; 0: none (the fast path punts) */
	uint8_t member;	       /*   1 index in route.nh of the flow's next hop (FORWARD) */
	uint8_t resolved;      /*   2 1: that next hop's neighbour is known (mac is set) */
	uint8_t reserved0;     /*   3 */
	uint16_t out_port;     /*   4 the port the flow leaves by, SW_PORT_NONE when none */
	uint8_t mac[6];	       /*   6 the neighbour's MAC when resolved */
	uint32_t reserved1;    /*  12 */
	struct sw_route route; /*  16 the matching route (prefix, type, next hops) */
};

/*
 * Kernel sync (linux-cp style). While enabled, slipwayd follows rtnetlink:
 *  - an address on vEthN installs a local route for it (/32, /128) and the
 *    connected prefix through port N (punts until a neighbour is known);
 *  - a neighbour the kernel resolved on vEthN (REACHABLE, STALE, DELAY,
 *    PROBE, PERMANENT, NOARP with a unicast lladdr) becomes a neighbour on
 *    port N; FAILED, INCOMPLETE or deleted removes it;
 *  - a main-table unicast route whose next hops all leave through vEths
 *    becomes a route through those ports (RTA_MULTIPATH: ECMP);
 *    blackhole, unreachable and prohibit routes become drop routes.
 * Enabling it (or --kernel-sync) dumps addresses, neighbours and routes and
 * removes what sync had installed that is gone. Sync removes only what it
 * installed; an entry set through the API is never replaced by sync (the
 * API wins: the kernel's entry is refused, with an event), and one the API
 * replaced after sync installed it is left alone. Disabling removes what
 * sync installed.
 */
struct sw_sync_cfg {
	uint8_t enabled;     /*  0 request: 0 or 1 */
	uint8_t resyncing;   /*  1 response: a full resync is in progress */
	uint16_t reserved0;  /*  2 */
	uint32_t routes;     /*  4 response: routes sync installed (addresses' included) */
	uint32_t neighbours; /*  8 response: neighbours sync installed */
	uint32_t addresses;  /* 12 response: vEth addresses followed */
	uint32_t refused;    /* 16 response: kernel entries refused since enabled */
	uint32_t resyncs;    /* 20 response: full resyncs since enabled */
};

/* sw_evt_sync.what */
#define SW_SYNC_WHAT_NEIGH  1u /* ip, mac, port */
#define SW_SYNC_WHAT_ROUTE  2u /* ip/prefix_len, route_type, n_nh, port and gw of the first */
#define SW_SYNC_WHAT_ADDR   3u /* ip/prefix_len on port's vEth (its local and connected routes) */
#define SW_SYNC_WHAT_RESYNC 4u /* a full resync finished: added, removed, refused, checked */
#define SW_SYNC_WHAT_AUDIT  5u /* a periodic audit finished: what it repaired, checked */
#define SW_SYNC_WHAT_BURST  6u /* more changes in 100 ms than are reported one by one: counts */
/* sw_evt_sync.action */
#define SW_SYNC_ACT_ADDED   1u
#define SW_SYNC_ACT_REMOVED 2u
#define SW_SYNC_ACT_REFUSED 3u /* reason says why */
#define SW_SYNC_ACT_DONE    4u /* resync; reason says what caused it */

struct sw_evt_sync {
	uint8_t what;	    /*  0 SW_SYNC_WHAT_* */
	uint8_t action;	    /*  1 SW_SYNC_ACT_* */
	uint8_t family;	    /*  2 SW_AF_*, 0 for a resync */
	uint8_t prefix_len; /*  3 */
	uint16_t port;	    /*  4 SW_PORT_NONE when none */
	uint8_t route_type; /*  6 SW_ROUTE_* (routes) */
	uint8_t n_nh;	    /*  7 next hops (routes) */
	uint8_t mac[6];	    /*  8 (neighbours) */
	uint16_t reserved0; /* 14 */
	uint8_t ip[16];	    /* 16 address, neighbour or route prefix */
	uint8_t gw[16];	    /* 32 first next hop's gateway (routes) */
	uint32_t added;	    /* 48 resync, burst: entries installed; audit: missing or
			     * different in the fast path (FIB entries rewritten included) */
	uint32_t removed;   /* 52 resync, audit: stale entries removed; burst: removed */
	uint32_t refused;   /* 56 resync, audit, burst: entries refused */
	uint32_t checked;   /* 60 resync, audit: kernel entries compared */
	char reason[48];    /* 64 why refused / what caused a resync (NUL-terminated) */
};

#endif /* SLIPWAY_CTL_L3_H */

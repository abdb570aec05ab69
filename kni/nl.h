/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one rtnetlink reader of an instance (as VPP's lcp_nl): it listens to
 * links, addresses, neighbours, next-hop objects and routes, parses each
 * message into a small struct (every length checked before it is read:
 * kni/nl_parse.c, which needs no DPDK) and hands it to the consumers
 * registered on it (the link mirror, kernel sync), which know nothing of
 * sockets.
 *
 * A full resync dumps addresses, neighbours, next-hop objects and routes in
 * phases, within a time budget per poll. Notifications that arrive during
 * it wait in the socket and are applied after it, in order; those queued
 * before it began are applied before the dumps, or dropped unread when
 * notifications were lost (the dumps are newer than they are, and
 * applying them afterwards could bring back what the kernel deleted
 * since). A phase the kernel flags as interrupted (NLM_F_DUMP_INTR) is
 * dumped again; only after every phase was complete do the consumers
 * sweep what the dumps did not show. A lost notification (ENOBUFS on any
 * socket, a truncated message) schedules a full resync. Main lcore only.
 */
#ifndef SW_KNI_NL_H
#define SW_KNI_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slipway_ctl.h"

#define SW_NL_MAX_NH 16u

struct sw_nl_link {
	int ifindex;
	unsigned int flags; /* IFF_* */
	bool del;
};

struct sw_nl_addr {
	int ifindex;
	uint8_t family; /* SW_AF_* */
	uint8_t len;
	uint8_t ip[16];
	bool del;
};

struct sw_nl_neigh {
	int ifindex;
	uint8_t family;
	uint8_t ip[16];
	uint16_t state; /* NUD_* */
	uint8_t flags;	/* NTF_* */
	bool has_mac;
	uint8_t mac[6];
	bool del;
};

/* A next hop of a route (RTA_OIF/RTA_GATEWAY, or one of RTA_MULTIPATH). */
struct sw_nl_nh {
	int ifindex;
	bool has_gw;
	bool other_family_gw; /* RTA_VIA */
	bool dead;	      /* RTNH_F_DEAD: the kernel does not use it */
	uint8_t gw[16];
};

struct sw_nl_route {
	uint8_t family;
	uint8_t len;
	uint8_t type;	  /* RTN_* */
	uint8_t protocol; /* RTPROT_* */
	uint8_t tos;
	uint32_t table;
	uint32_t metric;
	uint32_t flags; /* RTM_F_* */
	uint8_t dst[16];
	uint32_t nhid; /* a next-hop object (ip nexthop), 0: none */
	uint8_t n_nh;  /* the next hops the message spells out (with nhid: the
			* kernel's expansion, when it gives one) */
	bool too_many_nh;
	bool append; /* NLM_F_APPEND: IPv6 adds next hops to the route */
	struct sw_nl_nh nh[SW_NL_MAX_NH];
	bool del;
};

/* A next-hop object (RTM_NEWNEXTHOP): one next hop, a blackhole or a group. */
struct sw_nl_nexthop {
	uint32_t id;
	uint8_t family; /* SW_AF_* of the gateway; 0 for a group or a blackhole */
	int ifindex;
	bool has_gw;
	bool blackhole;
	bool fdb; /* a bridge's, not for routes */
	uint8_t gw[16];
	uint8_t n_grp; /* a group: its members' ids (weights are not followed) */
	bool too_many;
	uint32_t grp[SW_NL_MAX_NH];
	bool del;
};

/* The dump phases of a resync. */
enum sw_nl_dump { SW_NL_DUMP_ADDR, SW_NL_DUMP_NEIGH, SW_NL_DUMP_NEXTHOP, SW_NL_DUMP_ROUTE };

struct sw_nl_consumer {
	const char *name;
	void (*link)(const struct sw_nl_link *l);
	void (*addr)(const struct sw_nl_addr *a);
	void (*neigh)(const struct sw_nl_neigh *n);
	void (*nexthop)(const struct sw_nl_nexthop *n);
	void (*route)(const struct sw_nl_route *r);
	/* whether it needs the dumps now */
	bool (*wants_dump)(void);
	/* a full resync begins (start a new epoch of what you hold) */
	void (*resync_begin)(void);
	/* a phase's dump ended and was complete */
	void (*dump_done)(enum sw_nl_dump what);
	/* every phase was complete: remove a bounded part of what was not seen;
	 * called again until it returns true */
	bool (*resync_sweep)(void);
	/* the resync ended; complete is false when the dumps may have missed
	 * entries (nothing was swept: another resync follows) */
	void (*resync_end)(bool complete);
	/* the end of a poll that handled messages (now: CLOCK_MONOTONIC ns) */
	void (*batch_end)(uint64_t now_ns);
};

void sw_nl_register(const struct sw_nl_consumer *c);
#define SW_NL_REGISTER(c)                                                 \
	__attribute__((constructor)) static void sw_nl_register_##c(void) \
	{                                                                 \
		sw_nl_register(&c);                                       \
	}
/* The consumers registered, in order. */
const struct sw_nl_consumer *const *sw_nl_consumers(unsigned int *n);

/* Parses one rtnetlink message (its nlmsg_len already checked against the
 * buffer it is in, as NLMSG_OK does) and hands it to the consumers; false
 * when it was not one of theirs or was malformed. */
bool sw_nl_dispatch(const void *nlmsg);
/* Every message of a buffer of len bytes, in order; returns how many. */
unsigned int sw_nl_dispatch_buf(const void *buf, size_t len);

/* Schedules a full resync (cause: for the log, the consumers and the
 * events; a string that outlives the resync). */
void sw_nl_resync(const char *cause);
bool sw_nl_resyncing(void);
/* The cause of the resync in progress (or the last one). */
const char *sw_nl_resync_cause(void);
/* Sends a request to the kernel (no answer is read). 0 or -errno. */
int sw_nl_send(const void *req, size_t len);

/* Counters of the reader, for the sync status and the log. */
struct sw_nl_stats {
	uint64_t messages;   /* notifications handled */
	uint64_t overflows;  /* ENOBUFS or truncated messages */
	uint64_t dumps_intr; /* dump phases repeated (NLM_F_DUMP_INTR) */
	uint64_t dropped;    /* notifications dropped unread at a resync's start */
};
void sw_nl_stats(struct sw_nl_stats *st);

#endif

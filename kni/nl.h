/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one rtnetlink reader of an instance (as VPP's lcp_nl): it listens to
 * links, addresses, neighbours and routes, parses each message into a
 * small struct (every attribute's length checked) and hands it to the
 * consumers registered on it (the link mirror, the kernel-sync router),
 * which know nothing of sockets. A full resync dumps addresses, neighbours
 * and routes in phases, within a time budget per poll; notifications that
 * arrive meanwhile wait in the socket and are applied after it, in order.
 * A lost notification (ENOBUFS) schedules a full resync; a dump the kernel
 * flags as interrupted (NLM_F_DUMP_INTR) is finished but never swept from,
 * and the resync starts over. Main lcore only.
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

struct sw_nl_nh {
	int ifindex;
	bool has_gw;
	bool other_family_gw; /* RTA_VIA */
	uint8_t gw[16];
};

struct sw_nl_route {
	uint8_t family;
	uint8_t len;
	uint8_t type;	  /* RTN_* */
	uint8_t protocol; /* RTPROT_* */
	uint32_t table;
	uint32_t metric;
	uint32_t flags; /* RTM_F_* */
	uint8_t dst[16];
	uint32_t nhid; /* a next-hop object (ip nexthop), 0: none */
	uint8_t n_nh;
	bool too_many_nh;
	struct sw_nl_nh nh[SW_NL_MAX_NH];
	bool del;
};

struct sw_nl_consumer {
	const char *name;
	void (*link)(const struct sw_nl_link *l);
	void (*addr)(const struct sw_nl_addr *a);
	void (*neigh)(const struct sw_nl_neigh *n);
	void (*route)(const struct sw_nl_route *r);
	/* whether it needs dumps of addresses, neighbours and routes now */
	bool (*wants_dump)(void);
	/* a full resync begins (mark what you hold) / ended; complete is false
	 * when the dumps may have missed entries (do not sweep) */
	void (*resync_begin)(void);
	void (*resync_end)(bool complete);
};

void sw_nl_register(const struct sw_nl_consumer *c);
#define SW_NL_REGISTER(c)                                                 \
	__attribute__((constructor)) static void sw_nl_register_##c(void) \
	{                                                                 \
		sw_nl_register(&c);                                       \
	}

/* Schedules a full resync (cause: for the log and the consumers). */
void sw_nl_resync(const char *cause);
bool sw_nl_resyncing(void);
/* The cause of the resync in progress (or the last one). */
const char *sw_nl_resync_cause(void);
/* Sends a request to the kernel (no answer is read). 0 or -errno. */
int sw_nl_send(const void *req, size_t len);

#endif

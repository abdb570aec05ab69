/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L3 forwarding state shared by the control side and the fast path.
 *
 * A route's FIB entry (rte_fib / rte_lpm6 next hop) is a next-hop group id.
 * A group is written once before any FIB entry points at it and freed only
 * after a grace period once nothing does. A next hop is one 64-bit word
 * (resolved bit, port, neighbour MAC) so a neighbour update is a single
 * atomic store; workers never see a torn MAC.
 */
#ifndef SW_L3_L3_H
#define SW_L3_L3_H

#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "slipway_ctl.h"

#define SW_MAX_GROUPS	      (1u << 16)
#define SW_MAX_NH	      (1u << 16)
#define SW_MAX_ROUTES_DEFAULT (1u << 16) /* IPv4; --max-routes */
#define SW_MAX_ROUTES6	      (1u << 14)
#define SW_FIB_MISS	      0x7fffffffu /* rte_fib's next hop when no route matches */

/* next-hop word: bit 63 resolved, bits 48..55 port, bits 0..47 MAC bytes */
#define SW_NH_RESOLVED (1ull << 63)

static inline uint64_t sw_nh_word(int resolved, uint16_t port, const uint8_t mac[6])
{
	uint64_t w = 0;

	memcpy(&w, mac, 6);
	return w | ((uint64_t)(port & 0xff) << 48) | (resolved ? SW_NH_RESOLVED : 0);
}

static inline uint16_t sw_nh_port(uint64_t w)
{
	return (w >> 48) & 0xff;
}

struct sw_nh_group {
	uint8_t type; /* SW_ROUTE_* */
	uint8_t n;    /* members (FORWARD) */
	uint16_t reserved;
	uint32_t nh[SW_ECMP_MAX];
};

/*
 * The ECMP flow hash, one definition for the fast path and for ROUTE_GET.
 * Inputs are the header words as loaded from the packet (network order in
 * memory): the addresses, the protocol, and when has_l4 (TCP and UDP) the
 * first 4 bytes of the L4 header: the source and destination ports.
 */
static inline uint32_t sw_flow_hash4(uint32_t src, uint32_t dst, uint8_t proto, int has_l4,
				     uint32_t l4)
{
	uint32_t h = rte_hash_crc_4byte(src, dst ^ proto);

	return has_l4 ? rte_hash_crc_4byte(l4, h) : h;
}

static inline uint32_t sw_flow_hash6(const uint8_t *src, const uint8_t *dst, uint8_t proto,
				     int has_l4, uint32_t l4)
{
	uint32_t s[4], d[4], h;

	memcpy(s, src, 16);
	memcpy(d, dst, 16);
	h = rte_hash_crc_4byte(s[0] ^ s[1] ^ s[2] ^ s[3], d[0] ^ d[1] ^ d[2] ^ d[3] ^ proto);
	return has_l4 ? rte_hash_crc_4byte(l4, h) : h;
}

/* The member of a group one flow takes. */
static inline unsigned int sw_ecmp_member(const struct sw_nh_group *g, uint32_t h)
{
	return g->n == 1 ? 0 : h % g->n;
}

#endif

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
#ifndef SW_L3_H
#define SW_L3_H

#include <stdint.h>
#include <string.h>

#include "slipway_ctl.h"

#define SW_MAX_GROUPS     (1u << 16)
#define SW_MAX_NH         (1u << 16)
#define SW_MAX_ROUTES_DEFAULT (1u << 16)   /* IPv4; --max-routes */
#define SW_MAX_ROUTES6    (1u << 14)
#define SW_FIB_MISS       0x7fffffffu  /* rte_fib's next hop when no route matches */

/* next-hop word: bit 63 resolved, bits 48..55 port, bits 0..47 MAC bytes */
#define SW_NH_RESOLVED    (1ull << 63)

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
	uint8_t type;      /* SW_ROUTE_* */
	uint8_t n;         /* members (FORWARD) */
	uint16_t reserved;
	uint32_t nh[SW_ECMP_MAX];
};

#endif

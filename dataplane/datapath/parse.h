/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The header walks every packet parser shares (the fast path's classify,
 * the rule key, the vEth offloads): Ethernet with up to two VLAN tags
 * (802.1Q, 802.1ad and the older 0x9100 QinQ), and the L4 ports.
 */
#ifndef SW_DATAPATH_PARSE_H
#define SW_DATAPATH_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#define SW_MAX_VLAN_TAGS 2u

struct sw_l2 {
	uint16_t et;	    /* innermost ethertype, network order */
	uint16_t off;	    /* where the L3 header starts */
	uint8_t tags;	    /* VLAN tags walked */
	uint16_t outer_vid; /* outer VLAN id, host order; 0xffff when untagged */
};

static __rte_always_inline bool sw_is_vlan(uint16_t et)
{
	return et == RTE_BE16(RTE_ETHER_TYPE_VLAN) || et == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	       et == RTE_BE16(RTE_ETHER_TYPE_QINQ1);
}

/* d: a frame of len >= RTE_ETHER_HDR_LEN bytes. 0, or -1 when a tag is
 * truncated or there are more than two (l2 then holds what was walked). */
static __rte_always_inline int sw_parse_l2(const uint8_t *d, uint32_t len, struct sw_l2 *l2)
{
	uint16_t et, tci;

	memcpy(&et, d + 12, 2);
	l2->off = RTE_ETHER_HDR_LEN;
	l2->tags = 0;
	l2->outer_vid = 0xffff;
	while (sw_is_vlan(et)) {
		if (l2->off + 4u > len || l2->tags == SW_MAX_VLAN_TAGS) {
			l2->et = et;
			return -1;
		}
		if (l2->tags == 0) {
			memcpy(&tci, d + l2->off, 2);
			l2->outer_vid = rte_be_to_cpu_16(tci) & 0xfff;
		}
		memcpy(&et, d + l2->off + 2, 2);
		l2->off += 4;
		l2->tags++;
	}
	l2->et = et;
	return 0;
}

/* The first 4 bytes of the L4 header at l4 (source and destination ports,
 * as in the packet) when they are within len. */
static __rte_always_inline bool sw_l4_ports(const uint8_t *d, uint32_t len, uint32_t l4,
					    uint32_t *ports)
{
	if (l4 + 4 > len)
		return false;
	memcpy(ports, d + l4, 4);
	return true;
}

/*
 * The IPv6 extension-header chain after a fixed header at off: walks
 * hop-by-hop, routing, fragment, destination options, AH, mobility, HIP and
 * shim6 headers (at most SW_IPV6_EXT_MAX of them) to the upper-layer
 * protocol. *proto is that protocol, *l4 where its header starts, 0 when
 * the packet is a non-first fragment (it carries no L4 header). Returns -1
 * when the chain is longer than that or runs past len.
 */
#define SW_IPV6_EXT_MAX 8u

static __rte_always_inline bool sw_ipv6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 ||
	       nh == 140;
}

static inline int sw_ipv6_chain(const uint8_t *d, uint32_t len, uint32_t off, uint8_t *proto,
				uint32_t *l4)
{
	uint8_t nh = d[off + 6];
	uint32_t p = off + 40;
	bool first_fragment = true;

	for (unsigned int n = 0; sw_ipv6_is_ext(nh); n++) {
		uint32_t hlen;

		if (n == SW_IPV6_EXT_MAX || p + 8 > len)
			return -1;
		if (nh == 44) { /* fragment: fixed 8 bytes; offset in bits 3..15 */
			uint16_t fo;

			memcpy(&fo, d + p + 2, 2);
			first_fragment = (rte_be_to_cpu_16(fo) >> 3) == 0;
			hlen = 8;
		} else if (nh == 51) {
			hlen = ((uint32_t)d[p + 1] + 2) * 4;
		} else {
			hlen = ((uint32_t)d[p + 1] + 1) * 8;
		}
		nh = d[p];
		p += hlen;
	}
	if (p > len)
		return -1;
	*proto = nh;
	*l4 = first_fragment ? p : 0;
	return 0;
}

#endif

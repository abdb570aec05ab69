/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI: match-action rules.
 *
 * Requests and responses of the RULE_* operations.
 *
 * Part of the one definition in slipway_ctl.h, which includes this file
 * (include slipway_ctl.h); checked against the TypeScript side by
 * test/c/abi_dump.c like the rest.
 */
#ifndef SLIPWAY_CTL_RULES_H
#define SLIPWAY_CTL_RULES_H

#include <stdint.h>

#include "slipway_ctl.h" /* the constants, struct sw_port_ref, SW_AF_* */

/* sw_rule.action */
#define SW_RULE_FORWARD 1u /* send out of out_port as is */
#define SW_RULE_ROUTE	2u /* continue to the routes */
#define SW_RULE_DROP	3u
#define SW_RULE_PUNT	4u /* to the ingress port's vEth */
#define SW_RULE_MIRROR	5u /* a copy to out_port (SW_PORT_NONE: the ingress vEth), then route */
#define SW_RULE_COUNT	6u /* count only, then route */

/*
 * A match-action rule. The highest priority matching rule applies (which
 * of two equal-priority matches applies is unspecified). Unset matches are wildcards: in_port and out_port use
 * SW_PORT_NONE, vlan 0xffff, ethertype/proto 0, MACs all zero, prefixes
 * length 0, port ranges 0..65535. family 0 matches any frame (then no IP
 * fields may be set), 4 or 6 only that IP version.
 */
struct sw_rule {
	uint32_t id;	    /*  0 chosen by the controller, unique */
	uint32_t priority;  /*  4 1..2^29 */
	uint8_t family;	    /*  8 0, SW_AF_INET, SW_AF_INET6 */
	uint8_t proto;	    /*  9 IP protocol, 0 = any */
	uint8_t action;	    /* 10 SW_RULE_* */
	uint8_t reserved0;  /* 11 */
	uint16_t in_port;   /* 12 */
	uint16_t vlan;	    /* 14 outer VLAN id, 0xffff = any */
	uint16_t ethertype; /* 16 innermost, host order, 0 = any */
	uint16_t out_port;  /* 18 FORWARD, MIRROR */
	uint8_t src_mac[6]; /* 20 */
	uint8_t dst_mac[6]; /* 26 */
	uint8_t src_len;    /* 32 prefix lengths */
	uint8_t dst_len;    /* 33 */
	uint16_t sport_lo;  /* 34 L4 port ranges, inclusive */
	uint16_t sport_hi;  /* 36 */
	uint16_t dport_lo;  /* 38 */
	uint16_t dport_hi;  /* 40 */
	uint16_t reserved1; /* 42 */
	uint32_t reserved2; /* 44 */
	uint8_t src[16];    /* 48 */
	uint8_t dst[16];    /* 64 */
};

struct sw_rule_ref {
	uint32_t id;	   /* 0 */
	uint32_t reserved; /* 4 */
};

struct sw_rule_entry {
	struct sw_rule rule; /*  0 */
	uint64_t packets;    /* 80 matched, summed over lcores */
	uint64_t bytes;	     /* 88 */
};

#endif /* SLIPWAY_CTL_RULES_H */

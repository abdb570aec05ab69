/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rte_acl input built per packet: every matchable field at a fixed
 * offset, in network byte order. rte_acl wants a one-byte first field and
 * fields grouped in 4-byte input words (see DPDK's l3fwd-acl).
 */
#ifndef SW_RULES_RULES_KEY_H
#define SW_RULES_RULES_KEY_H

#include <stdint.h>

struct sw_acl_key {
	uint8_t proto; /*  0 word 0 */
	uint8_t pad0[3];
	uint16_t in_port;   /*  4 word 1 */
	uint16_t vlan;	    /*  6 word 1: 0xffff when untagged */
	uint16_t ethertype; /*  8 word 2 */
	uint16_t smac_lo;   /* 10 word 2: bytes 4..5 */
	uint32_t smac_hi;   /* 12 word 3: bytes 0..3 */
	uint32_t dmac_hi;   /* 16 word 4 */
	uint16_t dmac_lo;   /* 20 word 5 */
	uint16_t pad1;
	uint32_t src[4]; /* 24 words 6..9 (IPv4: src[0]) */
	uint32_t dst[4]; /* 40 words 10..13 */
	uint16_t sport;	 /* 56 word 14 */
	uint16_t dport;	 /* 58 word 14 */
} __attribute__((aligned(8)));

/* ACL userdata of a rule: what the fast path needs, no table look-up. */
#define SW_ACL_SLOT(u)	 (((u)&0xffffu) - 1)
#define SW_ACL_ACTION(u) (((u) >> 16) & 0xfu)
#define SW_ACL_OUT(u)	 (((u) >> 20) & 0xffu) /* 0xff: none (the vEth) */
#define SW_ACL_USERDATA(slot, action, out) \
	(((slot) + 1u) | ((uint32_t)(action) << 16) | ((uint32_t)((out)&0xffu) << 20))

/* Per-lcore, per-rule counters (not in the control file: summed on listing). */
struct sw_rule_counter {
	uint64_t packets;
	uint64_t bytes;
};

#endif

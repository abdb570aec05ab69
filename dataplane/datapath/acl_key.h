/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the rte_acl input (struct sw_acl_key) from a frame. */
#ifndef SW_ACL_KEY_H
#define SW_ACL_KEY_H

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "rules_key.h"

/* Fills k; returns 1 when the frame is IPv6 (IPv6 context), else 0. */
static inline int sw_acl_key(struct sw_acl_key *k, uint16_t in_port, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = sizeof(struct rte_ether_hdr), l4 = 0;
	uint16_t et;

	memset(k, 0, sizeof(*k));
	k->in_port = rte_cpu_to_be_16(in_port);
	k->vlan = 0xffff;
	if (unlikely(len < off))
		return 0;
	memcpy(&k->dmac_hi, d, 4);
	memcpy(&k->dmac_lo, d + 4, 2);
	memcpy(&k->smac_hi, d + 6, 4);
	memcpy(&k->smac_lo, d + 10, 2);
	memcpy(&et, d + 12, 2);
	for (int tags = 0; (et == RTE_BE16(RTE_ETHER_TYPE_VLAN) || et == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
			    et == RTE_BE16(RTE_ETHER_TYPE_QINQ1)) && tags < 2; tags++) {
		if (off + 4 > len)
			break;
		if (tags == 0) {
			uint16_t tci;
			memcpy(&tci, d + off, 2);
			k->vlan = rte_cpu_to_be_16(rte_be_to_cpu_16(tci) & 0xfff);
		}
		memcpy(&et, d + off + 2, 2);
		off += 4;
	}
	k->ethertype = et;
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4) && off + sizeof(struct rte_ipv4_hdr) <= len) {
		const struct rte_ipv4_hdr *ip = (const void *)(d + off);
		k->proto = ip->next_proto_id;
		k->src[0] = ip->src_addr;
		k->dst[0] = ip->dst_addr;
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
			l4 = off + (ip->version_ihl & 0xf) * 4u;
	} else if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6) && off + sizeof(struct rte_ipv6_hdr) <= len) {
		const struct rte_ipv6_hdr *ip = (const void *)(d + off);
		k->proto = ip->proto;
		memcpy(k->src, ip->src_addr, 16);
		memcpy(k->dst, ip->dst_addr, 16);
		l4 = off + sizeof(*ip);
		if (l4 && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
			   k->proto == IPPROTO_SCTP) && l4 + 4 <= len) {
			memcpy(&k->sport, d + l4, 2);
			memcpy(&k->dport, d + l4 + 2, 2);
		}
		return 1;
	}
	if (l4 && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP || k->proto == IPPROTO_SCTP) &&
	    l4 + 4 <= len) {
		memcpy(&k->sport, d + l4, 2);
		memcpy(&k->dport, d + l4 + 2, 2);
	}
	return 0;
}

#endif

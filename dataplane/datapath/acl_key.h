/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the rte_acl input (struct sw_acl_key) from a frame. */
#ifndef SW_DATAPATH_ACL_KEY_H
#define SW_DATAPATH_ACL_KEY_H

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "datapath/parse.h"
#include "rules/rules_key.h"

/* Fills k; returns 1 when the frame is IPv6 (IPv6 context), else 0; -1
 * for an IPv6 packet whose extension-header chain is too long or truncated
 * (no rule applies to it: the fast path drops it). The protocol and the L4
 * ports are those after the extension headers, so no proto/port rule is
 * bypassed by adding some; a non-first fragment has no ports (0). */
static inline int sw_acl_key(struct sw_acl_key *k, uint16_t in_port, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, l4 = 0, ports;
	struct sw_l2 l2;
	int v6 = 0;

	memset(k, 0, sizeof(*k));
	k->in_port = rte_cpu_to_be_16(in_port);
	k->vlan = 0xffff;
	if (unlikely(len < RTE_ETHER_HDR_LEN))
		return 0;
	memcpy(&k->dmac_hi, d, 4);
	memcpy(&k->dmac_lo, d + 4, 2);
	memcpy(&k->smac_hi, d + 6, 4);
	memcpy(&k->smac_lo, d + 10, 2);
	sw_parse_l2(d, len, &l2); /* a bad tag stack: the walk so far; classify drops it */
	if (l2.outer_vid != 0xffff)
		k->vlan = rte_cpu_to_be_16(l2.outer_vid);
	k->ethertype = l2.et;
	if (l2.et == RTE_BE16(RTE_ETHER_TYPE_IPV4) && l2.off + sizeof(struct rte_ipv4_hdr) <= len) {
		const struct rte_ipv4_hdr *ip = (const void *)(d + l2.off);

		k->proto = ip->next_proto_id;
		k->src[0] = ip->src_addr;
		k->dst[0] = ip->dst_addr;
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
			l4 = l2.off + (ip->version_ihl & 0xf) * 4u;
	} else if (l2.et == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		   l2.off + sizeof(struct rte_ipv6_hdr) <= len) {
		const struct rte_ipv6_hdr *ip = (const void *)(d + l2.off);

		k->proto = ip->proto;
		memcpy(k->src, ip->src_addr, 16);
		memcpy(k->dst, ip->dst_addr, 16);
		l4 = l2.off + sizeof(*ip);
		if (unlikely(sw_ipv6_is_ext(ip->proto)) &&
		    sw_ipv6_chain(d, len, l2.off, &k->proto, &l4) != 0)
			return -1;
		v6 = 1;
	}
	if (l4 &&
	    (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP || k->proto == IPPROTO_SCTP) &&
	    sw_l4_ports(d, len, l4, &ports)) {
		memcpy(&k->sport, &ports, 2);
		memcpy(&k->dport, (const uint8_t *)&ports + 2, 2);
	}
	return v6;
}

#endif

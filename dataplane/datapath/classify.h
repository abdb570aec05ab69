/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet parse, classify and rewrite for ports without a cross-connect:
 * Ethernet (+ up to two VLAN tags), ARP, IPv4, IPv6; longest-prefix match to
 * a next-hop group; ECMP by flow hash; TTL/hop-limit decrement, RFC 1624
 * incremental IPv4 checksum, MAC rewrite. Everything else gets a punt class
 * (the kernel handles it on the ingress vEth) or a drop reason.
 *
 * Returns a verdict: an output port, SW_V_PUNT + a punt class (SW_PUNT_*,
 * which the punt policer meters), SW_V_DROP + the reason (its SW_L3_*
 * counter: a capture of the drop point names it), or SW_V_LOOKUP4 (an IPv4
 * destination to look up in bulk, then sw_ipv4_routed()); the reason
 * counter is bumped here, routed packets are added to *routed (the caller
 * stores the burst's total once).
 */
#ifndef SW_DATAPATH_CLASSIFY_H
#define SW_DATAPATH_CLASSIFY_H

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "core/fp.h"
#include "core/stats.h"
#include "datapath/parse.h"
#include "l3/l3.h"

#define SW_V_PUNT    0xfff0u /* + SW_PUNT_*: to the ingress vEth, in that class */
#define SW_V_LOOKUP4 0xfffdu /* IPv4: look up *dst, then sw_ipv4_routed() */
#define SW_V_DROP    0xff80u /* + enum sw_l3_counter: dropped for that reason */

/* The reason of a drop verdict (its SW_L3_* counter), or -1. */
static __rte_always_inline int sw_v_drop_reason(uint16_t v)
{
	return v >= SW_V_DROP && v < SW_V_DROP + SW_L3__COUNT ? (int)(v - SW_V_DROP) : -1;
}

#define ND_FIRST 133u /* router solicitation .. redirect */
#define ND_LAST	 137u

/* DPDK's rte_be_to_cpu_16 is inline asm (xchgb) the compiler cannot fold */
#define SW_BE16(x) __builtin_bswap16(x)
#define SW_BE32(x) __builtin_bswap32(x)

/* The punt class of a reason, for frames that are not ICMP. */
static __rte_always_inline unsigned int sw_punt_class(enum sw_l3_counter c)
{
	switch (c) {
	case SW_L3_punt_arp:
	case SW_L3_punt_nd:
		return SW_PUNT_ARP;
	case SW_L3_punt_local:
	case SW_L3_punt_mcast:
		return SW_PUNT_HOST;
	default:
		return SW_PUNT_OTHER;
	}
}

/* Punt for reason c (a constant at every call site, so the class folds). */
static __rte_always_inline uint16_t sw_punt(struct sw_l3_counters *pc, enum sw_l3_counter c)
{
	sw_count_l3(pc, c, 1);
	return SW_V_PUNT + sw_punt_class(c);
}

/* Punt an IP packet with protocol (IPv6: next header) proto: ICMP has its
 * own class whatever the reason. */
static __rte_always_inline uint16_t sw_punt_ip(struct sw_l3_counters *pc, enum sw_l3_counter c,
					       uint8_t proto)
{
	sw_count_l3(pc, c, 1);
	return SW_V_PUNT + ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) ? SW_PUNT_ICMP
									       : sw_punt_class(c));
}

static __rte_always_inline uint16_t sw_drop(struct sw_l3_counters *pc, enum sw_l3_counter c)
{
	sw_count_l3(pc, c, 1);
	return SW_V_DROP + c;
}

/* Chosen member of a group: one flow always takes the same path. */
static __rte_always_inline uint32_t sw_ecmp(const struct sw_nh_group *g, uint32_t h)
{
	return g->nh[sw_ecmp_member(g, h)];
}

/* Resolve the next hop and rewrite L2; returns the output port or a verdict
 * (l3_len: the IP packet's length, for the output port's MTU; proto: its
 * protocol, for the punt class). */
static __rte_always_inline uint16_t sw_l2_rewrite(const struct sw_fp_config *cfg,
						  struct rte_ether_hdr *eh, uint32_t nh,
						  struct sw_l3_counters *pc, uint32_t *routed,
						  uint32_t l3_len, uint8_t proto)
{
	uint64_t w = __atomic_load_n(&cfg->nh[nh], __ATOMIC_ACQUIRE);
	uint16_t out;

	if (unlikely(!(w & SW_NH_RESOLVED)))
		return sw_punt_ip(pc, SW_L3_punt_no_neigh, proto);
	out = sw_nh_port(w);
	if (unlikely(!cfg->port[out].active))
		return sw_drop(pc, SW_L3_drop_port_down);
	/* too big for the way out: the kernel answers (ICMP) or fragments it */
	if (unlikely(l3_len > cfg->port[out].mtu))
		return sw_punt_ip(pc, SW_L3_punt_mtu, proto);
	/* both MACs in two stores: the next hop's (the word's low 48 bits) and
	 * the first two bytes of the port's, then the port's other four */
	uint16_t s01;
	uint32_t s25;
	uint64_t d;

	memcpy(&s01, &cfg->port[out].mac.addr_bytes[0], 2);
	memcpy(&s25, &cfg->port[out].mac.addr_bytes[2], 4);
	RTE_BUILD_BUG_ON(RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN);
	d = (w & 0xffffffffffffull) | (uint64_t)s01 << 48;
	memcpy(eh, &d, 8);
	memcpy((uint8_t *)eh + 8, &s25, 4);
	(*routed)++;
	return out;
}

/*
 * TTL - 1 with the header checksum updated by RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m'), m = the TTL/protocol word. One's-complement sums
 * do not care about byte order, so it runs on the raw words as loaded
 * (little-endian): there TTL is the low byte of m and is at least 2, so
 * m' = m - 1 with no borrow and ~m + m' = 0xfffe exactly.
 */
static __rte_always_inline void sw_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t sum = (uint16_t)~ip->hdr_checksum + 0xfffeu;

	RTE_BUILD_BUG_ON(RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN);
	ip->time_to_live--;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
}

/*
 * The IPv4 header checksum (RFC 1812 5.2.2): the port's verdict when it
 * checked it, else the one's-complement sum of the 20-byte header, which
 * is 0xffff when it is right.
 */
static __rte_always_inline bool sw_ipv4_cksum_ok(const struct rte_mbuf *m,
						 const struct rte_ipv4_hdr *ip)
{
	const uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t w[5];
	uint64_t s;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	memcpy(w, ip, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* First octets an IPv4 address must not have to be routed as it is: 0/8,
 * 127/8, 224/4 and 240/4 (RFC 1812 5.3.7) for source and destination
 * alike; the slow path tells them apart. */
#define SW_V4_SPECIAL(o) ((o) == 0 || (o) == 127 || (o) >= 224)
static const uint8_t sw_v4_special[256] = {
	[0] = 1,   [127] = 1, [224] = 1, [225] = 1, [226] = 1, [227] = 1, [228] = 1,
	[229] = 1, [230] = 1, [231] = 1, [232] = 1, [233] = 1, [234] = 1, [235] = 1,
	[236] = 1, [237] = 1, [238] = 1, [239] = 1, [240] = 1, [241] = 1, [242] = 1,
	[243] = 1, [244] = 1, [245] = 1, [246] = 1, [247] = 1, [248] = 1, [249] = 1,
	[250] = 1, [251] = 1, [252] = 1, [253] = 1, [254] = 1, [255] = 1,
};

/*
 * IPv4 in two steps, so a burst's FIB look-ups go to rte_fib in one bulk
 * call: sw_ipv4() checks the header and returns SW_V_LOOKUP4 with the
 * destination in *dst (host order), or a verdict; sw_ipv4_routed() takes
 * the look-up's group and finishes (TTL, next hop, rewrite). Only untagged
 * frames get here: the IPv4 header is at 14.
 *
 * What the host receives (multicast, broadcast, link-local) is punted
 * before the checks on what a router may forward (RFC 1812 5.3.7): a
 * martian destination or source is dropped, each with its counter.
 */
static __rte_always_inline uint16_t sw_ipv4(struct rte_mbuf *m, struct rte_ether_hdr *eh,
					    struct sw_l3_counters *pc, uint32_t *dst)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	const uint32_t off = sizeof(*eh);
	uint32_t ihl, tl, d0, s0;

	if (unlikely(off + sizeof(*ip) > m->data_len))
		return sw_drop(pc, SW_L3_drop_malformed);
	tl = SW_BE16(ip->total_length);
	if (likely(ip->version_ihl == 0x45)) { /* no options: the common case */
		if (unlikely(tl < sizeof(*ip) || off + tl > m->pkt_len))
			return sw_drop(pc, SW_L3_drop_malformed);
	} else {
		ihl = (ip->version_ihl & 0xf) * 4u;
		if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || off + ihl > m->data_len ||
		    tl < ihl || off + tl > m->pkt_len)
			return sw_drop(pc, SW_L3_drop_malformed);
		return sw_punt_ip(pc, SW_L3_punt_options, ip->next_proto_id);
	}
	if (unlikely(!sw_ipv4_cksum_ok(m, ip)))
		return sw_drop(pc, SW_L3_drop_bad_cksum);
	*dst = SW_BE32(ip->dst_addr);
	d0 = *dst >> 24;
	s0 = ((const uint8_t *)&ip->src_addr)[0];
	/* one test for the common case: neither address special */
	if (likely(!(sw_v4_special[d0] | sw_v4_special[s0]) && (*dst >> 16) != 0xa9fe))
		return SW_V_LOOKUP4;
	if (SW_V4_SPECIAL(d0) || (*dst >> 16) == 0xa9fe) {
		if ((d0 >> 4) == 0xe || *dst == UINT32_MAX)
			return sw_punt_ip(pc, SW_L3_punt_mcast, ip->next_proto_id);
		if ((*dst >> 16) == 0xa9fe) /* 169.254/16: on-link, the host's */
			return sw_punt_ip(pc, SW_L3_punt_local, ip->next_proto_id);
		return sw_drop(pc, SW_L3_drop_martian_dst);
	}
	return sw_drop(pc, SW_L3_drop_martian_src);
}

static __rte_always_inline uint16_t sw_ipv4_routed(const struct sw_fp_config *cfg,
						   struct rte_mbuf *m, uint64_t gid,
						   struct sw_l3_counters *pc, uint32_t *routed)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	const struct sw_nh_group *g;
	const uint8_t *src = (const uint8_t *)&ip->src_addr;

	if (unlikely(gid == SW_FIB_MISS))
		return sw_punt_ip(pc, SW_L3_punt_no_route, ip->next_proto_id);
	g = &cfg->groups[gid];
	if (g->type != SW_ROUTE_FORWARD)
		return g->type == SW_ROUTE_LOCAL
			       ? sw_punt_ip(pc, SW_L3_punt_local, ip->next_proto_id)
			       : sw_drop(pc, SW_L3_drop_route);
	if (unlikely(src[0] == 169 && src[1] == 254))
		return sw_drop(pc, SW_L3_drop_link_local);
	if (unlikely(ip->time_to_live <= 1))
		return sw_punt_ip(pc, SW_L3_punt_ttl, ip->next_proto_id);

	uint32_t h = 0, ports = 0;
	if (g->n > 1) {
		bool l4 = (ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
			  sw_l4_ports((const uint8_t *)eh, m->data_len, sizeof(*eh) + sizeof(*ip),
				      &ports);
		h = sw_flow_hash4(ip->src_addr, ip->dst_addr, ip->next_proto_id, l4, ports);
	}
	uint16_t out = sw_l2_rewrite(cfg, eh, sw_ecmp(g, h), pc, routed, SW_BE16(ip->total_length),
				     ip->next_proto_id);
	if (out < SW_MAX_PORTS)
		sw_ipv4_ttl_dec(ip);
	return out;
}

/* ICMPv6 router/neighbour solicitation, advertisement or redirect. */
static __rte_always_inline bool sw_ipv6_is_nd(const struct rte_mbuf *m,
					      const struct rte_ether_hdr *eh, uint32_t off)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)((const uint8_t *)eh + off);

	if (off + sizeof(*ip) >= m->data_len || ip->proto != IPPROTO_ICMPV6)
		return false;
	uint8_t type = *((const uint8_t *)(ip + 1));
	return type >= ND_FIRST && type <= ND_LAST;
}

/* :: and ::1 */
static __rte_always_inline bool sw_ipv6_unspec_or_loopback(const uint8_t *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	return hi == 0 && (lo == 0 || lo == RTE_BE64(1));
}

/*
 * IPv6 (RFC 8200, RFC 4291): what the host receives (neighbour discovery,
 * multicast, link-local) is punted; then a martian destination (::, ::1)
 * or source (multicast, ::, ::1) is dropped, hop-by-hop options go to the
 * kernel (routers process them), and an extension-header chain too long or
 * truncated is dropped; a link-local source never leaves its link.
 */
static __rte_always_inline uint16_t sw_ipv6(const struct sw_fp_config *cfg, struct rte_mbuf *m,
					    struct rte_ether_hdr *eh, uint32_t off,
					    struct sw_l3_counters *pc, uint32_t *routed)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)((uint8_t *)eh + off);
	const struct sw_nh_group *g;
	uint32_t gid, l4;
	uint8_t proto;

	if (unlikely(off + sizeof(*ip) > m->data_len))
		return sw_drop(pc, SW_L3_drop_malformed);
	if (unlikely((SW_BE32(ip->vtc_flow) >> 28) != 6 ||
		     off + sizeof(*ip) + SW_BE16(ip->payload_len) > m->pkt_len))
		return sw_drop(pc, SW_L3_drop_malformed);
	if (sw_ipv6_is_nd(m, eh, off))
		return sw_punt(pc, SW_L3_punt_nd);
	if (unlikely(ip->dst_addr[0] == 0xff))
		return sw_punt_ip(pc, SW_L3_punt_mcast, ip->proto);
	if (unlikely(ip->dst_addr[0] == 0xfe && (ip->dst_addr[1] & 0xc0) == 0x80))
		return sw_punt_ip(pc, SW_L3_punt_local, ip->proto);
	if (unlikely(sw_ipv6_unspec_or_loopback(ip->dst_addr)))
		return sw_drop(pc, SW_L3_drop_martian_dst);
	if (unlikely(ip->src_addr[0] == 0xff || sw_ipv6_unspec_or_loopback(ip->src_addr)))
		return sw_drop(pc, SW_L3_drop_martian_src);
	if (unlikely(sw_ipv6_is_ext(ip->proto))) {
		if (ip->proto == 0)
			return sw_punt(pc, SW_L3_punt_hop_by_hop);
		if (sw_ipv6_chain((const uint8_t *)eh, m->data_len, off, &proto, &l4) != 0)
			return sw_drop(pc, SW_L3_drop_ext_hdr);
	}
	if (rte_lpm6_lookup(cfg->lpm6, ip->dst_addr, &gid) != 0 &&
	    (gid = cfg->default6) == SW_FIB_MISS)
		return sw_punt_ip(pc, SW_L3_punt_no_route, ip->proto);
	g = &cfg->groups[gid];
	if (g->type != SW_ROUTE_FORWARD)
		return g->type == SW_ROUTE_LOCAL ? sw_punt_ip(pc, SW_L3_punt_local, ip->proto)
						 : sw_drop(pc, SW_L3_drop_route);
	if (unlikely(ip->src_addr[0] == 0xfe && (ip->src_addr[1] & 0xc0) == 0x80))
		return sw_drop(pc, SW_L3_drop_link_local);
	if (unlikely(ip->hop_limits <= 1))
		return sw_punt_ip(pc, SW_L3_punt_ttl, ip->proto);

	uint32_t h = 0, ports = 0;
	if (g->n > 1) {
		bool has_l4 = (ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP) &&
			      sw_l4_ports((const uint8_t *)eh, m->data_len, off + sizeof(*ip),
					  &ports);
		h = sw_flow_hash6(ip->src_addr, ip->dst_addr, ip->proto, has_l4, ports);
	}
	uint16_t out = sw_l2_rewrite(cfg, eh, sw_ecmp(g, h), pc, routed,
				     sizeof(*ip) + SW_BE16(ip->payload_len), ip->proto);
	if (out < SW_MAX_PORTS)
		ip->hop_limits--;
	return out;
}

static __rte_always_inline uint16_t sw_classify(const struct sw_fp_config *cfg, uint16_t in,
						struct rte_mbuf *m, struct sw_l3_counters *pc,
						uint32_t *routed, uint32_t *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct sw_l2 l2;
	uint32_t off;
	uint16_t et;

	if (unlikely(m->data_len < sizeof(*eh)))
		return sw_drop(pc, SW_L3_drop_malformed);
	if (unlikely(eh->src_addr.addr_bytes[0] & 1)) /* no station sends from a group address */
		return sw_drop(pc, SW_L3_drop_src_mac);
	et = eh->ether_type;
	/* untagged unicast IPv4 to this port: the common case, straight on */
	if (likely(et == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		   rte_is_same_ether_addr(&eh->dst_addr, &cfg->port[in].mac)))
		return sw_ipv4(m, eh, pc, dst);
	if (unlikely(sw_parse_l2((const uint8_t *)eh, m->data_len, &l2) != 0))
		return sw_drop(pc, SW_L3_drop_malformed);
	et = l2.et;
	off = l2.off;
	if (et == RTE_BE16(RTE_ETHER_TYPE_ARP))
		return sw_punt(pc, SW_L3_punt_arp);
	if (et != RTE_BE16(RTE_ETHER_TYPE_IPV4) && et != RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return sw_punt(pc, SW_L3_punt_non_ip);
	if (unlikely(eh->dst_addr.addr_bytes[0] & 1)) { /* ND first: NS go to multicast MACs */
		const bool v6 = et == RTE_BE16(RTE_ETHER_TYPE_IPV6);
		const uint32_t proto_at = off + (v6 ? 6u : 9u); /* next header / protocol */

		if (v6 && sw_ipv6_is_nd(m, eh, off))
			return sw_punt(pc, SW_L3_punt_nd);
		return sw_punt_ip(pc, SW_L3_punt_mcast,
				  proto_at < m->data_len ? *((const uint8_t *)eh + proto_at) : 0);
	}
	/* tagged IP belongs to the kernel's VLAN interfaces; a frame for another
	 * station (a promiscuous port receives them) is routed by no one: the
	 * kernel sees it on the vEth */
	if (unlikely(l2.tags > 0 || !rte_is_same_ether_addr(&eh->dst_addr, &cfg->port[in].mac)))
		return sw_punt(pc, SW_L3_punt_other);
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return sw_ipv4(m, eh, pc, dst);
	return sw_ipv6(cfg, m, eh, off, pc, routed);
}

#endif

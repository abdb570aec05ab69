/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EXPLAIN: a frame made from the request goes through the fast path's own
 * classification (datapath/trace.h) on the published configuration, as if
 * received on in_port; the answer is a trace record, named as TRACE_READ
 * names them. Nothing is counted, sent or punted.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "capture/capture.h"
#include "core/api.h"
#include "core/fp.h"
#include "datapath/trace.h"
#include "l3/nexthop.h"
#include "l3/route.h"
#include "port/port.h"
#include "rules/rules.h"

void sw_trace_names(const struct sw_trace_raw *r, struct sw_trace *out)
{
	*out = r->t;
	if (out->flags & SW_TRACE_F_RULE) {
		struct sw_rule rule;

		if (sw_rule_in_force(r->rule_slot, &rule)) {
			out->rule_id = rule.id;
			out->rule_priority = rule.priority;
		} else {
			out->flags |= SW_TRACE_F_STALE; /* deleted since */
		}
	}
	if (out->flags & SW_TRACE_F_FOUND) {
		struct sw_l3_route rt;
		uint32_t gid;

		if (sw_route_lookup(out->family, out->dst, &rt, &gid) == 0) {
			out->prefix_len = rt.len;
			memcpy(out->prefix, rt.prefix, sizeof(out->prefix));
			if (gid != out->group)
				out->flags |= SW_TRACE_F_STALE;
		} else {
			out->flags |= SW_TRACE_F_STALE;
		}
		if (out->route_type == SW_ROUTE_FORWARD) {
			const struct sw_nh_rec *n = sw_nh_rec(r->nh);

			if (n != NULL && n->in_use)
				memcpy(out->gw, n->key.ip, sizeof(out->gw));
		}
	}
}

/* The frame: Ethernet (a VLAN tag), IPv4 or IPv6, the L4 header. */
static uint32_t build(const struct sw_explain *q, const struct sw_fp_config *cfg, uint8_t *d,
		      uint32_t *pkt_len)
{
	static const uint8_t default_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	const bool v4 = q->family == SW_AF_INET;
	const uint32_t l3h = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint32_t l4h, off = RTE_ETHER_HDR_LEN, ip_len;
	uint8_t *l4;

	switch (q->proto) {
	case IPPROTO_TCP:
		l4h = sizeof(struct rte_tcp_hdr);
		break;
	default:
		l4h = 8; /* UDP, ICMP echo, anything else: 8 bytes */
	}
	ip_len = RTE_MAX((uint32_t)q->length, l3h + l4h);
	memcpy(d, q->flags & SW_EXPLAIN_DST_MAC ? q->dst_mac : cfg->port[q->in_port].mac.addr_bytes,
	       6);
	memcpy(d + 6, q->flags & SW_EXPLAIN_SRC_MAC ? q->src_mac : default_src, 6);
	if (q->vlan != 0xffff) {
		*(uint16_t *)(d + 12) = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		*(uint16_t *)(d + 14) = rte_cpu_to_be_16(q->vlan);
		off += 4;
	}
	*(uint16_t *)(d + off - 2) = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4)
					: RTE_BE16(RTE_ETHER_TYPE_IPV6);
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + off);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
		ip->time_to_live = q->ttl ? q->ttl : 64;
		ip->next_proto_id = q->proto;
		memcpy(&ip->src_addr, q->src, 4);
		memcpy(&ip->dst_addr, q->dst, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + off);

		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(ip_len - l3h));
		ip->proto = q->proto;
		ip->hop_limits = q->ttl ? q->ttl : 64;
		memcpy(ip->src_addr, q->src, 16);
		memcpy(ip->dst_addr, q->dst, 16);
	}
	l4 = d + off + l3h;
	if (q->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = rte_cpu_to_be_16(q->sport);
		t->dst_port = rte_cpu_to_be_16(q->dport);
		t->data_off = 5 << 4;
		t->tcp_flags = RTE_TCP_SYN_FLAG;
	} else if (q->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = rte_cpu_to_be_16(q->sport);
		u->dst_port = rte_cpu_to_be_16(q->dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len - l3h));
	} else if (q->proto == IPPROTO_ICMP) {
		l4[0] = 8; /* echo request */
	} else if (q->proto == IPPROTO_ICMPV6) {
		l4[0] = 128;
	}
	*pkt_len = off + ip_len;
	return off + l3h + l4h;
}

static int explain(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_explain *q = req;
	const struct sw_fp_config *cfg = __atomic_load_n(&sw_fp_current, __ATOMIC_ACQUIRE);
	struct {
		struct rte_mbuf m;
		uint8_t data[128];
	} f;
	struct sw_trace_raw r;
	uint32_t pkt_len;

	if (!sw_port_exists(q->in_port))
		return sw_fail(e, SW_ST_NO_PORT, "explain: no port %u", q->in_port);
	if (q->family != SW_AF_INET && q->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "explain: family %u: expected %u or %u", q->family,
			       SW_AF_INET, SW_AF_INET6);
	if (q->vlan != 0xffff && q->vlan > 4095)
		return sw_fail(e, SW_ST_RANGE, "explain: VLAN %u: expected 0..4095", q->vlan);
	if (q->flags & ~(SW_EXPLAIN_SRC_MAC | SW_EXPLAIN_DST_MAC))
		return sw_fail(e, SW_ST_INVALID, "explain: unknown flags 0x%x", q->flags);
	memset(&f, 0, sizeof(f));
	uint32_t built = build(q, cfg, f.data, &pkt_len);

	f.m.buf_addr = f.data;
	f.m.buf_len = sizeof(f.data);
	f.m.data_len = (uint16_t)RTE_MAX(built, RTE_MIN(pkt_len, (uint32_t)sizeof(f.data)));
	f.m.pkt_len = pkt_len;
	f.m.nb_segs = 1;
	sw_trace_classify(cfg, q->in_port, &f.m, &r);
	r.t.flags |= SW_TRACE_F_EXPLAIN;
	r.t.queue = SW_PORT_NONE;
	r.t.lcore = SW_PORT_NONE;
	sw_trace_names(&r, resp);
	*resp_len = sizeof(struct sw_trace);
	return 0;
}

static const struct sw_api_handler explain_handlers[] = {
	{ SW_OP_EXPLAIN, "EXPLAIN", SW_API_SIZE(struct sw_explain), explain, SW_API_READ },
};
SW_API_REGISTER(explain_handlers)

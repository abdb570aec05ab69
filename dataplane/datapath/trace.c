/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * See trace.h. The copy keeps the fast path's inputs as they were: the
 * first segment's bytes (up to SW_TRACE_COPY_MAX), the packet's length and
 * the port's checksum verdict; classify may rewrite the copy (MACs, TTL),
 * never the packet. Counters go to a scratch set: the one that moved names
 * the reason of a punt or a drop.
 */
#include <string.h>

#include <rte_acl.h>
#include <rte_fib.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>

#include "datapath/acl_key.h"
#include "datapath/classify.h"
#include "datapath/trace.h"

struct copy {
	struct rte_mbuf m;
	uint8_t data[SW_TRACE_COPY_MAX];
};

static void make_copy(struct copy *c, const struct rte_mbuf *m)
{
	uint32_t n = RTE_MIN((uint32_t)m->data_len, SW_TRACE_COPY_MAX);

	memset(&c->m, 0, sizeof(c->m));
	memcpy(c->data, rte_pktmbuf_mtod(m, const uint8_t *), n);
	c->m.buf_addr = c->data;
	c->m.buf_len = sizeof(c->data);
	c->m.data_off = 0;
	c->m.data_len = (uint16_t)n;
	c->m.pkt_len = m->pkt_len;
	c->m.nb_segs = 1;
	c->m.ol_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
}

/* The headers as received, from the rule key (the fields rules match). */
static void headers(struct sw_trace *t, const struct sw_acl_key *k, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sw_l2 l2;

	t->pkt_len = m->pkt_len;
	t->vlan = rte_be_to_cpu_16(k->vlan);
	t->ethertype = rte_be_to_cpu_16(k->ethertype);
	if (m->data_len < RTE_ETHER_HDR_LEN)
		return;
	memcpy(t->dst_mac, d, 6);
	memcpy(t->src_mac, d + 6, 6);
	sw_parse_l2(d, m->data_len, &l2);
	t->tags = l2.tags;
	if (l2.et == RTE_BE16(RTE_ETHER_TYPE_IPV4) && l2.off + 20u <= m->data_len) {
		t->family = SW_AF_INET;
		t->ttl = d[l2.off + 8];
		memcpy(t->src, k->src, 4);
		memcpy(t->dst, k->dst, 4);
	} else if (l2.et == RTE_BE16(RTE_ETHER_TYPE_IPV6) && l2.off + 40u <= m->data_len) {
		t->family = SW_AF_INET6;
		t->ttl = d[l2.off + 7];
		memcpy(t->src, k->src, 16);
		memcpy(t->dst, k->dst, 16);
	}
	if (t->family != 0) {
		t->proto = k->proto;
		t->sport = rte_be_to_cpu_16(k->sport);
		t->dport = rte_be_to_cpu_16(k->dport);
	}
}

/* The group a route look-up gave, the flow's member and its next hop, as
 * sw_ipv4_routed() and sw_ipv6() pick them (same hash, same inputs). */
static void route(const struct sw_fp_config *cfg, struct sw_trace_raw *r, uint32_t gid,
		  const uint8_t *eh, uint32_t len, uint32_t l3)
{
	struct sw_trace *t = &r->t;
	const struct sw_nh_group *g;
	uint32_t h = 0, ports = 0;

	t->flags |= SW_TRACE_F_ROUTE;
	if (gid == SW_FIB_MISS)
		return;
	g = &cfg->groups[gid];
	t->flags |= SW_TRACE_F_FOUND;
	t->group = gid;
	t->route_type = g->type;
	t->n_nh = g->n;
	if (g->type != SW_ROUTE_FORWARD)
		return;
	if (g->n > 1) {
		if (t->family == SW_AF_INET) {
			const struct rte_ipv4_hdr *ip = (const void *)(eh + l3);
			bool l4 = (ip->next_proto_id == IPPROTO_TCP ||
				   ip->next_proto_id == IPPROTO_UDP) &&
				  sw_l4_ports(eh, len, l3 + sizeof(*ip), &ports);

			h = sw_flow_hash4(ip->src_addr, ip->dst_addr, ip->next_proto_id, l4, ports);
		} else {
			const struct rte_ipv6_hdr *ip = (const void *)(eh + l3);
			bool l4 = (ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP) &&
				  sw_l4_ports(eh, len, l3 + sizeof(*ip), &ports);

			h = sw_flow_hash6(ip->src_addr, ip->dst_addr, ip->proto, l4, ports);
		}
	}
	t->flow_hash = h;
	t->member = (uint8_t)sw_ecmp_member(g, h);
	r->nh = g->nh[t->member];

	uint64_t w = __atomic_load_n(&cfg->nh[r->nh], __ATOMIC_ACQUIRE);

	t->resolved = (w & SW_NH_RESOLVED) != 0;
	t->nh_port = sw_nh_port(w);
	if (t->resolved)
		memcpy(t->nh_mac, &w, 6);
}

/* sw_ipv6() looks the destination up only past its checks: the reasons
 * that come after the look-up (a link-local destination is punted before). */
static bool v6_looked_up(const struct sw_l3_counters *lc, uint32_t routed, const uint8_t *dst)
{
	static const enum sw_l3_counter after[] = {
		SW_L3_punt_no_route, SW_L3_drop_route,	   SW_L3_drop_link_local, SW_L3_punt_ttl,
		SW_L3_punt_no_neigh, SW_L3_drop_port_down, SW_L3_punt_mtu,
	};

	if (routed)
		return true;
	for (unsigned int i = 0; i < RTE_DIM(after); i++)
		if (lc->c[after[i]])
			return true;
	return lc->c[SW_L3_punt_local] && !(dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80);
}

/* The counter a punt or drop moved in the scratch set. */
static uint8_t moved(const struct sw_l3_counters *lc)
{
	for (unsigned int c = 0; c < SW_L3__COUNT; c++)
		if (c != SW_L3_routed_packets && lc->c[c] != 0)
			return (uint8_t)c;
	return SW_TAP_DROP_UNKNOWN;
}

static void verdict(struct sw_trace *t, uint16_t v, const struct sw_l3_counters *lc)
{
	if (v < SW_MAX_PORTS) {
		t->action = SW_TRACE_FORWARD;
		t->out_port = v;
	} else if (v >= SW_V_PUNT && v < SW_V_PUNT + SW_PUNT_CLASSES) {
		t->action = SW_TRACE_PUNT;
		t->punt_class = (uint8_t)(v - SW_V_PUNT);
		t->reason = moved(lc);
	} else {
		int why = sw_v_drop_reason(v);

		t->action = SW_TRACE_DROP;
		t->reason = why >= 0 ? (uint8_t)why : moved(lc);
	}
}

void sw_trace_classify(const struct sw_fp_config *cfg, uint16_t in, const struct rte_mbuf *m,
		       struct sw_trace_raw *r)
{
	struct sw_trace *t = &r->t;
	struct sw_l3_counters lc;
	struct sw_acl_key k;
	struct copy c;
	uint32_t routed = 0, dst = 0, u = 0;
	uint16_t v, xc = cfg->port[in].xc_out;

	memset(r, 0, sizeof(*r));
	memset(&lc, 0, sizeof(lc));
	t->in_port = in;
	t->out_port = SW_PORT_NONE;
	t->mirror_port = SW_PORT_NONE;
	make_copy(&c, m);

	int fam = sw_acl_key(&k, in, &c.m);
	headers(t, &k, &c.m);

	/* rx_queue(): the port's cross-connect takes everything */
	if (xc != SW_PORT_NONE) {
		t->step = SW_TRACE_BY_XCONNECT;
		if (cfg->port[xc].active) {
			t->action = SW_TRACE_FORWARD;
			t->out_port = xc;
		} else {
			t->action = SW_TRACE_DROP;
			t->reason = SW_TAP_DROP_XC_DOWN;
		}
		return;
	}
	/* route_burst(): the rules first, when there are any */
	if (fam >= 0 && cfg->acl[fam] != NULL) {
		const uint8_t *kp = (const uint8_t *)&k;

		rte_acl_classify(cfg->acl[fam], &kp, &u, 1, 1);
	}
	if (u != 0) {
		uint16_t out = SW_ACL_OUT(u);

		t->flags |= SW_TRACE_F_RULE;
		t->rule_action = SW_ACL_ACTION(u);
		r->rule_slot = SW_ACL_SLOT(u);
		t->step = SW_TRACE_BY_RULE;
		/* rule_action() */
		switch (SW_ACL_ACTION(u)) {
		case SW_RULE_FORWARD:
			v = out < SW_MAX_PORTS && cfg->port[out].active
				    ? out
				    : sw_drop(&lc, SW_L3_drop_port_down);
			verdict(t, v, &lc);
			return;
		case SW_RULE_DROP:
			verdict(t, sw_drop(&lc, SW_L3_rule_drops), &lc);
			return;
		case SW_RULE_PUNT:
			verdict(t, sw_punt(&lc, SW_L3_rule_punts), &lc);
			return;
		case SW_RULE_MIRROR:
			t->mirror_port = out;
			break;
		default:
			break;
		}
	}
	/* the checks and the routes */
	t->step = SW_TRACE_BY_CHECKS;
	const uint8_t *eh = rte_pktmbuf_mtod(&c.m, const uint8_t *);
	struct sw_l2 l2 = { .off = RTE_ETHER_HDR_LEN };

	if (c.m.data_len >= RTE_ETHER_HDR_LEN)
		sw_parse_l2(eh, c.m.data_len, &l2);
	v = sw_classify(cfg, in, &c.m, &lc, &routed, &dst);
	if (v == SW_V_LOOKUP4) {
		uint64_t gid;

		t->step = SW_TRACE_BY_ROUTE;
		rte_fib_lookup_bulk(cfg->fib4, &dst, &gid, 1);
		route(cfg, r, (uint32_t)gid, eh, c.m.data_len, RTE_ETHER_HDR_LEN);
		v = sw_ipv4_routed(cfg, &c.m, gid, &lc, &routed);
	} else if (t->family == SW_AF_INET6 && v6_looked_up(&lc, routed, t->dst)) {
		uint32_t gid;

		t->step = SW_TRACE_BY_ROUTE;
		if (rte_lpm6_lookup(cfg->lpm6, t->dst, &gid) != 0)
			gid = cfg->default6;
		route(cfg, r, gid, eh, c.m.data_len, l2.off);
	}
	verdict(t, v, &lc);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test: every punt gets the class the punt policer meters it in
 * (datapath/ip_forward.h): ARP and ND -> arp; ICMP/ICMPv6 for any reason
 * -> icmp; the host's own addresses, link-local, broadcast and multicast ->
 * host; everything else -> other. No EAL: frames sit in static mbufs and
 * the FIB result is handed to sw_ipv4_routed() directly.
 */
#include <stdio.h>
#include <string.h>

#include "datapath/classify.h"

struct sw_state sw;
struct sw_fp_config *sw_fp_current;
int sw_logtype;

static const uint8_t PORT_MAC[6] = { 2, 0, 0, 0, 0, 1 };
static int failed;

struct frame {
	struct rte_mbuf m;
	uint8_t data[256];
};

static void put_ipv4(uint8_t *p, uint8_t proto, uint32_t dst, uint8_t ttl)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip) + 8);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 8);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(0x0a010002);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Ethernet to dst_mac with ethertype et (optionally one VLAN tag), then
 * payload bytes filled by the caller; returns the L3 start. */
static uint8_t *eth(struct frame *f, const uint8_t *dst_mac, uint16_t et, bool vlan)
{
	memset(f, 0, sizeof(*f));
	f->m.buf_addr = f->data;
	f->m.data_off = 0;
	f->m.data_len = f->m.pkt_len = 64 + 40;
	memcpy(f->data, dst_mac, 6);
	uint8_t *p = f->data + 12;
	if (vlan) {
		*(uint16_t *)p = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		*(uint16_t *)(p + 2) = rte_cpu_to_be_16(100);
		p += 4;
	}
	*(uint16_t *)p = rte_cpu_to_be_16(et);
	return p + 2;
}

static void expect(const char *what, uint16_t got, uint16_t want_class)
{
	if (got != SW_V_PUNT + want_class) {
		printf("FAIL %s: verdict 0x%04x, expected punt class %u\n", what, got, want_class);
		failed++;
	} else {
		printf("ok   %s: class %u\n", what, want_class);
	}
}

int main(void)
{
	static struct sw_fp_config cfg;
	static struct sw_nh_group groups[2];
	static uint64_t nh[2];
	static struct sw_l3_counters lc;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 9 };
	struct frame f;
	uint32_t routed = 0, dst = 0;
	uint8_t *l3;

	memcpy(&cfg.port[0].mac, PORT_MAC, 6);
	cfg.port[0].active = 1;
	groups[0] = (struct sw_nh_group){ .type = SW_ROUTE_LOCAL };
	groups[1] = (struct sw_nh_group){ .type = SW_ROUTE_FORWARD, .n = 1, .nh = { 1 } };
	nh[1] = sw_nh_word(0, 0, other); /* next hop not resolved yet */
	cfg.groups = groups;
	cfg.nh = nh;

	l3 = eth(&f, bcast, RTE_ETHER_TYPE_ARP, false);
	expect("ARP request", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst), SW_PUNT_ARP);

	l3 = eth(&f, mcast6, RTE_ETHER_TYPE_IPV6, false);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(24);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->dst_addr[0] = 0xff;
	*(uint8_t *)(ip6 + 1) = 135; /* neighbour solicitation */
	expect("IPv6 neighbour solicitation", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_ARP);
	*(uint8_t *)(ip6 + 1) = 143; /* MLDv2 report: ICMPv6, not ND */
	expect("IPv6 MLD report to a multicast MAC", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_ICMP);
	ip6->proto = IPPROTO_UDP;
	expect("IPv6 UDP to a multicast MAC", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_HOST);

	l3 = eth(&f, PORT_MAC, RTE_ETHER_TYPE_IPV4, false);
	put_ipv4(l3, IPPROTO_UDP, 0xe0000005, 1); /* 224.0.0.5 */
	expect("IPv4 UDP to a multicast group", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_HOST);
	put_ipv4(l3, IPPROTO_ICMP, 0xffffffff, 64);
	expect("IPv4 ICMP to the broadcast address", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_ICMP);

	/* unicast to the port: classify asks for a look-up, the result decides */
	put_ipv4(l3, IPPROTO_ICMP, 0x0a010001, 64);
	if (sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst) != SW_V_LOOKUP4) {
		printf("FAIL unicast IPv4 to the port MAC was not looked up\n");
		failed++;
	}
	expect("IPv4 ping to a local address", sw_ipv4_routed(&cfg, &f.m, 0, &lc, &routed),
	       SW_PUNT_ICMP);
	put_ipv4(l3, IPPROTO_TCP, 0x0a010001, 64);
	expect("IPv4 TCP to a local address", sw_ipv4_routed(&cfg, &f.m, 0, &lc, &routed),
	       SW_PUNT_HOST);
	put_ipv4(l3, IPPROTO_UDP, 0x0a630001, 64);
	expect("IPv4 UDP with no route", sw_ipv4_routed(&cfg, &f.m, SW_FIB_MISS, &lc, &routed),
	       SW_PUNT_OTHER);
	put_ipv4(l3, IPPROTO_ICMP, 0x0a630001, 64);
	expect("IPv4 ping with no route", sw_ipv4_routed(&cfg, &f.m, SW_FIB_MISS, &lc, &routed),
	       SW_PUNT_ICMP);
	put_ipv4(l3, IPPROTO_UDP, 0x0a020002, 64);
	expect("IPv4 UDP, next hop unresolved", sw_ipv4_routed(&cfg, &f.m, 1, &lc, &routed),
	       SW_PUNT_OTHER);
	put_ipv4(l3, IPPROTO_ICMP, 0x0a020002, 64);
	expect("IPv4 ping, next hop unresolved", sw_ipv4_routed(&cfg, &f.m, 1, &lc, &routed),
	       SW_PUNT_ICMP);
	put_ipv4(l3, IPPROTO_UDP, 0x0a020002, 1);
	nh[1] = sw_nh_word(1, 0, other);
	expect("IPv4 UDP with TTL 1", sw_ipv4_routed(&cfg, &f.m, 1, &lc, &routed), SW_PUNT_OTHER);

	l3 = eth(&f, PORT_MAC, RTE_ETHER_TYPE_IPV4, true);
	put_ipv4(l3, IPPROTO_UDP, 0x0a020002, 64);
	expect("VLAN-tagged IPv4", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst), SW_PUNT_OTHER);
	l3 = eth(&f, other, RTE_ETHER_TYPE_IPV4, false);
	put_ipv4(l3, IPPROTO_UDP, 0x0a020002, 64);
	expect("IPv4 to another station's MAC", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst),
	       SW_PUNT_OTHER);
	eth(&f, PORT_MAC, 0x88b5, false);
	expect("non-IP ethertype", sw_classify(&cfg, 0, &f.m, &lc, &routed, &dst), SW_PUNT_OTHER);

	uint64_t total = 0;
	for (unsigned int c = SW_L3_punt_arp; c <= SW_L3_punt_other; c++)
		total += lc.c[c];
	if (total != 16) {
		printf("FAIL punt reasons counted %lu times, expected 16\n", (unsigned long)total);
		failed++;
	}
	printf("%d failed\n", failed);
	return failed != 0;
}

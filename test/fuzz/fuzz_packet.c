/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the packet path: arbitrary frames, in one mbuf or
 * split over two (the first segment ending anywhere), through the rule key
 * (datapath/acl_key.h) and classify, look-up and rewrite
 * (datapath/classify.h), with real FIBs (rte_fib, rte_lpm6: EAL runs with
 * --no-huge) holding a default route in each family, a local address and
 * resolved and unresolved next hops.
 *
 * Every frame sits in a buffer of exactly its length, so any read past it
 * is an AddressSanitizer error. Beside the fast path, a plain reference
 * parser written for this test reads the same bytes, and the two must
 * agree:
 *  - the rule key's protocol and L4 ports are those after IPv6 extension
 *    headers (a non-first fragment has no ports), its VLAN and ethertype
 *    those of the tag walk;
 *  - a packet the fast path forwards is one a router may forward (RFC 1812,
 *    RFC 8200: valid header and checksum, no martian or link-local source,
 *    unicast destination, TTL or hop limit above 1, within the output MTU),
 *    and leaves with the TTL or hop limit one lower, a checksum that still
 *    verifies, and the next hop's MACs.
 *
 *   test/fuzz/run.sh builds it (clang -fsanitize=fuzzer,address,undefined
 *   against DPDK) and runs it bounded in npm test.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_lpm6.h>

#include "datapath/acl_key.h"
#include "datapath/classify.h"
#include "datapath/trace.h"

struct sw_state sw;
struct sw_fp_config *sw_fp_current;
int sw_logtype;

static const uint8_t PORT_MAC[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t NH_MAC[6] = { 2, 0, 0, 0, 0, 2 };
static struct sw_fp_config cfg;
static struct sw_nh_group groups[4];
static uint64_t nh[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_packet", "--no-huge",	 "--no-pci",	"-m", "256", "--log-level",
			"0",	       "--no-telemetry", "--no-shconf", "-l", "0" };
	struct rte_fib_conf fc = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = SW_FIB_MISS,
		.max_routes = 64,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = 64 },
	};
	struct rte_lpm6_config lc = { .max_rules = 64, .number_tbl8s = 64 };
	uint8_t fd02[16] = { 0xfd, 0x02 };

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		abort();
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		cfg.port[p].xc_out = SW_PORT_NONE;
	memcpy(&cfg.port[0].mac, PORT_MAC, 6);
	memcpy(&cfg.port[1].mac, NH_MAC, 6);
	cfg.port[0].active = cfg.port[1].active = 1;
	cfg.port[0].mtu = 1500;
	cfg.port[1].mtu = 1400;
	/* group 0: local; 1: forward to port 1, resolved; 2: ECMP over 1 and an
	 * unresolved next hop; 3: drop */
	groups[0] = (struct sw_nh_group){ .type = SW_ROUTE_LOCAL };
	groups[1] = (struct sw_nh_group){ .type = SW_ROUTE_FORWARD, .n = 1, .nh = { 1 } };
	groups[2] = (struct sw_nh_group){ .type = SW_ROUTE_FORWARD, .n = 2, .nh = { 1, 2 } };
	groups[3] = (struct sw_nh_group){ .type = SW_ROUTE_DROP };
	nh[1] = sw_nh_word(1, 1, NH_MAC);
	nh[2] = sw_nh_word(0, 1, NH_MAC);
	cfg.groups = groups;
	cfg.nh = nh;
	cfg.fib4 = rte_fib_create("fuzz4", SOCKET_ID_ANY, &fc);
	cfg.lpm6 = rte_lpm6_create("fuzz6", SOCKET_ID_ANY, &lc);
	assert(cfg.fib4 != NULL && cfg.lpm6 != NULL);
	rte_fib_add(cfg.fib4, 0, 0, 2);		  /* default: ECMP */
	rte_fib_add(cfg.fib4, 0x0a020000, 16, 1); /* 10.2/16 */
	rte_fib_add(cfg.fib4, 0x0a010001, 32, 0); /* 10.1.0.1: local */
	rte_fib_add(cfg.fib4, 0x0a090000, 16, 3); /* 10.9/16: drop */
	rte_lpm6_add(cfg.lpm6, fd02, 16, 1);
	cfg.default6 = 2;
	return 0;
}

/* --- the reference: plain byte reading, no shared code with the fast path --- */

struct ref {
	int ok_l2;   /* the tag walk ended cleanly */
	uint16_t et; /* innermost ethertype, host order */
	uint32_t l3; /* L3 offset */
	int tags;
	int bad_chain; /* IPv6: extension headers too long or truncated */
	uint8_t proto; /* upper-layer protocol */
	int has_ports; /* a first fragment of TCP/UDP/SCTP with 4 bytes of L4 */
	uint16_t sport, dport;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void reference(const uint8_t *d, uint32_t len, struct ref *r)
{
	memset(r, 0, sizeof(*r));
	r->et = rd16(d + 12);
	r->l3 = 14;
	r->ok_l2 = 1;
	while (r->et == 0x8100 || r->et == 0x88a8 || r->et == 0x9100) {
		if (r->tags == 2 || r->l3 + 4 > len) {
			r->ok_l2 = 0;
			return;
		}
		r->et = rd16(d + r->l3 + 2);
		r->l3 += 4;
		r->tags++;
	}
	uint32_t l4 = 0;
	if (r->et == 0x0800 && r->l3 + 20 <= len) {
		r->proto = d[r->l3 + 9];
		if ((rd16(d + r->l3 + 6) & 0x1fff) == 0)
			l4 = r->l3 + (d[r->l3] & 0xf) * 4u;
	} else if (r->et == 0x86dd && r->l3 + 40 <= len) {
		uint8_t nxt = d[r->l3 + 6];
		uint32_t p = r->l3 + 40;
		int n = 0, first = 1;

		for (;;) {
			int ext = nxt == 0 || nxt == 43 || nxt == 44 || nxt == 60 || nxt == 51 ||
				  nxt == 135 || nxt == 139 || nxt == 140;
			if (!ext)
				break;
			if (n++ == 8 || p + 8 > len) {
				r->bad_chain = 1;
				return;
			}
			uint32_t hl = nxt == 44	  ? 8
				      : nxt == 51 ? (d[p + 1] + 2u) * 4
						  : (d[p + 1] + 1u) * 8;
			if (nxt == 44)
				first = (rd16(d + p + 2) >> 3) == 0;
			nxt = d[p];
			p += hl;
		}
		if (p > len) {
			r->bad_chain = 1;
			return;
		}
		r->proto = nxt;
		l4 = first ? p : 0;
	}
	if (l4 && (r->proto == 6 || r->proto == 17 || r->proto == 132) && l4 + 4 <= len) {
		r->has_ports = 1;
		r->sport = rd16(d + l4);
		r->dport = rd16(d + l4 + 2);
	}
}

static int cksum_ok(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += rd16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* A forwarded IPv4 or IPv6 packet, before rewriting: may a router forward it? */
static void check_forwardable(const uint8_t *d, uint32_t pkt_len, const struct ref *r)
{
	const uint8_t *ip = d + r->l3;

	assert(r->ok_l2 && r->tags == 0 && memcmp(d, PORT_MAC, 6) == 0 && !(d[6] & 1));
	if (r->et == 0x0800) {
		uint16_t tl = rd16(ip + 2);

		assert(ip[0] == 0x45 && cksum_ok(ip) && tl >= 20 && r->l3 + tl <= pkt_len);
		assert(ip[8] > 1 && tl <= 1400);
		assert(ip[12] != 0 && ip[12] != 127 && ip[12] < 224 &&
		       !(ip[12] == 169 && ip[13] == 254));
		assert(ip[16] != 0 && ip[16] != 127 && ip[16] < 224 &&
		       !(ip[16] == 169 && ip[17] == 254));
	} else {
		static const uint8_t zero[16];
		uint8_t lo[16] = { [15] = 1 };

		assert(r->et == 0x86dd && (ip[0] >> 4) == 6 && !r->bad_chain && ip[6] != 0);
		assert(r->l3 + 40 + rd16(ip + 4) <= pkt_len && 40 + rd16(ip + 4) <= 1400 &&
		       ip[7] > 1);
		assert(ip[8] != 0xff && memcmp(ip + 8, zero, 16) != 0 &&
		       memcmp(ip + 8, lo, 16) != 0);
		assert(!(ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80));
		assert(ip[24] != 0xff && memcmp(ip + 24, zero, 16) != 0 &&
		       memcmp(ip + 24, lo, 16) != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sw_l3_counters lc;
	struct rte_mbuf m[2];
	struct sw_acl_key key;
	struct ref r;
	uint32_t routed = 0, dst = 0, split;
	uint16_t v;

	if (size < 2 || size > 2048)
		return 0;
	/* byte 0: where a second segment starts (0: one segment) */
	split = data[0];
	data++;
	size--;
	if (split >= size)
		split = 0;
	uint32_t seg0 = split ? split : (uint32_t)size;
	/* exact-size copies: ASan sees any read past a segment */
	uint8_t *b0 = malloc(seg0), *b1 = split ? malloc(size - split) : NULL;
	uint8_t *whole = malloc(size);
	memcpy(b0, data, seg0);
	if (b1 != NULL)
		memcpy(b1, data + split, size - split);
	memcpy(whole, data, size);

	memset(m, 0, sizeof(m));
	m[0].buf_addr = b0;
	m[0].data_len = (uint16_t)seg0;
	m[0].pkt_len = (uint32_t)size;
	m[0].nb_segs = split ? 2 : 1;
	if (split) {
		m[0].next = &m[1];
		m[1].buf_addr = b1;
		m[1].data_len = (uint16_t)(size - split);
	}

	/* the rule key, against the reference on the first segment (all it reads) */
	int c = sw_acl_key(&key, 0, &m[0]);
	if (seg0 >= 14) {
		reference(b0, seg0, &r);
		if (c < 0) {
			assert(r.et == 0x86dd && r.bad_chain);
		} else {
			assert(key.ethertype == rte_cpu_to_be_16(r.et) || !r.ok_l2);
			if (r.ok_l2 && !r.bad_chain && (r.et == 0x0800 || r.et == 0x86dd) &&
			    r.l3 + (r.et == 0x0800 ? 20u : 40u) <= seg0) {
				assert(key.proto == r.proto);
				assert(key.sport == (r.has_ports ? rte_cpu_to_be_16(r.sport) : 0));
				assert(key.dport == (r.has_ports ? rte_cpu_to_be_16(r.dport) : 0));
			}
		}
	}

	/* the replay of a trace, on a copy, before classify changes the frame */
	static struct sw_trace_raw tr;
	struct sw_l3_counters before = lc;
	sw_trace_classify(&cfg, 0, &m[0], &tr);

	/* classify, look-up and rewrite */
	v = sw_classify(&cfg, 0, &m[0], &lc, &routed, &dst);
	if (v == SW_V_LOOKUP4) {
		uint64_t gid;

		rte_fib_lookup_bulk(cfg.fib4, &dst, &gid, 1);
		v = sw_ipv4_routed(&cfg, &m[0], gid, &lc, &routed);
	}
	assert(v < SW_MAX_PORTS || (v >= SW_V_PUNT && v < SW_V_PUNT + SW_PUNT_CLASSES) ||
	       sw_v_drop_reason(v) >= 0);
	if (v < SW_MAX_PORTS) {
		assert(tr.t.action == SW_TRACE_FORWARD && tr.t.out_port == v);
		assert(tr.t.step == SW_TRACE_BY_ROUTE && (tr.t.flags & SW_TRACE_F_FOUND));
		assert(tr.t.resolved && memcmp(tr.t.nh_mac, NH_MAC, 6) == 0 && tr.t.nh_port == v);
	} else if (v >= SW_V_PUNT && v < SW_V_PUNT + SW_PUNT_CLASSES) {
		assert(tr.t.action == SW_TRACE_PUNT && tr.t.punt_class == v - SW_V_PUNT);
		assert(tr.t.reason < SW_L3__COUNT &&
		       lc.c[tr.t.reason] == before.c[tr.t.reason] + 1);
	} else {
		assert(tr.t.action == SW_TRACE_DROP && tr.t.reason == sw_v_drop_reason(v));
	}
	if (v < SW_MAX_PORTS) {
		/* forwarded: valid before, rewritten after */
		reference(whole, seg0, &r);
		check_forwardable(whole, (uint32_t)size, &r);
		assert(v == 1 && memcmp(b0, NH_MAC, 6) == 0 && memcmp(b0 + 6, NH_MAC, 6) == 0);
		if (r.et == 0x0800) {
			assert(b0[r.l3 + 8] == whole[r.l3 + 8] - 1 && cksum_ok(b0 + r.l3));
		} else {
			assert(b0[r.l3 + 7] == whole[r.l3 + 7] - 1);
		}
	}
	free(b0);
	free(b1);
	free(whole);
	return 0;
}

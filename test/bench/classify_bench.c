/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cycles per packet of the L3 classify/rewrite step alone (no PMD): 32
 * mbufs holding 64-byte UDP/IPv4 frames to 256 destinations, routed by an
 * rte_fib with 1,024 routes to one next hop (classify, one bulk look-up,
 * finish: as the worker does), processed over and over. Each round restores
 * the headers so every pass does the full work.
 *   build/test/bench/classify_bench [rounds]
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_mbuf.h>
#include <rte_vect.h>

#include "datapath/classify.h"

struct sw_state sw;
struct sw_fp_config *sw_fp_current;
int sw_logtype;

int main(int argc, char **argv)
{
	char *eal[] = { "bench",	  "--no-huge",	       "--no-pci", "-m", "512",
			"--no-telemetry", "--log-level=error", "-l",	   "0" };
	static struct sw_fp_config cfg;
	static struct sw_nh_group groups[4];
	static uint64_t nh[4];
	static struct sw_l3_counters lc;
	struct rte_fib_conf fc = { .type = RTE_FIB_DIR24_8,
				   .default_nh = SW_FIB_MISS,
				   .max_routes = 4096,
				   .dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = 256 } };
	struct rte_mbuf *m[32];
	uint8_t saved[32][64];
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	uint32_t routed = 0;

	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		return 1;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("b", 1023, 0, 0, 2048, 0);
	cfg.fib4 = rte_fib_create("b4", 0, &fc);
	if (getenv("FIB_LOOKUP")) { /* compare rte_fib's lookup implementations */
		rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);
		printf("rte_fib_select_lookup(%d): %d\n", atoi(getenv("FIB_LOOKUP")),
		       rte_fib_select_lookup(cfg.fib4, atoi(getenv("FIB_LOOKUP"))));
	}
	for (uint32_t i = 0; i < 1024; i++)
		rte_fib_add(cfg.fib4,
			    (i < 256 ? (10u << 24 | 2u << 16 | i << 8) : (11u << 24 | i << 8)), 24,
			    1);
	groups[1] = (struct sw_nh_group){ .type = SW_ROUTE_FORWARD, .n = 1, .nh = { 2 } };
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	nh[2] = sw_nh_word(1, 1, mac);
	cfg.groups = groups;
	cfg.nh = nh;
	cfg.port[0].active = cfg.port[1].active = 1;
	cfg.port[0].mtu = cfg.port[1].mtu = 1500; /* frames are for port 0's MAC (zero here) */
	for (int i = 0; i < 32; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m[i], 60);
		memset(d, 0, 60);
		d[12] = 0x08;
		d[14] = 0x45;
		d[16] = 0;
		d[17] = 46;
		d[22] = 64;
		d[23] = 17;
		d[26] = 10;
		d[27] = 1;
		d[28] = 0;
		d[29] = 1;
		d[30] = 10;
		d[31] = 2;
		d[32] = (uint8_t)(i * 8);
		d[33] = 1;
		/* a valid header: the fast path verifies it (RFC 1812 5.2.2) */
		((struct rte_ipv4_hdr *)(d + 14))->hdr_checksum = rte_ipv4_cksum(
			(const struct rte_ipv4_hdr *)(d + 14));
		memcpy(saved[i], d, 60);
	}
	uint64_t total = 0;
	for (long r = 0; r < rounds; r++) {
		uint32_t dst[32];
		uint64_t gid[32];
		uint64_t t0 = rte_rdtsc();
		for (int i = 0; i < 32; i++)
			if (unlikely(sw_classify(&cfg, 0, m[i], &lc, &routed, &dst[i]) !=
				     SW_V_LOOKUP4))
				abort();
		rte_fib_lookup_bulk(cfg.fib4, dst, gid, 32);
		for (int i = 0; i < 32; i++)
			if (unlikely(sw_ipv4_routed(&cfg, m[i], gid[i], &lc, &routed) != 1))
				abort();
		total += rte_rdtsc() - t0;
		for (int i = 0; i < 32; i++) /* restore TTL/checksum/MACs */
			memcpy(rte_pktmbuf_mtod(m[i], uint8_t *), saved[i], 60);
	}
	printf("sw_classify: %.1f cycles/packet (%u routed)\n", (double)total / rounds / 32,
	       routed);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cycles per packet of the fast path's capture and trace hooks alone
 * (datapath/tap.c, no PMD): bursts of 32 64-byte UDP/IPv4 frames handed to
 * the rx hook as a worker does, with
 *   - a tap on another port: the cost of a hook that finds nothing to do
 *     (what every point of every port pays while some tap is on);
 *   - a capture of everything (no filter), a reader that keeps up;
 *   - the same with a filter that takes every packet ("udp"), and one that
 *     takes none ("tcp port 80"), both JIT-compiled;
 *   - a capture whose ring is full (the reader is gone): what a lost
 *     record costs;
 *   - a trace: the replay of one packet through classify (per traced
 *     packet, only while its count lasts).
 * The classify step itself (test/bench/classify_bench.c) is the yardstick.
 * Capture off is no hook at all: one test of cfg->tap per point per burst.
 *   build/test/bench/tap_bench [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "capture/filter.h"
#include "datapath/classify.h"
#include "datapath/tap.h"
#include "datapath/trace.h"

struct sw_state sw;
struct sw_fp_config *sw_fp_current;
int sw_logtype;

#define RING (256u << 10)

static struct sw_fp_config cfg;
static struct sw_tap_set set;
static struct sw_tap *tp;
static struct sw_worker w;
static struct sw_ring *ring;
static struct sw_tap_counts counts;
static struct rte_mbuf *m[32];

static void reset(uint32_t left)
{
	struct sw_tap_writer *wr = &tp->w[0];

	memset(ring, 0, SW_RING_DATA_OFF);
	ring->size = RING;
	wr->ring = ring;
	wr->data = (uint8_t *)ring + SW_RING_DATA_OFF;
	wr->size = RING;
	wr->counts = &counts;
	wr->prod = 0;
	wr->left = left;
}

/* cycles/packet of the rx hook; keep: the reader keeps up (cons follows prod) */
static double run(long rounds, bool keep)
{
	uint64_t total = 0;

	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = rte_rdtsc();

		sw_tap_rx(&cfg, &w, 0, 0, m, 32);
		sw_tap_done(&set, &w);
		total += rte_rdtsc() - t0;
		if (keep)
			__atomic_store_n(&ring->cons, ring->prod, __ATOMIC_RELEASE);
	}
	return (double)total / rounds / 32;
}

static void filter(const char *expr)
{
	static struct sw_filter f;
	struct sw_err e;

	sw_filter_free(&f);
	if (expr != NULL && sw_filter_compile(expr, strlen(expr), 65535, &f, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
	tp->bpf = f.bpf;
	tp->jit = f.jit;
}

int main(int argc, char **argv)
{
	char *eal[] = { "bench",	  "--no-huge",	       "--no-pci", "-m", "512",
			"--no-telemetry", "--log-level=error", "-l",	   "0" };
	static struct sw_nh_group groups[2];
	static uint64_t nh[4];
	struct rte_fib_conf fc = { .type = RTE_FIB_DIR24_8,
				   .default_nh = SW_FIB_MISS,
				   .max_routes = 4096,
				   .dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = 256 } };
	long rounds = argc > 1 ? atol(argv[1]) : 200000;

	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		return 1;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("b", 1023, 0, 0, 2048, 0);
	cfg.fib4 = rte_fib_create("b4", 0, &fc);
	rte_fib_add(cfg.fib4, 10u << 24 | 2u << 16, 16, 1);
	groups[1] = (struct sw_nh_group){ .type = SW_ROUTE_FORWARD, .n = 1, .nh = { 2 } };
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	nh[2] = sw_nh_word(1, 1, mac);
	cfg.groups = groups;
	cfg.nh = nh;
	for (unsigned int p = 0; p < SW_MAX_PORTS; p++)
		cfg.port[p].xc_out = SW_PORT_NONE;
	cfg.port[0].active = cfg.port[1].active = 1;
	cfg.port[1].mtu = 1500;
	for (int i = 0; i < 32; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m[i], 60);
		memset(d, 0, 60);
		d[12] = 0x08;
		d[14] = 0x45;
		d[17] = 46;
		d[22] = 64;
		d[23] = 17;
		d[26] = 10;
		d[27] = 1;
		d[29] = 1;
		d[30] = 10;
		d[31] = 2;
		d[32] = (uint8_t)(i * 8);
		d[33] = 1;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + 14);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	tp = rte_zmalloc("tap", sizeof(*tp), 64);
	ring = rte_zmalloc("ring", SW_RING_DATA_OFF + RING, 64);
	cfg.tap = &set;
	set.n = 1;
	set.tap[0] = tp;
	w.lcore_id = 1;

	/* a capture on port 1 only: the rx hook of port 0 finds nothing */
	tp->kind = SW_TAP_CAPTURE;
	tp->port = 1;
	tp->points = 1u << SW_TAP_POINT_RX;
	tp->snaplen = 65535;
	set.want[1] = tp->points;
	reset(UINT32_MAX);
	printf("tap on another port (the hook finds nothing): %6.1f cycles/packet\n",
	       run(rounds, true));

	tp->port = SW_PORT_NONE;
	set.want[0] = tp->points;
	printf("capture at rx, no filter, reader keeps up:    %6.1f cycles/packet\n",
	       run(rounds, true));
	filter("udp");
	printf("capture at rx, 'udp' (takes all), JIT:        %6.1f cycles/packet\n",
	       run(rounds, true));
	filter("tcp port 80");
	printf("capture at rx, 'tcp port 80' (takes none):    %6.1f cycles/packet\n",
	       run(rounds, true));
	filter(NULL);
	reset(UINT32_MAX);
	run(RING / 64, false); /* fill the ring */
	printf("capture at rx, ring full (records lost):      %6.1f cycles/packet\n",
	       run(rounds, false));

	/* a trace of every packet: the replay, without an outcome hook */
	struct sw_trace_raw *rec = rte_zmalloc("rec", sizeof(*rec) * SW_TRACE_MAX, 64);
	tp->kind = SW_TAP_TRACE;
	tp->points = 0;
	set.want[0] = SW_TAP_WANT_TRACE;
	set.trace = true;
	uint64_t total = 0;
	long n = 0;
	for (long r = 0; r < rounds / 32; r++) {
		memset(&tp->tr[0], 0, sizeof(tp->tr[0]));
		tp->tr[0].rec = rec;
		tp->tr[0].max = SW_TRACE_MAX;
		uint64_t t0 = rte_rdtsc();
		sw_tap_rx(&cfg, &w, 0, 0, m, 32);
		sw_tap_done(&set, &w);
		total += rte_rdtsc() - t0;
		n += 32;
		if (rec[0].t.action != SW_TRACE_FORWARD || rec[0].t.out_port != 1)
			abort();
	}
	printf("trace: replay of one packet (per traced one):  %6.1f cycles/packet\n",
	       (double)total / n);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcore loop: the fast path. Per iteration: pick up the published
 * configuration, for each rx queue it owns rx a burst, forward it over the port's
 * cross-connect or hand it to the exception ring, then send what the main
 * lcore injected from the vEth, then report quiescence.
 *
 * No syscalls of our own (PMDs may make their own), no locks, no logging,
 * no allocation: mbufs only move between rings, ports and the mempool.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "sw.h"

static inline uint64_t burst_bytes(struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t b = 0;

	for (uint16_t i = 0; i < n; i++)
		b += pkts[i]->pkt_len;
	return b;
}

/* Send n packets on a port's queue q; frees and counts what it refused. */
static inline void tx_count(struct sw_lcore_stats *st, uint16_t out, const struct sw_fp_port *op,
			    uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = burst_bytes(pkts, n);
	uint16_t sent = rte_eth_tx_burst(op->eth_port, q, pkts, n);

	if (unlikely(sent < n)) {
		bytes -= burst_bytes(pkts + sent, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		sw_count(&st->ports[out], SW_C_tx_drops, n - sent);
	}
	sw_count(&st->ports[out], SW_C_tx_packets, sent);
	sw_count(&st->ports[out], SW_C_tx_bytes, bytes);
}

static inline void rx_queue(const struct sw_fp_config *cfg, struct sw_lcore_stats *st,
			    uint16_t q, struct sw_fp_rxq rxq, unsigned int *busy)
{
	const uint16_t p = rxq.port;
	const struct sw_fp_port *fp = &cfg->port[p];
	struct sw_port_counters *pc = &st->ports[p];
	struct rte_mbuf *pkts[SW_BURST];
	uint16_t n;

	n = rte_eth_rx_burst(fp->eth_port, rxq.queue, pkts, SW_BURST);
	if (n) {
		*busy += n;
		sw_count(pc, SW_C_rx_packets, n);
		sw_count(pc, SW_C_rx_bytes, burst_bytes(pkts, n));

		uint16_t out = fp->xc_out;
		if (out != SW_PORT_NONE) {
			const struct sw_fp_port *op = &cfg->port[out];
			if (likely(op->active)) {
				sw_count(pc, SW_C_xc_packets, n);
				tx_count(st, out, op, q, pkts, n);
			} else {
				rte_pktmbuf_free_bulk(pkts, n);
				sw_count(pc, SW_C_no_route, n);
			}
		} else {
			unsigned int enq = rte_ring_mp_enqueue_burst(fp->punt, (void **)pkts, n, NULL);
			if (unlikely(enq < n)) {
				rte_pktmbuf_free_bulk(pkts + enq, n - enq);
				sw_count(pc, SW_C_punt_drops, n - enq);
			}
			sw_count(pc, SW_C_punt_packets, enq);
		}
	}

	/* frames the kernel sent on this port's vEth: drained by queue 0's poller */
	if (rxq.queue != 0)
		return;
	n = rte_ring_sc_dequeue_burst(fp->inject, (void **)pkts, SW_BURST, NULL);
	if (n) {
		*busy += n;
		sw_count(pc, SW_C_inject_packets, n);
		tx_count(st, p, fp, q, pkts, n);
	}
}

int sw_worker_main(void *arg)
{
	struct sw_worker *w = arg;
	struct sw_lcore_stats *st = w->stats;
	const uint16_t q = w->index;

	rte_rcu_qsbr_thread_online(sw.qsbr, w->index);
	while (!sw.quit) {
		const struct sw_fp_config *cfg = __atomic_load_n(&sw_fp_current, __ATOMIC_ACQUIRE);
		const struct sw_fp_worker *fw = &cfg->worker[w->index];
		unsigned int busy = 0;

		for (uint16_t i = 0; i < fw->n_rx; i++)
			rx_queue(cfg, st, q, fw->rx[i], &busy);

		rte_rcu_qsbr_quiescent(sw.qsbr, w->index);
		if (busy)
			__atomic_store_n(&st->busy_polls, st->busy_polls + 1, __ATOMIC_RELAXED);
		else
			__atomic_store_n(&st->idle_polls, st->idle_polls + 1, __ATOMIC_RELAXED);
	}
	rte_rcu_qsbr_thread_offline(sw.qsbr, w->index);
	return 0;
}

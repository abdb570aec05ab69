/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcore loop: the fast path. Per iteration: pick up the published
 * configuration, for each rx queue it owns rx a burst, forward it over the port's
 * cross-connect or hand it to the exception ring, then send what the main
 * lcore injected from the vEth, then report quiescence.
 *
 * No syscalls of our own while there is traffic (PMDs may make their own;
 * an idle worker sleeps, see below), no locks, no logging, no allocation:
 * mbufs only move between rings, ports and the mempool.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll */
#endif
#include <errno.h>
#include <poll.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_acl.h>
#include <rte_fib.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "core/bell.h"
#include "core/fp.h"
#include "core/state.h"
#include "core/stats.h"
#include "datapath/acl_key.h"
#include "datapath/classify.h"
#include "datapath/tap.h"
#include "datapath/worker.h"
#include "rules/rules.h"

/*
 * The captures and traces armed (datapath/tap.h): each hook is one test of
 * this pointer per burst. SW_BENCH_NO_TAPS compiles them out, for the
 * fastpath benchmark only (build-notaps/): it measures what the hooks cost
 * when nothing is armed.
 */
#ifdef SW_BENCH_NO_TAPS
#define FP_TAP(cfg) ((struct sw_tap_set *)NULL)
#else
#define FP_TAP(cfg) ((cfg)->tap)
#endif

static inline uint64_t burst_bytes(struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t b = 0;

	for (uint16_t i = 0; i < n; i++)
		b += pkts[i]->pkt_len;
	return b;
}

/* Send n packets (bytes in all) on the worker's queue of a port; frees and
 * counts what it refused. */
static inline void tx_count(struct sw_worker *w, struct sw_tap_set *tap, uint16_t out,
			    const struct sw_fp_port *op, struct rte_mbuf **pkts, uint16_t n,
			    uint64_t bytes)
{
	struct sw_lcore_stats *st = w->stats;
	uint16_t sent;

	if (unlikely(tap != NULL))
		sw_tap_out(tap, w, SW_TAP_POINT_TX, out, pkts, n, 0);
	sent = rte_eth_tx_burst(op->eth_port, w->index, pkts, n);
	if (unlikely(sent < n)) {
		if (unlikely(tap != NULL))
			sw_tap_out(tap, w, SW_TAP_POINT_DROP, out, pkts + sent, n - sent,
				   SW_TAP_DROP_TX_FULL);
		bytes -= burst_bytes(pkts + sent, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		sw_count(&st->ports[out], SW_C_tx_drops, n - sent);
	}
	sw_count(&st->ports[out], SW_C_tx_packets, sent);
	sw_count(&st->ports[out], SW_C_tx_bytes, bytes);
}

/* Hand n packets of port p to the vEth through this worker's punt ring. */
static inline void punt_burst(struct sw_worker *w, struct sw_tap_set *tap, uint16_t p,
			      struct rte_ring *punt, struct sw_port_counters *pc,
			      struct rte_mbuf **pkts, uint16_t n)
{
	unsigned int enq;

	if (unlikely(tap != NULL))
		sw_tap_out(tap, w, SW_TAP_POINT_PUNT, p, pkts, n, 0);
	enq = rte_ring_sp_enqueue_burst(punt, (void **)pkts, n, NULL);
	w->punted = true;
	if (unlikely(enq < n)) {
		if (unlikely(tap != NULL))
			sw_tap_out(tap, w, SW_TAP_POINT_DROP, p, pkts + enq, n - enq,
				   SW_TAP_DROP_PUNT_FULL);
		rte_pktmbuf_free_bulk(pkts + enq, n - enq);
		sw_count(pc, SW_C_punt_drops, n - enq);
	}
	sw_count(pc, SW_C_punt_packets, enq);
}

/* The punt policer: one token per frame from the ingress port's bucket
 * for the class; out of tokens, the frame is dropped and counted. */
static inline bool police_pass(const struct sw_fp_config *cfg, struct sw_worker *w, uint16_t p,
			       unsigned int cls, uint64_t now, struct sw_l3_counters *lc)
{
	const struct sw_fp_police *pol = &cfg->police[p][cls];

	/* rte_meter only reads the profile; its prototype is not const */
	if (!pol->on ||
	    rte_meter_srtcm_color_blind_check(
		    &w->police[p][cls], (struct rte_meter_srtcm_profile *)(uintptr_t)&pol->prof,
		    now, 1) == RTE_COLOR_GREEN)
		return true;
	sw_count_l3(lc, (enum sw_l3_counter)(SW_L3_police_arp + cls), 1);
	return false;
}

#define PREFETCH_AHEAD 3

struct burst_out {
	struct rte_mbuf *out[SW_MAX_PORTS][2 * SW_BURST]; /* originals and mirror copies */
	struct rte_mbuf *punt[2 * SW_BURST], *drop[SW_BURST];
	uint64_t out_bytes[SW_MAX_PORTS];
	uint16_t n_out[SW_MAX_PORTS], used[SW_MAX_PORTS];
	uint16_t n_used, n_punt, n_drop;
	uint32_t routed;
};

static inline void out_add(struct burst_out *b, uint16_t port, struct rte_mbuf *m)
{
	uint16_t k;

	for (k = 0; k < b->n_used && b->used[k] != port; k++)
		;
	if (k == b->n_used) {
		b->used[b->n_used++] = port;
		b->n_out[port] = 0;
		b->out_bytes[port] = 0;
	}
	b->out[port][b->n_out[port]++] = m;
	b->out_bytes[port] += m->pkt_len;
}

/* Apply the matching rule's action; returns the verdict for the original
 * (SW_V_LOOKUP4 with *dst when it is to be routed by the IPv4 FIB). */
static inline uint16_t rule_action(const struct sw_fp_config *cfg, const struct sw_worker *w,
				   uint16_t p, struct rte_mbuf *m, uint32_t u,
				   struct sw_l3_counters *lc, struct burst_out *b, uint32_t *dst)
{
	struct sw_rule_counter *rc = &w->rules[SW_ACL_SLOT(u)];
	uint16_t out = SW_ACL_OUT(u);

	__atomic_store_n(&rc->packets, rc->packets + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&rc->bytes, rc->bytes + m->pkt_len, __ATOMIC_RELAXED);
	switch (SW_ACL_ACTION(u)) {
	case SW_RULE_FORWARD:
		if (likely(out < SW_MAX_PORTS && cfg->port[out].active))
			return out;
		return sw_drop(lc, SW_L3_drop_port_down);
	case SW_RULE_DROP:
		return sw_drop(lc, SW_L3_rule_drops);
	case SW_RULE_PUNT:
		return sw_punt(lc, SW_L3_rule_punts);
	case SW_RULE_MIRROR: {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, sw.mp, 0, UINT32_MAX);

		if (unlikely(c == NULL))
			sw_count(&w->stats->ports[p], SW_C_tx_drops, 1);
		else if (out == 0xff)
			b->punt[b->n_punt++] = c;
		else if (out < SW_MAX_PORTS && cfg->port[out].active)
			out_add(b, out, c);
		else
			rte_pktmbuf_free(c);
		break;
	}
	default: /* COUNT, ROUTE */
		break;
	}
	return sw_classify(cfg, p, m, lc, &b->routed, dst);
}

/* Rules (when any), then routes, for a burst from port p (bytes in all);
 * then send it per output port in bursts, punt and drop what remains. */
static inline void route_burst(const struct sw_fp_config *cfg, struct sw_worker *w, uint16_t p,
			       struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	struct sw_lcore_stats *st = w->stats;
	struct sw_l3_counters *lc = &w->l3[p];
	const uint16_t q = w->index;
	struct sw_tap_set *tap = FP_TAP(cfg);
	struct burst_out b;
	uint32_t rule[SW_BURST];

	b.n_used = b.n_punt = b.n_drop = 0;
	b.routed = 0;
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	const bool rules = cfg->acl[0] != NULL || cfg->acl[1] != NULL;

	if (rules) {
		struct sw_acl_key keys[SW_BURST];
		const uint8_t *kp[2][SW_BURST];
		uint32_t res[2][SW_BURST];
		uint16_t idx[2][SW_BURST], nk[2] = { 0, 0 };

		for (uint16_t i = 0; i < n; i++) {
			int c = sw_acl_key(&keys[i], p, pkts[i]);

			rule[i] = 0;
			if (unlikely(c < 0))
				continue; /* no rule for it: classify drops it */
			kp[c][nk[c]] = (const uint8_t *)&keys[i];
			idx[c][nk[c]++] = i;
		}
		for (int c = 0; c < 2; c++) {
			if (nk[c] == 0 || cfg->acl[c] == NULL)
				continue;
			rte_acl_classify(cfg->acl[c], kp[c], res[c], nk[c], 1);
			for (uint16_t j = 0; j < nk[c]; j++)
				rule[idx[c][j]] = res[c][j];
		}
	}

	/* 1: parse and classify; IPv4 destinations wait for one bulk look-up */
	uint16_t v[SW_BURST], lk[SW_BURST], n_lk = 0;
	uint32_t dst[SW_BURST];
	uint64_t gid[SW_BURST];

	for (uint16_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		v[i] = likely(!rules || rule[i] == 0)
			       ? sw_classify(cfg, p, pkts[i], lc, &b.routed, &dst[n_lk])
			       : rule_action(cfg, w, p, pkts[i], rule[i], lc, &b, &dst[n_lk]);
		if (v[i] == SW_V_LOOKUP4)
			lk[n_lk++] = i;
	}
	/* 2: the IPv4 FIB, in bulk; then TTL, next hop, rewrite */
	if (n_lk > 0) {
		rte_fib_lookup_bulk(cfg->fib4, dst, gid, n_lk);
		for (uint16_t j = 0; j < n_lk; j++)
			v[lk[j]] = sw_ipv4_routed(cfg, pkts[lk[j]], gid[j], lc, &b.routed);
	}
	/* 3: the common case, the whole burst routed out of one port (and no
	 * mirror copies): it leaves as it came, in one burst */
	if (likely(v[0] < SW_MAX_PORTS) && b.n_used == 0 && b.n_punt == 0) {
		uint16_t i = 1;

		while (i < n && v[i] == v[0])
			i++;
		if (likely(i == n)) {
			if (b.routed)
				sw_count_l3(lc, SW_L3_routed_packets, b.routed);
			tx_count(w, tap, v[0], &cfg->port[v[0]], pkts, n, bytes);
			return;
		}
	}
	/* else per output port, punt (past the policer), drop */
	uint64_t now = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (likely(v[i] < SW_MAX_PORTS)) {
			out_add(&b, v[i], pkts[i]);
			continue;
		}
		if (v[i] < SW_V_PUNT + SW_PUNT_CLASSES && v[i] >= SW_V_PUNT) {
			if (now == 0)
				now = rte_rdtsc();
			if (police_pass(cfg, w, p, v[i] - SW_V_PUNT, now, lc)) {
				b.punt[b.n_punt++] = pkts[i];
				continue;
			}
		}
		if (unlikely(tap != NULL))
			sw_tap_drop(tap, w, p, pkts[i], v[i]);
		b.drop[b.n_drop++] = pkts[i];
	}
	if (b.routed)
		sw_count_l3(lc, SW_L3_routed_packets, b.routed);
	for (uint16_t k = 0; k < b.n_used; k++) {
		uint16_t o = b.used[k];

		if (likely(b.n_out[o] <= SW_BURST)) {
			tx_count(w, tap, o, &cfg->port[o], b.out[o], b.n_out[o], b.out_bytes[o]);
			continue;
		}
		for (uint16_t off = 0; off < b.n_out[o]; off += SW_BURST) { /* with mirror copies */
			uint16_t c = RTE_MIN((uint16_t)SW_BURST, (uint16_t)(b.n_out[o] - off));
			tx_count(w, tap, o, &cfg->port[o], b.out[o] + off, c,
				 burst_bytes(b.out[o] + off, c));
		}
	}
	for (uint16_t off = 0; off < b.n_punt; off += SW_BURST)
		punt_burst(w, tap, p, cfg->port[p].punt[q], &st->ports[p], b.punt + off,
			   RTE_MIN((uint16_t)SW_BURST, (uint16_t)(b.n_punt - off)));
	if (b.n_drop)
		rte_pktmbuf_free_bulk(b.drop, b.n_drop);
}

static inline void rx_queue(const struct sw_fp_config *cfg, struct sw_worker *w,
			    struct sw_fp_rxq rxq, unsigned int *busy)
{
	struct sw_lcore_stats *st = w->stats;
	const uint16_t q = w->index;
	const uint16_t p = rxq.port;
	const struct sw_fp_port *fp = &cfg->port[p];
	struct sw_port_counters *pc = &st->ports[p];
	struct sw_tap_set *tap = FP_TAP(cfg);
	struct rte_mbuf *pkts[SW_BURST];
	uint16_t n;

	n = rte_eth_rx_burst(fp->eth_port, rxq.queue, pkts, SW_BURST);
	if (n) {
		*busy += n;
		uint64_t rx_bytes = burst_bytes(pkts, n);

		sw_count(pc, SW_C_rx_packets, n);
		sw_count(pc, SW_C_rx_bytes, rx_bytes);
		if (unlikely(tap != NULL))
			sw_tap_rx(cfg, w, p, rxq.queue, pkts, n);

		uint16_t out = fp->xc_out;
		if (out != SW_PORT_NONE) {
			const struct sw_fp_port *op = &cfg->port[out];
			if (likely(op->active)) {
				sw_count(pc, SW_C_xc_packets, n);
				tx_count(w, tap, out, op, pkts, n, rx_bytes);
			} else {
				if (unlikely(tap != NULL))
					sw_tap_out(tap, w, SW_TAP_POINT_DROP, p, pkts, n,
						   SW_TAP_DROP_XC_DOWN);
				rte_pktmbuf_free_bulk(pkts, n);
				sw_count(pc, SW_C_no_route, n);
			}
		} else {
			route_burst(cfg, w, p, pkts, n, rx_bytes);
		}
	}

	/* frames the kernel sent on this port's vEth, through this worker's ring */
	n = rte_ring_sc_dequeue_burst(fp->inject[q], (void **)pkts, SW_BURST, NULL);
	if (n) {
		*busy += n;
		sw_count(pc, SW_C_inject_packets, n);
		if (unlikely(tap != NULL))
			sw_tap_out(tap, w, SW_TAP_POINT_INJECT, p, pkts, n, 0);
		tx_count(w, tap, p, fp, pkts, n, burst_bytes(pkts, n));
	}
	if (unlikely(tap != NULL))
		sw_tap_done(tap, w);
}

/*
 * Idle back-off, NAPI-style: a worker whose queues stay empty for
 * IDLE_SPINS iterations and BUSY_TAIL_US since its last packet leaves the
 * RCU reader set (so publishes do not wait for it) and sleeps on its bell
 * (core/bell.h: frames from a vEth for it, a new configuration, the stop
 * end the sleep at once). With --poll-mode sleep it sleeps 1 us
 * first, doubling at each empty look up to --idle-sleep-us less the
 * longest recent overrun of a sleep beyond the time asked (a maximum that
 * decays by 1/16 per sleep), so that sleeps keep within the bound on a
 * machine that wakes late. With --poll-mode interrupt, when every one of
 * its queues has a usable rx interrupt (port/intr.c), and whenever it has
 * no queue at all, it sleeps until a packet (ppoll on the interrupts) or
 * its bell, INTR_WAIT_US at most. The first packet puts it back to full polling. The tail keeps it
 * polling for the answer to what it just forwarded (a ping's echo, a TCP
 * ACK). The sleep is the only system call the fast path makes, and only
 * with nothing to do (and the main lcore's bell: one futex wake after
 * punting, only while the main lcore sleeps in deep idle).
 */
#define IDLE_SPINS    64u
#define BUSY_TAIL_US  200u
#define INTR_WAIT_US  100000u /* an interrupt-driven sleep still ends: time accounting */
#define ACCOUNT_EVERY 1024u   /* iterations between stores of the time counters */

struct lcore_time {
	uint64_t busy, idle, sleep; /* TSC cycles not yet stored */
	uint64_t sleeps, intr_wakes;
};

static void account(struct sw_lcore_stats *st, struct lcore_time *t)
{
	const uint64_t hz = rte_get_tsc_hz();

	__atomic_store_n(&st->busy_ns, st->busy_ns + t->busy * 1000000000ull / hz,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&st->idle_ns, st->idle_ns + t->idle * 1000000000ull / hz,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&st->sleep_ns, st->sleep_ns + t->sleep * 1000000000ull / hz,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&st->sleeps, st->sleeps + t->sleeps, __ATOMIC_RELAXED);
	__atomic_store_n(&st->intr_wakes, st->intr_wakes + t->intr_wakes, __ATOMIC_RELAXED);
	*t = (struct lcore_time){ 0 };
}

/* Frames from a vEth waiting for this worker (rung for, but maybe before it slept). */
static bool inject_pending(const struct sw_fp_config *cfg, const struct sw_fp_worker *fw,
			   unsigned int q)
{
	for (uint16_t i = 0; i < fw->n_rx; i++) {
		const struct rte_ring *r = cfg->port[fw->rx[i].port].inject[q];

		if (r != NULL && rte_ring_count(r) != 0)
			return true;
	}
	return false;
}

/*
 * Sleep at most us microseconds: on the worker's bell alone (n == 1: its
 * futex) or on the descriptors fds[1..n-1] and the bell's eventfd fds[0].
 * Returns true when an rx interrupt ended the sleep.
 */
static bool idle_sleep(struct sw_worker *w, const struct sw_fp_config *cfg,
		       const struct sw_fp_worker *fw, struct pollfd *fds, unsigned int n,
		       unsigned int us)
{
	const struct timespec ts = { .tv_sec = us / 1000000,
				     .tv_nsec = (long)(us % 1000000) * 1000 };
	bool intr = false;

	fds[0].revents = 0;
	sw_bell_worker_sleep(w->index, n > 1);
	if (!inject_pending(cfg, fw, w->index)) {
		rte_rcu_qsbr_thread_offline(sw.qsbr, w->index);
		if (n == 1) {
			sw_bell_worker_wait(w->index, (uint64_t)us * 1000);
		} else {
			int r = ppoll(fds, n, &ts, NULL);

			/* net_tap's rx signal (sw_bell_rt_signals) interrupts it too */
			intr = r < 0 && errno == EINTR;
			for (int i = 1; r > 0 && i < (int)n; i++)
				intr |= (fds[i].revents & POLLIN) != 0;
		}
		rte_rcu_qsbr_thread_online(sw.qsbr, w->index);
	}
	sw_bell_worker_awake(w->index, (fds[0].revents & POLLIN) != 0);
	return intr;
}

/* Fill fds[1..] with the queues' interrupt descriptors; true when the
 * worker can wait for all its queues that way (interrupt mode only). */
static bool wait_set(const struct sw_fp_worker *fw, struct pollfd *fds, unsigned int *n)
{
	bool all = sw.poll_mode == SW_POLL_INTERRUPT;

	*n = 1;
	if (sw.poll_mode != SW_POLL_INTERRUPT)
		return fw->n_rx == 0;
	for (uint16_t i = 0; i < fw->n_rx; i++) {
		if (fw->rx[i].intr_fd < 0) {
			all = false;
			continue;
		}
		fds[*n].fd = fw->rx[i].intr_fd;
		fds[*n].events = POLLIN;
		(*n)++;
	}
	return all;
}

int sw_worker_main(void *arg)
{
	struct sw_worker *w = arg;
	struct sw_lcore_stats *st = w->stats;
	struct lcore_time t = { 0 };
	unsigned int empty = 0, sleep_us = 0, iter = 0, over_us = 0;
	struct pollfd fds[1 + SW_MAX_PORTS];
	bool sleeping = false;
	const uint64_t cycles_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	const uint64_t tail = BUSY_TAIL_US * cycles_us;
	uint64_t now = rte_rdtsc(), last_busy = now;

	w->rules = sw_rules_counters(w->index + 1);
	/* sleeps as short as asked: the default timer slack would add 50 us to each */
	prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);
	if (sw.poll_mode == SW_POLL_INTERRUPT)
		sw_bell_rt_signals(true);
	fds[0] = (struct pollfd){ .fd = sw_bell_worker_fd(w->index), .events = POLLIN };
	rte_rcu_qsbr_thread_online(sw.qsbr, w->index);
	while (!sw.quit) {
		const struct sw_fp_config *cfg = __atomic_load_n(&sw_fp_current, __ATOMIC_ACQUIRE);
		const struct sw_fp_worker *fw = &cfg->worker[w->index];
		unsigned int busy = 0;
		uint64_t then = now;

		for (uint16_t i = 0; i < fw->n_rx; i++)
			rx_queue(cfg, w, fw->rx[i], &busy);

		rte_rcu_qsbr_quiescent(sw.qsbr, w->index);
		now = rte_rdtsc();
		if (busy) {
			__atomic_store_n(&st->busy_polls, st->busy_polls + 1, __ATOMIC_RELAXED);
			t.busy += now - then;
			empty = sleep_us = 0;
			last_busy = now;
		} else {
			__atomic_store_n(&st->idle_polls, st->idle_polls + 1, __ATOMIC_RELAXED);
			t.idle += now - then;
			/* the main lcore may sleep in deep idle: what we punted wakes it */
			if (unlikely(w->punted)) {
				w->punted = false;
				sw_bell_ring();
			}
			if (sw.poll_mode != SW_POLL_BUSY && ++empty > IDLE_SPINS &&
			    now - last_busy > tail) {
				unsigned int n, us, slept_us;
				bool intr;

				if (wait_set(fw, fds, &n)) {
					us = INTR_WAIT_US;
				} else {
					const unsigned int cap = RTE_MAX(
						sw.idle_sleep_us -
							RTE_MIN(over_us, sw.idle_sleep_us / 2),
						1u);

					sleep_us = sleep_us ? RTE_MIN(sleep_us * 2, cap) : 1;
					us = sleep_us;
				}
				intr = idle_sleep(w, cfg, fw, fds, n, us);
				t.intr_wakes += intr;
				t.sleeps++;
				then = now;
				now = rte_rdtsc();
				/* as NAPI after an interrupt: poll for the tail before
				 * sleeping again (the driver may need a moment to show
				 * what woke it: net_tap waits for its rx signal) */
				if (intr)
					last_busy = now;
				t.sleep += now - then;
				slept_us = (unsigned int)RTE_MIN((now - then) / cycles_us,
								 (uint64_t)UINT32_MAX);
				if (us == sleep_us)
					over_us = RTE_MAX(over_us - over_us / 16,
							  slept_us > us ? slept_us - us : 0);
				sleeping = true;
			}
		}
		if (unlikely(++iter % ACCOUNT_EVERY == 0 || sleeping)) {
			account(st, &t);
			sleeping = false;
		}
	}
	account(st, &t);
	rte_rcu_qsbr_thread_offline(sw.qsbr, w->index);
	return 0;
}

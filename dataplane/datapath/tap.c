/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path's side of captures and traces (see tap.h). Runs on worker
 * lcores only while a tap is on: no syscall, no lock, no allocation; the
 * only shared writes are a worker's own ring, counters and trace records.
 *
 * A capture ring is written as the control rings are (slipway_ctl.h): a
 * message never wraps (a PAD fills the end of the area), the producer
 * publishes its index with a release store once per hook call. The
 * consumer index comes from the client and is only trusted as far as it
 * makes sense: one that claims more than the ring holds is a full ring.
 */
#include <string.h>

#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "datapath/classify.h"
#include "datapath/tap.h"
#include "datapath/trace.h"

#define NO_OUTCOME 0xffu

static inline bool match(const struct sw_tap *tp, struct rte_mbuf *m)
{
	if (tp->jit != NULL)
		return tp->jit(m) != 0;
	return tp->bpf == NULL || rte_bpf_exec(tp->bpf, m) != 0;
}

static inline bool wants(const struct sw_tap *tp, uint16_t port, uint8_t point)
{
	return (tp->port == SW_PORT_NONE || tp->port == port) && (tp->points & (1u << point));
}

static inline void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* One record into the worker's ring, whose consumer index was cons when
 * the burst began; false when it did not fit. */
static bool put(struct sw_tap_writer *wr, const struct sw_tap *tp, const struct rte_mbuf *m,
		const struct sw_tap_pkt *rec, uint32_t cons)
{
	const uint32_t cap = RTE_MIN(m->pkt_len, tp->snaplen);
	const uint32_t len = SW_MSG_HDR_SIZE + sizeof(*rec) + cap;
	const uint32_t alen = SW_MSG_ALIGN(len);
	const uint32_t used = wr->prod - cons;
	uint32_t pos = wr->prod & (wr->size - 1);
	const uint32_t to_end = wr->size - pos;
	const uint32_t pad = alen > to_end ? to_end : 0;
	const uint32_t seq = wr->seq++;
	struct sw_msg_hdr *h;

	if (used > wr->size || pad + alen > wr->size - used)
		return false;
	if (pad) { /* to_end is a multiple of 8: at least len and type fit */
		h = (struct sw_msg_hdr *)(wr->data + pos);
		h->len = pad;
		h->type = SW_OP_PAD;
		h->flags = 0;
		if (pad >= SW_MSG_HDR_SIZE)
			h->seq = h->status = 0;
		wr->prod += pad;
		pos = 0;
	}
	h = (struct sw_msg_hdr *)(wr->data + pos);
	h->len = len;
	h->type = SW_EVT_CAPTURE_PKT;
	h->flags = 0;
	h->seq = seq;
	h->status = 0;

	struct sw_tap_pkt *p = (struct sw_tap_pkt *)(h + 1);
	uint8_t *bytes = (uint8_t *)(p + 1);

	*p = *rec;
	p->cap_len = cap;
	const void *d = rte_pktmbuf_read(m, 0, cap, bytes);
	if (d != NULL && d != bytes)
		memcpy(bytes, d, cap);
	wr->prod += alen;
	return true;
}

/* Packets at one point of one port, for every capture that wants them. */
static void capture(struct sw_tap_set *ts, struct sw_worker *w, uint8_t point, uint16_t port,
		    uint16_t queue, struct rte_mbuf **pkts, uint16_t n, uint8_t reason,
		    uint64_t tsc)
{
	for (unsigned int k = 0; k < ts->n; k++) {
		struct sw_tap *tp = ts->tap[k];
		struct sw_tap_writer *wr;

		if (tp->kind != SW_TAP_CAPTURE || !wants(tp, port, point))
			continue;
		wr = &tp->w[w->index];
		count(&wr->counts->seen[port][point], n);
		if (wr->left == 0)
			continue;

		struct sw_tap_pkt rec = {
			.tsc = tsc,
			.port = port,
			.point = point,
			.reason = reason,
			.queue = queue,
			.lcore = (uint16_t)w->lcore_id,
		};
		uint32_t matched = 0, lost = 0, written = 0;
		const uint32_t cons = __atomic_load_n(&wr->ring->cons, __ATOMIC_ACQUIRE);

		for (uint16_t i = 0; i < n && wr->left > 0; i++) {
			if (!match(tp, pkts[i]))
				continue;
			matched++;
			rec.orig_len = pkts[i]->pkt_len;
			if (put(wr, tp, pkts[i], &rec, cons)) {
				written++;
				if (wr->left != UINT32_MAX)
					wr->left--;
			} else {
				lost++;
			}
		}
		if (matched == 0)
			continue;
		__atomic_store_n(&wr->ring->prod, wr->prod, __ATOMIC_RELEASE);
		count(&wr->counts->matched[port][point], matched);
		count(&wr->matched, matched);
		count(&wr->written, written);
		if (lost) {
			count(&wr->counts->lost[port][point], lost);
			count(&wr->lost, lost);
		}
	}
}

/* Traces: what became of the burst's traced packets. */
static void outcome(struct sw_tap_set *ts, struct sw_worker *w, uint8_t point, uint16_t port,
		    struct rte_mbuf **pkts, uint16_t n, uint8_t reason, uint64_t tsc)
{
	for (unsigned int k = 0; k < ts->n; k++) {
		struct sw_tap *tp = ts->tap[k];
		struct sw_tracer *tr;

		if (tp->kind != SW_TAP_TRACE)
			continue;
		tr = &tp->tr[w->index];
		for (uint16_t j = 0; j < tr->n_pend; j++) {
			/* the first outcome counts; a tx queue or punt ring that
			 * refused the packet afterwards turns it into a drop */
			const uint8_t was = tr->outcome[j];

			if (was != NO_OUTCOME &&
			    !(point == SW_TAP_POINT_DROP &&
			      ((was == SW_TAP_POINT_TX && reason == SW_TAP_DROP_TX_FULL) ||
			       (was == SW_TAP_POINT_PUNT && reason == SW_TAP_DROP_PUNT_FULL))))
				continue;
			for (uint16_t i = 0; i < n; i++) {
				if (pkts[i] != tr->pend[j])
					continue;
				struct sw_trace *t = &tr->rec[tr->done + j].t;

				tr->outcome[j] = point;
				t->tsc_out = tsc;
				t->flags |= SW_TRACE_F_OBSERVED;
				if (point == SW_TAP_POINT_TX) {
					t->action = SW_TRACE_FORWARD;
					t->out_port = port;
				} else if (point == SW_TAP_POINT_PUNT) {
					t->action = SW_TRACE_PUNT;
					t->police = SW_TRACE_POLICE_PASS;
				} else {
					if (reason >= SW_L3_police_arp &&
					    reason <= SW_L3_police_other) {
						t->police = SW_TRACE_POLICE_DROP;
						t->punt_class = reason - SW_L3_police_arp;
					}
					t->action = SW_TRACE_DROP;
					t->out_port = SW_PORT_NONE;
					t->reason = reason;
				}
				break;
			}
		}
	}
}

/* Traces at rx: replay each matching packet, note it as pending. */
static void trace_rx(const struct sw_fp_config *cfg, struct sw_tap *tp, struct sw_worker *w,
		     uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
		     uint64_t tsc)
{
	struct sw_tracer *tr = &tp->tr[w->index];

	for (uint16_t i = 0; i < n; i++) {
		if (!match(tp, pkts[i]))
			continue;
		count(&tr->matched, 1);
		if (tr->done + tr->n_pend >= tr->max || tr->n_pend == SW_BURST) {
			count(&tr->lost, 1);
			continue;
		}
		struct sw_trace_raw *r = &tr->rec[tr->done + tr->n_pend];

		sw_trace_classify(cfg, port, pkts[i], r);
		r->t.tsc_rx = tsc;
		r->t.tsc_hz = rte_get_tsc_hz();
		r->t.seq = tr->done + tr->n_pend;
		r->t.queue = queue;
		r->t.lcore = (uint16_t)w->lcore_id;
		tr->outcome[tr->n_pend] = NO_OUTCOME;
		tr->pend[tr->n_pend++] = pkts[i];
	}
}

void sw_tap_rx(const struct sw_fp_config *cfg, struct sw_worker *w, uint16_t port, uint16_t queue,
	       struct rte_mbuf **pkts, uint16_t n)
{
	struct sw_tap_set *ts = cfg->tap;
	const uint8_t want = ts->want[port];
	uint64_t tsc;

	if (!(want & ((1u << SW_TAP_POINT_RX) | SW_TAP_WANT_TRACE)))
		return;
	tsc = rte_rdtsc();
	if (want & (1u << SW_TAP_POINT_RX))
		capture(ts, w, SW_TAP_POINT_RX, port, queue, pkts, n, 0, tsc);
	if (!(want & SW_TAP_WANT_TRACE))
		return;
	for (unsigned int k = 0; k < ts->n; k++) {
		struct sw_tap *tp = ts->tap[k];

		if (tp->kind == SW_TAP_TRACE && (tp->port == SW_PORT_NONE || tp->port == port))
			trace_rx(cfg, tp, w, port, queue, pkts, n, tsc);
	}
}

void sw_tap_out(struct sw_tap_set *ts, struct sw_worker *w, uint8_t point, uint16_t port,
		struct rte_mbuf **pkts, uint16_t n, uint8_t reason)
{
	const bool cap = ts->want[port] & (1u << point);
	uint64_t tsc;

	if (!cap && !ts->trace)
		return;
	tsc = rte_rdtsc();
	if (cap)
		capture(ts, w, point, port, (uint16_t)w->index, pkts, n, reason, tsc);
	if (ts->trace && point != SW_TAP_POINT_INJECT)
		outcome(ts, w, point, port, pkts, n, reason, tsc);
}

void sw_tap_drop(struct sw_tap_set *ts, struct sw_worker *w, uint16_t port, struct rte_mbuf *m,
		 uint16_t verdict)
{
	int why = sw_v_drop_reason(verdict);
	uint8_t reason = SW_TAP_DROP_UNKNOWN;

	if (why >= 0)
		reason = (uint8_t)why;
	else if (verdict >= SW_V_PUNT && verdict < SW_V_PUNT + SW_PUNT_CLASSES)
		reason = (uint8_t)(SW_L3_police_arp + (verdict - SW_V_PUNT)); /* the policer */
	sw_tap_out(ts, w, SW_TAP_POINT_DROP, port, &m, 1, reason);
}

void sw_tap_done(struct sw_tap_set *ts, struct sw_worker *w)
{
	if (!ts->trace)
		return;
	for (unsigned int k = 0; k < ts->n; k++) {
		struct sw_tap *tp = ts->tap[k];
		struct sw_tracer *tr;

		if (tp->kind != SW_TAP_TRACE)
			continue;
		tr = &tp->tr[w->index];
		if (tr->n_pend == 0)
			continue;
		for (uint16_t j = 0; j < tr->n_pend; j++)
			if (tr->outcome[j] == NO_OUTCOME)
				tr->rec[tr->done + j].t.tsc_out = rte_rdtsc();
		__atomic_store_n(&tr->done, tr->done + tr->n_pend, __ATOMIC_RELEASE);
		tr->n_pend = 0;
	}
}

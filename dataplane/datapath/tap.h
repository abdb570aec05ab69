/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taps: captures and traces as the fast path sees them (the control side
 * is capture/). The published configuration points at a struct sw_tap_set
 * while at least one tap is on, else NULL: the worker's only cost when
 * nothing is tapped is one test of that pointer per point it passes
 * (rx, tx, punt, inject, drop). The hooks below are out of line, for the
 * same reason.
 *
 * A capture's filter runs on each packet at the points it asked for; a
 * match is copied (snaplen bytes) into the worker's own ring of the
 * capture file, a ring nobody else writes: no lock, no atomic
 * read-modify-write, no wait. When the client has not made room, the
 * record is lost and counted.
 *
 * A trace's filter runs at rx; a match is replayed at once through the
 * fast path's own classification on a copy (datapath/trace.h: rule, checks,
 * route, next hop), then the hooks the packet passes next (tx, punt, drop)
 * say what really became of it. The record is final at the end of the
 * burst; the main lcore reads finished records (TRACE_READ).
 *
 * The set and each tap's settings never change once published; the
 * per-worker parts (writers, tracers) are each written by their worker only.
 */
#ifndef SW_DATAPATH_TAP_H
#define SW_DATAPATH_TAP_H

#include <stdint.h>

#include <rte_common.h>

#include "core/fp.h"
#include "core/state.h"
#include "slipway_ctl.h"

struct rte_bpf;
struct rte_mbuf;

/* A worker's writer of its ring in a capture file. */
struct sw_tap_writer {
	struct sw_ring *ring;		 /* in the file: the client moves its cons */
	uint8_t *data;			 /* the ring's data area */
	struct sw_tap_counts *counts;	 /* in the file: this worker's counters */
	uint32_t size;			 /* data area, a power of two */
	uint32_t prod;			 /* producer index: ours, never read back from the file */
	uint32_t seq;			 /* records so far, lost ones included */
	uint32_t left;			 /* records it may still write (UINT32_MAX: no limit) */
	uint64_t matched, written, lost; /* totals, read by the main lcore (TAP_LIST) */
} __rte_cache_aligned;

/* One traced packet: the ABI record and what the main lcore turns into
 * names (rule id, route prefix, gateway). */
struct sw_trace_raw {
	struct sw_trace t;
	uint32_t rule_slot; /* t.flags & SW_TRACE_F_RULE: the rule's slot */
	uint32_t nh;	    /* t.flags & SW_TRACE_F_FOUND, forward route: the next hop's id */
};

/* A worker's part of a trace. rec[0..done) are final (done is stored with
 * release after them); rec[done..done + n_pend) belong to the burst in
 * progress and wait for what becomes of their packets (pend[]). */
struct sw_tracer {
	struct sw_trace_raw *rec; /* [max] */
	uint32_t done;
	uint32_t max;
	uint16_t n_pend;
	uint8_t outcome[SW_BURST]; /* the point each pending packet reached, 0xff: none yet */
	struct rte_mbuf *pend[SW_BURST];
	uint64_t matched, lost; /* lost: matched once this worker's trace was full */
} __rte_cache_aligned;

struct sw_tap {
	uint32_t id;
	uint8_t kind;		   /* SW_TAP_CAPTURE, SW_TAP_TRACE */
	uint8_t points;		   /* capture: bit mask of SW_TAP_POINT_* */
	uint16_t port;		   /* SW_PORT_NONE: every port */
	uint32_t snaplen;	   /* capture */
	uint64_t (*jit)(void *);   /* the filter, JIT-compiled; NULL: see bpf */
	const struct rte_bpf *bpf; /* the filter, interpreted; NULL (and no jit): every packet */
	union {
		struct sw_tap_writer w[SW_MAX_WORKERS]; /* capture: worker i's ring */
		struct sw_tracer tr[SW_MAX_WORKERS];	/* trace */
	};
};

#define SW_TAP_WANT_TRACE 0x80u /* sw_tap_set.want: a trace starts at this port's rx */

/* What the fast path reads (capture/ builds one per change of the taps). */
struct sw_tap_set {
	uint8_t n;
	bool trace;		    /* some tap is a trace: outcome hooks look for its packets */
	uint8_t want[SW_MAX_PORTS]; /* bit i: a capture wants point i of that port; see above */
	struct sw_tap *tap[SW_TAP_MAX];
};

/* Hooks, called only when cfg->tap is not NULL. */

/* A burst received on port's rx queue (before anything changed it). */
void sw_tap_rx(const struct sw_fp_config *cfg, struct sw_worker *w, uint16_t port, uint16_t queue,
	       struct rte_mbuf **pkts, uint16_t n);
/* Packets at a point other than rx (tx, punt, inject) on port; for the
 * drop point, reason is their SW_TAP_DROP_* / SW_L3_* reason. */
void sw_tap_out(struct sw_tap_set *ts, struct sw_worker *w, uint8_t point, uint16_t port,
		struct rte_mbuf **pkts, uint16_t n, uint8_t reason);
/* A packet of port dropped with classify's (or the policer's) verdict. */
void sw_tap_drop(struct sw_tap_set *ts, struct sw_worker *w, uint16_t port, struct rte_mbuf *m,
		 uint16_t verdict);
/* End of a worker's pass over one rx queue: the burst's traces are final. */
void sw_tap_done(struct sw_tap_set *ts, struct sw_worker *w);

#endif

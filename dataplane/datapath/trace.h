/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The path of one packet through the fast path's classification, computed
 * by the fast path's own code (datapath/classify.h, datapath/acl_key.h, the
 * published rte_acl classifiers, FIBs and next hops) on a copy of its
 * headers, with nothing counted, sent or changed. A trace (datapath/tap.c)
 * runs it on a packet the worker has just received, then notes what the
 * worker really did with it; EXPLAIN (capture/) runs it on a packet made
 * from a request. The steps follow route_burst() and rule_action() in
 * datapath/worker.c: cross-connect, rules, checks, routes.
 *
 * Fills r->t (headers, rule slot and action, route group, ECMP member and
 * next hop, the verdict and its reason) and r->rule_slot, r->nh; the
 * caller fills what it knows (times, queue, lcore) and the main lcore the
 * names (rule id, route prefix, gateway).
 */
#ifndef SW_DATAPATH_TRACE_H
#define SW_DATAPATH_TRACE_H

#include <stdint.h>

#include "core/fp.h"
#include "datapath/tap.h"

struct rte_mbuf;

/* The bytes of the first segment a replay looks at, at most. */
#define SW_TRACE_COPY_MAX 4096u

void sw_trace_classify(const struct sw_fp_config *cfg, uint16_t in_port, const struct rte_mbuf *m,
		       struct sw_trace_raw *r);

#endif

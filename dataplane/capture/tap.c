/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taps on the control side: TAP_START, TAP_STOP, TAP_LIST, TRACE_READ.
 *
 * A tap's fast-path part (struct sw_tap) is published in a struct
 * sw_tap_set, rebuilt whenever a tap starts or ends. An ended tap leaves
 * the set at the next publish and is finished once that publish's grace
 * period is over: then no worker can write to it any more, so a capture
 * file's state becomes ENDED (the client drains its rings for the last
 * time) and the file is removed. A tap ends on TAP_STOP, when its client's
 * slot is freed (the client is gone), when its client stops beating
 * (SW_TAP_TIMEOUT_MS) and when slipwayd stops; all but TAP_STOP send an
 * SW_EVT_TAP_END event.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>

#include "capture/capture.h"
#include "capture/filter.h"
#include "core/api.h"
#include "core/event.h"
#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/util.h"
#include "port/port.h"

#define MAX_RECS      (2 * SW_TAP_MAX) /* running taps, and ended ones in their grace period */
#define MAX_SETS      16u
#define CHECK_NS      (250ull * 1000 * 1000)
#define TRACE_MAX_OUT ((SW_RESP_MAX - sizeof(struct sw_trace_batch)) / sizeof(struct sw_trace))

struct tap_rec {
	bool used;
	uint8_t state; /* SW_TAP_RUNNING, _ENDING */
	uint8_t end_reason;
	uint64_t retire_gen; /* ENDING: finished once this publish's grace period is over */
	uint64_t beat_ns;    /* the client's last sign of life we saw */
	struct sw_tap_info info;
	struct sw_filter filter;
	struct sw_tap *tp;	       /* what workers write to */
	struct sw_tap_file file;       /* capture */
	struct sw_trace_raw *recs;     /* trace: worker i's at i * count */
	uint32_t read[SW_MAX_WORKERS]; /* trace: records handed to the client, per worker */
};

static struct {
	struct tap_rec rec[MAX_RECS];
	uint32_t next_id;
	struct sw_tap_set *cur; /* published (fill) */
	struct {
		struct sw_tap_set *set;
		uint64_t gen;
	} old[MAX_SETS];
	unsigned int n_old;
} taps = { .next_id = 1 };

static unsigned int running(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_RECS; i++)
		n += taps.rec[i].used && taps.rec[i].state == SW_TAP_RUNNING;
	return n;
}

static struct tap_rec *find(uint32_t id)
{
	for (unsigned int i = 0; i < MAX_RECS; i++)
		if (taps.rec[i].used && taps.rec[i].info.id == id)
			return &taps.rec[i];
	return NULL;
}

static void free_set(struct sw_tap_set *s)
{
	rte_free(s);
}

/* Retire sets whose last publish is past its grace period. */
static void reclaim_sets(uint64_t gen)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < taps.n_old; i++) {
		if (taps.old[i].gen <= gen)
			free_set(taps.old[i].set);
		else
			taps.old[k++] = taps.old[i];
	}
	taps.n_old = k;
}

/* A new set of the running taps replaces the published one at the next
 * publish. -1 when out of memory (the running set stays as it is). */
static int rebuild(void)
{
	struct sw_tap_set *s = NULL;

	if (running() > 0) {
		s = rte_zmalloc("sw_tap_set", sizeof(*s), RTE_CACHE_LINE_SIZE);
		if (s == NULL)
			return -1;
		for (unsigned int i = 0; i < MAX_RECS; i++) {
			const struct tap_rec *r = &taps.rec[i];
			struct sw_tap *tp = r->tp;

			if (!r->used || r->state != SW_TAP_RUNNING)
				continue;
			s->tap[s->n++] = tp;
			for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
				if (tp->port != SW_PORT_NONE && tp->port != p)
					continue;
				if (tp->kind == SW_TAP_TRACE)
					s->want[p] |= SW_TAP_WANT_TRACE;
				else
					s->want[p] |= tp->points;
			}
			s->trace |= tp->kind == SW_TAP_TRACE;
		}
	}
	if (taps.cur != NULL) {
		if (taps.n_old == MAX_SETS) {
			sw_publish_commit(); /* past sets waiting for their grace period */
			sw_publish_wait(taps.old[0].gen);
			reclaim_sets(taps.old[0].gen);
		}
		taps.old[taps.n_old].set = taps.cur;
		taps.old[taps.n_old++].gen = sw_publish_next_gen();
	}
	taps.cur = s;
	sw_publish_mark_dirty();
	return 0;
}

static void info_refresh(struct tap_rec *r)
{
	struct sw_tap_info *in = &r->info;

	in->state = r->state;
	in->end_reason = r->end_reason;
	in->matched = in->written = in->lost = 0;
	for (unsigned int w = 0; w < sw.n_workers; w++) {
		if (r->tp->kind == SW_TAP_CAPTURE) {
			const struct sw_tap_writer *wr = &r->tp->w[w];

			in->matched += __atomic_load_n(&wr->matched, __ATOMIC_RELAXED);
			in->written += __atomic_load_n(&wr->written, __ATOMIC_RELAXED);
			in->lost += __atomic_load_n(&wr->lost, __ATOMIC_RELAXED);
		} else {
			const struct sw_tracer *tr = &r->tp->tr[w];

			in->matched += __atomic_load_n(&tr->matched, __ATOMIC_RELAXED);
			in->written += __atomic_load_n(&tr->done, __ATOMIC_ACQUIRE);
			in->lost += __atomic_load_n(&tr->lost, __ATOMIC_RELAXED);
		}
	}
}

/* Free what a tap held; its file says ENDED. Workers no longer see it. */
static void finish(struct tap_rec *r)
{
	if (r->tp != NULL && r->tp->kind == SW_TAP_CAPTURE)
		sw_tap_file_close(&r->file);
	sw_filter_free(&r->filter);
	rte_free(r->recs);
	rte_free(r->tp);
	memset(r, 0, sizeof(*r));
}

static const char *end_name(uint8_t reason)
{
	switch (reason) {
	case SW_TAP_END_STOPPED:
		return "stopped";
	case SW_TAP_END_CLIENT:
		return "its client is gone";
	case SW_TAP_END_TIMEOUT:
		return "its client stopped reading";
	default:
		return "slipwayd stops";
	}
}

/* The tap leaves the fast path at the next publish. -1 (and it runs on)
 * when there is no memory for the set without it: a tap is finished only
 * once no published set holds it. */
static int end(struct tap_rec *r, uint8_t reason)
{
	if (r->state != SW_TAP_RUNNING)
		return 0;
	r->state = SW_TAP_ENDING;
	if (rebuild() != 0) {
		r->state = SW_TAP_RUNNING;
		SW_LOG(ERR, "tap %u: out of memory for the tap set without it; it runs on",
		       r->info.id);
		return -1;
	}
	r->retire_gen = sw_publish_next_gen();
	r->end_reason = reason;
	info_refresh(r);
	if (r->file.hdr != NULL) {
		r->file.hdr->end_reason = reason;
		__atomic_store_n(&r->file.hdr->state, SW_TAP_ENDING, __ATOMIC_RELEASE);
	}
	SW_LOG(INFO, "%s %u ended: %s (%" PRIu64 " records, %" PRIu64 " lost)",
	       r->info.kind == SW_TAP_CAPTURE ? "capture" : "trace", r->info.id, end_name(reason),
	       r->info.written, r->info.lost);
	if (reason != SW_TAP_END_STOPPED) {
		struct sw_evt_tap ev = {
			.id = r->info.id,
			.kind = r->info.kind,
			.reason = reason,
			.port = r->info.port,
			.pid = r->info.pid,
			.written = r->info.written,
			.lost = r->info.lost,
		};

		sw_event_push(SW_EVT_TAP_END, &ev);
	}
	return 0;
}
SW_EVENT_COPY(SW_EVT_TAP_END, sw_evt_tap)

static int check_start(const struct sw_tap_start *q, uint32_t len, struct sw_err *e)
{
	if (q->kind != SW_TAP_CAPTURE && q->kind != SW_TAP_TRACE)
		return sw_fail(e, SW_ST_INVALID, "tap kind %u: expected %u (capture) or %u (trace)",
			       q->kind, SW_TAP_CAPTURE, SW_TAP_TRACE);
	if (len != sizeof(*q) + q->filter_len)
		return sw_fail(e, SW_ST_MALFORMED,
			       "tap start of %u bytes: the header and %u filter bytes make %zu",
			       len, q->filter_len, sizeof(*q) + q->filter_len);
	if (q->port != SW_PORT_NONE && !sw_port_exists(q->port))
		return sw_fail(e, SW_ST_NO_PORT, "tap on port %u: no such port", q->port);
	if (q->kind == SW_TAP_TRACE) {
		if (q->count < 1 || q->count > SW_TRACE_MAX)
			return sw_fail(e, SW_ST_RANGE, "trace of %u packets: expected 1..%u",
				       q->count, SW_TRACE_MAX);
		if (q->points != 0)
			return sw_fail(e, SW_ST_INVALID,
				       "a trace starts at rx and follows the packet: points must "
				       "be 0, not 0x%x",
				       q->points);
		return 0;
	}
	if (q->points == 0 || q->points >= (1u << SW_TAP_POINTS))
		return sw_fail(e, SW_ST_INVALID, "capture points 0x%x: expected a mask of 1..0x%x",
			       q->points, (1u << SW_TAP_POINTS) - 1);
	if (q->snaplen < 1 || q->snaplen > SW_TAP_SNAPLEN_MAX)
		return sw_fail(e, SW_ST_RANGE, "capture snaplen %u: expected 1..%u", q->snaplen,
			       SW_TAP_SNAPLEN_MAX);
	if (q->ring_size != 0 &&
	    (q->ring_size < SW_TAP_RING_MIN || q->ring_size > SW_TAP_RING_MAX ||
	     (q->ring_size & (q->ring_size - 1)) != 0))
		return sw_fail(e, SW_ST_RANGE,
			       "capture ring of %u bytes: expected a power of two in %u..%u",
			       q->ring_size, SW_TAP_RING_MIN, SW_TAP_RING_MAX);
	return 0;
}

static int tap_start(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	const struct sw_tap_start *q = req;
	const char *expr = (const char *)(q + 1);
	struct tap_rec *r = NULL;

	if (check_start(q, len, e) != 0)
		return -1;
	if (running() >= SW_TAP_MAX)
		return sw_fail(e, SW_ST_BUSY, "%u captures and traces are on already (at most %u)",
			       running(), SW_TAP_MAX);
	for (unsigned int i = 0; i < MAX_RECS && r == NULL; i++)
		if (!taps.rec[i].used)
			r = &taps.rec[i];
	if (r == NULL)
		return sw_fail(e, SW_ST_BUSY, "taps that ended are still draining: try again");
	memset(r, 0, sizeof(*r));
	r->file.fd = -1;
	if (sw_filter_compile(expr, q->filter_len, q->kind == SW_TAP_CAPTURE ? q->snaplen : 65535,
			      &r->filter, e) != 0)
		return -1;
	r->tp = rte_zmalloc("sw_tap", sizeof(*r->tp), RTE_CACHE_LINE_SIZE);
	if (r->tp == NULL) {
		sw_fail(e, SW_ST_NO_SPACE, "tap: out of memory");
		goto fail;
	}

	struct sw_tap *tp = r->tp;
	const uint32_t id = taps.next_id;

	tp->id = id;
	tp->kind = q->kind;
	tp->points = q->points;
	tp->port = q->port;
	tp->snaplen = q->snaplen;
	tp->bpf = r->filter.bpf;
	tp->jit = r->filter.jit;
	if (q->kind == SW_TAP_CAPTURE) {
		uint32_t ring = q->ring_size ? q->ring_size : SW_TAP_RING_DEF;

		if (sw_tap_file_create(&r->file, id, sw.n_workers, ring, e) != 0)
			goto fail;
		r->file.hdr->snaplen = q->snaplen;
		r->file.hdr->points = q->points;
		r->file.hdr->port = q->port;
		for (unsigned int w = 0; w < sw.n_workers; w++) {
			struct sw_tap_writer *wr = &tp->w[w];
			struct sw_ring *rg = sw_tap_file_ring(&r->file, w);

			wr->ring = rg;
			wr->data = (uint8_t *)rg + SW_RING_DATA_OFF;
			wr->size = ring;
			wr->counts = sw_tap_file_counts(&r->file, w);
			wr->left = q->count ? q->count : UINT32_MAX;
		}
		sw_tap_file_ready(&r->file);
		r->info.n_rings = (uint8_t)sw.n_workers;
		r->info.ring_size = ring;
		snprintf(r->info.file, sizeof(r->info.file), "%s", r->file.name);
	} else {
		r->recs = rte_zmalloc("sw_trace",
				      (size_t)sw.n_workers * q->count * sizeof(*r->recs),
				      RTE_CACHE_LINE_SIZE);
		if (r->recs == NULL) {
			sw_fail(e, SW_ST_NO_SPACE, "trace of %u packets: out of memory", q->count);
			goto fail;
		}
		for (unsigned int w = 0; w < sw.n_workers; w++) {
			tp->tr[w].rec = r->recs + (size_t)w * q->count;
			tp->tr[w].max = q->count;
		}
	}
	r->used = true;
	r->state = SW_TAP_RUNNING;
	r->beat_ns = sw_mono_ns();
	r->info.id = id;
	r->info.kind = q->kind;
	r->info.points = q->points;
	r->info.port = q->port;
	r->info.snaplen = q->kind == SW_TAP_CAPTURE ? q->snaplen : 0;
	r->info.count = q->count;
	r->info.pid = q->pid;
	r->info.jit = r->filter.jit != NULL;
	r->info.bpf_ins = r->filter.n_ins;
	snprintf(r->info.filter, sizeof(r->info.filter), "%.*s",
		 (int)RTE_MIN((uint32_t)q->filter_len, (uint32_t)sizeof(r->info.filter) - 1), expr);
	if (rebuild() != 0) {
		r->used = false;
		sw_fail(e, SW_ST_NO_SPACE, "tap: out of memory");
		goto fail;
	}
	taps.next_id++;
	char where[16] = "every port";
	if (q->port != SW_PORT_NONE)
		snprintf(where, sizeof(where), "port %u", q->port);
	SW_LOG(INFO, "%s %u on %s for pid %u: filter '%s' (%u eBPF instructions, %s)",
	       q->kind == SW_TAP_CAPTURE ? "capture" : "trace", id, where, q->pid, r->info.filter,
	       r->filter.n_ins,
	       r->filter.bpf == NULL ? "no filter"
	       : r->filter.jit	     ? "JIT"
				     : "interpreted");
	info_refresh(r);
	memcpy(resp, &r->info, sizeof(r->info));
	*resp_len = sizeof(r->info);
	return 0;
fail:
	finish(r);
	return -1;
}

static int tap_stop(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_tap_ref *q = req;
	struct tap_rec *r = find(q->id);

	if (r == NULL)
		return sw_fail(e, SW_ST_NOT_FOUND, "tap %u: no such capture or trace", q->id);
	if (end(r, SW_TAP_END_STOPPED) != 0)
		return sw_fail(e, SW_ST_NO_SPACE, "tap %u: out of memory to stop it", q->id);
	info_refresh(r);
	memcpy(resp, &r->info, sizeof(r->info));
	*resp_len = sizeof(r->info);
	return 0;
}

static int tap_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	struct sw_list_hdr *lh = resp;
	struct sw_tap_info *out = (void *)(lh + 1);

	memset(lh, 0, sizeof(*lh));
	for (unsigned int i = 0; i < MAX_RECS; i++) {
		struct tap_rec *r = &taps.rec[i];

		if (!r->used)
			continue;
		info_refresh(r);
		out[lh->count++] = r->info;
	}
	*resp_len = sizeof(*lh) + lh->count * sizeof(*out);
	return 0;
}

static int trace_read(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		      struct sw_err *e)
{
	const struct sw_tap_ref *q = req;
	struct tap_rec *r = find(q->id);
	struct sw_trace_batch *b = resp;
	struct sw_trace *out = (void *)(b + 1);

	if (r == NULL || r->info.kind != SW_TAP_TRACE)
		return sw_fail(e, SW_ST_NOT_FOUND, "trace %u: no such trace", q->id);
	r->beat_ns = sw_mono_ns();
	memset(b, 0, sizeof(*b));
	for (unsigned int w = 0; w < sw.n_workers; w++) {
		const struct sw_tracer *tr = &r->tp->tr[w];
		uint32_t done = __atomic_load_n(&tr->done, __ATOMIC_ACQUIRE);

		while (r->read[w] < done && r->read[w] < tr->max && b->count < TRACE_MAX_OUT)
			sw_trace_names(&tr->rec[r->read[w]++], &out[b->count++]);
	}
	info_refresh(r);
	b->state = r->state;
	b->matched = r->info.matched;
	b->lost = r->info.lost;
	*resp_len = sizeof(*b) + b->count * sizeof(*out);
	return 0;
}

static const struct sw_api_handler tap_handlers[] = {
	{ SW_OP_TAP_START, "TAP_START", sizeof(struct sw_tap_start),
	  sizeof(struct sw_tap_start) + SW_TAP_FILTER_MAX, tap_start, NULL },
	{ SW_OP_TAP_STOP, "TAP_STOP", SW_API_SIZE(struct sw_tap_ref), tap_stop, NULL },
	{ SW_OP_TAP_LIST, "TAP_LIST", SW_API_NONE, tap_list, SW_API_READ },
	{ SW_OP_TRACE_READ, "TRACE_READ", SW_API_SIZE(struct sw_tap_ref), trace_read, SW_API_READ },
};
SW_API_REGISTER(tap_handlers)

/* The fast path's view: the running taps. */
static void tap_fill(struct sw_fp_config *cfg)
{
	cfg->tap = taps.cur;
}

static void tap_reclaim(uint64_t gen)
{
	reclaim_sets(gen);
	for (unsigned int i = 0; i < MAX_RECS; i++) {
		struct tap_rec *r = &taps.rec[i];

		if (r->used && r->state == SW_TAP_ENDING && r->retire_gen <= gen)
			finish(r);
	}
}

static const struct sw_publish_ops tap_publish = {
	.name = "taps",
	.fill = tap_fill,
	.reclaim = tap_reclaim,
};
SW_PUBLISH_REGISTER(tap_publish)

/* Taps whose client stopped beating, or is gone. */
static void check_clients(uint64_t now_ns)
{
	bool ended = false;

	for (unsigned int i = 0; i < MAX_RECS; i++) {
		struct tap_rec *r = &taps.rec[i];

		if (!r->used || r->state != SW_TAP_RUNNING)
			continue;
		if (r->file.hdr != NULL) {
			uint64_t hb = __atomic_load_n(&r->file.hdr->client_heartbeat_ns,
						      __ATOMIC_ACQUIRE);

			if (hb > r->beat_ns && hb <= now_ns)
				r->beat_ns = hb;
		}
		if (now_ns - r->beat_ns > SW_TAP_TIMEOUT_MS * 1000000ull)
			ended |= end(r, SW_TAP_END_TIMEOUT) == 0;
	}
	if (ended)
		sw_publish_commit();
}
SW_PERIODIC_REGISTER("taps", CHECK_NS, check_clients)

static void client_gone(uint16_t type, const void *obj, void *arg)
{
	const struct sw_evt_client *ev = obj;
	bool ended = false;

	for (unsigned int i = 0; i < MAX_RECS; i++) {
		struct tap_rec *r = &taps.rec[i];

		if (r->used && r->state == SW_TAP_RUNNING && r->info.pid != 0 &&
		    r->info.pid == ev->pid)
			ended |= end(r, SW_TAP_END_CLIENT) == 0;
	}
	if (ended)
		sw_publish_commit();
}

static int taps_init(void)
{
	sw_tap_files_sweep();
	sw_event_subscribe(SW_EVT_CLIENT_GONE, client_gone, NULL);
	return 0;
}

/* The workers are gone: finish everything now. */
static void taps_fini(void)
{
	for (unsigned int i = 0; i < MAX_RECS; i++) {
		struct tap_rec *r = &taps.rec[i];

		if (!r->used)
			continue;
		if (r->file.hdr != NULL)
			r->file.hdr->end_reason = r->end_reason ? r->end_reason
								: SW_TAP_END_SHUTDOWN;
		finish(r);
	}
	reclaim_sets(UINT64_MAX);
	free_set(taps.cur);
	taps.cur = NULL;
}

static const struct sw_module taps_module = {
	.name = "taps",
	.prio = SW_PRIO_KNI,
	.init = taps_init,
	.fini = taps_fini,
};
SW_MODULE_REGISTER(taps_module)

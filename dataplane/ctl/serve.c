/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Serving the request ring: each pass takes requests, runs their handlers
 * (ctl/decode.c), and then commits (group commit): the table changes of
 * the pass are published to the fast path (one grace period) before any of
 * its responses is released, with one index store and at most one wake.
 *
 * A batch that outlasts a pass (the pass stopped at its time budget with
 * more requests waiting) is committed once, when it ends, or every HOLD_US
 * while it goes on: a classifier is then compiled once per batch, not once
 * per pass. Between passes the main loop runs as usual.
 *
 * A commit may wait for a module's preparation off the main lcore (a large
 * rule set being compiled). Meanwhile the pass's responses stay staged, no
 * new request is taken, and the main loop goes on (heartbeat, vEths,
 * housekeeping); the next passes finish the commit. Requests whose outcome
 * depends on that preparation are answered after it, OK or with the error
 * that undid their change.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/publish.h"
#include "ctl/ctl.h"
#include "ctl/decode.h"

#define REQS_PER_SERVE	 16384u /* requests per pass at most */
#define SERVE_BUDGET_US	 2000u	/* and at most this long of handler time */
#define HOLD_US		 50000u /* a batch that keeps coming commits at least this often */
#define DEFERRED_MSG_MAX 64u	/* the error text of a deferred answer */
#define DEFERRED_ROOM	 SW_MSG_ALIGN(SW_MSG_HDR_SIZE + DEFERRED_MSG_MAX)

struct deferred {
	uint32_t seq;
	uint16_t type;
	const struct sw_api_handler *h;
};

static struct {
	_Alignas(8) uint8_t req_copy[SW_REQ_RING_SIZE / 2];
	uint8_t resp[SW_RESP_MAX];
	bool committing;	   /* staged responses wait for a commit to finish */
	uint32_t taken;		   /* requests taken since the last commit */
	uint64_t hold_since;	   /* TSC of the first of them */
	struct deferred *deferred; /* answers that wait for the commit's outcome */
	uint32_t n_deferred, max_deferred;
} serve;

static void respond(uint16_t type, uint32_t seq, uint32_t status, const void *p, uint32_t plen)
{
	/* room was checked before the request was taken */
	if (sw_ring_stage(sw_ctl_resp(), type, 0, seq, status, p, plen) != 0)
		SW_LOG(ERR, "response ring full: response to seq %u lost", seq);
}

/* Room to take one more request: its answer, and the deferred answers. */
static bool room_for_one(void)
{
	struct sw_ring_view *resp = sw_ctl_resp();
	uint32_t want = (serve.n_deferred + 1) * DEFERRED_ROOM +
			2 * (SW_MSG_HDR_SIZE + SW_RESP_MAX);

	return sw_ring_room(resp) >= SW_RESP_MAX && sw_ring_free(resp) >= want &&
	       serve.n_deferred < serve.max_deferred;
}

static void answer_deferred(void)
{
	for (uint32_t i = 0; i < serve.n_deferred; i++) {
		const struct deferred *d = &serve.deferred[i];
		struct sw_err e = { .status = SW_ST_OK };

		if (d->h->deferred == NULL || d->h->deferred(&e) == 0) {
			respond(d->type, d->seq, SW_ST_OK, NULL, 0);
			continue;
		}
		respond(d->type, d->seq, e.status, e.msg, strnlen(e.msg, DEFERRED_MSG_MAX));
	}
	serve.n_deferred = 0;
}

/* The pass's changes are published (or the commit goes on): release its answers. */
static void finish(void)
{
	if (sw_publish_commit() == SW_PREPARE_BUSY) {
		serve.committing = true;
		return;
	}
	serve.committing = false;
	serve.taken = 0;
	answer_deferred();
	sw_ring_flush(sw_ctl_resp());
}

static void corrupt(const char *why, uint32_t seq)
{
	char msg[SW_ERRMSG_MAX];
	uint32_t n = snprintf(msg, sizeof(msg), "request ring: %s; pending requests discarded",
			      why);

	SW_LOG(WARNING, "%s", msg);
	sw_ring_discard(sw_ctl_req());
	respond(SW_OP_RING_ERROR, seq, SW_ST_MALFORMED, msg, RTE_MIN(n, (uint32_t)sizeof(msg) - 1));
}

unsigned int sw_ctl_serve(void)
{
	const uint64_t deadline = rte_get_timer_cycles() +
				  rte_get_timer_hz() / 1000000 * SERVE_BUDGET_US;
	struct sw_ring_view *req = sw_ctl_req();
	unsigned int served = 0;
	bool more = false; /* stopped at the time budget with requests waiting */

	if (sw_publish_busy()) {
		/* a commit waits for a preparation: take nothing until it is done */
		serve.committing = serve.committing || serve.taken > 0;
		return 0;
	}
	if (serve.committing) {
		finish();
		return 1;
	}
	while (served < REQS_PER_SERVE && room_for_one()) {
		if (served > 0 && rte_get_timer_cycles() > deadline) {
			more = sw_ring_pending(req);
			break;
		}
		const struct sw_msg_hdr *m;
		const char *why = NULL;
		uint32_t seq, len, rlen = 0, st;
		struct sw_err e;
		bool deferred;

		switch (sw_ring_peek(req, &m, &seq, &why)) {
		case SW_PEEK_EMPTY:
			goto done;
		case SW_PEEK_CORRUPT:
			corrupt(why, seq);
			served++;
			continue;
		case SW_PEEK_MSG:
			break;
		}
		/* copy out: the controller must not be able to change it under us */
		len = m->len;
		if (len > sizeof(serve.req_copy)) {
			uint16_t type = m->type;
			uint32_t n = snprintf(e.msg, sizeof(e.msg),
					      "request of %u bytes is larger than %zu", len,
					      sizeof(serve.req_copy));

			sw_ring_consume(req, m);
			respond(type, seq, SW_ST_MALFORMED, e.msg, n);
			served++;
			continue;
		}
		memcpy(serve.req_copy, m, len);
		sw_ring_consume(req, m);

		const struct sw_msg_hdr *rq = (const void *)serve.req_copy;
		sw_publish_make_room(); /* a table whose change log is full: publish first */
		st = sw_api_dispatch(rq->type, serve.req_copy + SW_MSG_HDR_SIZE,
				     len - SW_MSG_HDR_SIZE, serve.resp, &rlen, &e, &deferred);
		if (deferred)
			serve.deferred[serve.n_deferred++] = (struct deferred){
				.seq = rq->seq,
				.type = rq->type,
				.h = sw_api_lookup(rq->type),
			};
		else if (st == SW_ST_OK)
			respond(rq->type, rq->seq, st, serve.resp, rlen);
		else
			respond(rq->type, rq->seq, st, e.msg, strnlen(e.msg, sizeof(e.msg)));
		served++;
	}
done:
	if (served > 0 && serve.taken == 0)
		serve.hold_since = rte_get_timer_cycles();
	serve.taken += served;
	if (serve.taken > 0 && more &&
	    rte_get_timer_cycles() - serve.hold_since < rte_get_timer_hz() / 1000000 * HOLD_US)
		return served; /* the batch goes on: commit it when it ends */
	if (serve.taken > 0 || served > 0)
		finish();
	return served;
}

void sw_ctl_sleep(uint64_t timeout_ns)
{
	sw_ring_sleep(sw_ctl_req(), timeout_ns);
}

void sw_ctl_wake(void)
{
	struct sw_ring_view *req = sw_ctl_req();

	if (req->r == NULL)
		return;
	__atomic_add_fetch(&req->r->wake, 1, __ATOMIC_RELEASE);
	sw_futex_wake(&req->r->wake);
}

int sw_ctl_serve_init(void)
{
	serve.max_deferred = SW_RESP_RING_SIZE / DEFERRED_ROOM;
	serve.deferred = rte_malloc("sw_deferred", serve.max_deferred * sizeof(*serve.deferred), 0);
	if (serve.deferred == NULL) {
		SW_LOG(ERR, "control: cannot allocate the deferred answers");
		return -1;
	}
	return 0;
}

void sw_ctl_serve_fini(void)
{
	rte_free(serve.deferred);
	serve.deferred = NULL;
}

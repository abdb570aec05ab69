/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Serving the clients' request rings, every slot in one pass, fairly (a
 * slot gets a share of requests per round, round after round). Requests
 * run their handlers (ctl/decode.c); then the pass commits once (group
 * commit): the table changes of the pass are published to the fast path
 * (one grace period) before any response to a request that changed
 * something is released; then each slot's responses leave with one index
 * store and at most one wake.
 *
 * A slot whose requests only read is answered at once: its answers need no
 * commit. A batch that outlasts a pass (the pass stopped at its time budget
 * with requests still waiting, or the client flagged its last request
 * SW_MSG_F_MORE) is committed once, when it ends, or every HOLD_US while it
 * goes on (HOLD_MORE_US while its client says more follow): a classifier
 * is compiled once per batch, not once per pass. A batch whose held answers
 * fill its slot's response ring can take nothing more until they leave: it
 * is committed at once rather than at the end of the hold (waiting would
 * add nothing to it; a million updates would wait out ~15 holds).
 * Between passes the main loop runs as usual.
 *
 * A commit may wait for a module's preparation off the main lcore (a large
 * rule set being compiled). Meanwhile the slots waiting for it take nothing
 * new, other slots are still answered as long as they only read, and the
 * main loop goes on (heartbeat, vEths, housekeeping). Requests whose
 * outcome depends on that preparation are answered after it, OK or with the
 * error that undid their change.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/publish.h"
#include "core/util.h"
#include "ctl/ctl.h"
#include "ctl/decode.h"

#define SLOT_SHARE	 256u	 /* requests a slot gets per round */
#define SERVE_BUDGET_US	 2000u	 /* handler time per pass at most */
#define HOLD_US		 50000u	 /* a batch that keeps coming commits at least this often */
#define HOLD_MORE_US	 250000u /* ... and one whose client says more follow (SW_MSG_F_MORE) */
#define DEFERRED_MSG_MAX 64u	 /* the error text of a deferred answer */
#define DEFERRED_ROOM	 SW_MSG_ALIGN(SW_MSG_HDR_SIZE + DEFERRED_MSG_MAX)
#define MAX_DEFERRED	 (SW_RESP_RING_SIZE / DEFERRED_ROOM)

struct deferred {
	uint32_t seq;
	uint16_t type;
	const struct sw_api_handler *h;
};

struct slot_serve {
	uint32_t gen; /* the claim being served */
	bool active;
	struct sw_ring_view req, resp;
	bool writes;		   /* staged answers wait for the commit */
	bool more;		   /* its last request said more of its batch follow */
	bool committing;	   /* ... which waits for a preparation */
	struct deferred *deferred; /* answers that wait for the commit's outcome */
	uint32_t n_deferred;
};

static struct {
	_Alignas(8) uint8_t req_copy[SW_REQ_RING_SIZE / 2];
	uint8_t resp[SW_RESP_MAX];
	struct slot_serve slot[SW_MAX_CLIENTS];
	unsigned int next;   /* first slot of the next round (fairness) */
	uint32_t taken;	     /* requests that wait for a commit */
	uint64_t hold_since; /* TSC of the first of them */
	uint32_t quit_word;  /* futex word sw_ctl_wake bumps */
} serve;

static void respond(struct slot_serve *ss, uint16_t type, uint32_t seq, uint32_t status,
		    const void *p, uint32_t plen)
{
	/* room was checked before the request was taken */
	if (sw_ring_stage(&ss->resp, type, 0, seq, status, p, plen) != 0)
		SW_LOG(ERR, "response ring full: response to seq %u lost", seq);
}

/* Room to take one more request: its answer, and the deferred answers. */
static bool room_for_one(const struct slot_serve *ss)
{
	uint32_t want = (ss->n_deferred + 1) * DEFERRED_ROOM + 2 * (SW_MSG_HDR_SIZE + SW_RESP_MAX);

	return sw_ring_room(&ss->resp) >= SW_RESP_MAX && sw_ring_free(&ss->resp) >= want &&
	       ss->n_deferred < MAX_DEFERRED;
}

/* A slot's client is gone or released it: drop what was pending for it. */
static void serve_forget(unsigned int i)
{
	struct slot_serve *ss = &serve.slot[i];

	ss->active = false;
	ss->writes = ss->committing = ss->more = false;
	ss->n_deferred = 0;
}

/* The slot's view of its claim, fresh when the claim is new. */
static bool slot_open(unsigned int i)
{
	struct slot_serve *ss = &serve.slot[i];
	struct sw_ctl_slot cs;

	if (!sw_ctl_slot(i, &cs) || cs.state != SW_SLOT_ACTIVE) {
		ss->active = false;
		return false;
	}
	if (!ss->active || ss->gen != cs.gen) {
		serve_forget(i);
		sw_ring_view(&ss->req, cs.req);
		sw_ring_view(&ss->resp, cs.resp);
		ss->gen = cs.gen;
		ss->active = true;
	}
	return true;
}

static void answer_deferred(struct slot_serve *ss)
{
	for (uint32_t k = 0; k < ss->n_deferred; k++) {
		const struct deferred *d = &ss->deferred[k];
		struct sw_err e = { .status = SW_ST_OK };

		if (d->h->deferred == NULL || d->h->deferred(&e) == 0)
			respond(ss, d->type, d->seq, SW_ST_OK, NULL, 0);
		else
			respond(ss, d->type, d->seq, e.status, e.msg,
				strnlen(e.msg, DEFERRED_MSG_MAX));
	}
	ss->n_deferred = 0;
}

static void corrupt(struct slot_serve *ss, const char *why, uint32_t seq)
{
	char msg[SW_ERRMSG_MAX];
	uint32_t n = snprintf(msg, sizeof(msg), "request ring: %s; pending requests discarded",
			      why);

	SW_LOG(WARNING, "%s", msg);
	sw_ring_discard(&ss->req);
	respond(ss, SW_OP_RING_ERROR, seq, SW_ST_MALFORMED, msg,
		RTE_MIN(n, (uint32_t)sizeof(msg) - 1));
}

/*
 * Up to `share` requests of one slot. While a preparation is under way,
 * only requests that read: the first that writes waits in the ring.
 */
static unsigned int serve_slot(unsigned int i, unsigned int share, bool preparing)
{
	struct slot_serve *ss = &serve.slot[i];
	unsigned int n = 0;

	while (n < share && room_for_one(ss)) {
		const struct sw_msg_hdr *m;
		const struct sw_api_handler *h;
		const char *why = NULL;
		uint32_t seq, len, rlen = 0, st;
		struct sw_err e;
		bool deferred;

		switch (sw_ring_peek(&ss->req, &m, &seq, &why)) {
		case SW_PEEK_EMPTY:
			return n;
		case SW_PEEK_CORRUPT:
			corrupt(ss, why, seq);
			n++;
			continue;
		case SW_PEEK_MSG:
			break;
		}
		h = sw_api_lookup(m->type);
		if (preparing && (h == NULL || !h->read_only))
			return n;
		/* copy out: the client must not be able to change it under us */
		len = m->len;
		if (len > sizeof(serve.req_copy)) {
			uint16_t type = m->type;
			uint32_t k = snprintf(e.msg, sizeof(e.msg),
					      "request of %u bytes is larger than %zu", len,
					      sizeof(serve.req_copy));

			sw_ring_consume(&ss->req, m);
			respond(ss, type, seq, SW_ST_MALFORMED, e.msg, k);
			n++;
			continue;
		}
		memcpy(serve.req_copy, m, len);
		sw_ring_consume(&ss->req, m);

		const struct sw_msg_hdr *rq = (const void *)serve.req_copy;
		ss->more = (rq->flags & SW_MSG_F_MORE) != 0;
		if (h == NULL || !h->read_only) {
			sw_publish_make_room(); /* a table whose change log is full: publish first */
			ss->writes = true;
		}
		st = sw_api_dispatch(rq->type, serve.req_copy + SW_MSG_HDR_SIZE,
				     len - SW_MSG_HDR_SIZE, serve.resp, &rlen, &e, &deferred);
		if (deferred)
			ss->deferred[ss->n_deferred++] = (struct deferred){
				.seq = rq->seq,
				.type = rq->type,
				.h = h,
			};
		else if (st == SW_ST_OK)
			respond(ss, rq->type, rq->seq, st, serve.resp, rlen);
		else
			respond(ss, rq->type, rq->seq, st, e.msg, strnlen(e.msg, sizeof(e.msg)));
		n++;
	}
	return n;
}

/* The commit is done (or nothing waited for one): release every answer. */
static void release_all(void)
{
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		struct slot_serve *ss = &serve.slot[i];

		if (!ss->active || !ss->writes)
			continue;
		answer_deferred(ss);
		ss->writes = ss->committing = false;
		sw_ring_flush(&ss->resp);
	}
	serve.taken = 0;
}

static void commit(void)
{
	if (sw_publish_commit() == SW_PREPARE_BUSY) {
		for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++)
			serve.slot[i].committing = serve.slot[i].active && serve.slot[i].writes;
		return;
	}
	release_all();
}

unsigned int sw_ctl_serve(void)
{
	const uint64_t start = rte_get_timer_cycles();
	const uint64_t deadline = start + rte_get_timer_hz() / 1000000 * SERVE_BUDGET_US;
	const bool preparing = sw_publish_busy();
	unsigned int served = 0, round;
	bool more = false, said_more = false, full = false;

	if (!preparing) {
		bool waiting = false;

		for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++)
			waiting |= serve.slot[i].committing;
		if (waiting) { /* the preparation is over: finish that commit first */
			commit();
			return 1;
		}
	}
	do {
		round = 0;
		for (unsigned int k = 0; k < SW_MAX_CLIENTS; k++) {
			unsigned int i = (serve.next + k) % SW_MAX_CLIENTS;
			struct slot_serve *ss = &serve.slot[i];
			unsigned int n;

			if (!slot_open(i) || ss->committing)
				continue;
			n = serve_slot(i, SLOT_SHARE, preparing);
			round += n;
			if (n > 0)
				sw_ctl_slot_served(i, n);
			if (ss->writes)
				serve.taken += n;
			else if (n > 0)
				sw_ring_flush(&ss->resp); /* only reads: nothing to wait for */
			/* the batch goes on: requests wait, or the client said more follow */
			more |= sw_ring_pending(&ss->req);
			said_more |= ss->writes && ss->more;
		}
		served += round;
		serve.next = (serve.next + 1) % SW_MAX_CLIENTS;
	} while (round > 0 && rte_get_timer_cycles() < deadline);

	if (serve.taken == 0 || preparing)
		return served;
	/* a batch that waits for room its own held answers take: commit it now */
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		const struct slot_serve *ss = &serve.slot[i];

		full |= ss->active && ss->writes && !ss->committing && sw_ring_pending(&ss->req) &&
			!room_for_one(ss);
	}
	if (served > 0 && serve.hold_since == 0)
		serve.hold_since = start;
	if ((more || said_more) && !full &&
	    rte_get_timer_cycles() - serve.hold_since <
		    rte_get_timer_hz() / 1000000 * (said_more ? HOLD_MORE_US : HOLD_US)) {
		sw_publish_hold(true);
		return served; /* the batch goes on: commit it when it ends */
	}
	SW_LOG(DEBUG, "serve: commit of %u requests after %" PRIu64 " us (%s)", serve.taken,
	       (rte_get_timer_cycles() - serve.hold_since) * 1000000 / rte_get_timer_hz(),
	       full		     ? "answers full"
	       : (more || said_more) ? "held long enough"
				     : "batch ended");
	serve.hold_since = 0;
	sw_publish_hold(false);
	commit();
	return served;
}

/*
 * Sleep until a client writes a request (or timeout_ns): every active
 * slot's request ring says a sleeper waits, and one futex_waitv covers
 * them all, the main lcore's doorbell too when given.
 */
void sw_ctl_sleep(uint64_t timeout_ns, const uint32_t *bell, uint32_t bell_val)
{
	struct futex_waitv w[SW_MAX_CLIENTS + 2];
	struct sw_ring_view *rings[SW_MAX_CLIENTS];
	unsigned int n = 0, nr = 0;
	struct timespec ts;
	bool pending = false;

	w[n++] = (struct futex_waitv){
		.val = __atomic_load_n(&serve.quit_word, __ATOMIC_ACQUIRE),
		.uaddr = (uintptr_t)&serve.quit_word,
		.flags = FUTEX_32,
	};
	if (bell != NULL)
		w[n++] = (struct futex_waitv){
			.val = bell_val,
			.uaddr = (uintptr_t)bell,
			.flags = FUTEX_32 | FUTEX_PRIVATE_FLAG, /* slipwayd's own memory */
		};
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		struct slot_serve *ss = &serve.slot[i];

		if (!slot_open(i) || ss->committing)
			continue;
		w[n++] = (struct futex_waitv){
			.val = __atomic_load_n(&ss->req.r->wake, __ATOMIC_ACQUIRE),
			.uaddr = (uintptr_t)&ss->req.r->wake,
			.flags = FUTEX_32,
		};
		__atomic_store_n(&ss->req.r->sleepers, 1, __ATOMIC_SEQ_CST);
		rings[nr++] = &ss->req;
		pending |= sw_ring_pending(&ss->req);
	}
	if (!pending) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += timeout_ns % 1000000000ull;
		ts.tv_sec += timeout_ns / 1000000000ull + ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		if (syscall(SYS_futex_waitv, w, n, 0, &ts, CLOCK_MONOTONIC) < 0 && errno == ENOSYS)
			usleep(timeout_ns / 1000); /* a kernel before 5.16 */
	}
	for (unsigned int k = 0; k < nr; k++)
		__atomic_store_n(&rings[k]->r->sleepers, 0, __ATOMIC_RELEASE);
}

void sw_ctl_wake(void)
{
	__atomic_add_fetch(&serve.quit_word, 1, __ATOMIC_RELEASE);
	sw_futex_wake(&serve.quit_word);
}

int sw_ctl_serve_init(void)
{
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		serve.slot[i].deferred = rte_malloc("sw_deferred",
						    MAX_DEFERRED * sizeof(struct deferred), 0);
		if (serve.slot[i].deferred == NULL) {
			SW_LOG(ERR, "control: cannot allocate the deferred answers");
			return -1;
		}
	}
	sw_ctl_slot_on_free(serve_forget);
	return 0;
}

void sw_ctl_serve_fini(void)
{
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		rte_free(serve.slot[i].deferred);
		serve.slot[i].deferred = NULL;
	}
}

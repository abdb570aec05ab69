/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ring.h"

#define LOAD_ACQ(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

void sw_ring_init(struct sw_ring *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
}

void sw_ring_view(struct sw_ring_view *v, void *ring_base)
{
	v->r = ring_base;
	v->data = (uint8_t *)ring_base + SW_RING_DATA_OFF;
	v->size = v->r->size;
	v->mask = v->size - 1;
	v->stage = v->r->prod;
}

bool sw_ring_pending(const struct sw_ring_view *v)
{
	return LOAD_ACQ(&v->r->prod) != LOAD_RLX(&v->r->cons);
}

enum sw_ring_peek sw_ring_peek(struct sw_ring_view *v, const struct sw_msg_hdr **msg, uint32_t *seq,
			       const char **why)
{
	*seq = 0;
	for (;;) {
		uint32_t prod = LOAD_ACQ(&v->r->prod);
		uint32_t cons = LOAD_RLX(&v->r->cons);
		uint32_t avail = prod - cons;

		if (avail == 0)
			return SW_PEEK_EMPTY;
		if (avail > v->size || (avail & 7) || (cons & 7)) {
			*why = "ring indices are inconsistent";
			return SW_PEEK_CORRUPT;
		}
		uint32_t off = cons & v->mask;
		uint32_t contig = v->size - off;

		if (contig < SW_MSG_HDR_SIZE) { /* implicit padding at the end */
			STORE_REL(&v->r->cons, cons + contig);
			continue;
		}
		if (avail < SW_MSG_HDR_SIZE) {
			*why = "truncated message header";
			return SW_PEEK_CORRUPT;
		}
		const struct sw_msg_hdr *h = (const void *)(v->data + off);
		uint32_t len = LOAD_RLX(&h->len);
		uint16_t type = LOAD_RLX(&h->type);

		*seq = LOAD_RLX(&h->seq);
		if (type == SW_OP_PAD) {
			if (len != contig || avail < contig) {
				*why = "padding message does not reach the end of the ring";
				return SW_PEEK_CORRUPT;
			}
			STORE_REL(&v->r->cons, cons + contig);
			continue;
		}
		if (len < SW_MSG_HDR_SIZE) {
			*why = "message length shorter than its header";
			return SW_PEEK_CORRUPT;
		}
		/* compare before aligning: SW_MSG_ALIGN of a length near 2^32 wraps */
		if (len > avail || len > contig || SW_MSG_ALIGN(len) > avail) {
			*why = "message length runs past the published data";
			return SW_PEEK_CORRUPT;
		}
		*msg = h;
		return SW_PEEK_MSG;
	}
}

void sw_ring_consume(struct sw_ring_view *v, const struct sw_msg_hdr *msg)
{
	uint32_t cons = LOAD_RLX(&v->r->cons);

	STORE_REL(&v->r->cons, cons + SW_MSG_ALIGN(msg->len));
}

void sw_ring_discard(struct sw_ring_view *v)
{
	STORE_REL(&v->r->cons, LOAD_ACQ(&v->r->prod));
}

uint32_t sw_ring_room(const struct sw_ring_view *v)
{
	uint32_t prod = v->stage;
	uint32_t cons = LOAD_ACQ(&v->r->cons);
	uint32_t free_b = v->size - (prod - cons);
	uint32_t off = prod & v->mask;
	uint32_t contig = v->size - off;
	uint32_t best = contig <= free_b ? contig : free_b;

	/* after padding, the message may start at 0 */
	if (free_b > contig && free_b - contig > best)
		best = free_b - contig;
	return best >= SW_MSG_HDR_SIZE ? (best - SW_MSG_HDR_SIZE) & ~7u : 0;
}

uint32_t sw_ring_free(const struct sw_ring_view *v)
{
	return v->size - (v->stage - LOAD_ACQ(&v->r->cons));
}

int sw_ring_stage(struct sw_ring_view *v, uint16_t type, uint16_t flags, uint32_t seq,
		  uint32_t status, const void *payload, uint32_t plen)
{
	uint32_t len = SW_MSG_HDR_SIZE + plen;
	uint32_t need = SW_MSG_ALIGN(len);

	if (plen > v->size / 2 || need > v->size / 2)
		return -EMSGSIZE;

	uint32_t prod = v->stage;
	uint32_t cons = LOAD_ACQ(&v->r->cons);
	uint32_t free_b = v->size - (prod - cons);
	uint32_t off = prod & v->mask;
	uint32_t contig = v->size - off;

	if (contig < need) {
		if (free_b < contig + need)
			return -ENOSPC;
		if (contig >= SW_MSG_HDR_SIZE) {
			struct sw_msg_hdr *pad = (void *)(v->data + off);
			pad->len = contig;
			pad->type = SW_OP_PAD;
			pad->flags = 0;
			pad->seq = 0;
			pad->status = 0;
		}
		prod += contig;
		off = 0;
	} else if (free_b < need) {
		return -ENOSPC;
	}
	struct sw_msg_hdr *h = (void *)(v->data + off);
	h->len = len;
	h->type = type;
	h->flags = flags;
	h->seq = seq;
	h->status = status;
	if (plen)
		memcpy(h + 1, payload, plen);
	v->stage = prod + need;
	return 0;
}

void sw_ring_flush(struct sw_ring_view *v)
{
	if (v->stage == LOAD_RLX(&v->r->prod))
		return;
	STORE_REL(&v->r->prod, v->stage);
	__atomic_add_fetch(&v->r->wake, 1, __ATOMIC_RELEASE);
	/* seq_cst pairs with the consumer's store to sleepers before its last check */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (LOAD_RLX(&v->r->sleepers))
		sw_futex_wake(&v->r->wake);
}

int sw_ring_produce(struct sw_ring_view *v, uint16_t type, uint16_t flags, uint32_t seq,
		    uint32_t status, const void *payload, uint32_t plen)
{
	int ret = sw_ring_stage(v, type, flags, seq, status, payload, plen);

	if (ret == 0)
		sw_ring_flush(v);
	return ret;
}

int sw_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts = {
		.tv_sec = timeout_ns / 1000000000ull,
		.tv_nsec = timeout_ns % 1000000000ull,
	};
	return syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

int sw_futex_wake(uint32_t *word)
{
	return syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void sw_ring_sleep(struct sw_ring_view *v, uint64_t timeout_ns)
{
	uint32_t seen = LOAD_ACQ(&v->r->wake);

	__atomic_store_n(&v->r->sleepers, 1, __ATOMIC_SEQ_CST);
	if (!sw_ring_pending(v))
		sw_futex_wait(&v->r->wake, seen, timeout_ns);
	__atomic_store_n(&v->r->sleepers, 0, __ATOMIC_RELEASE);
}

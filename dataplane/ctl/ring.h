/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPSC byte rings of the control file (see include/slipway_ctl.h for the
 * protocol). Used on the dataplane side: consumer of the request ring,
 * producer of the response and event rings. No DPDK dependency, so the
 * unit tests and the fuzz target link it alone.
 */
#ifndef SW_CTL_RING_H
#define SW_CTL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slipway_ctl.h"

struct sw_ring_view {
	struct sw_ring *r;
	uint8_t *data;
	uint32_t size;
	uint32_t mask;
	uint32_t stage; /* producer side: end of staged, not yet published, messages */
};

/* Result of looking at the next request. */
enum sw_ring_peek {
	SW_PEEK_EMPTY,	 /* nothing to read */
	SW_PEEK_MSG,	 /* msg points at one whole message */
	SW_PEEK_CORRUPT, /* indices or length make no sense; *why says what */
};

void sw_ring_init(struct sw_ring *r, uint32_t size);
void sw_ring_view(struct sw_ring_view *v, void *ring_base);

/* Consumer side. Skips PAD messages. On SW_PEEK_MSG the message stays in
 * the ring until sw_ring_consume(). On SW_PEEK_CORRUPT the caller reports
 * the error and calls sw_ring_discard() to resynchronise. *seq is the
 * sequence number of the offending message when one could be read. */
enum sw_ring_peek sw_ring_peek(struct sw_ring_view *v, const struct sw_msg_hdr **msg, uint32_t *seq,
			       const char **why);
void sw_ring_consume(struct sw_ring_view *v, const struct sw_msg_hdr *msg);
void sw_ring_discard(struct sw_ring_view *v);
bool sw_ring_pending(const struct sw_ring_view *v);

/* Producer side. sw_ring_stage() writes a message the consumer cannot see
 * yet; sw_ring_flush() publishes everything staged with one index store and
 * at most one wake. sw_ring_produce() is both. Return 0, or -ENOSPC when the
 * message does not fit now, or -EMSGSIZE when it could never fit. */
int sw_ring_stage(struct sw_ring_view *v, uint16_t type, uint16_t flags, uint32_t seq,
		  uint32_t status, const void *payload, uint32_t plen);
void sw_ring_flush(struct sw_ring_view *v);
int sw_ring_produce(struct sw_ring_view *v, uint16_t type, uint16_t flags, uint32_t seq,
		    uint32_t status, const void *payload, uint32_t plen);
/* Bytes a producer could write right now in one message (payload bytes). */
uint32_t sw_ring_room(const struct sw_ring_view *v);
/* Bytes free in the ring now, staged messages counted as used. */
uint32_t sw_ring_free(const struct sw_ring_view *v);

/* futex helpers on a shared (cross-process) word. */
int sw_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns);
int sw_futex_wake(uint32_t *word);

/* Consumer sleep: marks itself as sleeping, re-checks, waits up to timeout. */
void sw_ring_sleep(struct sw_ring_view *v, uint64_t timeout_ns);

#endif

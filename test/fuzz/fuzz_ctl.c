/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as the content of a request ring plus
 * arbitrary producer/consumer indices, served the way slipwayd serves them
 * (peek, copy, dispatch, respond). The handlers are stand-ins registered
 * like the dataplane's (core/api.h); they check that the decoder kept its
 * promises: a payload within the registered sizes, 8-byte aligned.
 *
 *   test/fuzz/run.sh builds it with clang -fsanitize=fuzzer,address,undefined
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/decode.h"
#include "ctl/ring.h"

#define RING 4096u

static const struct sw_api_handler *current;

static int stub(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_api_handler *h = current;

	assert(((uintptr_t)req & 7) == 0);
	assert(len >= h->req_min && len <= h->req_max);
	/* some requests fail, naming what was wrong; others answer */
	if (len > 0 && ((const uint8_t *)req)[0] & 1)
		return sw_fail(e, SW_ST_INVALID, "%s: first byte %u is odd", h->name,
			       ((const uint8_t *)req)[0]);
	memset(resp, 0, 8);
	*resp_len = 8;
	return 0;
}

static int deferring(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	assert(len == current->req_min);
	return SW_API_DEFERRED;
}

static int outcome(struct sw_err *e)
{
	return 0;
}

static const struct sw_api_handler handlers[] = {
	{ SW_OP_HELLO, "HELLO", SW_API_NONE, stub, NULL },
	{ SW_OP_PORT_ADD, "PORT_ADD", 1, SW_DEVARGS_MAX, stub, NULL },
	{ SW_OP_PORT_GET, "PORT_GET", SW_API_SIZE(struct sw_port_ref), stub, NULL },
	{ SW_OP_PORT_SET, "PORT_SET", SW_API_SIZE(struct sw_port_set), stub, NULL },
	{ SW_OP_XC_ADD, "XC_ADD", SW_API_SIZE(struct sw_xconnect), stub, NULL },
	{ SW_OP_ROUTE_ADD, "ROUTE_ADD", SW_API_SIZE(struct sw_route), stub, NULL },
	{ SW_OP_ROUTE_LIST, "ROUTE_LIST", SW_API_SIZE(struct sw_list_req), stub, NULL },
	{ SW_OP_ROUTE_GET, "ROUTE_GET", SW_API_SIZE(struct sw_route_lookup), stub, NULL },
	{ SW_OP_NEIGH_ADD, "NEIGH_ADD", SW_API_SIZE(struct sw_neigh), stub, NULL },
	{ SW_OP_RULE_ADD, "RULE_ADD", SW_API_SIZE(struct sw_rule), deferring, outcome },
	{ SW_OP_RULE_DEL, "RULE_DEL", SW_API_SIZE(struct sw_rule_ref), deferring, outcome },
	{ SW_OP_POLICER_SET, "POLICER_SET", SW_API_SIZE(struct sw_policer_set), stub, NULL },
	{ SW_OP_SYNC_SET, "SYNC_SET", SW_API_SIZE(struct sw_sync_cfg), stub, NULL },
	{ SW_OP_TAP_START, "TAP_START", sizeof(struct sw_tap_start),
	  sizeof(struct sw_tap_start) + SW_TAP_FILTER_MAX, stub, NULL },
	{ SW_OP_TRACE_READ, "TRACE_READ", SW_API_SIZE(struct sw_tap_ref), stub, NULL },
	{ SW_OP_EXPLAIN, "EXPLAIN", SW_API_SIZE(struct sw_explain), stub, NULL },
};
SW_API_REGISTER(handlers)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t req_mem[SW_RING_DATA_OFF + RING] __attribute__((aligned(64)));
	static uint8_t resp_mem[SW_RING_DATA_OFF + 4 * RING] __attribute__((aligned(64)));
	static _Alignas(8) uint8_t copy[RING];
	static uint8_t resp[SW_RESP_MAX];
	struct sw_ring_view req, rsp;
	uint32_t prod = 0, cons = 0;

	if (size >= 8) {
		memcpy(&prod, data, 4);
		memcpy(&cons, data + 4, 4);
		data += 8;
		size -= 8;
	}
	sw_ring_init((struct sw_ring *)req_mem, RING);
	sw_ring_init((struct sw_ring *)resp_mem, 4 * RING);
	sw_ring_view(&req, req_mem);
	sw_ring_view(&rsp, resp_mem);
	memset(req.data, 0, RING);
	memcpy(req.data, data, size < RING ? size : RING);
	/* mostly plausible indices, sometimes wild ones */
	req.r->cons = cons & 1 ? cons : 0;
	req.r->prod = cons & 1 ? prod : (uint32_t)(size < RING ? size : RING);

	for (int served = 0; served < 64; served++) {
		const struct sw_msg_hdr *m;
		const char *why;
		uint32_t seq, rlen;
		struct sw_err e;
		bool deferred;

		enum sw_ring_peek r = sw_ring_peek(&req, &m, &seq, &why);
		if (r == SW_PEEK_EMPTY)
			break;
		if (r == SW_PEEK_CORRUPT) {
			sw_ring_discard(&req);
			assert(!sw_ring_pending(&req));
			break;
		}
		assert(m->len >= SW_MSG_HDR_SIZE && m->len <= RING);
		memcpy(copy, m, m->len);
		sw_ring_consume(&req, m);
		const struct sw_msg_hdr *q = (const void *)copy;
		current = sw_api_lookup(q->type);
		uint32_t st = sw_api_dispatch(q->type, copy + SW_MSG_HDR_SIZE,
					      q->len - SW_MSG_HDR_SIZE, resp, &rlen, &e, &deferred);
		if (deferred) {
			assert(st == SW_ST_OK && rlen == 0 && current->deferred(&e) == 0);
		} else if (st == SW_ST_OK) {
			assert(rlen <= SW_RESP_MAX);
		} else {
			assert(e.msg[0] != '\0');
			rlen = strnlen(e.msg, sizeof(e.msg));
		}
		if (sw_ring_room(&rsp) < SW_RESP_MAX) {
			rsp.r->cons = rsp.r->prod; /* a controller that keeps up */
		}
		assert(sw_ring_produce(&rsp, q->type, 0, q->seq, st, st ? (void *)e.msg : resp,
				       rlen) == 0);
	}
	return 0;
}

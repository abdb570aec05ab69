/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as the content of a request ring plus
 * arbitrary producer/consumer indices, served the way slipwayd serves them
 * (peek, copy, dispatch, respond). Handlers are stand-ins that check their
 * arguments are what the decoder promised.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Idataplane/include \
 *     -Idataplane/ctl -Idataplane/control test/fuzz/fuzz_ctl.c \
 *     dataplane/ctl/ring.c dataplane/ctl/decode.c -o build/fuzz_ctl
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ring.h"

#define RING 4096u

static void h_hello(struct sw_hello *o) { memset(o, 0, sizeof(*o)); }
static int h_list(uint8_t *b, uint32_t c, uint32_t *l, struct sw_err *e)
{
	assert(c == SW_RESP_MAX);
	memset(b, 0, 8);
	*l = 8;
	return 0;
}
static int h_add(const char *d, struct sw_port_info *o, struct sw_err *e)
{
	size_t n = strlen(d);

	assert(n >= 1 && n <= SW_DEVARGS_MAX);
	memset(o, 0, sizeof(*o));
	return n & 1 ? 0 : sw_fail(e, SW_ST_INVALID, "devargs '%s' rejected", d);
}
static int h_port(uint16_t p, struct sw_port_info *o, struct sw_err *e)
{
	if (p >= SW_MAX_PORTS)
		return sw_fail(e, SW_ST_NO_PORT, "port %u does not exist", p);
	memset(o, 0, sizeof(*o));
	return 0;
}
static int h_set(const struct sw_port_set *s, struct sw_port_info *o, struct sw_err *e)
{
	return h_port(s->port, o, e);
}
static int h_xa(uint16_t i, uint16_t o, struct sw_err *e)
{
	return i == o ? sw_fail(e, SW_ST_INVALID, "cross-connect %u -> %u", i, o) : 0;
}
static int h_xd(uint16_t i, struct sw_err *e) { return 0; }
static int h_sync(struct sw_err *e) { return 0; }

static int h_route(const struct sw_route *r, struct sw_err *e)
{
	return r->prefix_len > 128 ? sw_fail(e, SW_ST_RANGE, "prefix length %u", r->prefix_len) : 0;
}
static int h_neigh(const struct sw_neigh *n, struct sw_err *e)
{
	return n->port >= SW_MAX_PORTS ? sw_fail(e, SW_ST_NO_PORT, "port %u", n->port) : 0;
}
static int h_plist(const struct sw_list_req *q, uint8_t *b, uint32_t c, uint32_t *l,
		   struct sw_err *e)
{
	assert(c == SW_RESP_MAX);
	memset(b, 0, 8);
	*l = 8;
	return 0;
}

static int h_rule_add(const struct sw_rule *r, struct sw_err *e)
{
	return r->action == 0 ? sw_fail(e, SW_ST_INVALID, "rule %u: no action", r->id) : 0;
}
static int h_rule_del(const struct sw_rule_ref *r, struct sw_err *e)
{
	return r->id == 0 ? sw_fail(e, SW_ST_NOT_FOUND, "rule 0") : 0;
}

static int h_ksync_set(const struct sw_sync_cfg *c, struct sw_sync_cfg *o, struct sw_err *e)
{
	assert(c->enabled <= 1);
	memset(o, 0, sizeof(*o));
	o->enabled = c->enabled;
	return 0;
}
static int h_ksync_get(struct sw_sync_cfg *o, struct sw_err *e)
{
	memset(o, 0, sizeof(*o));
	return 0;
}

static int h_police_set(const struct sw_policer_set *s, struct sw_policer_info *o,
			struct sw_err *e)
{
	if (s->punt_class >= SW_PUNT_CLASSES && s->punt_class != SW_PUNT_CLASS_ALL)
		return sw_fail(e, SW_ST_INVALID, "punt class %u", s->punt_class);
	memset(o, 0, sizeof(*o));
	return 0;
}
static int h_police_get(uint16_t port, struct sw_policer_info *o, struct sw_err *e)
{
	memset(o, 0, sizeof(*o));
	return port >= SW_MAX_PORTS && port != SW_PORT_NONE ? sw_fail(e, SW_ST_NOT_FOUND, "port") : 0;
}

static const struct sw_ctl_ops ops = {
	.hello = h_hello, .port_list = h_list, .port_add = h_add, .port_start = h_port,
	.port_stop = h_port, .port_set = h_set, .port_get = h_port, .xc_add = h_xa,
	.xc_del = h_xd, .xc_list = h_list, .stats_sync = h_sync,
	.route_add = h_route, .route_del = h_route, .route_list = h_plist,
	.neigh_add = h_neigh, .neigh_del = h_neigh, .neigh_list = h_plist,
	.rule_add = h_rule_add, .rule_del = h_rule_del, .rule_list = h_plist,
	.sync_set = h_ksync_set, .sync_get = h_ksync_get,
	.policer_set = h_police_set, .policer_get = h_police_get,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t req_mem[SW_RING_DATA_OFF + RING] __attribute__((aligned(64)));
	static uint8_t resp_mem[SW_RING_DATA_OFF + 4 * RING] __attribute__((aligned(64)));
	static uint8_t copy[RING], resp[SW_RESP_MAX];
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
		uint32_t st = sw_ctl_dispatch(&ops, q->type, copy + SW_MSG_HDR_SIZE,
					      q->len - SW_MSG_HDR_SIZE, resp, &rlen, &e);
		if (st == SW_ST_OK) {
			assert(rlen <= SW_RESP_MAX);
		} else {
			assert(e.msg[0] != '\0');
			rlen = strnlen(e.msg, sizeof(e.msg));
		}
		if (sw_ring_room(&rsp) < SW_RESP_MAX) {
			rsp.r->cons = rsp.r->prod;  /* a controller that keeps up */
		}
		assert(sw_ring_produce(&rsp, q->type, 0, q->seq, st, st ? (void *)e.msg : resp,
				       rlen) == 0);
	}
	return 0;
}

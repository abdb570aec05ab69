/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: control ring framing (wrap, padding, corruption) and the
 * request decoder: handlers found in the registry, registered here the way
 * the dataplane's modules register theirs, payload sizes checked against
 * what each registered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/decode.h"
#include "ctl/ring.h"

static int failures, checks;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		checks++;                                                                        \
		if (!(cond)) {                                                                   \
			failures++;                                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define RING_SIZE 1024u

static struct sw_ring_view make_ring(void)
{
	void *base = aligned_alloc(64, SW_RING_DATA_OFF + RING_SIZE);
	struct sw_ring_view v;

	memset(base, 0xa5, SW_RING_DATA_OFF + RING_SIZE);
	sw_ring_init(base, RING_SIZE);
	sw_ring_view(&v, base);
	return v;
}

static void test_roundtrip_and_wrap(void)
{
	struct sw_ring_view v = make_ring();
	uint8_t payload[200];
	unsigned int produced = 0, consumed = 0;

	for (unsigned int round = 0; round < 100; round++) {
		uint32_t plen = 1 + (round * 37) % sizeof(payload);

		memset(payload, (int)round, plen);
		while (sw_ring_produce(&v, 0x10, 0, round, 0, payload, plen) == -ENOSPC) {
			const struct sw_msg_hdr *m;
			uint32_t seq;
			const char *why;

			CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_MSG);
			CHECK(m->seq == consumed);
			CHECK(((const uint8_t *)(m + 1))[0] == (uint8_t)consumed);
			sw_ring_consume(&v, m);
			consumed++;
		}
		produced++;
	}
	for (;;) {
		const struct sw_msg_hdr *m;
		uint32_t seq;
		const char *why;
		enum sw_ring_peek r = sw_ring_peek(&v, &m, &seq, &why);

		if (r == SW_PEEK_EMPTY)
			break;
		CHECK(r == SW_PEEK_MSG);
		CHECK(m->seq == consumed);
		CHECK(m->len == SW_MSG_HDR_SIZE + 1 + (consumed * 37) % sizeof(payload));
		sw_ring_consume(&v, m);
		consumed++;
	}
	CHECK(produced == 100 && consumed == 100);
	/* wrapped many times: producer index far beyond the size */
	CHECK(v.r->prod > 4 * RING_SIZE);
	CHECK(v.r->wake >= 100);
	free(v.r);
}

static void test_too_big(void)
{
	struct sw_ring_view v = make_ring();
	static uint8_t big[RING_SIZE];

	CHECK(sw_ring_produce(&v, 1, 0, 1, 0, big, RING_SIZE) == -EMSGSIZE);
	CHECK(!sw_ring_pending(&v));
	free(v.r);
}

/* A controller writing garbage must be detected, not followed. */
static void test_corrupt(void)
{
	struct sw_ring_view v = make_ring();
	struct sw_msg_hdr *h = (void *)v.data;
	const struct sw_msg_hdr *m;
	uint32_t seq;
	const char *why = NULL;

	/* len says 64 but only 16 bytes published */
	*h = (struct sw_msg_hdr){ .len = 64, .type = SW_OP_HELLO, .seq = 7 };
	v.r->prod = 16;
	CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_CORRUPT);
	CHECK(seq == 7 && why != NULL);
	sw_ring_discard(&v);
	CHECK(!sw_ring_pending(&v));

	/* len shorter than the header */
	h = (void *)(v.data + 16);
	*h = (struct sw_msg_hdr){ .len = 4, .type = SW_OP_HELLO, .seq = 8 };
	v.r->prod = 32;
	CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_CORRUPT);
	sw_ring_discard(&v);

	/* a length near 2^32 must not wrap when aligned (found by fuzzing) */
	h = (void *)(v.data + (v.r->cons & (RING_SIZE - 1)));
	*h = (struct sw_msg_hdr){ .len = 0xfffffffcu, .type = SW_OP_HELLO, .seq = 9 };
	v.r->prod = v.r->cons + 64;
	CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_CORRUPT);
	sw_ring_discard(&v);

	/* indices that claim more than the ring holds */
	v.r->prod = v.r->cons + RING_SIZE + 8;
	CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_CORRUPT);
	sw_ring_discard(&v);

	/* fewer than 8 bytes published */
	v.r->prod = v.r->cons + 4;
	CHECK(sw_ring_peek(&v, &m, &seq, &why) == SW_PEEK_CORRUPT);
	sw_ring_discard(&v);
	free(v.r);
}

/* --- decoder --- */
static int calls;
static char last_devargs[SW_DEVARGS_MAX + 1];

static int h_hello(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	memset(r, 0, sizeof(struct sw_hello));
	*l = sizeof(struct sw_hello);
	calls++;
	return 0;
}

static int h_list(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	memset(r, 0, 8);
	*l = 8;
	calls++;
	return 0;
}

static int h_add(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	snprintf(last_devargs, sizeof(last_devargs), "%.*s", (int)n, (const char *)q);
	*l = sizeof(struct sw_port_info);
	calls++;
	return 0;
}

static int h_port(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	const struct sw_port_ref *ref = q;

	calls++;
	if (ref->port >= 2)
		return sw_fail(e, SW_ST_NO_PORT, "port %u does not exist", ref->port);
	*l = sizeof(struct sw_port_info);
	return 0;
}

static int h_ok(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	calls++;
	return 0;
}

static int h_route(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	const struct sw_route *rt = q;

	calls++;
	return rt->family == 4 || rt->family == 6
		       ? 0
		       : sw_fail(e, SW_ST_INVALID, "family %u", rt->family);
}

static int h_failing(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	return -1; /* says nothing: the decoder names the op */
}

static int outcome;
static int h_deferring(const void *q, uint32_t n, void *r, uint32_t *l, struct sw_err *e)
{
	calls++;
	return SW_API_DEFERRED;
}

static int h_outcome(struct sw_err *e)
{
	return outcome == 0 ? 0 : sw_fail(e, SW_ST_NO_SPACE, "the build failed");
}

#define OP_FAILING   0x7001u
#define OP_DEFERRING 0x7002u

static const struct sw_api_handler test_handlers[] = {
	{ SW_OP_HELLO, "HELLO", SW_API_NONE, h_hello, NULL },
	{ SW_OP_PORT_LIST, "PORT_LIST", SW_API_NONE, h_list, NULL },
	{ SW_OP_PORT_ADD, "PORT_ADD", 1, SW_DEVARGS_MAX, h_add, NULL },
	{ SW_OP_PORT_GET, "PORT_GET", SW_API_SIZE(struct sw_port_ref), h_port, NULL },
	{ SW_OP_PORT_SET, "PORT_SET", SW_API_SIZE(struct sw_port_set), h_port, NULL },
	{ SW_OP_XC_ADD, "XC_ADD", SW_API_SIZE(struct sw_xconnect), h_ok, NULL },
	{ SW_OP_ROUTE_ADD, "ROUTE_ADD", SW_API_SIZE(struct sw_route), h_route, NULL },
	{ SW_OP_ROUTE_DEL, "ROUTE_DEL", SW_API_SIZE(struct sw_route), h_route, NULL },
	{ SW_OP_ROUTE_LIST, "ROUTE_LIST", SW_API_SIZE(struct sw_list_req), h_list, NULL },
	{ SW_OP_NEIGH_ADD, "NEIGH_ADD", SW_API_SIZE(struct sw_neigh), h_ok, NULL },
	{ SW_OP_NEIGH_LIST, "NEIGH_LIST", SW_API_SIZE(struct sw_list_req), h_list, NULL },
	{ SW_OP_SYNC_SET, "SYNC_SET", SW_API_SIZE(struct sw_sync_cfg), h_ok, NULL },
	{ SW_OP_SYNC_GET, "SYNC_GET", SW_API_NONE, h_ok, NULL },
	{ OP_FAILING, "FAILING", SW_API_NONE, h_failing, NULL },
	{ OP_DEFERRING, "DEFERRING", SW_API_NONE, h_deferring, h_outcome },
};
SW_API_REGISTER(test_handlers)

static uint32_t dispatch(uint16_t op, const void *payload, uint32_t plen, uint32_t *len,
			 struct sw_err *e, bool *deferred)
{
	static _Alignas(8) uint8_t req[SW_REQ_RING_SIZE / 2];
	static uint8_t resp[SW_RESP_MAX];

	memcpy(req, payload, plen);
	return sw_api_dispatch(op, req, plen, resp, len, e, deferred);
}

static void test_decoder(void)
{
	uint8_t payload[64] = { 0 };
	struct sw_err e;
	uint32_t len;
	bool deferred;

	CHECK(dispatch(SW_OP_HELLO, payload, 0, &len, &e, &deferred) == SW_ST_OK);
	CHECK(len == sizeof(struct sw_hello) && !deferred);
	CHECK(dispatch(SW_OP_HELLO, payload, 3, &len, &e, &deferred) == SW_ST_MALFORMED);
	CHECK(strstr(e.msg, "HELLO") != NULL);
	CHECK(strstr(e.msg, "3 bytes, expected 0") != NULL);
	CHECK(dispatch(0x7777, payload, 0, &len, &e, &deferred) == SW_ST_UNKNOWN_OP);
	CHECK(strstr(e.msg, "0x7777") != NULL);
	CHECK(dispatch(SW_OP_PORT_SET, payload, 15, &len, &e, &deferred) == SW_ST_MALFORMED);
	CHECK(dispatch(SW_OP_PORT_SET, payload, 16, &len, &e, &deferred) == SW_ST_OK);
	CHECK(len == sizeof(struct sw_port_info));
	payload[0] = 3;
	CHECK(dispatch(SW_OP_PORT_GET, payload, 8, &len, &e, &deferred) == SW_ST_NO_PORT);
	CHECK(strcmp(e.msg, "port 3 does not exist") == 0);
	CHECK(dispatch(SW_OP_XC_ADD, payload, 4, &len, &e, &deferred) == SW_ST_MALFORMED);
	memcpy(payload, "net_null0", 9);
	CHECK(dispatch(SW_OP_PORT_ADD, payload, 9, &len, &e, &deferred) == SW_ST_OK);
	CHECK(strcmp(last_devargs, "net_null0") == 0);
	CHECK(dispatch(SW_OP_PORT_ADD, payload, 0, &len, &e, &deferred) == SW_ST_MALFORMED);
	CHECK(strstr(e.msg, "expected 1..512") != NULL);
	CHECK(dispatch(SW_OP_PORT_ADD, payload, SW_DEVARGS_MAX + 1, &len, &e, &deferred) ==
	      SW_ST_MALFORMED);
	CHECK(strcmp(sw_status_name(SW_ST_RANGE), "RANGE") == 0);
	{
		static struct sw_route r; /* 216 bytes */
		struct sw_list_req q = { .max = 4 };

		r.family = 4;
		CHECK(dispatch(SW_OP_ROUTE_ADD, &r, sizeof(r), &len, &e, &deferred) == SW_ST_OK);
		CHECK(dispatch(SW_OP_ROUTE_ADD, &r, sizeof(r) - 1, &len, &e, &deferred) ==
		      SW_ST_MALFORMED);
		r.family = 5;
		CHECK(dispatch(SW_OP_ROUTE_DEL, &r, sizeof(r), &len, &e, &deferred) ==
		      SW_ST_INVALID);
		CHECK(dispatch(SW_OP_NEIGH_ADD, payload, 31, &len, &e, &deferred) ==
		      SW_ST_MALFORMED);
		CHECK(dispatch(SW_OP_ROUTE_LIST, &q, sizeof(q), &len, &e, &deferred) == SW_ST_OK &&
		      len == 8);
		CHECK(strcmp(sw_api_op_name(SW_OP_NEIGH_LIST), "NEIGH_LIST") == 0);
		CHECK(sw_api_op_name(0x7777) == NULL);
	}
	{
		struct sw_sync_cfg c = { .enabled = 1 };
		int before = calls;

		CHECK(dispatch(SW_OP_SYNC_SET, &c, sizeof(c), &len, &e, &deferred) == SW_ST_OK);
		CHECK(dispatch(SW_OP_SYNC_SET, &c, sizeof(c) - 1, &len, &e, &deferred) ==
		      SW_ST_MALFORMED);
		CHECK(calls == before + 1); /* the mis-sized one never reached its handler */
		CHECK(dispatch(SW_OP_SYNC_GET, payload, 1, &len, &e, &deferred) == SW_ST_MALFORMED);
	}
	/* a handler that fails without a message: the decoder names the op */
	CHECK(dispatch(OP_FAILING, payload, 0, &len, &e, &deferred) == SW_ST_DEVICE);
	CHECK(strcmp(e.msg, "FAILING failed") == 0);
	/* a deferred answer: OK for now, the outcome asked later */
	CHECK(dispatch(OP_DEFERRING, payload, 0, &len, &e, &deferred) == SW_ST_OK && deferred &&
	      len == 0);
	CHECK(sw_api_lookup(OP_DEFERRING)->deferred(&e) == 0);
	outcome = -1;
	CHECK(sw_api_lookup(OP_DEFERRING)->deferred(&e) == -1 && e.status == SW_ST_NO_SPACE);
}

int main(void)
{
	test_roundtrip_and_wrap();
	test_too_big();
	test_corrupt();
	test_decoder();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

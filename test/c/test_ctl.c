/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: control ring framing (wrap, padding, corruption) and the
 * request decoder's shape checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ring.h"

static int failures, checks;

#define CHECK(cond) do { \
	checks++; \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
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
static void h_hello(struct sw_hello *o) { memset(o, 0, sizeof(*o)); o->abi_version = 1; calls++; }
static int h_list(uint8_t *b, uint32_t c, uint32_t *l, struct sw_err *e) { *l = 8; memset(b, 0, 8); calls++; return 0; }
static char last_devargs[SW_DEVARGS_MAX + 1];
static int h_add(const char *d, struct sw_port_info *o, struct sw_err *e)
{ snprintf(last_devargs, sizeof(last_devargs), "%s", d); calls++; return 0; }
static int h_port(uint16_t p, struct sw_port_info *o, struct sw_err *e)
{ calls++; return p < 2 ? 0 : sw_fail(e, SW_ST_NO_PORT, "port %u does not exist", p); }
static int h_set(const struct sw_port_set *s, struct sw_port_info *o, struct sw_err *e) { calls++; return 0; }
static int h_xa(uint16_t i, uint16_t o, struct sw_err *e) { calls++; return 0; }
static int h_xd(uint16_t i, struct sw_err *e) { calls++; return 0; }
static int h_sync(struct sw_err *e) { calls++; return 0; }

static int h_route(const struct sw_route *r, struct sw_err *e)
{ calls++; return r->family == 4 || r->family == 6 ? 0 : sw_fail(e, SW_ST_INVALID, "family %u", r->family); }
static int h_neigh(const struct sw_neigh *n, struct sw_err *e) { calls++; return 0; }
static int h_plist(const struct sw_list_req *q, uint8_t *b, uint32_t c, uint32_t *l, struct sw_err *e)
{ calls++; memset(b, 0, 8); *l = 8; return 0; }

static int h_rule_add(const struct sw_rule *r, struct sw_err *e)
{
	return r->action == 0 ? sw_fail(e, SW_ST_INVALID, "rule %u: no action", r->id) : 0;
}
static int h_rule_del(const struct sw_rule_ref *r, struct sw_err *e)
{
	return r->id == 0 ? sw_fail(e, SW_ST_NOT_FOUND, "rule 0") : 0;
}

static int h_ksync_set(const struct sw_sync_cfg *c, struct sw_sync_cfg *o, struct sw_err *e)
{ calls++; memset(o, 0, sizeof(*o)); o->enabled = c->enabled; return 0; }
static int h_ksync_get(struct sw_sync_cfg *o, struct sw_err *e) { calls++; memset(o, 0, sizeof(*o)); return 0; }

static int h_police_set(const struct sw_policer_set *s, struct sw_policer_info *o, struct sw_err *e)
{ calls++; memset(o, 0, sizeof(*o)); o->port = s->port; o->cls[0].rate_pps = s->rate_pps; return 0; }
static int h_police_get(uint16_t p, struct sw_policer_info *o, struct sw_err *e)
{ calls++; memset(o, 0, sizeof(*o)); o->port = p; return 0; }

static const struct sw_ctl_ops test_ops = {
	.hello = h_hello, .port_list = h_list, .port_add = h_add, .port_start = h_port,
	.port_stop = h_port, .port_set = h_set, .port_get = h_port, .xc_add = h_xa,
	.xc_del = h_xd, .xc_list = h_list, .stats_sync = h_sync,
	.route_add = h_route, .route_del = h_route, .route_list = h_plist,
	.neigh_add = h_neigh, .neigh_del = h_neigh, .neigh_list = h_plist,
	.rule_add = h_rule_add, .rule_del = h_rule_del, .rule_list = h_plist,
	.sync_set = h_ksync_set, .sync_get = h_ksync_get,
	.policer_set = h_police_set, .policer_get = h_police_get,
};

static void test_decoder(void)
{
	static uint8_t resp[SW_RESP_MAX];
	uint8_t payload[64] = {0};
	struct sw_err e;
	uint32_t len;

	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_HELLO, payload, 0, resp, &len, &e) == SW_ST_OK);
	CHECK(len == sizeof(struct sw_hello));
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_HELLO, payload, 3, resp, &len, &e) ==
	      SW_ST_MALFORMED);
	CHECK(strstr(e.msg, "HELLO") != NULL);
	CHECK(sw_ctl_dispatch(&test_ops, 0x7777, payload, 0, resp, &len, &e) == SW_ST_UNKNOWN_OP);
	CHECK(strstr(e.msg, "0x7777") != NULL);
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_SET, payload, 15, resp, &len, &e) ==
	      SW_ST_MALFORMED);
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_SET, payload, 16, resp, &len, &e) == SW_ST_OK);
	CHECK(len == sizeof(struct sw_port_info));
	payload[0] = 3;
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_GET, payload, 8, resp, &len, &e) ==
	      SW_ST_NO_PORT);
	CHECK(strcmp(e.msg, "port 3 does not exist") == 0);
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_XC_ADD, payload, 4, resp, &len, &e) ==
	      SW_ST_MALFORMED);
	memcpy(payload, "net_null0", 9);
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_ADD, payload, 9, resp, &len, &e) == SW_ST_OK);
	CHECK(strcmp(last_devargs, "net_null0") == 0);
	payload[4] = '\0';
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_ADD, payload, 9, resp, &len, &e) ==
	      SW_ST_MALFORMED);
	CHECK(sw_ctl_dispatch(&test_ops, SW_OP_PORT_ADD, payload, 0, resp, &len, &e) ==
	      SW_ST_MALFORMED);
	CHECK(strcmp(sw_status_name(SW_ST_RANGE), "RANGE") == 0);
	{
		static struct sw_route r;   /* 216 bytes */
		struct sw_list_req q = { .max = 4 };

		r.family = 4;
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_ROUTE_ADD, (uint8_t *)&r, sizeof(r), resp, &len,
				      &e) == SW_ST_OK);
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_ROUTE_ADD, (uint8_t *)&r, sizeof(r) - 1, resp,
				      &len, &e) == SW_ST_MALFORMED);
		r.family = 5;
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_ROUTE_DEL, (uint8_t *)&r, sizeof(r), resp, &len,
				      &e) == SW_ST_INVALID);
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_NEIGH_ADD, payload, 31, resp, &len, &e) ==
		      SW_ST_MALFORMED);
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_ROUTE_LIST, (uint8_t *)&q, sizeof(q), resp, &len,
				      &e) == SW_ST_OK && len == 8);
		CHECK(strcmp(sw_op_name(SW_OP_NEIGH_LIST), "NEIGH_LIST") == 0);
	}
	{
		/* kernel sync: fixed size, enabled 0 or 1 checked before the handler */
		struct sw_sync_cfg c = { .enabled = 1 };
		int before = calls;

		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_SYNC_SET, (uint8_t *)&c, sizeof(c), resp, &len,
				      &e) == SW_ST_OK && len == sizeof(c) && resp[0] == 1);
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_SYNC_SET, (uint8_t *)&c, sizeof(c) - 1, resp,
				      &len, &e) == SW_ST_MALFORMED);
		c.enabled = 2;
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_SYNC_SET, (uint8_t *)&c, sizeof(c), resp, &len,
				      &e) == SW_ST_RANGE);
		CHECK(strstr(e.msg, "enabled must be 0 or 1, not 2") != NULL);
		CHECK(calls == before + 1);
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_SYNC_GET, payload, 0, resp, &len, &e) ==
		      SW_ST_OK && len == sizeof(c));
		CHECK(sw_ctl_dispatch(&test_ops, SW_OP_SYNC_GET, payload, 1, resp, &len, &e) ==
		      SW_ST_MALFORMED);
		CHECK(strcmp(sw_op_name(SW_OP_SYNC_SET), "SYNC_SET") == 0);
	}
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over kernel sync's rtnetlink handlers: the parser
 * (kni/nl_parse.c) and the router (kni/lcp_router.c, lcp_addr.c,
 * lcp_resync.c) as slipwayd runs them,
 * bound through struct sw_lcp_tables to a model of the l3 tables (one
 * candidate per prefix, origin and kernel metric, the best active;
 * neighbours by port, family and address). No EAL: nothing here needs it.
 *
 * An input is a sequence of records: rtnetlink messages (link, address,
 * neighbour, next-hop object, route; new and delete; any flags and body,
 * the header's length taken from the record, or a raw buffer with the
 * lengths the input gives), API routes set and removed beside sync, and
 * the steps of a resync (begin, a phase's dump done, sweep and end,
 * interrupted), an audit, sync turned off and on.
 *
 * Checked: no crash or sanitizer error; every route sync installs is well
 * formed (family, prefix length, host bits zero, a forward route has 1..8
 * next hops on ports that have a vEth, other types none); sync never
 * writes an API candidate nor a neighbour's host route; every event is
 * well formed (what, action, a NUL-terminated reason); and turning sync off
 * removes every entry it installed, API routes left as they were.
 */
#include <assert.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "kni/lcp.h"
#include "kni/nl.h"

int sw_logtype;

#define MAX_ENTRIES 2048u
#define N_VIFS	    4 /* ifindex 1..4 are vEth0..3 */

/* --- the model of the tables --- */

struct cand {
	bool used;
	struct sw_l3_route r; /* its prefix key: family, prefix, len */
	uint8_t origin;
	uint32_t metric;
	uint8_t epoch;
};

struct nrec {
	bool used;
	struct sw_l3_neigh n;
	uint8_t origin;
	uint8_t epoch;
};

static struct {
	struct cand c[MAX_ENTRIES];
	struct nrec nb[MAX_ENTRIES];
	uint8_t epoch;
	uint32_t sweep_mask;
	unsigned int sweep_pos;
	bool sweeping;
} m;

static bool same_key(const struct sw_l3_route *a, const struct sw_l3_route *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->prefix, b->prefix, 16) == 0;
}

static unsigned int rank(uint8_t o)
{
	return o == SW_ORIGIN_API ? 0 : (o == SW_ORIGIN_KADDR || o == SW_ORIGIN_KROUTE) ? 1 : 2;
}

static bool better(const struct cand *a, const struct cand *b)
{
	if (rank(a->origin) != rank(b->origin))
		return rank(a->origin) < rank(b->origin);
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->origin == SW_ORIGIN_KADDR && b->origin != SW_ORIGIN_KADDR;
}

static struct cand *best(const struct sw_l3_route *k)
{
	struct cand *b = NULL;

	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		if (m.c[i].used && same_key(&m.c[i].r, k) && (b == NULL || better(&m.c[i], b)))
			b = &m.c[i];
	return b;
}

static bool same_cand(const struct cand *c, uint8_t origin, uint32_t metric)
{
	return c->origin == origin && (origin != SW_ORIGIN_KROUTE || c->metric == metric);
}

static struct cand *find(const struct sw_l3_route *k, uint8_t origin, uint32_t metric)
{
	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		if (m.c[i].used && same_key(&m.c[i].r, k) && same_cand(&m.c[i], origin, metric))
			return &m.c[i];
	return NULL;
}

/* What sync may install. */
static void check_route(const struct sw_l3_route *r)
{
	unsigned int bits = sw_af_bytes(r->family) * 8;

	assert(r->family == SW_AF_INET || r->family == SW_AF_INET6);
	assert(r->len <= bits);
	for (unsigned int b = r->len; b < bits; b++)
		assert(!(r->prefix[b / 8] & (0x80 >> (b % 8))));
	if (r->type == SW_ROUTE_FORWARD) {
		assert(r->n_nh >= 1 && r->n_nh <= SW_ECMP_MAX);
		for (unsigned int i = 0; i < r->n_nh; i++)
			assert(r->nh[i].port < N_VIFS);
	} else {
		assert(r->type == SW_ROUTE_LOCAL || r->type == SW_ROUTE_DROP);
		assert(r->n_nh == 0);
	}
}

static bool same_route(const struct sw_l3_route *a, const struct sw_l3_route *b)
{
	return a->type == b->type && a->n_nh == b->n_nh &&
	       memcmp(a->nh, b->nh, sizeof(a->nh[0]) * a->n_nh) == 0;
}

static int add_cand(const struct sw_l3_route *r, uint8_t o, uint32_t metric, struct sw_err *e)
{
	struct cand *c = find(r, o, metric);

	if (c != NULL && same_route(&c->r, r)) {
		c->epoch = m.epoch;
		return SW_RT_UNCHANGED;
	}
	if (c == NULL) {
		for (unsigned int i = 0; i < MAX_ENTRIES && c == NULL; i++)
			if (!m.c[i].used)
				c = &m.c[i];
		if (c == NULL) {
			if (e != NULL)
				sw_fail(e, SW_ST_NO_SPACE, "route table full");
			return -ENOSPC;
		}
	}
	*c = (struct cand){
		.used = true, .r = *r, .origin = o, .metric = metric, .epoch = m.epoch
	};
	return best(r) == c ? SW_RT_ACTIVE : SW_RT_BEHIND;
}

static int t_route_add(const struct sw_l3_route *r, enum sw_origin o, uint32_t metric,
		       struct sw_err *e)
{
	assert(o == SW_ORIGIN_KADDR || o == SW_ORIGIN_KROUTE);
	check_route(r);
	return add_cand(r, o, metric, e);
}

static int del_cands(const struct sw_l3_route *r, uint8_t o, const uint32_t *metric)
{
	int n = 0;

	for (unsigned int i = 0; i < MAX_ENTRIES; i++) {
		struct cand *c = &m.c[i];

		if (c->used && same_key(&c->r, r) && c->origin == o &&
		    (o != SW_ORIGIN_KROUTE || metric == NULL || c->metric == *metric)) {
			c->used = false;
			n++;
		}
	}
	return n > 0 ? 0 : -ENOENT;
}

static int t_route_del(const struct sw_l3_route *r, enum sw_origin o, const uint32_t *metric,
		       struct sw_err *e)
{
	int ret;

	assert(o == SW_ORIGIN_KADDR || o == SW_ORIGIN_KROUTE);
	if ((ret = del_cands(r, o, metric)) != 0 && e != NULL)
		sw_fail(e, SW_ST_NOT_FOUND, "no such route");
	return ret;
}

static int t_route_get(const struct sw_l3_route *key, struct sw_l3_route *out, enum sw_origin *o,
		       uint32_t *metric)
{
	const struct cand *c = best(key);

	if (c == NULL)
		return -ENOENT;
	*out = c->r;
	if (o != NULL)
		*o = c->origin;
	if (metric != NULL)
		*metric = c->metric;
	return 0;
}

static int t_route_get_cand(const struct sw_l3_route *key, enum sw_origin o, uint32_t metric,
			    struct sw_l3_route *out)
{
	const struct cand *c = find(key, o, metric);

	if (c == NULL)
		return -ENOENT;
	*out = c->r;
	return 0;
}

static struct nrec *nfind(const struct sw_l3_neigh *n)
{
	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		if (m.nb[i].used && m.nb[i].n.port == n->port && m.nb[i].n.family == n->family &&
		    memcmp(m.nb[i].n.ip, n->ip, 16) == 0)
			return &m.nb[i];
	return NULL;
}

static int t_neigh_add(const struct sw_l3_neigh *n, enum sw_origin o, struct sw_err *e)
{
	struct nrec *r = nfind(n);

	assert(o == SW_ORIGIN_KNEIGH);
	assert(n->port < N_VIFS && (n->family == SW_AF_INET || n->family == SW_AF_INET6));
	assert((n->mac[0] & 1) == 0);
	if (r != NULL) {
		bool same = memcmp(r->n.mac, n->mac, 6) == 0;

		r->n = *n;
		r->epoch = m.epoch;
		return same ? SW_RT_UNCHANGED : SW_RT_ACTIVE;
	}
	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		if (!m.nb[i].used) {
			m.nb[i] = (struct nrec){
				.used = true, .n = *n, .origin = o, .epoch = m.epoch
			};
			return SW_RT_ACTIVE;
		}
	if (e != NULL)
		sw_fail(e, SW_ST_NO_SPACE, "neighbour table full");
	return -ENOSPC;
}

static int t_neigh_del(const struct sw_l3_neigh *n, enum sw_origin o, struct sw_err *e)
{
	struct nrec *r = nfind(n);

	assert(o == SW_ORIGIN_KNEIGH);
	if (r == NULL || r->origin != o) {
		if (e != NULL)
			sw_fail(e, SW_ST_NOT_FOUND, "no such neighbour");
		return -ENOENT;
	}
	r->used = false;
	return 0;
}

static void t_mark(void)
{
	m.epoch++;
}

static uint32_t t_neighs_sweep(enum sw_origin o, void (*removed)(const struct sw_l3_neigh *n))
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < MAX_ENTRIES; i++) {
		struct nrec *r = &m.nb[i];

		if (!r->used || r->origin != o || r->epoch == m.epoch)
			continue;
		r->used = false;
		if (removed != NULL)
			removed(&r->n);
		n++;
	}
	return n;
}

static int t_routes_sweep_begin(uint32_t mask)
{
	assert(!(mask & (1u << SW_ORIGIN_API)) && !(mask & (1u << SW_ORIGIN_NEIGH)));
	m.sweep_mask = mask;
	m.sweep_pos = 0;
	m.sweeping = true;
	return 0;
}

static bool t_routes_sweep_step(unsigned int max,
				void (*removed)(const struct sw_l3_route *r, enum sw_origin o,
						uint32_t metric))
{
	assert(m.sweeping);
	for (unsigned int done = 0; done < max && m.sweep_pos < MAX_ENTRIES; m.sweep_pos++) {
		struct cand *c = &m.c[m.sweep_pos];

		if (!c->used || !(m.sweep_mask & (1u << c->origin)) || c->epoch == m.epoch)
			continue;
		c->used = false;
		done++;
		if (removed != NULL)
			removed(&c->r, c->origin, c->metric);
	}
	if (m.sweep_pos < MAX_ENTRIES)
		return false;
	m.sweeping = false;
	return true;
}

static bool t_audit_fib(uint32_t *cursor, unsigned int max, uint32_t *fixed)
{
	(void)max;
	(void)fixed;
	return ++*cursor > 2;
}

static int t_vif_port(int ifindex)
{
	return ifindex >= 1 && ifindex <= N_VIFS ? ifindex - 1 : -1;
}

static void t_event(const struct sw_evt_sync *ev)
{
	assert(ev->what >= SW_SYNC_WHAT_NEIGH && ev->what <= SW_SYNC_WHAT_BURST);
	assert(ev->action >= SW_SYNC_ACT_ADDED && ev->action <= SW_SYNC_ACT_DONE);
	assert(memchr(ev->reason, 0, sizeof(ev->reason)) != NULL);
	assert(ev->port == SW_PORT_NONE || ev->port < N_VIFS);
}

static const struct sw_lcp_tables model = {
	.route_add = t_route_add,
	.route_del = t_route_del,
	.route_get = t_route_get,
	.route_get_cand = t_route_get_cand,
	.neigh_add = t_neigh_add,
	.neigh_del = t_neigh_del,
	.mark = t_mark,
	.neighs_sweep = t_neighs_sweep,
	.routes_sweep_begin = t_routes_sweep_begin,
	.routes_sweep_step = t_routes_sweep_step,
	.audit_fib = t_audit_fib,
	.vif_port = t_vif_port,
	.event = t_event,
};

/* --- what kni/nl.c does around the consumers --- */

static const char *resync_cause;
static bool resyncing;

void sw_nl_resync(const char *cause)
{
	assert(cause != NULL);
	resync_cause = cause;
}

const char *sw_nl_resync_cause(void)
{
	return resync_cause != NULL ? resync_cause : "";
}

static void each_begin(void)
{
	unsigned int n;
	const struct sw_nl_consumer *const *c = sw_nl_consumers(&n);

	resyncing = true;
	for (unsigned int i = 0; i < n; i++)
		if (c[i]->resync_begin != NULL)
			c[i]->resync_begin();
}

static void each_dump_done(enum sw_nl_dump what)
{
	unsigned int n;
	const struct sw_nl_consumer *const *c = sw_nl_consumers(&n);

	for (unsigned int i = 0; i < n; i++)
		if (c[i]->dump_done != NULL)
			c[i]->dump_done(what);
}

static void each_end(bool complete)
{
	unsigned int n, steps = 0;
	const struct sw_nl_consumer *const *c = sw_nl_consumers(&n);

	if (!resyncing)
		return;
	resyncing = false;
	for (unsigned int i = 0; complete && i < n; i++)
		while (c[i]->resync_sweep != NULL && !c[i]->resync_sweep())
			assert(++steps < 100000);
	for (unsigned int i = 0; i < n; i++)
		if (c[i]->resync_end != NULL)
			c[i]->resync_end(complete);
}

static void reset(void)
{
	unsigned int steps = 0;

	if (kernel_sync.enabled) {
		sw_lcp_stop();
		while (!sw_lcp_stop_step())
			assert(++steps < 100000);
	}
	memset(&m, 0, sizeof(m));
	resyncing = false;
	resync_cause = NULL;
	sw_lcp_start();
}

static unsigned int count(uint8_t origin)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		n += m.c[i].used && m.c[i].origin == origin;
	for (unsigned int i = 0; i < MAX_ENTRIES; i++)
		n += m.nb[i].used && m.nb[i].origin == origin;
	return n;
}

static const uint16_t types[] = {
	RTM_NEWLINK,	RTM_DELLINK,  RTM_NEWADDR,    RTM_DELADDR,    RTM_NEWNEIGH, RTM_DELNEIGH,
	RTM_NEWROUTE,	RTM_DELROUTE, RTM_NEWNEXTHOP, RTM_DELNEXTHOP, RTM_NEWROUTE, RTM_NEWROUTE,
	RTM_NEWNEXTHOP, RTM_DELROUTE, RTM_NEWADDR,    RTM_NEWNEIGH,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sw_lcp_bind(&model);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sw_l3_route api = { 0 };
	unsigned int steps;
	size_t pos = 0;

	reset();
	while (pos + 3 <= size) {
		uint8_t op = data[pos], a = data[pos + 1];
		size_t len = data[pos + 2];

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		switch (op & 15) {
		case 0 ... 7: { /* one message: type, flags from the record */
			struct nlmsghdr *nh = (struct nlmsghdr *)buf;

			memset(buf, 0, NLMSG_HDRLEN + len + 4);
			nh->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + len);
			nh->nlmsg_type = types[a & 15];
			nh->nlmsg_flags = (uint16_t)((op >> 4) << 8 | (a & 0xf0)); /* NLM_F_* */
			memcpy(buf + NLMSG_HDRLEN, data + pos, len);
			sw_nl_dispatch(nh);
			break;
		}
		case 8: /* a raw buffer: lengths as the input says */
			memcpy(buf, data + pos, len);
			sw_nl_dispatch_buf(buf, len);
			break;
		case 9: /* an API route beside sync's: set or removed */
			api.family = (a & 1) ? SW_AF_INET6 : SW_AF_INET;
			api.len = (uint8_t)(len > 0 ? data[pos] % (sw_af_bytes(api.family) * 8 + 1)
						    : 0);
			memset(api.prefix, 0, 16);
			memcpy(api.prefix, data + pos, len < 17 ? len : 16);
			if (len > 0)
				api.prefix[0] = data[pos + len - 1];
			sw_mask_prefix(api.prefix, api.len, sw_af_bytes(api.family) * 8);
			api.type = SW_ROUTE_FORWARD;
			api.n_nh = 1;
			api.nh[0].port = a % N_VIFS;
			if (a & 2)
				add_cand(&api, SW_ORIGIN_API, 0, NULL);
			else
				del_cands(&api, SW_ORIGIN_API, NULL);
			break;
		case 10: /* a resync begins (what a lost message, a link or an audit asked) */
			if (!resyncing) {
				if (a & 1)
					sw_lcp_audit();
				each_begin();
			}
			break;
		case 11:
			if (resyncing)
				each_dump_done((enum sw_nl_dump)(a % 4));
			break;
		case 12: /* complete: sweep */
			each_end(true);
			break;
		case 13: /* interrupted or lost: nothing swept */
			each_end(false);
			break;
		case 14: /* off and on again */
			each_end(false);
			sw_lcp_stop();
			steps = 0;
			while (!sw_lcp_stop_step())
				assert(++steps < 100000);
			assert(count(SW_ORIGIN_KROUTE) == 0 && count(SW_ORIGIN_KADDR) == 0 &&
			       count(SW_ORIGIN_KNEIGH) == 0);
			sw_lcp_start();
			break;
		default:
			sw_lcp_tick((uint64_t)a * 50000000ull);
			break;
		}
		pos += len;
	}
	/* off: everything sync installed goes, the API's stays */
	unsigned int n_api = count(SW_ORIGIN_API);

	sw_lcp_stop();
	steps = 0;
	while (!sw_lcp_stop_step())
		assert(++steps < 100000);
	assert(count(SW_ORIGIN_KROUTE) == 0 && count(SW_ORIGIN_KADDR) == 0 &&
	       count(SW_ORIGIN_KNEIGH) == 0);
	assert(count(SW_ORIGIN_API) == n_api);
	return 0;
}

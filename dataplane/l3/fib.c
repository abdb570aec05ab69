/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_rib.h>

#include "core/fp.h"
#include "core/log.h"
#include "core/publish.h"
#include "core/state.h"
#include "l3/fib.h"
#include "l3/l3.h"

#define FIBLOG_MAX (1u << 16)
#define LPM6_TBL8S (1u << 12)

struct fibop {
	uint8_t add;
	uint8_t len;
	uint8_t ip[16];
	uint32_t gid;
};

/* Two copies of one family's FIB. */
struct fibpair {
	uint8_t family;
	void *t[2];	   /* struct rte_fib * or struct rte_lpm6 * */
	unsigned int live; /* the copy the latest configuration uses */
	/* without a swap in flight: ops applied to the shadow (live ^ 1), not
	 * yet published; with one: ops the new live copy has and the old one,
	 * to be caught up after swap_gen's grace period, lacks */
	struct fibop *log;
	unsigned int n_log;
	bool swap_pending;
	uint64_t swap_gen;
};

static struct fibpair fibs[2]; /* [0] IPv4, [1] IPv6 */
/* rte_lpm6 takes no /0: the IPv6 default route is one group id beside it,
 * published with the configuration like the FIB copies */
static uint32_t default6 = SW_FIB_MISS;

/* IPv4 tbl8 groups (for prefixes longer than /24) scale with --max-routes. */
static uint32_t fib4_tbl8s(void)
{
	return RTE_MIN(1u << 16, RTE_MAX(1u << 10, sw.max_routes / 4));
}

static void *fib_create(uint8_t family, unsigned int copy)
{
	char name[32];

	snprintf(name, sizeof(name), "sw_fib%u%c", family, copy ? 'b' : 'a');
	if (family == SW_AF_INET) {
		struct rte_fib_conf c = {
			.type = RTE_FIB_DIR24_8,
			.default_nh = SW_FIB_MISS,
			.max_routes = (int)sw.max_routes,
			.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = fib4_tbl8s() },
		};
		return rte_fib_create(name, (int)rte_socket_id(), &c);
	}
	struct rte_lpm6_config c6 = {
		.max_rules = SW_MAX_ROUTES6,
		.number_tbl8s = LPM6_TBL8S,
	};
	return rte_lpm6_create(name, (int)rte_socket_id(), &c6);
}

static void fib_free(uint8_t family, void *t)
{
	if (family == SW_AF_INET)
		rte_fib_free(t);
	else
		rte_lpm6_free(t);
}

int sw_fib_init(void)
{
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &fibs[f];

		fp->family = f ? SW_AF_INET6 : SW_AF_INET;
		fp->t[0] = fib_create(fp->family, 0);
		fp->t[1] = fib_create(fp->family, 1);
		fp->log = rte_malloc("sw_fiblog", FIBLOG_MAX * sizeof(*fp->log), 0);
		if (!fp->t[0] || !fp->t[1] || !fp->log) {
			SW_LOG(ERR, "routes: cannot create the IPv%u FIB (%s); more hugepages?",
			       fp->family, rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

void sw_fib_fini(void)
{
	for (unsigned int f = 0; f < 2; f++) {
		for (unsigned int c = 0; c < 2; c++)
			if (fibs[f].t[c] != NULL)
				fib_free(fibs[f].family, fibs[f].t[c]);
		rte_free(fibs[f].log);
	}
	memset(fibs, 0, sizeof(fibs));
	default6 = SW_FIB_MISS;
}

uint64_t sw_fib_mem_bytes(void)
{
	/* rte_fib (x2): tbl24 + tbl8s + RIB nodes; rte_lpm6 (x2): tbl8s + rules */
	uint64_t b = 2 *
		     ((1ull << 24) * 4 + (uint64_t)fib4_tbl8s() * 256 * 4 + sw.max_routes * 64ull);

	return b + 2 * ((uint64_t)LPM6_TBL8S * 256 * 4 + SW_MAX_ROUTES6 * 32ull);
}

static int fib_apply(struct fibpair *fp, void *t, const struct fibop *o)
{
	if (fp->family == SW_AF_INET) {
		uint32_t a;

		memcpy(&a, o->ip, 4);
		return o->add ? rte_fib_add(t, rte_be_to_cpu_32(a), o->len, o->gid)
			      : rte_fib_delete(t, rte_be_to_cpu_32(a), o->len);
	}
	return o->add ? rte_lpm6_add(t, o->ip, o->len, o->gid) : rte_lpm6_delete(t, o->ip, o->len);
}

/* Change the shadow copy and log the change for the other one. */
static int fib_change(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t gid, bool add)
{
	struct fibpair *fp = &fibs[family == SW_AF_INET6];
	struct fibop o = { .add = add, .len = len, .gid = gid };
	int ret;

	if (family == SW_AF_INET6 && len == 0) {
		default6 = add ? gid : SW_FIB_MISS;
		return 0;
	}
	if (fp->swap_pending) /* the shadow is still read: wait it out */
		sw_publish_wait(fp->swap_gen);
	if (fp->n_log == FIBLOG_MAX)
		return -ENOSPC; /* a caller forgot sw_publish_make_room() */
	memcpy(o.ip, ip, 16);
	ret = fib_apply(fp, fp->t[fp->live ^ 1], &o);
	if (ret == 0)
		fp->log[fp->n_log++] = o;
	return ret;
}

int sw_fib_set(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t gid)
{
	return fib_change(family, ip, len, gid, true);
}

int sw_fib_del(uint8_t family, const uint8_t *ip, uint8_t len)
{
	return fib_change(family, ip, len, 0, false);
}

int sw_fib_get(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t *gid)
{
	struct fibpair *fp = &fibs[family == SW_AF_INET6];
	/* with a swap in flight the new live copy has every change (a change
	 * waits for the old one to catch up first); otherwise the shadow has */
	void *t = fp->t[fp->swap_pending ? fp->live : fp->live ^ 1];

	if (family == SW_AF_INET6 && len == 0) {
		*gid = default6;
		return default6 == SW_FIB_MISS ? -ENOENT : 0;
	}
	if (family == SW_AF_INET) {
		struct rte_rib_node *n;
		uint64_t nh;
		uint32_t a;

		memcpy(&a, ip, 4);
		n = rte_rib_lookup_exact(rte_fib_get_rib(t), rte_be_to_cpu_32(a), len);
		if (n == NULL || rte_rib_get_nh(n, &nh) != 0)
			return -ENOENT;
		*gid = (uint32_t)nh;
		return 0;
	}
	return rte_lpm6_is_rule_present(t, ip, len, gid) == 1 ? 0 : -ENOENT;
}

/* A new configuration is being built: a shadow copy with changes becomes
 * the live one. */
static void fib_fill(struct sw_fp_config *cfg)
{
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &fibs[f];

		if (!fp->swap_pending && fp->n_log > 0) {
			fp->live ^= 1;
			fp->swap_pending = true;
			fp->swap_gen = sw_publish_next_gen();
		}
	}
	cfg->fib4 = fibs[0].t[fibs[0].live];
	cfg->lpm6 = fibs[1].t[fibs[1].live];
	cfg->default6 = default6;
}

/* No worker reads the old live copy any more: catch it up. */
static void fib_reclaim(uint64_t reclaimed)
{
	for (unsigned int f = 0; f < 2; f++) {
		struct fibpair *fp = &fibs[f];

		if (!fp->swap_pending || reclaimed < fp->swap_gen)
			continue;
		for (unsigned int i = 0; i < fp->n_log; i++)
			fib_apply(fp, fp->t[fp->live ^ 1], &fp->log[i]);
		fp->n_log = 0;
		fp->swap_pending = false;
	}
}

/* Room for the changes of one more request (a route replace and its undo). */
static bool fib_full(void)
{
	return fibs[0].n_log + 4 > FIBLOG_MAX || fibs[1].n_log + 4 > FIBLOG_MAX;
}

static const struct sw_publish_ops fib_publish = {
	.name = "FIB",
	.fill = fib_fill,
	.reclaim = fib_reclaim,
	.full = fib_full,
};
SW_PUBLISH_REGISTER(fib_publish)

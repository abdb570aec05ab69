/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the rte_acl classifiers from a snapshot of the rule set, and the
 * control thread that does it for large sets, so that the main lcore keeps
 * answering requests, servicing the vEths and beating its heartbeat while
 * a set of tens of thousands of rules is compiled.
 *
 * Each rule's ACL userdata carries its slot, action and output port, so a
 * classification result is self-contained.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "rules/rules.h"

/* Logical fields of struct sw_acl_key. A context includes only those some
 * of its rules match on (the first, proto, always: rte_acl wants a one-byte
 * first field), so a classification walks only the bytes that matter. */
enum {
	F_PROTO,
	F_INPORT,
	F_VLAN,
	F_ETYPE,
	F_SMAC_LO,
	F_SMAC_HI,
	F_DMAC_HI,
	F_DMAC_LO,
	F_SRC0,
	F_SRC1,
	F_SRC2,
	F_SRC3,
	F_DST0,
	F_DST1,
	F_DST2,
	F_DST3,
	F_SPORT,
	F_DPORT,
	F_MAX
};

#define KOFF(f) offsetof(struct sw_acl_key, f)

static const struct {
	uint8_t type, size;
	uint16_t offset;
} fdef[F_MAX] = {
	[F_PROTO] = { RTE_ACL_FIELD_TYPE_BITMASK, 1, KOFF(proto) },
	[F_INPORT] = { RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(in_port) },
	[F_VLAN] = { RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(vlan) },
	[F_ETYPE] = { RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(ethertype) },
	[F_SMAC_LO] = { RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(smac_lo) },
	[F_SMAC_HI] = { RTE_ACL_FIELD_TYPE_BITMASK, 4, KOFF(smac_hi) },
	[F_DMAC_HI] = { RTE_ACL_FIELD_TYPE_BITMASK, 4, KOFF(dmac_hi) },
	[F_DMAC_LO] = { RTE_ACL_FIELD_TYPE_BITMASK, 2, KOFF(dmac_lo) },
	[F_SRC0] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src) },
	[F_SRC1] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src) + 4 },
	[F_SRC2] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src) + 8 },
	[F_SRC3] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(src) + 12 },
	[F_DST0] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst) },
	[F_DST1] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst) + 4 },
	[F_DST2] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst) + 8 },
	[F_DST3] = { RTE_ACL_FIELD_TYPE_MASK, 4, KOFF(dst) + 12 },
	[F_SPORT] = { RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(sport) },
	[F_DPORT] = { RTE_ACL_FIELD_TYPE_RANGE, 2, KOFF(dport) },
};

RTE_ACL_RULE_DEF(sw_acl_rule, F_MAX);

static bool any_set(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return true;
	return false;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint16_t rule_ethertype(const struct sw_rule *r)
{
	return r->family == SW_AF_INET ? 0x0800 : r->family == SW_AF_INET6 ? 0x86dd : r->ethertype;
}

/* Value and mask (bitmask), prefix length (mask) or upper bound (range) of
 * one field of a rule; wildcard when the rule does not match on it. */
static void field_value(const struct sw_rule *r, unsigned int f, uint32_t *val, uint32_t *mr)
{
	bool sm = any_set(r->src_mac, 6), dm = any_set(r->dst_mac, 6);
	int len;

	switch (f) {
	case F_PROTO:
		*val = r->proto;
		*mr = r->proto ? 0xff : 0;
		return;
	case F_INPORT:
		*val = r->in_port == SW_PORT_NONE ? 0 : r->in_port;
		*mr = r->in_port == SW_PORT_NONE ? 0xffff : r->in_port;
		return;
	case F_VLAN:
		*val = r->vlan == 0xffff ? 0 : r->vlan;
		*mr = r->vlan;
		return;
	case F_ETYPE:
		*val = rule_ethertype(r);
		*mr = *val ? 0xffff : 0;
		return;
	case F_SMAC_LO:
		*val = (uint32_t)r->src_mac[4] << 8 | r->src_mac[5];
		*mr = sm ? 0xffff : 0;
		return;
	case F_SMAC_HI:
		*val = be32(r->src_mac);
		*mr = sm ? UINT32_MAX : 0;
		return;
	case F_DMAC_HI:
		*val = be32(r->dst_mac);
		*mr = dm ? UINT32_MAX : 0;
		return;
	case F_DMAC_LO:
		*val = (uint32_t)r->dst_mac[4] << 8 | r->dst_mac[5];
		*mr = dm ? 0xffff : 0;
		return;
	case F_SPORT:
		*val = r->sport_lo;
		*mr = r->sport_hi;
		return;
	case F_DPORT:
		*val = r->dport_lo;
		*mr = r->dport_hi;
		return;
	}
	bool src = f < F_DST0;
	unsigned int w = f - (src ? F_SRC0 : F_DST0);
	len = (int)(src ? r->src_len : r->dst_len) - 32 * (int)w;
	*val = r->family ? be32((src ? r->src : r->dst) + 4 * w) : 0;
	*mr = len <= 0 ? 0 : len >= 32 ? 32 : (uint32_t)len;
}

static bool field_is_wild(unsigned int f, uint32_t val, uint32_t mr, bool v6)
{
	switch (fdef[f].type) {
	case RTE_ACL_FIELD_TYPE_RANGE:
		return val == 0 && mr == (fdef[f].size == 1 ? 0xffu : 0xffffu);
	case RTE_ACL_FIELD_TYPE_MASK:
		return mr == 0;
	default: /* in the IPv6 context every frame is IPv6: that ethertype is no test */
		return mr == 0 || (v6 && f == F_ETYPE && val == 0x86dd);
	}
}

static bool in_context(const struct sw_rule *r, bool v6)
{
	return r->family == 0 ? true : (r->family == SW_AF_INET6) == v6;
}

struct rte_acl_ctx *sw_acl_build(bool v6, const struct sw_acl_rule_in *rules, uint32_t n,
				 uint64_t tag, char *msg, size_t len)
{
	struct rte_acl_config cfg = { .num_categories = 1 };
	struct rte_acl_param prm = { .socket_id = SOCKET_ID_ANY };
	unsigned int used[F_MAX], n_used = 0, last_word = UINT32_MAX, idx = 0;
	bool want[F_MAX] = { [F_PROTO] = true };
	struct sw_acl_rule a;
	struct rte_acl_ctx *ctx = NULL;
	char name[RTE_ACL_NAMESIZE];
	uint32_t added = 0, val, mr;
	int ret = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct sw_rule *r = &rules[i].rule;

		if (!in_context(r, v6))
			continue;
		for (unsigned int f = 0; f < F_MAX; f++) {
			if ((f == F_SRC1 || f == F_SRC2 || f == F_SRC3 || f == F_DST1 ||
			     f == F_DST2 || f == F_DST3) &&
			    !v6)
				continue;
			field_value(r, f, &val, &mr);
			want[f] |= !field_is_wild(f, val, mr, v6);
		}
		added++;
	}
	if (added == 0)
		return NULL;
	/* 2-byte fields sharing an input word go in together (DPDK's examples
	 * always pair them; a lone one does not classify) */
	for (unsigned int f = 0; f + 1 < F_MAX; f++)
		if (fdef[f].size == 2 && fdef[f + 1].size == 2 &&
		    fdef[f].offset / 4 == fdef[f + 1].offset / 4 && (want[f] || want[f + 1]))
			want[f] = want[f + 1] = true;
	for (unsigned int f = 0; f < F_MAX; f++) {
		unsigned int word = fdef[f].offset / 4;

		if (!want[f])
			continue;
		if (word != last_word && n_used > 0)
			idx++;
		last_word = word;
		cfg.defs[n_used] = (struct rte_acl_field_def){
			.type = fdef[f].type,
			.size = fdef[f].size,
			.field_index = n_used,
			.input_index = idx,
			.offset = fdef[f].offset,
		};
		used[n_used++] = f;
	}
	cfg.num_fields = n_used;
	prm.rule_size = RTE_ACL_RULE_SZ(cfg.num_fields);
	prm.max_rule_num = added;
	snprintf(name, sizeof(name), "sw_acl%c_%" PRIu64, v6 ? '6' : '4', tag);
	prm.name = name;
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct sw_rule *r = &rules[i].rule;

		if (!in_context(r, v6))
			continue;
		memset(&a, 0, sizeof(a));
		a.data.category_mask = 1;
		a.data.priority = r->priority;
		a.data.userdata = SW_ACL_USERDATA(rules[i].slot, r->action,
						  r->out_port == SW_PORT_NONE ? 0xff : r->out_port);
		for (unsigned int k = 0; k < n_used; k++) {
			field_value(r, used[k], &val, &mr);
			if (fdef[used[k]].size == 1) {
				a.field[k].value.u8 = (uint8_t)val;
				a.field[k].mask_range.u8 = (uint8_t)mr;
			} else if (fdef[used[k]].size == 2) {
				a.field[k].value.u16 = (uint16_t)val;
				a.field[k].mask_range.u16 = (uint16_t)mr;
			} else {
				a.field[k].value.u32 = val;
				a.field[k].mask_range.u32 = mr;
			}
		}
		if ((ret = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&a, 1)) != 0)
			goto fail;
	}
	if ((ret = rte_acl_build(ctx, &cfg)) == 0)
		return ctx;
fail:
	snprintf(msg, len, "building the IPv%c classifier of %u rules failed: %s", v6 ? '6' : '4',
		 added, rte_strerror(-ret));
	rte_acl_free(ctx);
	return (struct rte_acl_ctx *)-1;
}

/* --- the control thread --- */

static struct {
	pthread_t tid;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock: written by the main lcore (job), by the thread (result) */
	bool have_job, stop;
	struct sw_acl_rule_in *rules;
	uint32_t n;
	uint64_t tag;
	/* the result, published with done (release) */
	struct rte_acl_ctx *ctx[2];
	int err;
	char msg[SW_ERRMSG_MAX];
	bool done;
} job = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *acl_thread(void *arg)
{
	RTE_SET_USED(arg);
	pthread_mutex_lock(&job.lock);
	for (;;) {
		while (!job.have_job && !job.stop)
			pthread_cond_wait(&job.cond, &job.lock);
		if (job.stop)
			break;
		job.have_job = false;
		pthread_mutex_unlock(&job.lock);

		struct rte_acl_ctx *c4, *c6 = NULL;
		const uint64_t t0 = rte_get_timer_cycles();
		int err = 0;

		c4 = sw_acl_build(false, job.rules, job.n, job.tag, job.msg, sizeof(job.msg));
		if (c4 != (void *)-1)
			c6 = sw_acl_build(true, job.rules, job.n, job.tag, job.msg,
					  sizeof(job.msg));
		if (c4 == (void *)-1 || c6 == (void *)-1) {
			if (c4 != (void *)-1)
				rte_acl_free(c4);
			c4 = c6 = NULL;
			err = -1;
		}
		SW_LOG(DEBUG, "rules: classifiers of %u rules built in %" PRIu64 " us", job.n,
		       (rte_get_timer_cycles() - t0) * 1000000 / rte_get_timer_hz());
		job.ctx[0] = c4;
		job.ctx[1] = c6;
		job.err = err;
		__atomic_store_n(&job.done, true, __ATOMIC_RELEASE);
		pthread_mutex_lock(&job.lock);
	}
	pthread_mutex_unlock(&job.lock);
	return NULL;
}

int sw_acl_thread_start(void)
{
	int ret = rte_ctrl_thread_create(&job.tid, "sw-acl", NULL, acl_thread, NULL);

	if (ret != 0) {
		SW_LOG(ERR, "rules: cannot start the classifier build thread: %s", strerror(ret));
		return -1;
	}
	job.running = true;
	return 0;
}

void sw_acl_thread_stop(void)
{
	if (!job.running)
		return;
	pthread_mutex_lock(&job.lock);
	job.stop = true;
	pthread_cond_signal(&job.cond);
	pthread_mutex_unlock(&job.lock);
	pthread_join(job.tid, NULL);
	job.running = false;
	if (__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
		rte_acl_free(job.ctx[0]);
		rte_acl_free(job.ctx[1]);
		job.done = false;
	}
}

void sw_acl_job_start(struct sw_acl_rule_in *rules, uint32_t n, uint64_t tag)
{
	pthread_mutex_lock(&job.lock);
	job.rules = rules;
	job.n = n;
	job.tag = tag;
	job.done = false;
	job.have_job = true;
	pthread_cond_signal(&job.cond);
	pthread_mutex_unlock(&job.lock);
}

bool sw_acl_job_done(struct rte_acl_ctx *ctx[2], int *err, char *msg, size_t len)
{
	if (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE))
		return false;
	job.done = false;
	ctx[0] = job.ctx[0];
	ctx[1] = job.ctx[1];
	*err = job.err;
	snprintf(msg, len, "%s", job.msg);
	return true;
}

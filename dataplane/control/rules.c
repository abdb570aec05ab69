/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Match-action rules with rte_acl. The rule set is kept here; a change marks
 * it dirty, and the next publish builds fresh IPv4 (also used for non-IP
 * frames) and IPv6 classifier contexts, once per batch, which the fast path
 * picks up with the new configuration. The old contexts are freed after the
 * grace period. Each rule's ACL userdata carries its slot, action and output
 * port, so a classification result is self-contained.
 */
#include <stdio.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "rules.h"
#include "list.h"
#include "sw.h"

/* Logical fields of struct sw_acl_key. A context includes only those some
 * of its rules match on (the first, proto, always: rte_acl wants a one-byte
 * first field), so a classification walks only the bytes that matter. */
enum { F_PROTO, F_INPORT, F_VLAN, F_ETYPE, F_SMAC_LO, F_SMAC_HI, F_DMAC_HI, F_DMAC_LO,
       F_SRC0, F_SRC1, F_SRC2, F_SRC3, F_DST0, F_DST1, F_DST2, F_DST3, F_SPORT, F_DPORT,
       F_MAX };

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

struct rule_rec {
	bool in_use;
	struct sw_rule r;
};

static struct {
	struct rule_rec *rec;
	uint32_t n;
	uint32_t free_top;
	uint32_t *free_slots;
	/* released slots and replaced classifiers, each with the generation
	 * whose grace period must pass first (release order = gen order) */
	struct { uint32_t slot; uint64_t gen; } *pending;
	uint32_t pend_head, pend_n;
	struct { struct rte_acl_ctx *ctx; uint64_t gen; } old[2 * 64];
	uint32_t old_head, old_n;
	bool dirty;
	struct rte_acl_ctx *ctx[2];            /* [0] IPv4 + non-IP, [1] IPv6 */
	uint64_t gen;
	struct sw_rule_counter *counters;      /* [SW_MAX_LCORES][SW_MAX_RULES] */
} RL;

int sw_rules_init(void)
{
	RL.rec = rte_zmalloc("sw_rules", SW_MAX_RULES * sizeof(*RL.rec), 0);
	RL.free_slots = rte_malloc("sw_rule_free", SW_MAX_RULES * sizeof(uint32_t), 0);
	RL.pending = rte_malloc("sw_rule_pending", SW_MAX_RULES * sizeof(*RL.pending), 0);
	RL.counters = rte_zmalloc("sw_rule_counters",
				  (size_t)SW_MAX_LCORES * SW_MAX_RULES * sizeof(*RL.counters),
				  RTE_CACHE_LINE_SIZE);
	if (!RL.rec || !RL.free_slots || !RL.pending || !RL.counters) {
		SW_LOG(ERR, "rules: cannot allocate the rule table");
		return -1;
	}
	for (uint32_t i = 0; i < SW_MAX_RULES; i++)
		RL.free_slots[RL.free_top++] = SW_MAX_RULES - 1 - i;
	return 0;
}

void sw_rules_fini(void)
{
	sw_rules_after_grace(UINT64_MAX);
	for (int i = 0; i < 2; i++)
		rte_acl_free(RL.ctx[i]);
	rte_free(RL.rec);
	rte_free(RL.free_slots);
	rte_free(RL.pending);
	rte_free(RL.counters);
	memset(&RL, 0, sizeof(RL));
}

struct rte_acl_ctx *sw_rules_ctx(uint8_t family)
{
	return RL.ctx[family == SW_AF_INET6];
}

struct sw_rule_counter *sw_rules_counters(unsigned int lcore_slot)
{
	return RL.counters + (size_t)lcore_slot * SW_MAX_RULES;
}

uint32_t sw_rules_count(void)
{
	return RL.n;
}

static bool any_set(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return true;
	return false;
}

static int rule_check(const struct sw_rule *r, struct sw_err *e)
{
	unsigned int bits = r->family == SW_AF_INET6 ? 128 : 32;

	if (r->family != 0 && r->family != SW_AF_INET && r->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "rule %u: family must be 0, 4 or 6, not %u", r->id,
			       r->family);
	if (r->priority < RTE_ACL_MIN_PRIORITY || r->priority > RTE_ACL_MAX_PRIORITY)
		return sw_fail(e, SW_ST_RANGE, "rule %u: priority %u outside %u..%u", r->id,
			       r->priority, RTE_ACL_MIN_PRIORITY, RTE_ACL_MAX_PRIORITY);
	if (r->action < SW_RULE_FORWARD || r->action > SW_RULE_COUNT)
		return sw_fail(e, SW_ST_INVALID, "rule %u: unknown action %u", r->id, r->action);
	if (r->in_port != SW_PORT_NONE && (r->in_port >= SW_MAX_PORTS || !sw.ports[r->in_port].in_use))
		return sw_fail(e, SW_ST_NO_PORT, "rule %u: in port %u does not exist", r->id,
			       r->in_port);
	if (r->action == SW_RULE_FORWARD || (r->action == SW_RULE_MIRROR && r->out_port != SW_PORT_NONE))
		if (r->out_port >= SW_MAX_PORTS || !sw.ports[r->out_port].in_use)
			return sw_fail(e, SW_ST_NO_PORT, "rule %u: out port %u does not exist",
				       r->id, r->out_port);
	if (r->vlan != 0xffff && r->vlan > 4095)
		return sw_fail(e, SW_ST_RANGE, "rule %u: VLAN id %u beyond 4095", r->id, r->vlan);
	if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi)
		return sw_fail(e, SW_ST_RANGE, "rule %u: L4 port range is empty", r->id);
	if (r->family == 0) {
		if (r->proto || r->src_len || r->dst_len || any_set(r->src, 16) ||
		    any_set(r->dst, 16) || r->sport_lo || r->dport_lo || r->sport_hi != 0xffff ||
		    r->dport_hi != 0xffff)
			return sw_fail(e, SW_ST_INVALID, "rule %u: IP fields need family 4 or 6",
				       r->id);
		return 0;
	}
	uint16_t et = r->family == SW_AF_INET ? 0x0800 : 0x86dd;
	if (r->ethertype != 0 && r->ethertype != et)
		return sw_fail(e, SW_ST_INVALID, "rule %u: ethertype 0x%04x contradicts IPv%u", r->id,
			       r->ethertype, r->family);
	if (r->src_len > bits || r->dst_len > bits)
		return sw_fail(e, SW_ST_RANGE, "rule %u: prefix length beyond %u", r->id, bits);
	return 0;
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
	case F_PROTO: *val = r->proto; *mr = r->proto ? 0xff : 0; return;
	case F_INPORT:
		*val = r->in_port == SW_PORT_NONE ? 0 : r->in_port;
		*mr = r->in_port == SW_PORT_NONE ? 0xffff : r->in_port;
		return;
	case F_VLAN: *val = r->vlan == 0xffff ? 0 : r->vlan; *mr = r->vlan; return;
	case F_ETYPE: *val = rule_ethertype(r); *mr = *val ? 0xffff : 0; return;
	case F_SMAC_LO: *val = (uint32_t)r->src_mac[4] << 8 | r->src_mac[5]; *mr = sm ? 0xffff : 0; return;
	case F_SMAC_HI: *val = be32(r->src_mac); *mr = sm ? UINT32_MAX : 0; return;
	case F_DMAC_HI: *val = be32(r->dst_mac); *mr = dm ? UINT32_MAX : 0; return;
	case F_DMAC_LO: *val = (uint32_t)r->dst_mac[4] << 8 | r->dst_mac[5]; *mr = dm ? 0xffff : 0; return;
	case F_SPORT: *val = r->sport_lo; *mr = r->sport_hi; return;
	case F_DPORT: *val = r->dport_lo; *mr = r->dport_hi; return;
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

static struct rte_acl_ctx *acl_build(bool v6)
{
	struct rte_acl_config cfg = { .num_categories = 1 };
	struct rte_acl_param prm = {
		.socket_id = (int)rte_socket_id(),
		.max_rule_num = RL.n,
	};
	unsigned int used[F_MAX], n_used = 0, last_word = UINT32_MAX, idx = 0;
	bool want[F_MAX] = { [F_PROTO] = true };
	struct sw_acl_rule a;
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	uint32_t added = 0, val, mr;

	for (uint32_t s = 0; s < SW_MAX_RULES; s++) {
		const struct sw_rule *r = &RL.rec[s].r;

		if (!RL.rec[s].in_use || !in_context(r, v6))
			continue;
		for (unsigned int f = 0; f < F_MAX; f++) {
			if ((f == F_SRC1 || f == F_SRC2 || f == F_SRC3 || f == F_DST1 ||
			     f == F_DST2 || f == F_DST3) && !v6)
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
			.type = fdef[f].type, .size = fdef[f].size, .field_index = n_used,
			.input_index = idx, .offset = fdef[f].offset,
		};
		used[n_used++] = f;
	}
	cfg.num_fields = n_used;
	prm.rule_size = RTE_ACL_RULE_SZ(cfg.num_fields);
	snprintf(name, sizeof(name), "sw_acl%c_%" PRIu64, v6 ? '6' : '4', RL.gen);
	prm.name = name;
	ctx = rte_acl_create(&prm);
	if (ctx == NULL)
		goto fail;
	for (uint32_t s = 0; s < SW_MAX_RULES; s++) {
		const struct sw_rule *r = &RL.rec[s].r;

		if (!RL.rec[s].in_use || !in_context(r, v6))
			continue;
		memset(&a, 0, sizeof(a));
		a.data.category_mask = 1;
		a.data.priority = r->priority;
		a.data.userdata = SW_ACL_USERDATA(s, r->action,
						  r->out_port == SW_PORT_NONE ? 0xff : r->out_port);
		for (unsigned int i = 0; i < n_used; i++) {
			field_value(r, used[i], &val, &mr);
			if (fdef[used[i]].size == 1) {
				a.field[i].value.u8 = (uint8_t)val;
				a.field[i].mask_range.u8 = (uint8_t)mr;
			} else if (fdef[used[i]].size == 2) {
				a.field[i].value.u16 = (uint16_t)val;
				a.field[i].mask_range.u16 = (uint16_t)mr;
			} else {
				a.field[i].value.u32 = val;
				a.field[i].mask_range.u32 = mr;
			}
		}
		if (rte_acl_add_rules(ctx, (struct rte_acl_rule *)&a, 1) != 0)
			goto fail;
	}
	if (rte_acl_build(ctx, &cfg) != 0)
		goto fail;
	return ctx;
fail:
	SW_LOG(ERR, "rules: building the IPv%c classifier failed: %s", v6 ? '6' : '4',
	       rte_strerror(rte_errno));
	rte_acl_free(ctx);
	return (struct rte_acl_ctx *)-1;
}

void sw_rules_prepare(void)
{
	struct rte_acl_ctx *c4, *c6;

	if (!RL.dirty)
		return;
	RL.gen++;
	c4 = acl_build(false);
	c6 = acl_build(true);
	if (c4 == (void *)-1 || c6 == (void *)-1) {
		/* keep the published classifiers; retried at the next commit */
		if (c4 != (void *)-1)
			rte_acl_free(c4);
		if (c6 != (void *)-1)
			rte_acl_free(c6);
		return;
	}
	if (RL.old_n + 2 > RTE_DIM(RL.old))
		sw_fp_reclaim(true);
	for (int i = 0; i < 2; i++) {
		unsigned int k = (RL.old_head + RL.old_n++) % RTE_DIM(RL.old);
		RL.old[k].ctx = RL.ctx[i];
		RL.old[k].gen = sw_fp_next_gen();   /* built for the publish under way */
	}
	RL.ctx[0] = c4;
	RL.ctx[1] = c6;
	RL.dirty = false;
}

void sw_rules_after_grace(uint64_t reclaimed)
{
	while (RL.old_n > 0 && RL.old[RL.old_head].gen <= reclaimed) {
		rte_acl_free(RL.old[RL.old_head].ctx);
		RL.old_head = (RL.old_head + 1) % RTE_DIM(RL.old);
		RL.old_n--;
	}
	while (RL.pend_n > 0 && RL.pending[RL.pend_head].gen <= reclaimed) {
		RL.free_slots[RL.free_top++] = RL.pending[RL.pend_head].slot;
		RL.pend_head = (RL.pend_head + 1) % SW_MAX_RULES;
		RL.pend_n--;
	}
}

static int find(uint32_t id)
{
	for (uint32_t s = 0; s < SW_MAX_RULES; s++)
		if (RL.rec[s].in_use && RL.rec[s].r.id == id)
			return (int)s;
	return -1;
}

int sw_rule_add(const struct sw_rule *r, struct sw_err *e)
{
	int s;

	if (rule_check(r, e) != 0)
		return -1;
	s = find(r->id);
	if (s < 0) {
		if (RL.free_top == 0)
			return sw_fail(e, SW_ST_NO_SPACE, "rule %u: all %u rule slots in use",
				       r->id, SW_MAX_RULES);
		s = (int)RL.free_slots[--RL.free_top];
		for (unsigned int l = 0; l < SW_MAX_LCORES; l++)
			sw_rules_counters(l)[s] = (struct sw_rule_counter){ 0 };
		RL.rec[s].in_use = true;
		RL.n++;
	}
	RL.rec[s].r = *r;
	RL.dirty = true;
	sw_fp_mark_dirty();
	return 0;
}

int sw_rule_del(const struct sw_rule_ref *ref, struct sw_err *e)
{
	int s = find(ref->id);

	if (s < 0)
		return sw_fail(e, SW_ST_NOT_FOUND, "rule %u does not exist", ref->id);
	RL.rec[s].in_use = false;
	{	/* reused after the grace period of the publish that drops it */
		uint32_t k = (RL.pend_head + RL.pend_n++) % SW_MAX_RULES;
		RL.pending[k].slot = (uint32_t)s;
		RL.pending[k].gen = sw_fp_next_gen();
	}
	RL.n--;
	RL.dirty = true;
	sw_fp_mark_dirty();
	return 0;
}

int sw_rule_list(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
		 struct sw_err *e)
{
	struct sw_list_hdr *lh = (void *)buf;
	struct sw_rule_entry *out = (void *)(lh + 1);
	uint32_t max = sw_list_begin(q, buf, cap, sizeof(*out)), s;

	RTE_SET_USED(e);
	for (s = q->cursor; s < SW_MAX_RULES && lh->count < max; s++) {
		if (!RL.rec[s].in_use)
			continue;
		struct sw_rule_entry *o = &out[lh->count++];
		o->rule = RL.rec[s].r;
		o->packets = o->bytes = 0;
		for (unsigned int l = 0; l < SW_MAX_LCORES; l++) {
			const struct sw_rule_counter *c = &sw_rules_counters(l)[s];
			o->packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
			o->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		}
	}
	sw_list_end(buf, s < SW_MAX_RULES ? s : 0, sizeof(*out), len);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule set and its classifiers (see rules.h).
 *
 * A change edits the working set and remembers the slot it touched. At the
 * commit, prepare() compiles the working set (inline when small, on the
 * control thread otherwise); when the classifiers are built they replace
 * the published ones and the touched slots become the committed set; when
 * the build fails every touched slot goes back to its committed state and
 * the requests that made the changes fail. Freed slots and replaced
 * classifiers are reused or freed after the grace period of the publish
 * that dropped them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "core/api.h"
#include "core/fp.h"
#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/util.h"
#include "port/port.h"
#include "rules/rules.h"

#define INLINE_BUILD_MAX 256u /* smaller sets are compiled on the main lcore */
#define OLD_CTX_MAX	 128u

struct rule_rec {
	bool in_use;
	struct sw_rule r;
};

static struct {
	uint32_t max;		    /* slots: --max-rules */
	struct rule_rec *rec;	    /* the working set */
	struct rule_rec *committed; /* what the published classifiers hold */
	struct rte_hash *ids;	    /* rule id -> slot (working set) */
	uint32_t n;		    /* rules in the working set */
	uint32_t *free_slots, free_top;
	uint32_t *touched, n_touched; /* slots changed since the last commit */
	uint8_t *is_touched;
	/* slots dropped by a commit, reusable after its grace period */
	struct {
		uint32_t slot;
		uint64_t gen;
	} * pending;
	uint32_t pend_head, pend_n;
	struct {
		struct rte_acl_ctx *ctx;
		uint64_t gen;
	} old[OLD_CTX_MAX];
	uint32_t old_head, old_n;
	struct rte_acl_ctx *ctx[2];	/* published: [0] IPv4 + non-IP, [1] IPv6 */
	uint64_t tag;			/* builds so far: unique classifier names */
	bool building;			/* a snapshot is on the control thread */
	uint64_t changes, snap_changes; /* changes so far, and when the snapshot was taken */
	struct sw_acl_rule_in *snap;
	/* outcome of the last commit that had rule changes */
	int outcome;
	char outcome_msg[SW_ERRMSG_MAX];
	struct sw_rule_counter *counters; /* [SW_MAX_LCORES][max] */
} rules;

struct sw_rule_counter *sw_rules_counters(unsigned int lcore_slot)
{
	return rules.counters + (size_t)lcore_slot * rules.max;
}

bool sw_rule_in_force(uint32_t slot, struct sw_rule *out)
{
	if (rules.committed == NULL || slot >= rules.max || !rules.committed[slot].in_use)
		return false;
	*out = rules.committed[slot].r;
	return true;
}

static int rules_init(void)
{
	rules.max = sw.max_rules;
	rules.rec = rte_zmalloc("sw_rules", rules.max * sizeof(*rules.rec), 0);
	rules.committed = rte_zmalloc("sw_rules_committed", rules.max * sizeof(*rules.committed),
				      0);
	rules.free_slots = rte_malloc("sw_rule_free", rules.max * sizeof(uint32_t), 0);
	rules.touched = rte_malloc("sw_rule_touched", rules.max * sizeof(uint32_t), 0);
	rules.is_touched = rte_zmalloc("sw_rule_is_touched", rules.max, 0);
	rules.pending = rte_malloc("sw_rule_pending", rules.max * sizeof(*rules.pending), 0);
	rules.snap = rte_malloc("sw_rule_snapshot", rules.max * sizeof(*rules.snap), 0);
	rules.counters = rte_zmalloc("sw_rule_counters",
				     (size_t)SW_MAX_LCORES * rules.max * sizeof(*rules.counters),
				     RTE_CACHE_LINE_SIZE);
	rules.ids = sw_hash_create("sw_rule_ids", rules.max, sizeof(uint32_t));
	if (!rules.rec || !rules.committed || !rules.free_slots || !rules.touched ||
	    !rules.is_touched || !rules.pending || !rules.snap || !rules.counters || !rules.ids) {
		SW_LOG(ERR, "rules: cannot allocate the rule table for %u rules", rules.max);
		return -1;
	}
	for (uint32_t i = 0; i < rules.max; i++)
		rules.free_slots[rules.free_top++] = rules.max - 1 - i;
	return sw_acl_thread_start();
}

static void retire_old(uint64_t reclaimed)
{
	while (rules.old_n > 0 && rules.old[rules.old_head].gen <= reclaimed) {
		rte_acl_free(rules.old[rules.old_head].ctx);
		rules.old_head = (rules.old_head + 1) % OLD_CTX_MAX;
		rules.old_n--;
	}
}

static void rules_fini(void)
{
	sw_acl_thread_stop();
	retire_old(UINT64_MAX);
	for (int i = 0; i < 2; i++)
		rte_acl_free(rules.ctx[i]);
	rte_hash_free(rules.ids);
	rte_free(rules.rec);
	rte_free(rules.committed);
	rte_free(rules.free_slots);
	rte_free(rules.touched);
	rte_free(rules.is_touched);
	rte_free(rules.pending);
	rte_free(rules.snap);
	rte_free(rules.counters);
	memset(&rules, 0, sizeof(rules));
}

static const struct sw_module rules_module = {
	.name = "rules",
	.prio = SW_PRIO_TABLES,
	.init = rules_init,
	.fini = rules_fini,
};
SW_MODULE_REGISTER(rules_module)

static int slot_of(uint32_t id)
{
	void *data;

	if (rte_hash_lookup_data(rules.ids, &id, &data) < 0)
		return -1;
	return (int)(uintptr_t)data;
}

static void touch(uint32_t s)
{
	if (!rules.is_touched[s]) {
		rules.is_touched[s] = 1;
		rules.touched[rules.n_touched++] = s;
	}
	rules.changes++;
	sw_publish_mark_dirty();
}

/* The build is in force: the touched slots are committed; slots of deleted
 * rules are reused after the grace period of this publish. */
static void commit_touched(uint64_t gen)
{
	for (uint32_t i = 0; i < rules.n_touched; i++) {
		uint32_t s = rules.touched[i];

		if (rules.committed[s].in_use && !rules.rec[s].in_use) {
			uint32_t k = (rules.pend_head + rules.pend_n++) % rules.max;

			rules.pending[k].slot = s;
			rules.pending[k].gen = gen;
		}
		rules.committed[s] = rules.rec[s];
		rules.is_touched[s] = 0;
	}
	rules.n_touched = 0;
}

/* The build failed: every touched slot goes back to what is in force. */
static void undo_touched(void)
{
	for (uint32_t i = rules.n_touched; i-- > 0;) {
		uint32_t s = rules.touched[i];
		struct rule_rec *w = &rules.rec[s];
		const struct rule_rec *c = &rules.committed[s];

		if (w->in_use) {
			rte_hash_del_key(rules.ids, &w->r.id);
			rules.n--;
		}
		*w = *c;
		if (w->in_use) {
			rte_hash_add_key_data(rules.ids, &w->r.id, (void *)(uintptr_t)s);
			rules.n++;
		} else {
			rules.free_slots[rules.free_top++] = s;
		}
		rules.is_touched[s] = 0;
	}
	rules.n_touched = 0;
}

static void install(struct rte_acl_ctx *c4, struct rte_acl_ctx *c6, uint64_t gen)
{
	if (rules.old_n + 2 > OLD_CTX_MAX)
		sw_publish_wait(rules.old[rules.old_head].gen);
	for (int i = 0; i < 2; i++) {
		unsigned int k = (rules.old_head + rules.old_n++) % OLD_CTX_MAX;

		rules.old[k].ctx = rules.ctx[i];
		rules.old[k].gen = gen; /* built for the publish under way */
	}
	rules.ctx[0] = c4;
	rules.ctx[1] = c6;
	commit_touched(gen);
}

static uint32_t snapshot(void)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < rules.max && n < rules.n; s++)
		if (rules.rec[s].in_use) {
			rules.snap[n].slot = s;
			rules.snap[n++].rule = rules.rec[s].r;
		}
	return n;
}

static int finish(struct rte_acl_ctx *c4, struct rte_acl_ctx *c6, int err, const char *msg,
		  uint64_t gen, struct sw_err *e)
{
	if (err != 0) {
		undo_touched();
		rules.outcome = -1;
		snprintf(rules.outcome_msg, sizeof(rules.outcome_msg), "%s", msg);
		sw_fail(e, SW_ST_NO_SPACE, "rules: %s; the changes were undone", msg);
		return -1;
	}
	install(c4, c6, gen);
	rules.outcome = 0;
	return SW_PREPARE_READY;
}

static int rules_prepare(uint64_t gen, struct sw_err *e)
{
	struct rte_acl_ctx *ctx[2];
	char msg[SW_ERRMSG_MAX] = "";
	int err;

	if (rules.building) {
		if (!sw_acl_job_done(ctx, &err, msg, sizeof(msg)))
			return SW_PREPARE_BUSY;
		rules.building = false;
		if (rules.changes == rules.snap_changes)
			return finish(ctx[0], ctx[1], err, msg, gen, e);
		/* the set changed while it was compiled: compile it again */
		rte_acl_free(ctx[0]);
		rte_acl_free(ctx[1]);
	}
	if (rules.n_touched == 0)
		return SW_PREPARE_READY;
	uint32_t n = snapshot();
	rules.snap_changes = rules.changes;
	rules.tag++;
	if (n > INLINE_BUILD_MAX) {
		sw_acl_job_start(rules.snap, n, rules.tag);
		rules.building = true;
		return SW_PREPARE_BUSY;
	}
	ctx[0] = sw_acl_build(false, rules.snap, n, rules.tag, msg, sizeof(msg));
	ctx[1] = ctx[0] == (void *)-1
			 ? NULL
			 : sw_acl_build(true, rules.snap, n, rules.tag, msg, sizeof(msg));
	err = ctx[0] == (void *)-1 || ctx[1] == (void *)-1;
	if (err) {
		if (ctx[0] != (void *)-1)
			rte_acl_free(ctx[0]);
		ctx[0] = ctx[1] = NULL;
	}
	return finish(ctx[0], ctx[1], err ? -1 : 0, msg, gen, e);
}

static void rules_fill(struct sw_fp_config *cfg)
{
	cfg->acl[0] = rules.ctx[0];
	cfg->acl[1] = rules.ctx[1];
}

static void rules_reclaim(uint64_t reclaimed)
{
	retire_old(reclaimed);
	while (rules.pend_n > 0 && rules.pending[rules.pend_head].gen <= reclaimed) {
		rules.free_slots[rules.free_top++] = rules.pending[rules.pend_head].slot;
		rules.pend_head = (rules.pend_head + 1) % rules.max;
		rules.pend_n--;
	}
}

static const struct sw_publish_ops rules_publish = {
	.name = "rules",
	.prepare = rules_prepare,
	.fill = rules_fill,
	.reclaim = rules_reclaim,
};
SW_PUBLISH_REGISTER(rules_publish)

/* --- control operations --- */

static int rule_check(const struct sw_rule *r, struct sw_err *e)
{
	static const uint8_t zero[16];
	unsigned int bits = r->family == SW_AF_INET6 ? 128 : 32;

	if (r->family != 0 && r->family != SW_AF_INET && r->family != SW_AF_INET6)
		return sw_fail(e, SW_ST_INVALID, "rule %u: family must be 0, 4 or 6, not %u", r->id,
			       r->family);
	if (r->priority < RTE_ACL_MIN_PRIORITY || r->priority > RTE_ACL_MAX_PRIORITY)
		return sw_fail(e, SW_ST_RANGE, "rule %u: priority %u outside %u..%u", r->id,
			       r->priority, RTE_ACL_MIN_PRIORITY, RTE_ACL_MAX_PRIORITY);
	if (r->action < SW_RULE_FORWARD || r->action > SW_RULE_COUNT)
		return sw_fail(e, SW_ST_INVALID, "rule %u: unknown action %u", r->id, r->action);
	if (r->in_port != SW_PORT_NONE && !sw_port_exists(r->in_port))
		return sw_fail(e, SW_ST_NO_PORT, "rule %u: in port %u does not exist", r->id,
			       r->in_port);
	if ((r->action == SW_RULE_FORWARD ||
	     (r->action == SW_RULE_MIRROR && r->out_port != SW_PORT_NONE)) &&
	    !sw_port_exists(r->out_port))
		return sw_fail(e, SW_ST_NO_PORT, "rule %u: out port %u does not exist", r->id,
			       r->out_port);
	if (r->vlan != 0xffff && r->vlan > 4095)
		return sw_fail(e, SW_ST_RANGE, "rule %u: VLAN id %u beyond 4095", r->id, r->vlan);
	if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi)
		return sw_fail(e, SW_ST_RANGE, "rule %u: L4 port range is empty", r->id);
	if (r->family == 0) {
		if (r->proto || r->src_len || r->dst_len || memcmp(r->src, zero, 16) != 0 ||
		    memcmp(r->dst, zero, 16) != 0 || r->sport_lo || r->dport_lo ||
		    r->sport_hi != 0xffff || r->dport_hi != 0xffff)
			return sw_fail(e, SW_ST_INVALID, "rule %u: IP fields need family 4 or 6",
				       r->id);
		return 0;
	}
	uint16_t et = r->family == SW_AF_INET ? 0x0800 : 0x86dd;
	if (r->ethertype != 0 && r->ethertype != et)
		return sw_fail(e, SW_ST_INVALID, "rule %u: ethertype 0x%04x contradicts IPv%u",
			       r->id, r->ethertype, r->family);
	if (r->src_len > bits || r->dst_len > bits)
		return sw_fail(e, SW_ST_RANGE, "rule %u: prefix length beyond %u", r->id, bits);
	return 0;
}

static int rule_add(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_rule *r = req;
	int s;

	if (rule_check(r, e) != 0)
		return -1;
	s = slot_of(r->id);
	if (s < 0) {
		if (rules.free_top == 0)
			return sw_fail(e, SW_ST_NO_SPACE, "rule %u: all %u rule slots in use%s",
				       r->id, rules.max,
				       rules.pend_n ? " (some are freed after the next commit)"
						    : "");
		s = (int)rules.free_slots[--rules.free_top];
		if (rte_hash_add_key_data(rules.ids, &r->id, (void *)(uintptr_t)s) < 0) {
			rules.free_top++;
			return sw_fail(e, SW_ST_NO_SPACE, "rule %u: the rule index is full", r->id);
		}
		for (unsigned int l = 0; l < SW_MAX_LCORES; l++)
			sw_rules_counters(l)[s] = (struct sw_rule_counter){ 0 };
		rules.rec[s].in_use = true;
		rules.n++;
	}
	rules.rec[s].r = *r;
	touch((uint32_t)s);
	return SW_API_DEFERRED;
}

static int rule_del(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_rule_ref *ref = req;
	int s = slot_of(ref->id);

	if (s < 0)
		return sw_fail(e, SW_ST_NOT_FOUND, "rule %u does not exist", ref->id);
	rte_hash_del_key(rules.ids, &ref->id);
	rules.rec[s].in_use = false;
	rules.n--;
	touch((uint32_t)s);
	return SW_API_DEFERRED;
}

static int rule_outcome(struct sw_err *e)
{
	if (rules.outcome == 0)
		return 0;
	return sw_fail(e, SW_ST_NO_SPACE, "rules: %s; the change was undone", rules.outcome_msg);
}

static int rule_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	const struct sw_list_req *q = req;
	struct sw_list_hdr *lh = resp;
	struct sw_rule_entry *out = (void *)(lh + 1);
	uint32_t max = (SW_RESP_MAX - sizeof(*lh)) / sizeof(*out), s;

	if (q->max != 0 && q->max < max)
		max = q->max;
	memset(lh, 0, sizeof(*lh));
	for (s = q->cursor; s < rules.max && lh->count < max; s++) {
		if (!rules.rec[s].in_use)
			continue;
		struct sw_rule_entry *o = &out[lh->count++];
		o->rule = rules.rec[s].r;
		o->packets = o->bytes = 0;
		for (unsigned int l = 0; l < SW_MAX_LCORES; l++) {
			const struct sw_rule_counter *c = &sw_rules_counters(l)[s];
			o->packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
			o->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		}
	}
	lh->next = s < rules.max ? s : 0;
	*resp_len = sizeof(*lh) + lh->count * sizeof(*out);
	return 0;
}

static const struct sw_api_handler rule_handlers[] = {
	{ SW_OP_RULE_ADD, "RULE_ADD", SW_API_SIZE(struct sw_rule), rule_add, rule_outcome },
	{ SW_OP_RULE_DEL, "RULE_DEL", SW_API_SIZE(struct sw_rule_ref), rule_del, rule_outcome },
	{ SW_OP_RULE_LIST, "RULE_LIST", SW_API_SIZE(struct sw_list_req), rule_list, SW_API_READ },
};
SW_API_REGISTER(rule_handlers)

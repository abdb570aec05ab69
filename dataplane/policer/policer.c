/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Punt policer control. A setting is kept as the operator gave it (per
 * port, rate and burst for the whole port); what the workers get is each
 * one's share, as an rte_meter srTCM profile with no excess bucket, metering
 * packets (length 1). A change republishes the fast-path configuration:
 * no worker is stopped, and its bucket state carries over (rte_meter caps
 * saved tokens at the new burst on the next frame).
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_meter.h>

#include "core/api.h"
#include "core/event.h"
#include "core/fp.h"
#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/state.h"
#include "port/port.h"

#define WATCH_NS (500ull * 1000 * 1000)

/* Defaults: ARP and ICMP get plenty for a busy segment; traffic for the
 * host (TCP sessions to it, routing protocols) and the rest (which the
 * kernel may route) get a share each that a flood in one class cannot take
 * from the others, within what one main lcore writes into the kernel (see
 * the README's exception-path figures). */
static const struct sw_policer_rate default_rates[SW_PUNT_CLASSES] = {
	[SW_PUNT_ARP] = { .rate_pps = 2000, .burst = 256 },
	[SW_PUNT_ICMP] = { .rate_pps = 2000, .burst = 256 },
	[SW_PUNT_HOST] = { .rate_pps = 250000, .burst = 16384 },
	[SW_PUNT_OTHER] = { .rate_pps = 100000, .burst = 8192 },
};

static const char *const class_names[SW_PUNT_CLASSES] = { "arp", "icmp", "host", "other" };

struct watch {
	uint64_t drops;
	uint32_t reported_pps; /* last drop rate sent in an event */
};

static struct {
	struct sw_policer_rate defaults[SW_PUNT_CLASSES];
	struct sw_policer_rate port[SW_MAX_PORTS][SW_PUNT_CLASSES];
	struct { /* the last profile built for a port and class */
		struct sw_policer_rate rate;
		uint16_t shares; /* 0: none built yet */
		struct rte_meter_srtcm_profile prof;
	} built[SW_MAX_PORTS][SW_PUNT_CLASSES];
	struct watch watch[SW_MAX_PORTS][SW_PUNT_CLASSES];
	uint64_t watch_ns;
} policer;

static int policer_init(void)
{
	memcpy(policer.defaults, default_rates, sizeof(policer.defaults));
	return 0;
}

static const struct sw_module policer_module = {
	.name = "policer",
	.prio = SW_PRIO_TABLES,
	.init = policer_init,
};
SW_MODULE_REGISTER(policer_module)

/* A port slot is (re)used: it takes the current defaults. */
static int policer_port_add(uint16_t port, struct sw_port *p, struct sw_err *e)
{
	memcpy(policer.port[port], policer.defaults, sizeof(policer.defaults));
	memset(policer.watch[port], 0, sizeof(policer.watch[port]));
	for (unsigned int c = 0; c < SW_PUNT_CLASSES; c++)
		policer.built[port][c].shares = 0;
	return 0;
}

static const struct sw_port_observer policer_ports = { .name = "policer", .add = policer_port_add };
SW_PORT_OBSERVE(policer_ports)

static void fill_one(struct sw_fp_police *fp, uint16_t port, unsigned int c, uint16_t shares)
{
	const struct sw_policer_rate *r = &policer.port[port][c];
	typeof(policer.built[0][0]) *b = &policer.built[port][c];

	fp->on = r->rate_pps != 0;
	if (!fp->on)
		return;
	if (b->shares != shares || memcmp(&b->rate, r, sizeof(*r)) != 0) {
		struct rte_meter_srtcm_params prm = {
			.cir = RTE_MAX(r->rate_pps / shares, 1u),
			.cbs = RTE_MAX(r->burst / shares, 1u),
			.ebs = 0,
		};

		/* cir > 0 and cbs > 0 always hold here: it cannot fail */
		if (rte_meter_srtcm_profile_config(&b->prof, &prm) != 0) {
			fp->on = false;
			return;
		}
		b->rate = *r;
		b->shares = shares;
	}
	fp->prof = b->prof;
}

/* Each port's profiles, split over its rx queues (one worker each). */
static void policer_fill(struct sw_fp_config *cfg)
{
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
		const struct sw_port *sp = sw_port_get(p);

		if (sp == NULL)
			continue;
		for (unsigned int c = 0; c < SW_PUNT_CLASSES; c++)
			fill_one(&cfg->police[p][c], p, c, RTE_MAX(sp->n_rxq, (uint16_t)1));
	}
}

static const struct sw_publish_ops policer_publish = { .name = "policer", .fill = policer_fill };
SW_PUBLISH_REGISTER(policer_publish)

static void info(uint16_t port, struct sw_policer_info *out)
{
	memset(out, 0, sizeof(*out));
	out->port = port;
	memcpy(out->cls, port == SW_PORT_NONE ? policer.defaults : policer.port[port],
	       sizeof(out->cls));
}

static int policer_set(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		       struct sw_err *e)
{
	const struct sw_policer_set *s = req;

	if (s->port != SW_PORT_NONE && sw_port_ref(s->port, e) == NULL)
		return -1;
	if (s->punt_class >= SW_PUNT_CLASSES && s->punt_class != SW_PUNT_CLASS_ALL)
		return sw_fail(e, SW_ST_INVALID,
			       "punt class %u is unknown (0 arp, 1 icmp, 2 host, 3 other, 255 all)",
			       s->punt_class);
	if (s->rate_pps > SW_POLICER_MAX_RATE)
		return sw_fail(e, SW_ST_INVALID,
			       "policer rate %u packets/s is above the limit of %u", s->rate_pps,
			       SW_POLICER_MAX_RATE);
	if (s->rate_pps != 0 && (s->burst == 0 || s->burst > SW_POLICER_MAX_BURST))
		return sw_fail(
			e, SW_ST_INVALID,
			"policer burst %u packets is out of range (1..%u when a rate is set)",
			s->burst, SW_POLICER_MAX_BURST);

	struct sw_policer_rate r = { .rate_pps = s->rate_pps, .burst = s->rate_pps ? s->burst : 0 };
	bool all = s->punt_class == SW_PUNT_CLASS_ALL;
	unsigned int c0 = all ? 0 : s->punt_class, c1 = all ? SW_PUNT_CLASSES : s->punt_class + 1u;

	for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
		if (s->port != SW_PORT_NONE && p != s->port)
			continue;
		for (unsigned int c = c0; c < c1; c++) {
			if (s->port == SW_PORT_NONE)
				policer.defaults[c] = r;
			policer.port[p][c] = r;
		}
	}
	SW_LOG(INFO, "punt policer: %s%u, class %s: %u packets/s, burst %u",
	       s->port == SW_PORT_NONE ? "every port" : "port ",
	       s->port == SW_PORT_NONE ? 0u : s->port, all ? "all" : class_names[s->punt_class],
	       r.rate_pps, r.burst);
	sw_publish_mark_dirty();
	info(s->port, resp);
	*resp_len = sizeof(struct sw_policer_info);
	return 0;
}

static int policer_get(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		       struct sw_err *e)
{
	const struct sw_port_ref *ref = req;

	if (ref->port != SW_PORT_NONE && sw_port_ref(ref->port, e) == NULL)
		return -1;
	info(ref->port, resp);
	*resp_len = sizeof(struct sw_policer_info);
	return 0;
}

static const struct sw_api_handler policer_handlers[] = {
	{ SW_OP_POLICER_SET, "POLICER_SET", SW_API_SIZE(struct sw_policer_set), policer_set, NULL },
	{ SW_OP_POLICER_GET, "POLICER_GET", SW_API_SIZE(struct sw_port_ref), policer_get,
	  SW_API_READ },
};
SW_API_REGISTER(policer_handlers)

static uint64_t class_drops(uint16_t port, unsigned int c)
{
	uint64_t n = 0;

	for (unsigned int l = 0; l < SW_MAX_LCORES; l++)
		n += __atomic_load_n(&sw.stats->l3[l][port].c[SW_L3_police_arp + c],
				     __ATOMIC_RELAXED);
	return n;
}

/* Compare drops per port and class with the last check and announce where
 * a class started or stopped dropping, or its drop rate doubled or halved. */
static void policer_watch(uint64_t now_ns)
{
	uint64_t dt = now_ns - policer.watch_ns;

	if (policer.watch_ns == 0 || dt == 0) {
		policer.watch_ns = now_ns;
		for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
			for (unsigned int c = 0; c < SW_PUNT_CLASSES; c++)
				policer.watch[p][c].drops = sw_port_exists(p) ? class_drops(p, c)
									      : 0;
		return;
	}
	policer.watch_ns = now_ns;
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
		if (!sw_port_exists(p))
			continue;
		for (unsigned int c = 0; c < SW_PUNT_CLASSES; c++) {
			struct watch *w = &policer.watch[p][c];
			uint64_t d = class_drops(p, c), delta = d - w->drops;
			uint32_t pps = (uint32_t)RTE_MIN(delta * 1000000000ull / dt,
							 (uint64_t)UINT32_MAX);
			uint32_t last = w->reported_pps;

			w->drops = d;
			if ((pps == 0) == (last == 0) &&
			    (pps == 0 || (pps < 2ull * last && 2ull * pps > last)))
				continue;
			struct sw_evt_policer ev = {
				.port = p,
				.punt_class = (uint8_t)c,
				.dropping = pps != 0,
				.drop_pps = pps,
				.drops = d,
			};
			w->reported_pps = pps;
			sw_event_push(SW_EVT_POLICER, &ev);
			if (pps != 0 && last == 0)
				SW_LOG(NOTICE,
				       "port %u: punt policer drops %s traffic (%u packets/s)", p,
				       class_names[c], pps);
		}
	}
}
SW_PERIODIC_REGISTER("punt policer", WATCH_NS, policer_watch)

SW_EVENT_COPY(SW_EVT_POLICER, sw_evt_policer)

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands about what the main lcore owns, answered on the main
 * lcore (sw_tel_on_main, see tools.h) with the same read-only operations a
 * client's PORT_LIST, RULE_LIST and POLICER_GET run, so telemetry says what
 * the API says:
 *   /slipway/ports[,PORT]     ports, their fast-path and device counters
 *   /slipway/rules[,CURSOR]   rules with their counters, a page at a time
 *   /slipway/policer[,PORT]   punt policer rates and drops per class
 *   /slipway/vif,PORT         a port's vEth and its exception-path counters
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "core/api.h"
#include "core/state.h"
#include "core/stats.h"
#include "core/util.h"
#include "tools/tools.h"

#define RULES_PAGE 32u /* rules per answer: DPDK's answer is at most 16 KB */

static const char *const class_names[SW_PUNT_CLASSES] = { "arp", "icmp", "host", "other" };

/* The main lcore's answer buffer for the operations it calls. */
static uint64_t resp_buf[SW_RESP_MAX / sizeof(uint64_t)];

/* Runs a registered read-only operation; its answer is in resp_buf. */
static int read_op(uint16_t op, const void *req, uint32_t len, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_api_handler *h = sw_api_lookup(op);

	e->status = SW_ST_OK;
	e->msg[0] = '\0';
	*resp_len = 0;
	if (h == NULL || !h->read_only || len < h->req_min || len > h->req_max)
		return sw_fail(e, SW_ST_UNKNOWN_OP, "operation 0x%04x is not a read-only one", op);
	if (h->fn(req, len, resp_buf, resp_len, e) != 0) {
		if (e->status == SW_ST_OK)
			sw_fail(e, SW_ST_DEVICE, "%s failed", h->name);
		return -1;
	}
	return 0;
}

static void add_mac(struct rte_tel_data *d, const char *name, const uint8_t *m)
{
	char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	rte_tel_data_add_dict_string(d, name, s);
}

/* A nested dict under d (freed with d's answer); NULL when out of memory. */
static struct rte_tel_data *add_dict(struct rte_tel_data *d, const char *name)
{
	struct rte_tel_data *o = rte_tel_data_alloc();

	if (o == NULL)
		return NULL;
	rte_tel_data_start_dict(o);
	if (rte_tel_data_add_dict_container(d, name, o, 0) != 0) {
		rte_tel_data_free(o);
		return NULL;
	}
	return o;
}

static void port_dict(struct rte_tel_data *o, const struct sw_port_info *pi)
{
	const struct sw_dev_stats *dev = &sw.stats->dev[pi->port];
	struct sw_pdump_counters pd;
	uint64_t c[SW_C__COUNT];
	struct rte_tel_data *sub;

	rte_tel_data_add_dict_int(o, "port", pi->port);
	rte_tel_data_add_dict_string(o, "name", pi->name);
	rte_tel_data_add_dict_string(o, "driver", pi->driver);
	rte_tel_data_add_dict_string(o, "vif", pi->vif);
	rte_tel_data_add_dict_int(o, "started", pi->started);
	rte_tel_data_add_dict_int(o, "link_up", pi->link_up);
	rte_tel_data_add_dict_u64(o, "link_speed", pi->link_speed);
	rte_tel_data_add_dict_u64(o, "mtu", pi->mtu);
	add_mac(o, "mac", pi->mac);
	rte_tel_data_add_dict_int(o, "promisc", pi->promisc);
	rte_tel_data_add_dict_int(o, "worker_lcore",
				  pi->worker_lcore == SW_PORT_NONE ? -1 : pi->worker_lcore);
	rte_tel_data_add_dict_int(o, "n_rxq", pi->n_rxq);
	rte_tel_data_add_dict_int(o, "n_txq", pi->n_txq);
	sw_tel_port_counters(pi->port, c);
	for (unsigned int i = 0; i < SW_C__COUNT; i++)
		rte_tel_data_add_dict_u64(o, sw_tel_port_counter_names[i], c[i]);
	/* the main lcore writes these (the refresh just before): no seqlock */
	sub = add_dict(o, "dev");
	if (sub != NULL) {
		rte_tel_data_add_dict_u64(sub, "ipackets", dev->ipackets);
		rte_tel_data_add_dict_u64(sub, "opackets", dev->opackets);
		rte_tel_data_add_dict_u64(sub, "ibytes", dev->ibytes);
		rte_tel_data_add_dict_u64(sub, "obytes", dev->obytes);
		rte_tel_data_add_dict_u64(sub, "imissed", dev->imissed);
		rte_tel_data_add_dict_u64(sub, "ierrors", dev->ierrors);
		rte_tel_data_add_dict_u64(sub, "oerrors", dev->oerrors);
		rte_tel_data_add_dict_u64(sub, "rx_nombuf", dev->rx_nombuf);
	}
	if (sw_pdump_counters(pi->eth_port, &pd) && (sub = add_dict(o, "pdump")) != NULL) {
		rte_tel_data_add_dict_u64(sub, "accepted", pd.accepted);
		rte_tel_data_add_dict_u64(sub, "filtered", pd.filtered);
		rte_tel_data_add_dict_u64(sub, "nombuf", pd.nombuf);
		rte_tel_data_add_dict_u64(sub, "ringfull", pd.ringfull);
	}
}

/* The ports' descriptions, as PORT_LIST gives them; NULL with d set to the
 * error. */
static const struct sw_port_info *port_list(struct rte_tel_data *d, uint32_t *n)
{
	const struct sw_list_hdr *lh = (const void *)resp_buf;
	struct sw_err e;
	uint32_t len;

	if (read_op(SW_OP_PORT_LIST, NULL, 0, &len, &e) != 0) {
		sw_tel_error(d, "%s", e.msg);
		return NULL;
	}
	*n = lh->count;
	return (const struct sw_port_info *)(lh + 1);
}

static int ports_main(const char *params, struct rte_tel_data *d)
{
	const struct sw_port_info *pi;
	uint16_t only = SW_PORT_NONE;
	uint32_t n;

	if (params != NULL && *params != '\0' && sw_tel_port_param(params, d, &only) != 0)
		return 0;
	sw_stats_refresh(); /* device counters as of now, as stats({refresh: true}) */
	if ((pi = port_list(d, &n)) == NULL)
		return 0;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < n; i++) {
		struct rte_tel_data *o;
		char key[8];

		if (only != SW_PORT_NONE) {
			if (pi[i].port == only)
				port_dict(d, &pi[i]);
			continue;
		}
		snprintf(key, sizeof(key), "%u", pi[i].port);
		if ((o = add_dict(d, key)) != NULL)
			port_dict(o, &pi[i]);
	}
	return 0;
}

static void fmt_prefix(char *buf, size_t len, uint8_t family, const uint8_t *ip, uint8_t plen)
{
	char a[64];

	snprintf(buf, len, "%s/%u", sw_fmt_ip(family, ip, a, sizeof(a)), plen);
}

/* A rule's match in slipctl's words ("in-port 0 proto 6 dport 22"), "any"
 * when it matches every frame. */
static void fmt_match(const struct sw_rule *r, char *buf, size_t len)
{
	size_t n = 0;
	char p[80];

#define PUT(...)                                                             \
	do {                                                                 \
		if (n < len)                                                 \
			n += snprintf(buf + n, len - n, "%s", n ? " " : ""); \
		if (n < len)                                                 \
			n += snprintf(buf + n, len - n, __VA_ARGS__);        \
	} while (0)
	buf[0] = '\0';
	if (r->in_port != SW_PORT_NONE)
		PUT("in-port %u", r->in_port);
	if (memcmp(r->src_mac, "\0\0\0\0\0\0", 6) != 0)
		PUT("src-mac %02x:%02x:%02x:%02x:%02x:%02x", r->src_mac[0], r->src_mac[1],
		    r->src_mac[2], r->src_mac[3], r->src_mac[4], r->src_mac[5]);
	if (memcmp(r->dst_mac, "\0\0\0\0\0\0", 6) != 0)
		PUT("dst-mac %02x:%02x:%02x:%02x:%02x:%02x", r->dst_mac[0], r->dst_mac[1],
		    r->dst_mac[2], r->dst_mac[3], r->dst_mac[4], r->dst_mac[5]);
	if (r->vlan != 0xffff)
		PUT("vlan %u", r->vlan);
	if (r->ethertype != 0)
		PUT("ethertype 0x%04x", r->ethertype);
	if (r->family != 0)
		PUT("family %u", r->family);
	if (r->src_len != 0) {
		fmt_prefix(p, sizeof(p), r->family, r->src, r->src_len);
		PUT("src %s", p);
	}
	if (r->dst_len != 0) {
		fmt_prefix(p, sizeof(p), r->family, r->dst, r->dst_len);
		PUT("dst %s", p);
	}
	if (r->proto != 0)
		PUT("proto %u", r->proto);
	if (r->sport_lo != 0 || r->sport_hi != 0xffff)
		PUT("sport %u-%u", r->sport_lo, r->sport_hi);
	if (r->dport_lo != 0 || r->dport_hi != 0xffff)
		PUT("dport %u-%u", r->dport_lo, r->dport_hi);
	if (n == 0)
		snprintf(buf, len, "any");
#undef PUT
}

static void fmt_action(const struct sw_rule *r, char *buf, size_t len)
{
	switch (r->action) {
	case SW_RULE_FORWARD:
		snprintf(buf, len, "forward:%u", r->out_port);
		break;
	case SW_RULE_ROUTE:
		snprintf(buf, len, "route");
		break;
	case SW_RULE_DROP:
		snprintf(buf, len, "drop");
		break;
	case SW_RULE_PUNT:
		snprintf(buf, len, "punt");
		break;
	case SW_RULE_MIRROR:
		if (r->out_port == SW_PORT_NONE)
			snprintf(buf, len, "mirror");
		else
			snprintf(buf, len, "mirror:%u", r->out_port);
		break;
	case SW_RULE_COUNT:
		snprintf(buf, len, "count");
		break;
	default:
		snprintf(buf, len, "action %u", r->action);
		break;
	}
}

static int rules_main(const char *params, struct rte_tel_data *d)
{
	struct sw_list_req q = { .cursor = 0, .max = RULES_PAGE };
	const struct sw_list_hdr *lh = (const void *)resp_buf;
	const struct sw_rule_entry *re = (const void *)(lh + 1);
	struct rte_tel_data *rules;
	struct sw_err e;
	uint32_t len;

	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long v = strtoul(params, &end, 10);

		if (*end != '\0' || end == params || params[0] == '-' || v > UINT32_MAX)
			return sw_tel_error(
				d, "cursor '%.32s': expected the \"next\" of a previous answer",
				params);
		q.cursor = (uint32_t)v;
	}
	if (read_op(SW_OP_RULE_LIST, &q, sizeof(q), &len, &e) != 0)
		return sw_tel_error(d, "%s", e.msg);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "listed", lh->count);
	/* 0: that was the last page; else /slipway/rules,NEXT continues */
	rte_tel_data_add_dict_u64(d, "next", lh->next);
	if ((rules = add_dict(d, "rules")) == NULL)
		return 0;
	for (uint32_t i = 0; i < lh->count; i++) {
		struct rte_tel_data *o;
		char key[16], text[RTE_TEL_MAX_STRING_LEN];

		snprintf(key, sizeof(key), "%u", re[i].rule.id);
		if ((o = add_dict(rules, key)) == NULL)
			break;
		rte_tel_data_add_dict_u64(o, "priority", re[i].rule.priority);
		fmt_action(&re[i].rule, text, sizeof(text));
		rte_tel_data_add_dict_string(o, "action", text);
		fmt_match(&re[i].rule, text, sizeof(text));
		rte_tel_data_add_dict_string(o, "match", text);
		rte_tel_data_add_dict_u64(o, "packets", re[i].packets);
		rte_tel_data_add_dict_u64(o, "bytes", re[i].bytes);
	}
	return 0;
}

/* One port's (or the defaults') rates, and its drops per class. */
static int policer_dict(struct rte_tel_data *o, uint16_t port, struct sw_err *e)
{
	const struct sw_policer_info *pi = (const void *)resp_buf;
	struct sw_port_ref ref = { .port = port };
	uint64_t l3[SW_L3__COUNT];
	uint32_t len;
	char name[32];

	if (read_op(SW_OP_POLICER_GET, &ref, sizeof(ref), &len, e) != 0)
		return -1;
	if (port != SW_PORT_NONE)
		sw_tel_l3_counters(port, l3);
	for (unsigned int c = 0; c < SW_PUNT_CLASSES; c++) {
		snprintf(name, sizeof(name), "%s_rate_pps", class_names[c]);
		rte_tel_data_add_dict_u64(o, name, pi->cls[c].rate_pps);
		snprintf(name, sizeof(name), "%s_burst", class_names[c]);
		rte_tel_data_add_dict_u64(o, name, pi->cls[c].burst);
		if (port == SW_PORT_NONE)
			continue;
		snprintf(name, sizeof(name), "%s_drops", class_names[c]);
		rte_tel_data_add_dict_u64(o, name, l3[SW_L3_police_arp + c]);
	}
	return 0;
}

static int policer_main(const char *params, struct rte_tel_data *d)
{
	const struct sw_port_info *pi;
	uint16_t ports[SW_MAX_PORTS];
	struct sw_err e;
	uint32_t n;

	if (params != NULL && *params != '\0') {
		uint16_t port;

		if (sw_tel_port_param(params, d, &port) != 0)
			return 0;
		rte_tel_data_start_dict(d);
		if (policer_dict(d, port, &e) != 0)
			return sw_tel_error(d, "%s", e.msg);
		return 0;
	}
	if ((pi = port_list(d, &n)) == NULL)
		return 0;
	for (uint32_t i = 0; i < n && i < SW_MAX_PORTS; i++) /* resp_buf is reused below */
		ports[i] = pi[i].port;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i <= n && i <= SW_MAX_PORTS; i++) {
		uint16_t port = i == 0 ? SW_PORT_NONE : ports[i - 1];
		struct rte_tel_data *o;
		char key[16];

		if (i == 0)
			snprintf(key, sizeof(key), "defaults");
		else
			snprintf(key, sizeof(key), "%u", port);
		if ((o = add_dict(d, key)) == NULL || policer_dict(o, port, &e) != 0)
			break;
	}
	return 0;
}

static int vif_main(const char *params, struct rte_tel_data *d)
{
	static const enum sw_port_counter shown[] = {
		SW_C_punt_packets, SW_C_punt_drops,	SW_C_vif_tx_packets,
		SW_C_vif_tx_drops, SW_C_vif_rx_packets, SW_C_inject_packets,
		SW_C_inject_drops, SW_C_vif_gro_merged, SW_C_vif_gso_segments,
	};
	const struct sw_port_info *pi = (const void *)resp_buf;
	struct sw_port_ref ref;
	uint64_t c[SW_C__COUNT], l3[SW_L3__COUNT];
	struct sw_err e;
	uint32_t len;
	char name[32];

	if (sw_tel_port_param(params, d, &ref.port) != 0)
		return 0;
	if (read_op(SW_OP_PORT_GET, &ref, sizeof(ref), &len, &e) != 0)
		return sw_tel_error(d, "%s", e.msg);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", pi->port);
	rte_tel_data_add_dict_string(d, "name", pi->vif);
	rte_tel_data_add_dict_u64(d, "ifindex", if_nametoindex(pi->vif));
	sw_tel_port_counters(pi->port, c);
	for (unsigned int i = 0; i < RTE_DIM(shown); i++)
		rte_tel_data_add_dict_u64(d, sw_tel_port_counter_names[shown[i]], c[shown[i]]);
	/* punts the policer dropped before they reached the vEth */
	sw_tel_l3_counters(pi->port, l3);
	for (unsigned int k = 0; k < SW_PUNT_CLASSES; k++) {
		snprintf(name, sizeof(name), "police_%s", class_names[k]);
		rte_tel_data_add_dict_u64(d, name, l3[SW_L3_police_arp + k]);
	}
	return 0;
}

static int ports_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return sw_tel_on_main(ports_main, params, d);
}

static int rules_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return sw_tel_on_main(rules_main, params, d);
}

static int policer_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return sw_tel_on_main(policer_main, params, d);
}

static int vif_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return sw_tel_on_main(vif_main, params, d);
}

static const struct sw_tel_cmd control_cmds[] = {
	{ "/slipway/ports", ports_cmd,
	  "Ports: state, fast-path and device counters (pdump's with --dpdk-tools). "
	  "Parameters: int port (optional)" },
	{ "/slipway/rules", rules_cmd,
	  "Rules with their counters, 32 at a time. Parameters: int cursor (optional: "
	  "\"next\" of the last answer)" },
	{ "/slipway/policer", policer_cmd,
	  "Punt policer rates, bursts and drops per class. Parameters: int port (optional)" },
	{ "/slipway/vif", vif_cmd,
	  "A port's vEth: name, ifindex, exception-path and policer counters. "
	  "Parameters: int port" },
};
SW_TEL_REGISTER(control_cmds)

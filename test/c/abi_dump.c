/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the control-file ABI of dataplane/include/slipway_ctl.h as JSON:
 * constants, struct sizes and field offsets, the status and counter lists,
 * and golden byte vectors of messages built with the C structs.
 * test/unit/abi.test.ts compiles it (cc -I dataplane/include), runs it and
 * checks ts-api/src/abi.ts and codec.ts against the output. No DPDK needed.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "slipway_ctl.h"

static int first;

static void sep(void)
{
	if (!first)
		printf(",");
	first = 0;
}

#define CONST(name)                                                              \
	do {                                                                     \
		sep();                                                           \
		printf("\n    \"%s\": %llu", #name, (unsigned long long)(name)); \
	} while (0)

#define STRUCT_BEGIN(s)                                                                      \
	do {                                                                                 \
		sep();                                                                       \
		printf("\n    \"%s\": {\"size\": %zu, \"fields\": {", #s, sizeof(struct s)); \
		first = 1;                                                                   \
	} while (0)
#define FIELD(s, f)                                                            \
	do {                                                                   \
		sep();                                                         \
		printf("\n      \"%s\": {\"offset\": %zu, \"size\": %zu}", #f, \
		       offsetof(struct s, f), sizeof(((struct s *)0)->f));     \
	} while (0)
#define STRUCT_END()          \
	do {                  \
		printf("}}"); \
		first = 0;    \
	} while (0)

static void hex(const char *name, const void *p, size_t len)
{
	const unsigned char *b = p;
	sep();
	printf("\n    \"%s\": \"", name);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\"");
}

static void golden_taps(unsigned char *buf, size_t cap);

static void golden(void)
{
	unsigned char buf[1024];
	struct sw_msg_hdr *h = (struct sw_msg_hdr *)buf;
	void *payload = buf + SW_MSG_HDR_SIZE;
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xab, 0xcd, 0xef };

	/* PORT_SET request: mtu + mac + promisc on port 3 */
	memset(buf, 0, sizeof(buf));
	struct sw_port_set *ps = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ps);
	h->type = SW_OP_PORT_SET;
	h->seq = 0x01020304u;
	ps->port = 3;
	ps->mask = SW_PORT_SET_MTU | SW_PORT_SET_MAC | SW_PORT_SET_PROMISC;
	ps->mtu = 9000;
	memcpy(ps->mac, mac, 6);
	ps->promisc = 1;
	hex("port_set_req", buf, h->len);

	/* PORT_SET request: mtu only on port 0 */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*ps);
	h->type = SW_OP_PORT_SET;
	h->seq = 0xfffffffeu;
	ps->port = 0;
	ps->mask = SW_PORT_SET_MTU;
	ps->mtu = 1280;
	hex("port_set_mtu_req", buf, h->len);

	/* XC_ADD request 1 -> 2 */
	memset(buf, 0, sizeof(buf));
	struct sw_xconnect *xc = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*xc);
	h->type = SW_OP_XC_ADD;
	h->seq = 7;
	xc->in_port = 1;
	xc->out_port = 2;
	hex("xc_add_req", buf, h->len);

	/* PORT_START request on port 5 */
	memset(buf, 0, sizeof(buf));
	struct sw_port_ref *ref = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ref);
	h->type = SW_OP_PORT_START;
	h->seq = 8;
	ref->port = 5;
	hex("port_start_req", buf, h->len);

	/* PORT_GET response with a full sw_port_info */
	memset(buf, 0, sizeof(buf));
	struct sw_port_info *pi = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*pi);
	h->type = SW_OP_PORT_GET;
	h->seq = 42;
	h->status = SW_ST_OK;
	pi->port = 2;
	pi->eth_port = 4;
	pi->started = 1;
	pi->link_up = 1;
	pi->link_speed = 10000;
	pi->mtu = 1500;
	memcpy(pi->mac, mac, 6);
	pi->promisc = 0;
	pi->link_duplex = 1;
	pi->worker_lcore = 1;
	pi->n_rxq = 1;
	pi->n_txq = 2;
	pi->min_mtu = 68;
	pi->max_mtu = 9600;
	strcpy(pi->name, "net_null0");
	strcpy(pi->driver, "net_null");
	strcpy(pi->vif, "vEth2");
	hex("port_info_resp", buf, h->len);

	/* error response */
	memset(buf, 0, sizeof(buf));
	static const char msg[] = "port 3 does not exist";
	h->len = SW_MSG_HDR_SIZE + sizeof(msg) - 1;
	h->type = SW_OP_PORT_GET;
	h->seq = 43;
	h->status = SW_ST_NO_PORT;
	memcpy(payload, msg, sizeof(msg) - 1);
	hex("error_resp", buf, h->len);

	/* XC_LIST response with two entries */
	memset(buf, 0, sizeof(buf));
	struct sw_list_hdr *lh = payload;
	struct sw_xconnect *xcs = (struct sw_xconnect *)(lh + 1);
	h->len = SW_MSG_HDR_SIZE + sizeof(*lh) + 2 * sizeof(*xcs);
	h->type = SW_OP_XC_LIST;
	h->seq = 44;
	lh->count = 2;
	xcs[0].in_port = 0;
	xcs[0].out_port = 1;
	xcs[1].in_port = 1;
	xcs[1].out_port = 0;
	hex("xc_list_resp", buf, h->len);

	/* HELLO response */
	memset(buf, 0, sizeof(buf));
	struct sw_hello *he = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*he);
	h->type = SW_OP_HELLO;
	h->seq = 45;
	he->abi_version = SW_CTL_ABI_VERSION;
	he->dp_pid = 4242;
	he->n_workers = 2;
	he->max_ports = SW_MAX_PORTS;
	he->n_ports = 3;
	hex("hello_resp", buf, h->len);

	/* LINK event */
	memset(buf, 0, sizeof(buf));
	struct sw_evt_port *ep = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ep);
	h->type = SW_EVT_LINK;
	h->seq = 9;
	ep->port = 1;
	ep->link_up = 1;
	ep->started = 1;
	ep->link_speed = 25000;
	hex("link_evt", buf, h->len);

	/* ROUTE_ADD request: fd02::/64 via two next hops (ECMP) on ports 1 and 2 */
	static const uint8_t fd02[16] = { 0xfd, 0x02 };
	static const uint8_t gw1[16] = { 0xfd, 0x02, [15] = 0xfe };
	static const uint8_t gw2[16] = {
		0xfe,	     0x80,	  [8] = 0x02,  [9] = 0x11,  [10] = 0x22,
		[11] = 0xff, [12] = 0xfe, [13] = 0x33, [14] = 0x44, [15] = 0x55
	};
	memset(buf, 0, sizeof(buf));
	struct sw_route *rt = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*rt);
	h->type = SW_OP_ROUTE_ADD;
	h->seq = 0x50;
	rt->family = SW_AF_INET6;
	rt->prefix_len = 64;
	rt->type = SW_ROUTE_FORWARD;
	rt->n_nh = 2;
	memcpy(rt->prefix, fd02, 16);
	rt->nh[0].port = 1;
	memcpy(rt->nh[0].gw, gw1, 16);
	rt->nh[1].port = 2;
	memcpy(rt->nh[1].gw, gw2, 16);
	hex("route_add_ecmp6_req", buf, h->len);

	/* ROUTE_ADD request: 10.1.0.1/32 LOCAL */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*rt);
	h->type = SW_OP_ROUTE_ADD;
	h->seq = 0x51;
	rt->family = SW_AF_INET;
	rt->prefix_len = 32;
	rt->type = SW_ROUTE_LOCAL;
	rt->prefix[0] = 10;
	rt->prefix[1] = 1;
	rt->prefix[3] = 1;
	hex("route_add_local4_req", buf, h->len);

	/* ROUTE_DEL request: 10.2.0.0/24 */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*rt);
	h->type = SW_OP_ROUTE_DEL;
	h->seq = 0x52;
	rt->family = SW_AF_INET;
	rt->prefix_len = 24;
	rt->prefix[0] = 10;
	rt->prefix[1] = 2;
	hex("route_del4_req", buf, h->len);

	/* NEIGH_ADD request: 10.2.0.2 is 02:00:00:ab:cd:ef on port 1 */
	memset(buf, 0, sizeof(buf));
	struct sw_neigh *ne = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ne);
	h->type = SW_OP_NEIGH_ADD;
	h->seq = 0x40;
	ne->port = 1;
	ne->family = SW_AF_INET;
	memcpy(ne->mac, mac, 6);
	ne->ip[0] = 10;
	ne->ip[1] = 2;
	ne->ip[3] = 2;
	hex("neigh_add_req", buf, h->len);

	/* RULE_ADD request: id 7, priority 100, in port 0, IPv4 tcp from
	 * 10.1.0.0/24 to 10.2.0.2/32, sport 1024-65535, dport 5201, forward to 1 */
	memset(buf, 0, sizeof(buf));
	struct sw_rule *ru = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ru);
	h->type = SW_OP_RULE_ADD;
	h->seq = 0x60;
	ru->id = 7;
	ru->priority = 100;
	ru->family = SW_AF_INET;
	ru->proto = 6;
	ru->action = SW_RULE_FORWARD;
	ru->in_port = 0;
	ru->vlan = 0xffff;
	ru->ethertype = 0;
	ru->out_port = 1;
	ru->src_len = 24;
	ru->dst_len = 32;
	ru->sport_lo = 1024;
	ru->sport_hi = 65535;
	ru->dport_lo = 5201;
	ru->dport_hi = 5201;
	ru->src[0] = 10;
	ru->src[1] = 1;
	ru->dst[0] = 10;
	ru->dst[1] = 2;
	ru->dst[3] = 2;
	hex("rule_add_req", buf, h->len);

	/* RULE_ADD request: id 9, priority 5, any frame from a MAC on VLAN 100, mirror to the vEth */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*ru);
	h->type = SW_OP_RULE_ADD;
	h->seq = 0x61;
	ru->id = 9;
	ru->priority = 5;
	ru->action = SW_RULE_MIRROR;
	ru->in_port = SW_PORT_NONE;
	ru->vlan = 100;
	ru->ethertype = 0x88b5;
	ru->out_port = SW_PORT_NONE;
	memcpy(ru->src_mac, mac, 6);
	ru->sport_hi = 65535;
	ru->dport_hi = 65535;
	hex("rule_add_mirror_req", buf, h->len);

	/* ROUTE_LIST request: cursor 1234, max 100, IPv6 only */
	memset(buf, 0, sizeof(buf));
	struct sw_list_req *lq = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*lq);
	h->type = SW_OP_ROUTE_LIST;
	h->seq = 0x62;
	lq->cursor = 1234;
	lq->max = 100;
	lq->family = SW_AF_INET6;
	hex("route_list_req", buf, h->len);

	/* ROUTE_GET request: the flow 10.1.0.2:40000 -> 10.2.0.9:5001 over UDP */
	memset(buf, 0, sizeof(buf));
	struct sw_route_lookup *rq = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*rq);
	h->type = SW_OP_ROUTE_GET;
	h->seq = 0x64;
	rq->family = SW_AF_INET;
	rq->proto = 17;
	rq->sport = 40000;
	rq->dport = 5001;
	memcpy(rq->dst, (uint8_t[]){ 10, 2, 0, 9 }, 4);
	memcpy(rq->src, (uint8_t[]){ 10, 1, 0, 2 }, 4);
	hex("route_get_req", buf, h->len);

	/* ROUTE_GET response: 10.2.0.0/16 over two next hops, the second chosen */
	memset(buf, 0, sizeof(buf));
	struct sw_route_match *rm = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*rm);
	h->type = SW_OP_ROUTE_GET;
	h->seq = 0x64;
	rm->found = 1;
	rm->member = 1;
	rm->resolved = 1;
	rm->out_port = 1;
	memcpy(rm->mac, mac, 6);
	rm->route.family = SW_AF_INET;
	rm->route.prefix_len = 16;
	rm->route.type = SW_ROUTE_FORWARD;
	rm->route.n_nh = 2;
	memcpy(rm->route.prefix, (uint8_t[]){ 10, 2, 0, 0 }, 4);
	rm->route.nh[0].port = 0;
	memcpy(rm->route.nh[0].gw, (uint8_t[]){ 10, 1, 0, 254 }, 4);
	rm->route.nh[1].port = 1;
	memcpy(rm->route.nh[1].gw, (uint8_t[]){ 10, 255, 0, 1 }, 4);
	hex("route_get_resp", buf, h->len);

	/* RULE_LIST response: one IPv6 udp drop rule with counters, next cursor 3 */
	memset(buf, 0, sizeof(buf));
	struct sw_list_hdr *rl = payload;
	struct sw_rule_entry *re = (struct sw_rule_entry *)(rl + 1);
	h->len = SW_MSG_HDR_SIZE + sizeof(*rl) + sizeof(*re);
	h->type = SW_OP_RULE_LIST;
	h->seq = 0x63;
	rl->count = 1;
	rl->next = 3;
	re->rule.id = 0xfffffffeu;
	re->rule.priority = 0x1fffffff;
	re->rule.family = SW_AF_INET6;
	re->rule.proto = 17;
	re->rule.action = SW_RULE_DROP;
	re->rule.in_port = SW_PORT_NONE;
	re->rule.vlan = 0xffff;
	re->rule.out_port = SW_PORT_NONE;
	re->rule.dst_len = 64;
	memcpy(re->rule.dst, fd02, 16);
	re->rule.sport_hi = 65535;
	re->rule.dport_lo = 53;
	re->rule.dport_hi = 53;
	re->packets = 0x0102030405060708ull;
	re->bytes = 0xfedcba9876543210ull;
	hex("rule_list_resp", buf, h->len);

	/* CLIENT_GONE event, as an event-log record */
	memset(buf, 0, sizeof(buf));
	struct sw_evt_record *rec = (struct sw_evt_record *)buf;
	struct sw_evt_client *ec = (struct sw_evt_client *)rec->payload;
	rec->seq = 10;
	rec->type = SW_EVT_CLIENT_GONE;
	rec->len = sizeof(*ec);
	ec->pid = 31337;
	ec->slot = 5;
	hex("client_gone_record", buf, sizeof(*rec));

	/* KERNEL_REQUEST event: an MTU the port refused */
	memset(buf, 0, sizeof(buf));
	struct sw_evt_kernel *ek = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ek);
	h->type = SW_EVT_KERNEL_REQUEST;
	h->seq = 11;
	ek->port = 1;
	ek->what = SW_KREQ_MTU;
	ek->applied = 0;
	ek->value = 9000;
	snprintf(ek->reason, sizeof(ek->reason), "port 1: MTU 9000 out of range");
	hex("kernel_evt", buf, h->len);

	/* SYNC_SET request: on */
	memset(buf, 0, sizeof(buf));
	struct sw_sync_cfg *sc = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*sc);
	h->type = SW_OP_SYNC_SET;
	h->seq = 0x80;
	sc->enabled = 1;
	hex("sync_set_req", buf, h->len);

	/* SYNC_GET response: on, resyncing, with counts */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*sc);
	h->type = SW_OP_SYNC_GET;
	h->seq = 0x81;
	sc->enabled = 1;
	sc->resyncing = 1;
	sc->routes = 70000;
	sc->neighbours = 3;
	sc->addresses = 2;
	sc->refused = 1;
	sc->resyncs = 4;
	hex("sync_get_resp", buf, h->len);

	/* SYNC event: route 10.60.0.0/24 via 10.50.2.2 on port 1 added */
	memset(buf, 0, sizeof(buf));
	struct sw_evt_sync *es = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*es);
	h->type = SW_EVT_SYNC;
	h->seq = 15;
	es->what = SW_SYNC_WHAT_ROUTE;
	es->action = SW_SYNC_ACT_ADDED;
	es->family = SW_AF_INET;
	es->prefix_len = 24;
	es->port = 1;
	es->route_type = SW_ROUTE_FORWARD;
	es->n_nh = 1;
	es->ip[0] = 10;
	es->ip[1] = 60;
	es->gw[0] = 10;
	es->gw[1] = 50;
	es->gw[2] = 2;
	es->gw[3] = 2;
	hex("sync_route_evt", buf, h->len);

	/* SYNC event: neighbour fd02::2 on port 0 refused */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*es);
	h->type = SW_EVT_SYNC;
	h->seq = 16;
	es->what = SW_SYNC_WHAT_NEIGH;
	es->action = SW_SYNC_ACT_REFUSED;
	es->family = SW_AF_INET6;
	es->prefix_len = 128;
	es->port = 0;
	memcpy(es->mac, mac, 6);
	memcpy(es->ip, fd02, 16);
	es->ip[15] = 2;
	snprintf(es->reason, sizeof(es->reason), "set through the API with another MAC");
	hex("sync_neigh_evt", buf, h->len);

	/* SYNC event: a resync finished */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*es);
	h->type = SW_EVT_SYNC;
	h->seq = 17;
	es->what = SW_SYNC_WHAT_RESYNC;
	es->action = SW_SYNC_ACT_DONE;
	es->port = SW_PORT_NONE;
	es->added = 1000;
	es->removed = 2;
	es->refused = 1;
	es->checked = 1003;
	snprintf(es->reason, sizeof(es->reason), "enabled through the API");
	hex("sync_resync_evt", buf, h->len);

	/* SYNC event: a periodic audit repaired 2 entries and removed 1 */
	memset(buf, 0, sizeof(buf));
	h->len = SW_MSG_HDR_SIZE + sizeof(*es);
	h->type = SW_EVT_SYNC;
	h->seq = 18;
	es->what = SW_SYNC_WHAT_AUDIT;
	es->action = SW_SYNC_ACT_DONE;
	es->port = SW_PORT_NONE;
	es->added = 2;
	es->removed = 1;
	es->checked = 70005;
	snprintf(es->reason, sizeof(es->reason), "periodic audit");
	hex("sync_audit_evt", buf, h->len);

	/* POLICER_SET request: port 2, class icmp, 500 packets/s, burst 50 */
	memset(buf, 0, sizeof(buf));
	struct sw_policer_set *pset = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*pset);
	h->type = SW_OP_POLICER_SET;
	h->seq = 12;
	pset->port = 2;
	pset->punt_class = SW_PUNT_ICMP;
	pset->rate_pps = 500;
	pset->burst = 50;
	hex("policer_set_req", buf, h->len);

	/* POLICER_GET response: the defaults, one class off */
	memset(buf, 0, sizeof(buf));
	struct sw_policer_info *pinfo = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*pinfo);
	h->type = SW_OP_POLICER_GET;
	h->seq = 13;
	pinfo->port = SW_PORT_NONE;
	pinfo->cls[SW_PUNT_ARP] = (struct sw_policer_rate){ .rate_pps = 2000, .burst = 256 };
	pinfo->cls[SW_PUNT_ICMP] = (struct sw_policer_rate){ .rate_pps = 1000, .burst = 128 };
	pinfo->cls[SW_PUNT_HOST] = (struct sw_policer_rate){ .rate_pps = 0, .burst = 0 };
	pinfo->cls[SW_PUNT_OTHER] = (struct sw_policer_rate){ .rate_pps = 20000, .burst = 2048 };
	hex("policer_get_resp", buf, h->len);

	/* POLICER event: port 0 started dropping "other" */
	memset(buf, 0, sizeof(buf));
	struct sw_evt_policer *epol = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*epol);
	h->type = SW_EVT_POLICER;
	h->seq = 14;
	epol->port = 0;
	epol->punt_class = SW_PUNT_OTHER;
	epol->dropping = 1;
	epol->drop_pps = 81234;
	epol->drops = 40617;
	hex("policer_evt", buf, h->len);
	golden_taps(buf, sizeof(buf));
}

/* Captures, traces, explain. */
static void golden_taps(unsigned char *buf, size_t cap)
{
	struct sw_msg_hdr *h = (struct sw_msg_hdr *)buf;
	void *payload = buf + SW_MSG_HDR_SIZE;
	static const char filter[] = "tcp port 80";
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xab, 0xcd, 0xef };

	/* TAP_START request: a capture of rx and drop on port 1 */
	memset(buf, 0, cap);
	struct sw_tap_start *ts = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ts) + sizeof(filter) - 1;
	h->type = SW_OP_TAP_START;
	h->seq = 0x90;
	ts->kind = SW_TAP_CAPTURE;
	ts->points = (1u << SW_TAP_POINT_RX) | (1u << SW_TAP_POINT_DROP);
	ts->port = 1;
	ts->snaplen = 128;
	ts->count = 1000;
	ts->ring_size = 1u << 20;
	ts->pid = 4242;
	ts->filter_len = sizeof(filter) - 1;
	memcpy(ts + 1, filter, sizeof(filter) - 1);
	hex("tap_start_req", buf, h->len);

	/* TAP_START response: that capture's info */
	memset(buf, 0, cap);
	struct sw_tap_info *ti = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ti);
	h->type = SW_OP_TAP_START;
	h->seq = 0x90;
	ti->id = 7;
	ti->kind = SW_TAP_CAPTURE;
	ti->points = (1u << SW_TAP_POINT_RX) | (1u << SW_TAP_POINT_DROP);
	ti->port = 1;
	ti->snaplen = 128;
	ti->count = 1000;
	ti->pid = 4242;
	ti->state = SW_TAP_RUNNING;
	ti->jit = 1;
	ti->n_rings = 2;
	ti->ring_size = 1u << 20;
	ti->bpf_ins = 31;
	ti->matched = 12;
	ti->written = 10;
	ti->lost = 2;
	snprintf(ti->file, sizeof(ti->file), "lab.tap7");
	snprintf(ti->filter, sizeof(ti->filter), "%s", filter);
	hex("tap_info_resp", buf, h->len);

	/* a capture ring record: 4 bytes of a frame dropped as malformed */
	memset(buf, 0, cap);
	struct sw_tap_pkt *tp = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*tp) + 4;
	h->type = SW_EVT_CAPTURE_PKT;
	h->seq = 99;
	tp->tsc = 0x0123456789abcdefull;
	tp->port = 0;
	tp->point = SW_TAP_POINT_DROP;
	tp->reason = SW_L3_drop_malformed;
	tp->queue = 0;
	tp->lcore = 1;
	tp->orig_len = 60;
	tp->cap_len = 4;
	memcpy(tp + 1, mac, 4);
	hex("capture_pkt", buf, h->len);

	/* TAP_END event: trace 3 ended, its client gone */
	memset(buf, 0, cap);
	struct sw_evt_tap *et = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*et);
	h->type = SW_EVT_TAP_END;
	h->seq = 21;
	et->id = 3;
	et->kind = SW_TAP_TRACE;
	et->reason = SW_TAP_END_CLIENT;
	et->port = SW_PORT_NONE;
	et->pid = 4242;
	et->written = 5;
	et->lost = 1;
	hex("tap_end_evt", buf, h->len);

	/* TRACE_READ response: one routed IPv4 ping, ECMP member 1 of 2 */
	memset(buf, 0, cap);
	struct sw_trace_batch *tb = payload;
	struct sw_trace *tr = (struct sw_trace *)(tb + 1);
	h->len = SW_MSG_HDR_SIZE + sizeof(*tb) + sizeof(*tr);
	h->type = SW_OP_TRACE_READ;
	h->seq = 0x93;
	tb->count = 1;
	tb->state = SW_TAP_RUNNING;
	tb->matched = 3;
	tb->lost = 0;
	tr->tsc_rx = 1000;
	tr->tsc_out = 1850;
	tr->tsc_hz = 2000000000ull;
	tr->seq = 0;
	tr->in_port = 0;
	tr->queue = 0;
	tr->lcore = 1;
	tr->action = SW_TRACE_FORWARD;
	tr->step = SW_TRACE_BY_ROUTE;
	tr->out_port = 1;
	tr->flags = SW_TRACE_F_ROUTE | SW_TRACE_F_FOUND | SW_TRACE_F_OBSERVED | SW_TRACE_F_RULE;
	tr->mirror_port = SW_PORT_NONE;
	tr->pkt_len = 98;
	tr->vlan = 0xffff;
	tr->ethertype = 0x0800;
	memcpy(tr->src_mac, mac, 6);
	memcpy(tr->dst_mac, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	tr->family = SW_AF_INET;
	tr->proto = 1;
	tr->ttl = 64;
	tr->flow_hash = 0xdeadbeef;
	memcpy(tr->src, (uint8_t[]){ 10, 1, 0, 2 }, 4);
	memcpy(tr->dst, (uint8_t[]){ 10, 9, 0, 1 }, 4);
	tr->rule_id = 7;
	tr->rule_priority = 100;
	tr->rule_action = SW_RULE_COUNT;
	tr->route_type = SW_ROUTE_FORWARD;
	tr->prefix_len = 16;
	tr->n_nh = 2;
	tr->member = 1;
	tr->resolved = 1;
	tr->nh_port = 1;
	memcpy(tr->prefix, (uint8_t[]){ 10, 9, 0, 0 }, 4);
	memcpy(tr->gw, (uint8_t[]){ 10, 2, 0, 2 }, 4);
	memcpy(tr->nh_mac, mac, 6);
	tr->group = 5;
	hex("trace_read_resp", buf, h->len);

	/* EXPLAIN request: IPv6 TCP fd01::2:40000 > fd02::2:22 on VLAN 10, 1400 bytes */
	memset(buf, 0, cap);
	struct sw_explain *ex = payload;
	h->len = SW_MSG_HDR_SIZE + sizeof(*ex);
	h->type = SW_OP_EXPLAIN;
	h->seq = 0x94;
	ex->in_port = 2;
	ex->vlan = 10;
	ex->family = SW_AF_INET6;
	ex->proto = 6;
	ex->sport = 40000;
	ex->dport = 22;
	ex->ttl = 5;
	ex->flags = SW_EXPLAIN_SRC_MAC;
	memcpy(ex->src_mac, mac, 6);
	ex->length = 1400;
	ex->src[0] = 0xfd;
	ex->src[1] = 0x01;
	ex->src[15] = 2;
	ex->dst[0] = 0xfd;
	ex->dst[1] = 0x02;
	ex->dst[15] = 2;
	hex("explain_req", buf, h->len);
}

int main(void)
{
	printf("{\n  \"constants\": {");
	first = 1;
	CONST(SW_CTL_MAGIC);
	CONST(SW_CTL_ABI_VERSION);
	CONST(SW_CTL_HEADER_SIZE);
	CONST(SW_CACHE_LINE);
	CONST(SW_MAX_PORTS);
	CONST(SW_MAX_LCORES);
	CONST(SW_PORT_NONE);
	CONST(SW_NAME_LEN);
	CONST(SW_IFNAME_LEN);
	CONST(SW_NETNS_LEN);
	CONST(SW_DEVARGS_MAX);
	CONST(SW_ERRMSG_MAX);
	CONST(SW_REQ_RING_SIZE);
	CONST(SW_RESP_RING_SIZE);
	CONST(SW_MAX_CLIENTS);
	CONST(SW_SLOT_HDR_SIZE);
	CONST(SW_SLOT_TIMEOUT_MS);
	CONST(SW_EVT_RECORDS);
	CONST(SW_EVT_RECORD_SIZE);
	CONST(SW_EVT_PAYLOAD_MAX);
	CONST(SW_SLOT_FREE);
	CONST(SW_SLOT_CLAIMING);
	CONST(SW_SLOT_ACTIVE);
	CONST(SW_SLOT_RELEASED);
	CONST(SW_STATE_STARTING);
	CONST(SW_STATE_READY);
	CONST(SW_STATE_STOPPING);
	CONST(SW_RING_DATA_OFF);
	CONST(SW_MSG_F_MORE);
	CONST(SW_MSG_HDR_SIZE);
	CONST(SW_OP_PAD);
	CONST(SW_OP_HELLO);
	CONST(SW_OP_PORT_LIST);
	CONST(SW_OP_PORT_ADD);
	CONST(SW_OP_PORT_START);
	CONST(SW_OP_PORT_STOP);
	CONST(SW_OP_PORT_SET);
	CONST(SW_OP_PORT_GET);
	CONST(SW_OP_XC_ADD);
	CONST(SW_OP_XC_DEL);
	CONST(SW_OP_XC_LIST);
	CONST(SW_OP_STATS_REFRESH);
	CONST(SW_OP_ROUTE_GET);
	CONST(SW_OP_NEIGH_ADD);
	CONST(SW_OP_NEIGH_DEL);
	CONST(SW_OP_NEIGH_LIST);
	CONST(SW_OP_ROUTE_ADD);
	CONST(SW_OP_ROUTE_DEL);
	CONST(SW_OP_ROUTE_LIST);
	CONST(SW_OP_RULE_ADD);
	CONST(SW_OP_RULE_DEL);
	CONST(SW_OP_RULE_LIST);
	CONST(SW_AF_INET);
	CONST(SW_AF_INET6);
	CONST(SW_ECMP_MAX);
	CONST(SW_ROUTE_FORWARD);
	CONST(SW_ROUTE_LOCAL);
	CONST(SW_ROUTE_DROP);
	CONST(SW_OP_SYNC_SET);
	CONST(SW_OP_SYNC_GET);
	CONST(SW_EVT_SYNC);
	CONST(SW_SYNC_WHAT_NEIGH);
	CONST(SW_SYNC_WHAT_ROUTE);
	CONST(SW_SYNC_WHAT_ADDR);
	CONST(SW_SYNC_WHAT_RESYNC);
	CONST(SW_SYNC_WHAT_AUDIT);
	CONST(SW_SYNC_WHAT_BURST);
	CONST(SW_SYNC_ACT_ADDED);
	CONST(SW_SYNC_ACT_REMOVED);
	CONST(SW_SYNC_ACT_REFUSED);
	CONST(SW_SYNC_ACT_DONE);
	CONST(SW_OP_POLICER_SET);
	CONST(SW_OP_POLICER_GET);
	CONST(SW_EVT_POLICER);
	CONST(SW_PUNT_ARP);
	CONST(SW_PUNT_ICMP);
	CONST(SW_PUNT_HOST);
	CONST(SW_PUNT_OTHER);
	CONST(SW_PUNT_CLASSES);
	CONST(SW_PUNT_CLASS_ALL);
	CONST(SW_POLICER_MAX_RATE);
	CONST(SW_POLICER_MAX_BURST);
	CONST(SW_RULE_FORWARD);
	CONST(SW_RULE_ROUTE);
	CONST(SW_RULE_DROP);
	CONST(SW_RULE_PUNT);
	CONST(SW_RULE_MIRROR);
	CONST(SW_RULE_COUNT);
	CONST(SW_L3_COUNTER_SLOTS);
	CONST(SW_L3__COUNT);
	CONST(SW_OP_RING_ERROR);
	CONST(SW_EVT_LINK);
	CONST(SW_EVT_PORT_ADDED);
	CONST(SW_EVT_PORT_STARTED);
	CONST(SW_EVT_PORT_STOPPED);
	CONST(SW_EVT_CLIENT_GONE);
	CONST(SW_OP_PORT_DEVARGS);
	CONST(SW_ORIGIN_API);
	CONST(SW_ORIGIN_NEIGH);
	CONST(SW_ORIGIN_KADDR);
	CONST(SW_ORIGIN_KROUTE);
	CONST(SW_ORIGIN_KNEIGH);
	CONST(SW_EVT_KERNEL_REQUEST);
	CONST(SW_KREQ_MTU);
	CONST(SW_KREQ_UP);
	CONST(SW_KREQ_DOWN);
	CONST(SW_KREQ_MAC);
	CONST(SW_KREQ_PROMISC);
	CONST(SW_KREQ_ALLMULTI);
	CONST(SW_PORT_SET_MTU);
	CONST(SW_PORT_SET_MAC);
	CONST(SW_PORT_SET_PROMISC);
	CONST(SW_PORT_COUNTER_SLOTS);
	CONST(SW_C__COUNT);
	CONST(SW_ROLE_UNUSED);
	CONST(SW_ROLE_MAIN);
	CONST(SW_ROLE_WORKER);
	CONST(SW_STATS_SIZE);
	CONST(SW_OP_TAP_START);
	CONST(SW_OP_TAP_STOP);
	CONST(SW_OP_TAP_LIST);
	CONST(SW_OP_TRACE_READ);
	CONST(SW_OP_EXPLAIN);
	CONST(SW_EVT_TAP_END);
	CONST(SW_EVT_CAPTURE_PKT);
	CONST(SW_TAP_MAX);
	CONST(SW_TAP_FILTER_MAX);
	CONST(SW_TAP_SNAPLEN_MAX);
	CONST(SW_TAP_TIMEOUT_MS);
	CONST(SW_TRACE_MAX);
	CONST(SW_TAP_CAPTURE);
	CONST(SW_TAP_TRACE);
	CONST(SW_TAP_POINT_RX);
	CONST(SW_TAP_POINT_TX);
	CONST(SW_TAP_POINT_PUNT);
	CONST(SW_TAP_POINT_INJECT);
	CONST(SW_TAP_POINT_DROP);
	CONST(SW_TAP_POINTS);
	CONST(SW_TAP_DROP_TX_FULL);
	CONST(SW_TAP_DROP_PUNT_FULL);
	CONST(SW_TAP_DROP_XC_DOWN);
	CONST(SW_TAP_DROP_UNKNOWN);
	CONST(SW_TAP_RUNNING);
	CONST(SW_TAP_ENDING);
	CONST(SW_TAP_ENDED);
	CONST(SW_TAP_END_STOPPED);
	CONST(SW_TAP_END_CLIENT);
	CONST(SW_TAP_END_TIMEOUT);
	CONST(SW_TAP_END_SHUTDOWN);
	CONST(SW_TAP_MAGIC);
	CONST(SW_TAP_HDR_SIZE);
	CONST(SW_TAP_RING_MIN);
	CONST(SW_TAP_RING_MAX);
	CONST(SW_TAP_RING_DEF);
	CONST(SW_TRACE_FORWARD);
	CONST(SW_TRACE_PUNT);
	CONST(SW_TRACE_DROP);
	CONST(SW_TRACE_BY_XCONNECT);
	CONST(SW_TRACE_BY_RULE);
	CONST(SW_TRACE_BY_CHECKS);
	CONST(SW_TRACE_BY_ROUTE);
	CONST(SW_TRACE_POLICE_NONE);
	CONST(SW_TRACE_POLICE_PASS);
	CONST(SW_TRACE_POLICE_DROP);
	CONST(SW_TRACE_F_RULE);
	CONST(SW_TRACE_F_ROUTE);
	CONST(SW_TRACE_F_FOUND);
	CONST(SW_TRACE_F_EXPLAIN);
	CONST(SW_TRACE_F_OBSERVED);
	CONST(SW_TRACE_F_STALE);
	CONST(SW_EXPLAIN_SRC_MAC);
	CONST(SW_EXPLAIN_DST_MAC);
	printf("\n  },\n  \"msgAlign\": [");
	for (unsigned i = 0; i <= 24; i++)
		printf("%s%u", i ? ", " : "", SW_MSG_ALIGN(i));
	printf("],\n  \"structs\": {");

	first = 1;
	STRUCT_BEGIN(sw_ctl_header);
	FIELD(sw_ctl_header, magic);
	FIELD(sw_ctl_header, abi_version);
	FIELD(sw_ctl_header, header_size);
	FIELD(sw_ctl_header, state);
	FIELD(sw_ctl_header, file_size);
	FIELD(sw_ctl_header, slot_off);
	FIELD(sw_ctl_header, slot_size);
	FIELD(sw_ctl_header, n_slots);
	FIELD(sw_ctl_header, req_size);
	FIELD(sw_ctl_header, resp_size);
	FIELD(sw_ctl_header, evt_off);
	FIELD(sw_ctl_header, evt_records);
	FIELD(sw_ctl_header, evt_record_size);
	FIELD(sw_ctl_header, stats_off);
	FIELD(sw_ctl_header, stats_size);
	FIELD(sw_ctl_header, dp_pid);
	FIELD(sw_ctl_header, n_workers);
	FIELD(sw_ctl_header, dp_heartbeat_ns);
	FIELD(sw_ctl_header, start_time_ns);
	FIELD(sw_ctl_header, dp_start_ticks);
	FIELD(sw_ctl_header, evt_next);
	FIELD(sw_ctl_header, evt_wake);
	FIELD(sw_ctl_header, evt_sleepers);
	FIELD(sw_ctl_header, idle_us);
	FIELD(sw_ctl_header, dp_pidns);
	FIELD(sw_ctl_header, instance);
	FIELD(sw_ctl_header, vif_prefix);
	FIELD(sw_ctl_header, vif_netns);
	FIELD(sw_ctl_header, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_slot);
	FIELD(sw_slot, state);
	FIELD(sw_slot, gen);
	FIELD(sw_slot, pid);
	FIELD(sw_slot, pidns);
	FIELD(sw_slot, start_ticks);
	FIELD(sw_slot, heartbeat_ns);
	FIELD(sw_slot, req_off);
	FIELD(sw_slot, resp_off);
	FIELD(sw_slot, served);
	FIELD(sw_slot, name);
	FIELD(sw_slot, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_record);
	FIELD(sw_evt_record, seq);
	FIELD(sw_evt_record, type);
	FIELD(sw_evt_record, len);
	FIELD(sw_evt_record, reserved);
	FIELD(sw_evt_record, payload);
	STRUCT_END();

	STRUCT_BEGIN(sw_ring);
	FIELD(sw_ring, prod);
	FIELD(sw_ring, pad0);
	FIELD(sw_ring, cons);
	FIELD(sw_ring, pad1);
	FIELD(sw_ring, wake);
	FIELD(sw_ring, sleepers);
	FIELD(sw_ring, pad2);
	FIELD(sw_ring, size);
	FIELD(sw_ring, reserved);
	FIELD(sw_ring, pad3);
	STRUCT_END();

	STRUCT_BEGIN(sw_msg_hdr);
	FIELD(sw_msg_hdr, len);
	FIELD(sw_msg_hdr, type);
	FIELD(sw_msg_hdr, flags);
	FIELD(sw_msg_hdr, seq);
	FIELD(sw_msg_hdr, status);
	STRUCT_END();

	STRUCT_BEGIN(sw_hello);
	FIELD(sw_hello, abi_version);
	FIELD(sw_hello, dp_pid);
	FIELD(sw_hello, n_workers);
	FIELD(sw_hello, max_ports);
	FIELD(sw_hello, n_ports);
	FIELD(sw_hello, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_port_ref);
	FIELD(sw_port_ref, port);
	FIELD(sw_port_ref, reserved0);
	FIELD(sw_port_ref, reserved1);
	STRUCT_END();

	STRUCT_BEGIN(sw_port_set);
	FIELD(sw_port_set, port);
	FIELD(sw_port_set, mask);
	FIELD(sw_port_set, mtu);
	FIELD(sw_port_set, mac);
	FIELD(sw_port_set, promisc);
	FIELD(sw_port_set, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_port_info);
	FIELD(sw_port_info, port);
	FIELD(sw_port_info, eth_port);
	FIELD(sw_port_info, reserved2);
	FIELD(sw_port_info, started);
	FIELD(sw_port_info, link_up);
	FIELD(sw_port_info, link_speed);
	FIELD(sw_port_info, mtu);
	FIELD(sw_port_info, mac);
	FIELD(sw_port_info, promisc);
	FIELD(sw_port_info, link_duplex);
	FIELD(sw_port_info, worker_lcore);
	FIELD(sw_port_info, n_rxq);
	FIELD(sw_port_info, n_txq);
	FIELD(sw_port_info, reserved0);
	FIELD(sw_port_info, min_mtu);
	FIELD(sw_port_info, max_mtu);
	FIELD(sw_port_info, reserved1);
	FIELD(sw_port_info, name);
	FIELD(sw_port_info, driver);
	FIELD(sw_port_info, vif);
	STRUCT_END();

	STRUCT_BEGIN(sw_xconnect);
	FIELD(sw_xconnect, in_port);
	FIELD(sw_xconnect, out_port);
	FIELD(sw_xconnect, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_list_hdr);
	FIELD(sw_list_hdr, count);
	FIELD(sw_list_hdr, next);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_port);
	FIELD(sw_evt_port, port);
	FIELD(sw_evt_port, link_up);
	FIELD(sw_evt_port, started);
	FIELD(sw_evt_port, link_speed);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_kernel);
	FIELD(sw_evt_kernel, port);
	FIELD(sw_evt_kernel, what);
	FIELD(sw_evt_kernel, applied);
	FIELD(sw_evt_kernel, value);
	FIELD(sw_evt_kernel, mac);
	FIELD(sw_evt_kernel, reserved);
	FIELD(sw_evt_kernel, reason);
	STRUCT_END();

	STRUCT_BEGIN(sw_sync_cfg);
	FIELD(sw_sync_cfg, enabled);
	FIELD(sw_sync_cfg, resyncing);
	FIELD(sw_sync_cfg, reserved0);
	FIELD(sw_sync_cfg, routes);
	FIELD(sw_sync_cfg, neighbours);
	FIELD(sw_sync_cfg, addresses);
	FIELD(sw_sync_cfg, refused);
	FIELD(sw_sync_cfg, resyncs);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_sync);
	FIELD(sw_evt_sync, what);
	FIELD(sw_evt_sync, action);
	FIELD(sw_evt_sync, family);
	FIELD(sw_evt_sync, prefix_len);
	FIELD(sw_evt_sync, port);
	FIELD(sw_evt_sync, route_type);
	FIELD(sw_evt_sync, n_nh);
	FIELD(sw_evt_sync, mac);
	FIELD(sw_evt_sync, reserved0);
	FIELD(sw_evt_sync, ip);
	FIELD(sw_evt_sync, gw);
	FIELD(sw_evt_sync, added);
	FIELD(sw_evt_sync, removed);
	FIELD(sw_evt_sync, refused);
	FIELD(sw_evt_sync, checked);
	FIELD(sw_evt_sync, reason);
	STRUCT_END();

	STRUCT_BEGIN(sw_policer_set);
	FIELD(sw_policer_set, port);
	FIELD(sw_policer_set, punt_class);
	FIELD(sw_policer_set, reserved0);
	FIELD(sw_policer_set, rate_pps);
	FIELD(sw_policer_set, burst);
	FIELD(sw_policer_set, reserved1);
	STRUCT_END();

	STRUCT_BEGIN(sw_policer_rate);
	FIELD(sw_policer_rate, rate_pps);
	FIELD(sw_policer_rate, burst);
	STRUCT_END();

	STRUCT_BEGIN(sw_policer_info);
	FIELD(sw_policer_info, port);
	FIELD(sw_policer_info, reserved0);
	FIELD(sw_policer_info, reserved1);
	FIELD(sw_policer_info, cls);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_policer);
	FIELD(sw_evt_policer, port);
	FIELD(sw_evt_policer, punt_class);
	FIELD(sw_evt_policer, dropping);
	FIELD(sw_evt_policer, drop_pps);
	FIELD(sw_evt_policer, drops);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_client);
	FIELD(sw_evt_client, pid);
	FIELD(sw_evt_client, slot);
	FIELD(sw_evt_client, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_port_counters);
	FIELD(sw_port_counters, c);
	STRUCT_END();

	STRUCT_BEGIN(sw_lcore_stats);
	FIELD(sw_lcore_stats, lcore_id);
	FIELD(sw_lcore_stats, role);
	FIELD(sw_lcore_stats, busy_polls);
	FIELD(sw_lcore_stats, idle_polls);
	FIELD(sw_lcore_stats, busy_ns);
	FIELD(sw_lcore_stats, idle_ns);
	FIELD(sw_lcore_stats, sleep_ns);
	FIELD(sw_lcore_stats, sleeps);
	FIELD(sw_lcore_stats, intr_wakes);
	FIELD(sw_lcore_stats, ports);
	STRUCT_END();

	STRUCT_BEGIN(sw_dev_stats);
	FIELD(sw_dev_stats, ipackets);
	FIELD(sw_dev_stats, opackets);
	FIELD(sw_dev_stats, ibytes);
	FIELD(sw_dev_stats, obytes);
	FIELD(sw_dev_stats, imissed);
	FIELD(sw_dev_stats, ierrors);
	FIELD(sw_dev_stats, oerrors);
	FIELD(sw_dev_stats, rx_nombuf);
	STRUCT_END();

	STRUCT_BEGIN(sw_stats);
	FIELD(sw_stats, dev_seq);
	FIELD(sw_stats, n_lcores);
	FIELD(sw_stats, updated_ns);
	FIELD(sw_stats, mbuf_total);
	FIELD(sw_stats, mbuf_free);
	FIELD(sw_stats, port_mask);
	FIELD(sw_stats, reserved0);
	FIELD(sw_stats, reserved);
	FIELD(sw_stats, dev);
	FIELD(sw_stats, lcores);
	FIELD(sw_stats, tables);
	FIELD(sw_stats, l3);
	STRUCT_END();

	STRUCT_BEGIN(sw_list_req);
	FIELD(sw_list_req, cursor);
	FIELD(sw_list_req, max);
	FIELD(sw_list_req, family);
	FIELD(sw_list_req, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_neigh);
	FIELD(sw_neigh, port);
	FIELD(sw_neigh, family);
	FIELD(sw_neigh, origin);
	FIELD(sw_neigh, mac);
	FIELD(sw_neigh, reserved1);
	FIELD(sw_neigh, reserved2);
	FIELD(sw_neigh, ip);
	STRUCT_END();

	STRUCT_BEGIN(sw_nexthop);
	FIELD(sw_nexthop, port);
	FIELD(sw_nexthop, reserved0);
	FIELD(sw_nexthop, reserved1);
	FIELD(sw_nexthop, gw);
	STRUCT_END();

	STRUCT_BEGIN(sw_route);
	FIELD(sw_route, family);
	FIELD(sw_route, prefix_len);
	FIELD(sw_route, type);
	FIELD(sw_route, n_nh);
	FIELD(sw_route, origin);
	FIELD(sw_route, reserved0);
	FIELD(sw_route, reserved1);
	FIELD(sw_route, prefix);
	FIELD(sw_route, nh);
	STRUCT_END();

	STRUCT_BEGIN(sw_route_lookup);
	FIELD(sw_route_lookup, family);
	FIELD(sw_route_lookup, proto);
	FIELD(sw_route_lookup, sport);
	FIELD(sw_route_lookup, dport);
	FIELD(sw_route_lookup, reserved);
	FIELD(sw_route_lookup, dst);
	FIELD(sw_route_lookup, src);
	STRUCT_END();

	STRUCT_BEGIN(sw_route_match);
	FIELD(sw_route_match, found);
	FIELD(sw_route_match, member);
	FIELD(sw_route_match, resolved);
	FIELD(sw_route_match, reserved0);
	FIELD(sw_route_match, out_port);
	FIELD(sw_route_match, mac);
	FIELD(sw_route_match, reserved1);
	FIELD(sw_route_match, route);
	STRUCT_END();

	STRUCT_BEGIN(sw_rule);
	FIELD(sw_rule, id);
	FIELD(sw_rule, priority);
	FIELD(sw_rule, family);
	FIELD(sw_rule, proto);
	FIELD(sw_rule, action);
	FIELD(sw_rule, reserved0);
	FIELD(sw_rule, in_port);
	FIELD(sw_rule, vlan);
	FIELD(sw_rule, ethertype);
	FIELD(sw_rule, out_port);
	FIELD(sw_rule, src_mac);
	FIELD(sw_rule, dst_mac);
	FIELD(sw_rule, src_len);
	FIELD(sw_rule, dst_len);
	FIELD(sw_rule, sport_lo);
	FIELD(sw_rule, sport_hi);
	FIELD(sw_rule, dport_lo);
	FIELD(sw_rule, dport_hi);
	FIELD(sw_rule, reserved1);
	FIELD(sw_rule, reserved2);
	FIELD(sw_rule, src);
	FIELD(sw_rule, dst);
	STRUCT_END();

	STRUCT_BEGIN(sw_rule_ref);
	FIELD(sw_rule_ref, id);
	FIELD(sw_rule_ref, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_rule_entry);
	FIELD(sw_rule_entry, rule);
	FIELD(sw_rule_entry, packets);
	FIELD(sw_rule_entry, bytes);
	STRUCT_END();

	STRUCT_BEGIN(sw_l3_counters);
	FIELD(sw_l3_counters, c);
	STRUCT_END();

	STRUCT_BEGIN(sw_table_stats);
	FIELD(sw_table_stats, mem_bytes);
	FIELD(sw_table_stats, routes4);
	FIELD(sw_table_stats, routes6);
	FIELD(sw_table_stats, neighbours);
	FIELD(sw_table_stats, nh_groups);
	FIELD(sw_table_stats, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_start);
	FIELD(sw_tap_start, kind);
	FIELD(sw_tap_start, points);
	FIELD(sw_tap_start, port);
	FIELD(sw_tap_start, snaplen);
	FIELD(sw_tap_start, count);
	FIELD(sw_tap_start, ring_size);
	FIELD(sw_tap_start, pid);
	FIELD(sw_tap_start, filter_len);
	FIELD(sw_tap_start, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_ref);
	FIELD(sw_tap_ref, id);
	FIELD(sw_tap_ref, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_info);
	FIELD(sw_tap_info, id);
	FIELD(sw_tap_info, kind);
	FIELD(sw_tap_info, points);
	FIELD(sw_tap_info, port);
	FIELD(sw_tap_info, snaplen);
	FIELD(sw_tap_info, count);
	FIELD(sw_tap_info, pid);
	FIELD(sw_tap_info, state);
	FIELD(sw_tap_info, end_reason);
	FIELD(sw_tap_info, jit);
	FIELD(sw_tap_info, n_rings);
	FIELD(sw_tap_info, ring_size);
	FIELD(sw_tap_info, bpf_ins);
	FIELD(sw_tap_info, matched);
	FIELD(sw_tap_info, written);
	FIELD(sw_tap_info, lost);
	FIELD(sw_tap_info, file);
	FIELD(sw_tap_info, filter);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_hdr);
	FIELD(sw_tap_hdr, magic);
	FIELD(sw_tap_hdr, abi_version);
	FIELD(sw_tap_hdr, header_size);
	FIELD(sw_tap_hdr, id);
	FIELD(sw_tap_hdr, file_size);
	FIELD(sw_tap_hdr, counts_off);
	FIELD(sw_tap_hdr, ring_off);
	FIELD(sw_tap_hdr, ring_stride);
	FIELD(sw_tap_hdr, ring_size);
	FIELD(sw_tap_hdr, n_rings);
	FIELD(sw_tap_hdr, snaplen);
	FIELD(sw_tap_hdr, tsc_hz);
	FIELD(sw_tap_hdr, tsc0);
	FIELD(sw_tap_hdr, realtime_ns0);
	FIELD(sw_tap_hdr, client_heartbeat_ns);
	FIELD(sw_tap_hdr, state);
	FIELD(sw_tap_hdr, end_reason);
	FIELD(sw_tap_hdr, points);
	FIELD(sw_tap_hdr, reserved0);
	FIELD(sw_tap_hdr, port);
	FIELD(sw_tap_hdr, reserved1);
	FIELD(sw_tap_hdr, lcore);
	FIELD(sw_tap_hdr, reserved);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_counts);
	FIELD(sw_tap_counts, seen);
	FIELD(sw_tap_counts, matched);
	FIELD(sw_tap_counts, lost);
	STRUCT_END();

	STRUCT_BEGIN(sw_tap_pkt);
	FIELD(sw_tap_pkt, tsc);
	FIELD(sw_tap_pkt, port);
	FIELD(sw_tap_pkt, point);
	FIELD(sw_tap_pkt, reason);
	FIELD(sw_tap_pkt, queue);
	FIELD(sw_tap_pkt, lcore);
	FIELD(sw_tap_pkt, orig_len);
	FIELD(sw_tap_pkt, cap_len);
	STRUCT_END();

	STRUCT_BEGIN(sw_evt_tap);
	FIELD(sw_evt_tap, id);
	FIELD(sw_evt_tap, kind);
	FIELD(sw_evt_tap, reason);
	FIELD(sw_evt_tap, port);
	FIELD(sw_evt_tap, pid);
	FIELD(sw_evt_tap, reserved);
	FIELD(sw_evt_tap, written);
	FIELD(sw_evt_tap, lost);
	STRUCT_END();

	STRUCT_BEGIN(sw_trace);
	FIELD(sw_trace, tsc_rx);
	FIELD(sw_trace, tsc_out);
	FIELD(sw_trace, tsc_hz);
	FIELD(sw_trace, seq);
	FIELD(sw_trace, in_port);
	FIELD(sw_trace, queue);
	FIELD(sw_trace, lcore);
	FIELD(sw_trace, action);
	FIELD(sw_trace, step);
	FIELD(sw_trace, out_port);
	FIELD(sw_trace, reason);
	FIELD(sw_trace, punt_class);
	FIELD(sw_trace, police);
	FIELD(sw_trace, flags);
	FIELD(sw_trace, mirror_port);
	FIELD(sw_trace, pkt_len);
	FIELD(sw_trace, vlan);
	FIELD(sw_trace, ethertype);
	FIELD(sw_trace, src_mac);
	FIELD(sw_trace, dst_mac);
	FIELD(sw_trace, family);
	FIELD(sw_trace, proto);
	FIELD(sw_trace, ttl);
	FIELD(sw_trace, tags);
	FIELD(sw_trace, sport);
	FIELD(sw_trace, dport);
	FIELD(sw_trace, flow_hash);
	FIELD(sw_trace, src);
	FIELD(sw_trace, dst);
	FIELD(sw_trace, rule_id);
	FIELD(sw_trace, rule_priority);
	FIELD(sw_trace, rule_action);
	FIELD(sw_trace, route_type);
	FIELD(sw_trace, prefix_len);
	FIELD(sw_trace, n_nh);
	FIELD(sw_trace, member);
	FIELD(sw_trace, resolved);
	FIELD(sw_trace, nh_port);
	FIELD(sw_trace, prefix);
	FIELD(sw_trace, gw);
	FIELD(sw_trace, nh_mac);
	FIELD(sw_trace, reserved0);
	FIELD(sw_trace, group);
	FIELD(sw_trace, reserved1);
	STRUCT_END();

	STRUCT_BEGIN(sw_trace_batch);
	FIELD(sw_trace_batch, count);
	FIELD(sw_trace_batch, state);
	FIELD(sw_trace_batch, reserved0);
	FIELD(sw_trace_batch, reserved1);
	FIELD(sw_trace_batch, matched);
	FIELD(sw_trace_batch, lost);
	STRUCT_END();

	STRUCT_BEGIN(sw_explain);
	FIELD(sw_explain, in_port);
	FIELD(sw_explain, vlan);
	FIELD(sw_explain, family);
	FIELD(sw_explain, proto);
	FIELD(sw_explain, sport);
	FIELD(sw_explain, dport);
	FIELD(sw_explain, ttl);
	FIELD(sw_explain, flags);
	FIELD(sw_explain, src_mac);
	FIELD(sw_explain, dst_mac);
	FIELD(sw_explain, reserved0);
	FIELD(sw_explain, length);
	FIELD(sw_explain, reserved1);
	FIELD(sw_explain, src);
	FIELD(sw_explain, dst);
	STRUCT_END();

	printf("\n  },\n  \"statuses\": [");
	first = 1;
#define STATUS_JSON(name, value, desc)                                                     \
	do {                                                                               \
		sep();                                                                     \
		printf("\n    {\"name\": \"%s\", \"value\": %d, \"desc\": \"%s\"}", #name, \
		       SW_ST_##name, desc);                                                \
	} while (0);
	SW_STATUS_LIST(STATUS_JSON)
#undef STATUS_JSON
	printf("\n  ],\n  \"counters\": [");
	first = 1;
#define COUNTER_JSON(name)               \
	do {                             \
		sep();                   \
		printf("\"%s\"", #name); \
	} while (0);
	SW_PORT_COUNTER_LIST(COUNTER_JSON)
	printf("],\n  \"l3Counters\": [");
	first = 1;
	SW_L3_COUNTER_LIST(COUNTER_JSON)
#undef COUNTER_JSON
	printf("],\n  \"golden\": {");
	first = 1;
	golden();
	printf("\n  }\n}\n");
	return 0;
}

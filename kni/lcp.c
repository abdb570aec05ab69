/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync, after VPP's linux-cp (lcp_nl, lcp_router): what the host
 * stack knows about the vEths is installed in the fast path.
 *
 *  - Sockets: `mon`, an rtnetlink socket in the neighbour, address and
 *    route groups (and link, to see a vEth go down) with a large receive
 *    buffer; an overrun (ENOBUFS) means changes were lost, so a full resync
 *    follows. `dump`, a second socket for the RTM_GET* dumps of a resync
 *    (addresses, then neighbours, then routes). While a resync runs, the
 *    notifications wait in mon's buffer and are applied after it, in order,
 *    so the end state is the kernel's. Both are read without blocking,
 *    within a time budget per poll; a poll that changed anything commits
 *    once (one fast-path publish per netlink batch).
 *  - Changes go through the control ops' own functions (sw_route_add/del,
 *    sw_neigh_add/del), so validation and group commit are the same.
 *  - Ownership: three rte_hash tables record what sync installed: routes
 *    (prefix -> digest of the route installed, kernel metric, origin),
 *    neighbours ((port, ip) -> MAC) and vEth addresses. Before installing
 *    over, or removing, an entry, sync reads the current one: an entry sync
 *    did not install belongs to the API and wins (the kernel's is refused,
 *    with an event); one the API replaced after sync installed it is left in
 *    place and forgotten. Only what sync installed is removed by sync.
 *  - The kernel removes IPv4 routes without notifications when an address
 *    goes or a device goes down: either schedules a full resync.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ctl/server.h"
#include "l3.h"
#include "lcp.h"
#include "routes.h"
#include "sw.h"

#define LCP_RCVBUF        (64 << 20) /* notifications between two polls */
#define LCP_BUDGET_US     5000u      /* netlink work per poll */
#define LCP_RESYNC_EVENTS 256u       /* per-entry 'added' events per resync; the rest counted */
#define LCP_MAX_ADDRS     4096u

enum origin { OR_ADDR = 1, OR_ROUTE = 2 };
enum phase { PH_IDLE, PH_ADDR, PH_NEIGH, PH_ROUTE };

struct rkey { uint8_t ip[16]; uint8_t len; uint8_t family; uint8_t pad[2]; };
struct rrec { uint64_t digest; uint32_t metric; uint8_t origin; uint8_t seen; };
struct nkey { uint8_t ip[16]; uint16_t port; uint8_t family; uint8_t pad; };
struct nrec { uint8_t mac[6]; uint8_t seen; };
struct akey { uint8_t ip[16]; uint16_t port; uint8_t family; uint8_t len; };
struct arec { uint8_t seen; };

static struct {
	bool enabled;
	int mon, dump;
	struct rte_hash *rt, *nb, *ad;
	struct rrec *rrec;
	struct nrec *nrec;
	struct arec *arec;
	enum phase phase;
	uint32_t dump_seq;
	const char *cause;            /* of the resync in progress */
	const char *resync_wanted;    /* cause of the next one, NULL: none */
	bool changed;                 /* tables changed since the last commit */
	bool vif_up[SW_MAX_PORTS];
	uint32_t refused, resyncs;    /* since enabled */
	uint32_t rs_added, rs_removed, rs_refused, rs_events; /* the resync in progress */
} L = { .mon = -1, .dump = -1 };

static uint8_t nlbuf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));

static unsigned int abytes(uint8_t family)
{
	return family == SW_AF_INET ? 4 : 16;
}

static const char *fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len)
{
	return inet_ntop(family == SW_AF_INET ? AF_INET : AF_INET6, ip, buf, len) ? buf : "?";
}

static int port_of(int ifindex)
{
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
		if (sw.ports[p].in_use && sw.ports[p].vif_ifindex != 0 &&
		    sw.ports[p].vif_ifindex == (unsigned int)ifindex)
			return p;
	return -1;
}

static void mask_prefix(uint8_t *ip, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		ip[b / 8] &= ~(0x80 >> (b % 8));
}

/* --- events --- */

static void emit(struct sw_evt_sync *ev, const char *reason)
{
	char ip[INET6_ADDRSTRLEN];
	static const char *const what[] = { "", "neighbour", "route", "address", "resync" };
	static const char *const act[] = { "", "added", "removed", "refused", "done" };

	snprintf(ev->reason, sizeof(ev->reason), "%s", reason ? reason : "");
	if (ev->action == SW_SYNC_ACT_REFUSED) {
		L.refused++;
		if (L.phase != PH_IDLE)
			L.rs_refused++;
		SW_LOG(INFO, "kernel sync: %s %s/%u port %u refused: %s", what[ev->what],
		       fmt_ip(ev->family, ev->ip, ip, sizeof(ip)), ev->prefix_len, ev->port, reason);
	} else if (ev->what != SW_SYNC_WHAT_RESYNC) {
		SW_LOG(DEBUG, "kernel sync: %s %s/%u port %u %s", what[ev->what],
		       fmt_ip(ev->family, ev->ip, ip, sizeof(ip)), ev->prefix_len, ev->port,
		       act[ev->action]);
	}
	if (L.phase != PH_IDLE && ev->what != SW_SYNC_WHAT_RESYNC) {
		if (ev->action == SW_SYNC_ACT_ADDED)
			L.rs_added++;
		else if (ev->action == SW_SYNC_ACT_REMOVED)
			L.rs_removed++;
		/* a resync of a big table would flood the ring: its summary counts them */
		if (ev->action == SW_SYNC_ACT_ADDED && ++L.rs_events > LCP_RESYNC_EVENTS)
			return;
	}
	sw_ctl_event_sync(ev);
}

static void emit_route(const struct sw_route *r, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_ROUTE, .action = action, .family = r->family,
		.prefix_len = r->prefix_len, .port = SW_PORT_NONE, .route_type = r->type,
		.n_nh = r->n_nh,
	};

	memcpy(ev.ip, r->prefix, 16);
	if (r->n_nh > 0) {
		ev.port = r->nh[0].port;
		memcpy(ev.gw, r->nh[0].gw, 16);
	}
	emit(&ev, reason);
}

static void emit_neigh(const struct sw_neigh *n, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_NEIGH, .action = action, .family = n->family,
		.prefix_len = n->family == SW_AF_INET ? 32 : 128, .port = n->port,
	};

	memcpy(ev.ip, n->ip, 16);
	memcpy(ev.mac, n->mac, 6);
	emit(&ev, reason);
}

static void emit_addr(const struct akey *a, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_ADDR, .action = action, .family = a->family,
		.prefix_len = a->len, .port = a->port,
	};

	memcpy(ev.ip, a->ip, 16);
	emit(&ev, reason);
}

/* --- routes --- */

static int nh_cmp(const void *a, const void *b)
{
	const struct sw_nexthop *x = a, *y = b;

	if (x->port != y->port)
		return (int)x->port - (int)y->port;
	return memcmp(x->gw, y->gw, 16);
}

/* What identifies a route's content, whatever the order of its next hops. */
static uint64_t route_digest(const struct sw_route *r)
{
	struct sw_route n;

	memset(&n, 0, sizeof(n));
	n.family = r->family;
	n.prefix_len = r->prefix_len;
	n.type = r->type;
	n.n_nh = r->n_nh;
	memcpy(n.prefix, r->prefix, 16);
	for (unsigned int i = 0; i < r->n_nh && i < SW_ECMP_MAX; i++) {
		n.nh[i].port = r->nh[i].port;
		memcpy(n.nh[i].gw, r->nh[i].gw, 16);
	}
	qsort(n.nh, n.n_nh, sizeof(n.nh[0]), nh_cmp);
	return ((uint64_t)rte_jhash(&n, sizeof(n), 0x5157) << 32) | rte_jhash(&n, sizeof(n), 0x4c43);
}

static void rkey_of(const struct sw_route *r, struct rkey *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, r->prefix, 16);
	k->len = r->prefix_len;
	k->family = r->family;
}

/* Install r (origin OR_ROUTE: a kernel route with that metric; OR_ADDR:
 * derived from a vEth address), unless the API owns the prefix. Returns 0
 * when r is in place as sync's. */
static int route_install(const struct sw_route *r, uint8_t origin, uint32_t metric)
{
	uint64_t digest = route_digest(r);
	struct sw_route cur;
	struct sw_err e;
	struct rkey k;
	bool nhost = false;
	int32_t pos;
	bool have;

	rkey_of(r, &k);
	pos = rte_hash_lookup(L.rt, &k);
	have = sw_route_get(r, &cur, &nhost) == 0;
	if (pos >= 0) {
		struct rrec *rc = &L.rrec[pos];

		/* the kernel prefers the lowest metric; so do we */
		if (origin == OR_ROUTE && rc->origin == OR_ROUTE && rc->seen && metric > rc->metric)
			return 0;
		if (!have || nhost || route_digest(&cur) != rc->digest) {
			/* removed or replaced through the API since: not ours any more */
			rte_hash_del_key(L.rt, &k);
			pos = -1;
		} else if (rc->digest == digest) {
			rc->seen = 1;
			rc->metric = metric;
			rc->origin = origin;
			return 0;
		}
	}
	if (pos < 0 && have && !nhost) {
		if (route_digest(&cur) == digest)
			return -1;          /* the API has the very same route: nothing to do */
		emit_route(r, SW_SYNC_ACT_REFUSED, "set through the API");
		return -1;
	}
	if (sw_route_add(r, &e) != 0) {
		emit_route(r, SW_SYNC_ACT_REFUSED, e.msg);
		return -1;
	}
	L.changed = true;
	if (pos < 0 && (pos = rte_hash_add_key(L.rt, &k)) < 0) {
		sw_route_del(r, &e);
		emit_route(r, SW_SYNC_ACT_REFUSED, "kernel sync's route record is full");
		return -1;
	}
	L.rrec[pos] = (struct rrec){ .digest = digest, .metric = metric, .origin = origin, .seen = 1 };
	if (origin == OR_ROUTE)
		emit_route(r, SW_SYNC_ACT_ADDED, "");
	return 0;
}

/* Remove the route sync installed for r's prefix (if its origin matches
 * and, for kernel routes, its metric); one the API replaced stays. */
static void route_uninstall(const struct sw_route *r, uint8_t origin, const uint32_t *metric)
{
	struct sw_route cur;
	struct sw_err e;
	struct rkey k;
	bool nhost = false;
	int32_t pos;

	rkey_of(r, &k);
	if ((pos = rte_hash_lookup(L.rt, &k)) < 0)
		return;
	struct rrec rc = L.rrec[pos];
	if (rc.origin != origin || (metric != NULL && *metric != rc.metric))
		return;
	rte_hash_del_key(L.rt, &k);
	if (sw_route_get(r, &cur, &nhost) != 0 || nhost || route_digest(&cur) != rc.digest) {
		SW_LOG(INFO, "kernel sync: a route sync installed was replaced through the API; "
		       "left in place");
		return;
	}
	if (sw_route_del(&cur, &e) == 0) {
		L.changed = true;
		if (origin == OR_ROUTE)
			emit_route(&cur, SW_SYNC_ACT_REMOVED, "");
	}
}

/* --- neighbours --- */

static void nkey_of(const struct sw_neigh *n, struct nkey *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, n->ip, 16);
	k->port = n->port;
	k->family = n->family;
}

static void neigh_install(const struct sw_neigh *n)
{
	uint8_t cur[6];
	struct sw_err e;
	struct nkey k;
	int32_t pos;
	bool have;

	nkey_of(n, &k);
	pos = rte_hash_lookup(L.nb, &k);
	have = sw_neigh_get(n, cur) == 0;
	if (pos >= 0) {
		if (!have || memcmp(cur, L.nrec[pos].mac, 6) != 0) {
			rte_hash_del_key(L.nb, &k);   /* removed or replaced through the API */
			pos = -1;
		} else if (memcmp(cur, n->mac, 6) == 0) {
			L.nrec[pos].seen = 1;
			return;
		}
	}
	if (pos < 0 && have) {
		if (memcmp(cur, n->mac, 6) != 0)
			emit_neigh(n, SW_SYNC_ACT_REFUSED, "set through the API with another MAC");
		return;
	}
	if (sw_neigh_add(n, &e) != 0) {
		emit_neigh(n, SW_SYNC_ACT_REFUSED, e.msg);
		return;
	}
	L.changed = true;
	if (pos < 0 && (pos = rte_hash_add_key(L.nb, &k)) < 0) {
		sw_neigh_del(n, &e);
		emit_neigh(n, SW_SYNC_ACT_REFUSED, "kernel sync's neighbour record is full");
		return;
	}
	memcpy(L.nrec[pos].mac, n->mac, 6);
	L.nrec[pos].seen = 1;
	emit_neigh(n, SW_SYNC_ACT_ADDED, "");
}

static void neigh_uninstall(const struct sw_neigh *key)
{
	struct sw_neigh n = *key;
	uint8_t cur[6];
	struct sw_err e;
	struct nkey k;
	int32_t pos;

	nkey_of(key, &k);
	if ((pos = rte_hash_lookup(L.nb, &k)) < 0)
		return;
	memcpy(n.mac, L.nrec[pos].mac, 6);
	rte_hash_del_key(L.nb, &k);
	if (sw_neigh_get(&n, cur) != 0 || memcmp(cur, n.mac, 6) != 0)
		return;                           /* the API's now */
	if (sw_neigh_del(&n, &e) == 0) {
		L.changed = true;
		emit_neigh(&n, SW_SYNC_ACT_REMOVED, "");
	}
}

/* --- addresses: a local host route and the connected prefix --- */

static void addr_routes(const struct akey *a, struct sw_route *local, struct sw_route *conn)
{
	unsigned int bits = abytes(a->family) * 8;

	memset(local, 0, sizeof(*local));
	local->family = a->family;
	local->prefix_len = bits;
	local->type = SW_ROUTE_LOCAL;
	memcpy(local->prefix, a->ip, 16);
	memset(conn, 0, sizeof(*conn));
	conn->family = a->family;
	conn->prefix_len = a->len;
	conn->type = SW_ROUTE_FORWARD;
	conn->n_nh = 1;
	conn->nh[0].port = a->port;       /* gateway zero: directly connected */
	memcpy(conn->prefix, a->ip, 16);
	mask_prefix(conn->prefix, a->len, bits);
}

static void addr_install(const struct akey *a)
{
	struct sw_route local, conn;
	int32_t pos = rte_hash_lookup(L.ad, a);
	bool fresh = pos < 0;

	if (fresh && (pos = rte_hash_add_key(L.ad, a)) < 0) {
		emit_addr(a, SW_SYNC_ACT_REFUSED, "kernel sync's address record is full");
		return;
	}
	L.arec[pos].seen = 1;
	addr_routes(a, &local, &conn);
	route_install(&local, OR_ADDR, 0);
	if (a->len < local.prefix_len)
		route_install(&conn, OR_ADDR, 0);
	if (fresh)
		emit_addr(a, SW_SYNC_ACT_ADDED, "");
}

/* Does another address recorded still want this local or connected route? */
static bool addr_shared(const struct akey *a, bool local)
{
	unsigned int bits = abytes(a->family) * 8;
	uint8_t mine[16], theirs[16];
	const void *key;
	void *data;
	uint32_t next = 0;

	memcpy(mine, a->ip, 16);
	mask_prefix(mine, local ? bits : a->len, bits);
	while (rte_hash_iterate(L.ad, &key, &data, &next) >= 0) {
		const struct akey *o = key;

		if (memcmp(o, a, sizeof(*a)) == 0 || o->family != a->family ||
		    (!local && o->len != a->len))
			continue;
		memcpy(theirs, o->ip, 16);
		mask_prefix(theirs, local ? bits : o->len, bits);
		if (memcmp(mine, theirs, 16) == 0)
			return true;
	}
	return false;
}

static void addr_uninstall(const struct akey *a)
{
	struct sw_route local, conn;

	if (rte_hash_lookup(L.ad, a) < 0)
		return;
	addr_routes(a, &local, &conn);
	if (!addr_shared(a, true))
		route_uninstall(&local, OR_ADDR, NULL);
	if (a->len < local.prefix_len && !addr_shared(a, false))
		route_uninstall(&conn, OR_ADDR, NULL);
	rte_hash_del_key(L.ad, a);
	emit_addr(a, SW_SYNC_ACT_REMOVED, "");
}

/* --- rtnetlink messages --- */

static uint8_t sw_family(int af)
{
	return af == AF_INET ? SW_AF_INET : af == AF_INET6 ? SW_AF_INET6 : 0;
}

/* Attributes of one message by type (the last of each wins). */
static void parse_attrs(const struct rtattr **tb, unsigned int max, const struct rtattr *a, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = a;
}

static bool attr_ip(const struct rtattr *a, uint8_t family, uint8_t *ip)
{
	memset(ip, 0, 16);
	if (a == NULL || RTA_PAYLOAD(a) != abytes(family))
		return false;
	memcpy(ip, RTA_DATA(a), abytes(family));
	return true;
}

static void schedule_resync(const char *cause)
{
	if (L.resync_wanted == NULL)
		L.resync_wanted = cause;
}

static void on_addr(const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *tb[IFA_MAX + 1];
	struct akey a = { .len = ifa->ifa_prefixlen };
	int port = port_of((int)ifa->ifa_index);

	if (port < 0 || (a.family = sw_family(ifa->ifa_family)) == 0)
		return;
	a.port = port;
	parse_attrs(tb, IFA_MAX, IFA_RTA(ifa), (int)IFA_PAYLOAD(nh));
	if (!attr_ip(tb[IFA_LOCAL], a.family, a.ip) && !attr_ip(tb[IFA_ADDRESS], a.family, a.ip))
		return;
	if (a.family == SW_AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
		return;   /* link-local: the fast path punts it anyway, and it is on every vEth */
	if (a.len > abytes(a.family) * 8)
		return;
	if (nh->nlmsg_type == RTM_NEWADDR) {
		addr_install(&a);
		return;
	}
	addr_uninstall(&a);
	if (a.family == SW_AF_INET)
		schedule_resync("address removed (the kernel drops its routes silently)");
}

static bool neigh_ip_unicast(const struct sw_neigh *n)
{
	static const uint8_t zero[16];

	if (memcmp(n->ip, zero, abytes(n->family)) == 0)
		return false;
	if (n->family == SW_AF_INET)
		return (n->ip[0] & 0xf0) != 0xe0 && !(n->ip[0] == 255 && n->ip[1] == 255 &&
						       n->ip[2] == 255 && n->ip[3] == 255);
	return n->ip[0] != 0xff;
}

static void on_neigh(const struct nlmsghdr *nh)
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*nd));
	const struct rtattr *tb[NDA_MAX + 1];
	const uint16_t usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				NUD_NOARP;
	struct sw_neigh n = { 0 };
	int port = port_of(nd->ndm_ifindex);
	struct rte_ether_addr mac;

	if (port < 0 || len < 0 || (n.family = sw_family(nd->ndm_family)) == 0 ||
	    (nd->ndm_flags & NTF_PROXY))
		return;
	n.port = port;
	parse_attrs(tb, NDA_MAX, (const struct rtattr *)((const char *)nd +
						     NLMSG_ALIGN(sizeof(*nd))), len);
	if (!attr_ip(tb[NDA_DST], n.family, n.ip) || !neigh_ip_unicast(&n))
		return;
	bool ok = nh->nlmsg_type == RTM_NEWNEIGH && (nd->ndm_state & usable) &&
		  tb[NDA_LLADDR] != NULL && RTA_PAYLOAD(tb[NDA_LLADDR]) == 6;
	if (ok) {
		memcpy(n.mac, RTA_DATA(tb[NDA_LLADDR]), 6);
		memcpy(mac.addr_bytes, n.mac, 6);
		ok = rte_is_valid_assigned_ether_addr(&mac);
	}
	if (ok)
		neigh_install(&n);
	else
		neigh_uninstall(&n);
}

/* Next hops of a unicast route; -1 with *why when it cannot be followed,
 * -2 when a next hop does not leave through a vEth (not ours to follow). */
static int route_nexthops(const struct rtmsg *rt, const struct rtattr **tb, struct sw_route *r,
			  const char **why)
{
	const struct rtattr *gtb[RTA_MAX + 1];

	if (tb[RTA_NH_ID] != NULL) {
		*why = "next-hop objects (ip nexthop) are not followed";
		return -1;
	}
	if (tb[RTA_MULTIPATH] == NULL) {
		int port = tb[RTA_OIF] ? port_of(*(const int *)RTA_DATA(tb[RTA_OIF])) : -1;

		if (port < 0)
			return -2;
		if (tb[RTA_VIA] != NULL) {
			*why = "a gateway of another family (RTA_VIA)";
			return -1;
		}
		r->n_nh = 1;
		r->nh[0].port = port;
		attr_ip(tb[RTA_GATEWAY], r->family, r->nh[0].gw);
		return 0;
	}
	const struct rtnexthop *nh = RTA_DATA(tb[RTA_MULTIPATH]);
	int len = (int)RTA_PAYLOAD(tb[RTA_MULTIPATH]);

	for (; RTNH_OK(nh, len); len -= RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh)) {
		int port = port_of(nh->rtnh_ifindex);

		if (port < 0)
			return -2;
		if (r->n_nh == SW_ECMP_MAX) {
			*why = "more next hops than the fast path's ECMP maximum (8)";
			return -1;
		}
		parse_attrs(gtb, RTA_MAX, RTNH_DATA(nh), nh->rtnh_len - (int)sizeof(*nh));
		if (gtb[RTA_VIA] != NULL) {
			*why = "a gateway of another family (RTA_VIA)";
			return -1;
		}
		r->nh[r->n_nh].port = port;
		attr_ip(gtb[RTA_GATEWAY], r->family, r->nh[r->n_nh].gw);
		r->n_nh++;
	}
	RTE_SET_USED(rt);
	return r->n_nh > 0 ? 0 : -2;
}

/* An IPv6 route loses some of its next hops (the kernel notifies siblings
 * one by one): keep the others. Returns true when it did. */
static bool route_shrink(const struct sw_route *del, uint32_t metric)
{
	struct sw_route cur, left;
	bool nhost;
	struct rkey k;
	int32_t pos;

	rkey_of(del, &k);
	if (del->family != SW_AF_INET6 || del->n_nh == 0 || (pos = rte_hash_lookup(L.rt, &k)) < 0 ||
	    L.rrec[pos].origin != OR_ROUTE || L.rrec[pos].metric != metric ||
	    sw_route_get(del, &cur, &nhost) != 0 || cur.n_nh <= del->n_nh)
		return false;
	left = cur;
	left.n_nh = 0;
	for (unsigned int i = 0; i < cur.n_nh; i++) {
		bool gone = false;

		for (unsigned int j = 0; j < del->n_nh; j++)
			gone |= nh_cmp(&cur.nh[i], &del->nh[j]) == 0;
		if (!gone)
			left.nh[left.n_nh++] = cur.nh[i];
	}
	if (left.n_nh == 0 || left.n_nh + del->n_nh != cur.n_nh)
		return false;
	route_install(&left, OR_ROUTE, metric);
	return true;
}

static void on_route(const struct nlmsghdr *nh)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1];
	struct sw_route r = { 0 };
	const char *why = NULL;
	uint32_t table, metric = 0;
	int nhs = 0;

	if ((r.family = sw_family(rt->rtm_family)) == 0 || (rt->rtm_flags & RTM_F_CLONED) ||
	    rt->rtm_dst_len > abytes(r.family) * 8)
		return;
	parse_attrs(tb, RTA_MAX, RTM_RTA(rt), (int)RTM_PAYLOAD(nh));
	table = tb[RTA_TABLE] ? *(const uint32_t *)RTA_DATA(tb[RTA_TABLE]) : rt->rtm_table;
	if (table != RT_TABLE_MAIN)
		return;
	if (tb[RTA_PRIORITY] != NULL)
		metric = *(const uint32_t *)RTA_DATA(tb[RTA_PRIORITY]);
	r.prefix_len = rt->rtm_dst_len;
	attr_ip(tb[RTA_DST], r.family, r.prefix);
	mask_prefix(r.prefix, r.prefix_len, abytes(r.family) * 8);
	switch (rt->rtm_type) {
	case RTN_UNICAST:
		if (rt->rtm_protocol == RTPROT_KERNEL)
			return;   /* connected routes: the addresses give them */
		r.type = SW_ROUTE_FORWARD;
		nhs = route_nexthops(rt, tb, &r, &why);
		break;
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		r.type = SW_ROUTE_DROP;
		break;
	default:
		return;
	}
	if (nh->nlmsg_type == RTM_DELROUTE) {
		if (!route_shrink(&r, metric))
			route_uninstall(&r, OR_ROUTE, &metric);
		return;
	}
	if (nhs == 0) {
		route_install(&r, OR_ROUTE, metric);
		return;
	}
	/* now a route sync cannot follow: what sync had for it goes */
	route_uninstall(&r, OR_ROUTE, &metric);
	if (nhs == -1) {
		r.n_nh = 0;
		emit_route(&r, SW_SYNC_ACT_REFUSED, why);
	}
}

/* A vEth going down loses its IPv4 routes without notifications. */
static void on_link(const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int port = port_of(ifi->ifi_index);
	bool up = (ifi->ifi_flags & IFF_UP) != 0;

	if (port < 0)
		return;
	if (L.vif_up[port] && !up)
		schedule_resync("a vEth went down (the kernel drops its routes silently)");
	L.vif_up[port] = up;
}

static void handle(const struct nlmsghdr *nh)
{
	switch (nh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
			on_addr(nh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ndmsg)))
			on_neigh(nh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg)))
			on_route(nh);
		break;
	case RTM_NEWLINK:
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			on_link(nh);
		break;
	}
}

/* --- resync --- */

static int dump_request(uint16_t type)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;    /* the largest of ifaddrmsg, ndmsg, rtmsg; all zero: any */
	} req = {
		.nh = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = ++L.dump_seq },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t body = type == RTM_GETADDR ? sizeof(struct ifaddrmsg) :
		      type == RTM_GETNEIGH ? sizeof(struct ndmsg) : sizeof(struct rtmsg);

	req.nh.nlmsg_len = NLMSG_LENGTH(body);
	if (sendto(L.dump, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		SW_LOG(ERR, "kernel sync: dump request %u failed: %s", type, strerror(errno));
		return -1;
	}
	return 0;
}

static void clear_seen(void)
{
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(L.rt, &key, &data, &next)) >= 0)
		L.rrec[pos].seen = 0;
	next = 0;
	while ((pos = rte_hash_iterate(L.nb, &key, &data, &next)) >= 0)
		L.nrec[pos].seen = 0;
	next = 0;
	while ((pos = rte_hash_iterate(L.ad, &key, &data, &next)) >= 0)
		L.arec[pos].seen = 0;
}

static void resync_start(const char *cause)
{
	clear_seen();
	L.cause = cause;
	L.rs_added = L.rs_removed = L.rs_refused = L.rs_events = 0;
	L.phase = PH_ADDR;
	SW_LOG(INFO, "kernel sync: full resync (%s)", cause);
	if (dump_request(RTM_GETADDR) != 0)
		schedule_resync(cause);
}

/* Key copies first: removing while iterating a table is safe in rte_hash,
 * but the removals below also look things up. */
static void sweep(void)
{
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(L.rt, &key, &data, &next)) >= 0) {
		const struct rkey *k = key;
		struct sw_route r = { .family = k->family, .prefix_len = k->len };

		if (L.rrec[pos].seen || L.rrec[pos].origin != OR_ROUTE)
			continue;
		memcpy(r.prefix, k->ip, 16);
		route_uninstall(&r, OR_ROUTE, NULL);
	}
	next = 0;
	while ((pos = rte_hash_iterate(L.nb, &key, &data, &next)) >= 0) {
		const struct nkey *k = key;
		struct sw_neigh n = { .port = k->port, .family = k->family };

		if (L.nrec[pos].seen)
			continue;
		memcpy(n.ip, k->ip, 16);
		neigh_uninstall(&n);
	}
	next = 0;
	while ((pos = rte_hash_iterate(L.ad, &key, &data, &next)) >= 0) {
		struct akey a = *(const struct akey *)key;

		if (!L.arec[pos].seen)
			addr_uninstall(&a);
	}
}

static void resync_done(void)
{
	struct sw_evt_sync ev = { .what = SW_SYNC_WHAT_RESYNC, .action = SW_SYNC_ACT_DONE,
				  .port = SW_PORT_NONE };

	sweep();
	L.phase = PH_IDLE;
	L.resyncs++;
	ev.added = L.rs_added;
	ev.removed = L.rs_removed;
	ev.refused = L.rs_refused;
	SW_LOG(INFO, "kernel sync: resync (%s) done: %u added, %u removed, %u refused", L.cause,
	       ev.added, ev.removed, ev.refused);
	emit(&ev, L.cause);
}

static void dump_next_phase(void)
{
	switch (L.phase) {
	case PH_ADDR:
		L.phase = PH_NEIGH;
		if (dump_request(RTM_GETNEIGH) != 0)
			break;
		return;
	case PH_NEIGH:
		L.phase = PH_ROUTE;
		if (dump_request(RTM_GETROUTE) != 0)
			break;
		return;
	default:
		resync_done();
		return;
	}
	L.phase = PH_IDLE;   /* the socket failed: try again later */
	schedule_resync(L.cause);
}

static bool budget_left(uint64_t deadline)
{
	return rte_get_timer_cycles() < deadline;
}

static void dump_read(uint64_t deadline)
{
	ssize_t n;

	while (L.phase != PH_IDLE && budget_left(deadline)) {
		n = recv(L.dump, nlbuf, sizeof(nlbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			SW_LOG(WARNING, "kernel sync: dump: %s; starting over", strerror(errno));
			L.phase = PH_IDLE;
			schedule_resync(L.cause);
			return;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != L.dump_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				dump_next_phase();
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);

				SW_LOG(WARNING, "kernel sync: dump refused: %s", strerror(-err->error));
				dump_next_phase();
				break;
			}
			handle(nh);
		}
	}
}

static void mon_read(uint64_t deadline)
{
	ssize_t n;

	while (budget_left(deadline)) {
		n = recv(L.mon, nlbuf, sizeof(nlbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				schedule_resync("rtnetlink overflow: changes were lost");
			else if (errno != EAGAIN && errno != EINTR)
				SW_LOG(WARNING, "kernel sync: rtnetlink: %s", strerror(errno));
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			return;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len))
			handle(nh);
	}
}

void sw_lcp_poll(void)
{
	uint64_t deadline;

	if (!L.enabled)
		return;
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000000 * LCP_BUDGET_US;
	if (L.phase != PH_IDLE)
		dump_read(deadline);
	if (L.phase == PH_IDLE)
		mon_read(deadline);
	if (L.phase == PH_IDLE && L.resync_wanted != NULL) {
		const char *cause = L.resync_wanted;

		L.resync_wanted = NULL;
		resync_start(cause);
	}
	if (L.changed) {
		sw_fp_commit();
		L.changed = false;
	}
}

/* --- on and off --- */

static void tables_free(void)
{
	rte_hash_free(L.rt);
	rte_hash_free(L.nb);
	rte_hash_free(L.ad);
	rte_free(L.rrec);
	rte_free(L.nrec);
	rte_free(L.arec);
	L.rt = L.nb = L.ad = NULL;
	L.rrec = NULL;
	L.nrec = NULL;
	L.arec = NULL;
}

static int tables_init(struct sw_err *e)
{
	uint32_t nr = sw.max_routes + SW_MAX_ROUTES6;

	if (L.rt != NULL)
		return 0;
	L.rt = sw_hash_create("sw_lcp_rt", nr, sizeof(struct rkey));
	L.nb = sw_hash_create("sw_lcp_nb", SW_MAX_NH, sizeof(struct nkey));
	L.ad = sw_hash_create("sw_lcp_ad", LCP_MAX_ADDRS, sizeof(struct akey));
	L.rrec = rte_zmalloc("sw_lcp_rrec", (size_t)nr * sizeof(*L.rrec), 0);
	L.nrec = rte_zmalloc("sw_lcp_nrec", SW_MAX_NH * sizeof(*L.nrec), 0);
	L.arec = rte_zmalloc("sw_lcp_arec", LCP_MAX_ADDRS * sizeof(*L.arec), 0);
	if (L.rt && L.nb && L.ad && L.rrec && L.nrec && L.arec)
		return 0;
	tables_free();
	return sw_fail(e, SW_ST_NO_SPACE, "kernel sync: cannot allocate its records for %u routes "
		       "(more hugepages?)", nr);
}

static int nl_socket(uint32_t groups, int rcvbuf, struct sw_err *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return sw_fail(e, SW_ST_DEVICE, "kernel sync: rtnetlink socket: %s", strerror(errno));
	/* FORCE passes net.core.rmem_max (we run as root); plain SO_RCVBUF otherwise */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return sw_fail(e, SW_ST_DEVICE, "kernel sync: cannot bind rtnetlink: %s",
			       strerror(errno));
	}
	return fd;
}

static void sockets_close(void)
{
	if (L.mon >= 0)
		close(L.mon);
	if (L.dump >= 0)
		close(L.dump);
	L.mon = L.dump = -1;
}

static int enable(const char *cause, struct sw_err *e)
{
	const uint32_t groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_IFADDR |
				RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;

	if (L.enabled) {       /* on again: a full resync now */
		if (L.phase == PH_IDLE)
			resync_start(cause);
		return 0;
	}
	if (tables_init(e) != 0)
		return -1;
	/* listen first: whatever changes during the dumps is then queued */
	if ((L.mon = nl_socket(groups, LCP_RCVBUF, e)) < 0 ||
	    (L.dump = nl_socket(0, 4 << 20, e)) < 0) {
		sockets_close();
		return -1;
	}
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
		L.vif_up[p] = sw.ports[p].in_use;
	L.enabled = true;
	L.refused = L.resyncs = 0;
	L.resync_wanted = NULL;
	resync_start(cause);
	return 0;
}

/* Remove what sync installed, routes first, then neighbours, then the
 * addresses with their local and connected routes. */
static void disable(void)
{
	sockets_close();
	L.phase = PH_IDLE;
	L.resync_wanted = NULL;
	L.enabled = false;
	if (L.rt == NULL)
		return;
	clear_seen();
	sweep();
	rte_hash_reset(L.rt);
	rte_hash_reset(L.nb);
	rte_hash_reset(L.ad);
	SW_LOG(INFO, "kernel sync: off; what it installed was removed");
}

static void fill_cfg(struct sw_sync_cfg *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = L.enabled;
	out->resyncing = L.enabled && (L.phase != PH_IDLE || L.resync_wanted != NULL);
	if (L.rt != NULL) {
		out->routes = (uint32_t)rte_hash_count(L.rt);
		out->neighbours = (uint32_t)rte_hash_count(L.nb);
		out->addresses = (uint32_t)rte_hash_count(L.ad);
	}
	out->refused = L.refused;
	out->resyncs = L.resyncs;
}

int sw_lcp_sync_set(const struct sw_sync_cfg *cfg, struct sw_sync_cfg *out, struct sw_err *e)
{
	if (cfg->enabled) {
		if (enable("enabled through the API", e) != 0)
			return -1;
	} else if (L.enabled) {
		disable();
	}
	fill_cfg(out);
	return 0;
}

int sw_lcp_sync_get(struct sw_sync_cfg *out, struct sw_err *e)
{
	RTE_SET_USED(e);
	fill_cfg(out);
	return 0;
}

int sw_lcp_init(bool enabled)
{
	struct sw_err e;

	if (!enabled)
		return 0;
	if (enable("start-up (--kernel-sync)", &e) != 0) {
		SW_LOG(ERR, "%s", e.msg);
		return -1;
	}
	return 0;
}

void sw_lcp_close(void)
{
	sockets_close();
	L.enabled = false;
	tables_free();
}

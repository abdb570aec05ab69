/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync's addresses and neighbours: an address on vEthN gives a
 * local route and the connected prefix through port N (origin "kernel
 * address"), recorded here so that a resync sweeps those not seen again; a
 * neighbour the kernel resolved on vEthN gives a neighbour on port N
 * (origin "kernel neighbour"). Main lcore only; no DPDK.
 */
#include <linux/neighbour.h>
#include <string.h>

#include "core/util.h"
#include "kni/lcp.h"
#include "kni/lcp_router.h"
#include "kni/nl.h"

#define LCP_MAX_ADDRS 4096u

struct akey {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t len;
};

static struct {
	struct akey k;
	uint8_t epoch;
	bool used;
} addrs[LCP_MAX_ADDRS];
static unsigned int addrs_top; /* slots used so far: [0, addrs_top) */

static void emit_neigh(const struct sw_l3_neigh *n, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_NEIGH,
		.action = action,
		.family = n->family,
		.prefix_len = n->family == SW_AF_INET ? 32 : 128,
		.port = n->port,
	};

	memcpy(ev.ip, n->ip, 16);
	memcpy(ev.mac, n->mac, 6);
	sw_lcp_emit(&ev, reason);
}

static void emit_addr(const struct akey *a, uint8_t action, const char *reason)
{
	struct sw_evt_sync ev = {
		.what = SW_SYNC_WHAT_ADDR,
		.action = action,
		.family = a->family,
		.prefix_len = a->len,
		.port = a->port,
	};

	memcpy(ev.ip, a->ip, 16);
	sw_lcp_emit(&ev, reason);
}

/* --- neighbours --- */

static void neigh_install(const struct sw_l3_neigh *n)
{
	struct sw_err e;
	int ret = T->neigh_add(n, SW_ORIGIN_KNEIGH, &e);

	sw_lcp_checked();
	if (ret == SW_RT_BEHIND)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, "set through the API with another MAC");
	else if (ret < 0)
		emit_neigh(n, SW_SYNC_ACT_REFUSED, e.msg);
	else if (ret == SW_RT_ACTIVE)
		emit_neigh(n, SW_SYNC_ACT_ADDED, "");
}

void sw_lcp_neigh_swept(const struct sw_l3_neigh *n)
{
	emit_neigh(n, SW_SYNC_ACT_REMOVED, "");
}

/* --- addresses: a local host route and the connected prefix --- */

static int addr_find(const struct akey *a)
{
	for (unsigned int i = 0; i < addrs_top; i++)
		if (addrs[i].used && memcmp(&addrs[i].k, a, sizeof(*a)) == 0)
			return (int)i;
	return -1;
}

static int addr_new(const struct akey *a)
{
	unsigned int i;

	for (i = 0; i < addrs_top && addrs[i].used; i++)
		;
	if (i == LCP_MAX_ADDRS)
		return -1;
	if (i == addrs_top)
		addrs_top++;
	addrs[i].used = true;
	addrs[i].k = *a;
	return (int)i;
}

uint32_t sw_lcp_addresses(void)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < addrs_top; i++)
		n += addrs[i].used;
	return n;
}

/* The kernel's connected route of an address has metric 0 in IPv4, 256 in
 * IPv6; its local route 0 (l3/route.h: how candidates compare). */
static uint32_t conn_metric(uint8_t family)
{
	return family == SW_AF_INET6 ? 256 : 0;
}

static void addr_routes(const struct akey *a, struct sw_l3_route *local, struct sw_l3_route *conn)
{
	unsigned int bits = sw_af_bytes(a->family) * 8;

	memset(local, 0, sizeof(*local));
	local->family = a->family;
	local->len = bits;
	local->type = SW_ROUTE_LOCAL;
	memcpy(local->prefix, a->ip, 16);
	memset(conn, 0, sizeof(*conn));
	conn->family = a->family;
	conn->len = a->len;
	conn->type = SW_ROUTE_FORWARD;
	conn->n_nh = 1;
	conn->nh[0].port = a->port; /* gateway zero: directly connected */
	memcpy(conn->prefix, a->ip, 16);
	sw_mask_prefix(conn->prefix, a->len, bits);
}

static void addr_install(const struct akey *a)
{
	struct sw_l3_route local, conn;
	int pos = addr_find(a);
	bool fresh = pos < 0;

	sw_lcp_checked();
	if (fresh && (pos = addr_new(a)) < 0) {
		emit_addr(a, SW_SYNC_ACT_REFUSED, "kernel sync's address record is full");
		return;
	}
	addrs[pos].epoch = kernel_sync.epoch;
	addr_routes(a, &local, &conn);
	sw_lcp_route_install(&local, SW_ORIGIN_KADDR, 0);
	if (a->len < local.len)
		sw_lcp_route_install(&conn, SW_ORIGIN_KADDR, conn_metric(a->family));
	if (fresh)
		emit_addr(a, SW_SYNC_ACT_ADDED, "");
}

/* Does another address recorded still want this local or connected route? */
static bool addr_shared(const struct akey *a, bool local)
{
	unsigned int bits = sw_af_bytes(a->family) * 8;
	uint8_t mine[16], theirs[16];

	memcpy(mine, a->ip, 16);
	sw_mask_prefix(mine, local ? bits : a->len, bits);
	for (unsigned int i = 0; i < addrs_top; i++) {
		const struct akey *o = &addrs[i].k;

		if (!addrs[i].used || memcmp(o, a, sizeof(*a)) == 0 || o->family != a->family ||
		    (!local && (o->len != a->len || o->port != a->port)))
			continue;
		memcpy(theirs, o->ip, 16);
		sw_mask_prefix(theirs, local ? bits : o->len, bits);
		if (memcmp(mine, theirs, 16) == 0)
			return true;
	}
	return false;
}

static void addr_uninstall(int pos)
{
	struct akey a = addrs[pos].k;
	struct sw_l3_route local, conn;

	addr_routes(&a, &local, &conn);
	if (!addr_shared(&a, true))
		sw_lcp_route_uninstall(&local, SW_ORIGIN_KADDR, NULL);
	if (a.len < local.len && !addr_shared(&a, false))
		sw_lcp_route_uninstall(&conn, SW_ORIGIN_KADDR, NULL);
	addrs[pos].used = false;
	while (addrs_top > 0 && !addrs[addrs_top - 1].used)
		addrs_top--;
	emit_addr(&a, SW_SYNC_ACT_REMOVED, "");
}

/* --- the messages --- */

void sw_lcp_on_addr(const struct sw_nl_addr *m)
{
	struct akey a = { .family = m->family, .len = m->len };
	int port, pos;

	if (!kernel_sync.enabled || (port = T->vif_port(m->ifindex)) < 0)
		return;
	a.port = (uint16_t)port;
	memcpy(a.ip, m->ip, 16);
	if (a.family == SW_AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
		return; /* link-local: the fast path punts it anyway, and it is on every vEth */
	if (!m->del) {
		addr_install(&a);
		return;
	}
	if ((pos = addr_find(&a)) >= 0)
		addr_uninstall(pos);
	if (a.family == SW_AF_INET)
		sw_nl_resync("address removed (the kernel drops its routes silently)");
}

static bool unicast_ip(uint8_t family, const uint8_t *ip)
{
	static const uint8_t zero[16];

	if (memcmp(ip, zero, sw_af_bytes(family)) == 0)
		return false;
	if (family == SW_AF_INET)
		return (ip[0] & 0xf0) != 0xe0 &&
		       !(ip[0] == 255 && ip[1] == 255 && ip[2] == 255 && ip[3] == 255);
	return ip[0] != 0xff;
}

static bool unicast_mac(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

void sw_lcp_on_neigh(const struct sw_nl_neigh *m)
{
	const uint16_t usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				NUD_NOARP;
	struct sw_l3_neigh n = { .family = m->family };
	int port;

	if (!kernel_sync.enabled || (port = T->vif_port(m->ifindex)) < 0 ||
	    (m->flags & NTF_PROXY) || !unicast_ip(m->family, m->ip))
		return;
	n.port = (uint16_t)port;
	memcpy(n.ip, m->ip, 16);
	memcpy(n.mac, m->mac, 6);
	if (!m->del && (m->state & usable) && m->has_mac && unicast_mac(m->mac)) {
		neigh_install(&n);
		return;
	}
	if (T->neigh_del(&n, SW_ORIGIN_KNEIGH, NULL) == 0)
		emit_neigh(&n, SW_SYNC_ACT_REMOVED, "");
}

void sw_lcp_addrs_sweep(void)
{
	for (unsigned int i = 0; i < addrs_top; i++)
		if (addrs[i].used && addrs[i].epoch != kernel_sync.epoch)
			addr_uninstall((int)i);
}

void sw_lcp_addrs_clear(void)
{
	memset(addrs, 0, sizeof(addrs));
	addrs_top = 0;
}

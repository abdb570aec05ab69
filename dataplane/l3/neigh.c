/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours: a neighbour (port, family, ip, mac) resolves the next hop
 * with that identity (nexthop.c) and installs an attached host route
 * (/32, /128, origin "neighbour") unless that prefix already has a route.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>

#include "core/publish.h"
#include "core/util.h"
#include "l3/nexthop.h"
#include "l3/route.h"
#include "port/port.h"

static void neigh_name(const struct sw_l3_neigh *n, char *buf, size_t len)
{
	char ip[64];

	snprintf(buf, len, "%s on port %u", sw_fmt_ip(n->family, n->ip, ip, sizeof(ip)), n->port);
}

static int neigh_check(const struct sw_l3_neigh *n, const char *name, struct sw_err *e)
{
	static const uint8_t zero[16];

	if (n->family != SW_AF_INET && n->family != SW_AF_INET6) {
		if (e)
			sw_fail(e, SW_ST_INVALID, "neighbour: family must be 4 or 6, not %u",
				n->family);
		return -EINVAL;
	}
	if (!sw_port_exists(n->port)) {
		if (e)
			sw_fail(e, SW_ST_NO_PORT, "neighbour %s: port %u does not exist", name,
				n->port);
		return -ENODEV;
	}
	if (memcmp(n->ip, zero, sw_af_bytes(n->family)) == 0 ||
	    (n->family == SW_AF_INET ? (n->ip[0] & 0xf0) == 0xe0 : n->ip[0] == 0xff)) {
		if (e)
			sw_fail(e, SW_ST_INVALID, "neighbour %s: not a unicast address", name);
		return -EINVAL;
	}
	return 0;
}

static void host_route(const struct sw_l3_neigh *n, struct sw_l3_route *r)
{
	memset(r, 0, sizeof(*r));
	r->family = n->family;
	r->len = sw_af_bytes(n->family) * 8;
	r->type = SW_ROUTE_FORWARD;
	r->n_nh = 1;
	memcpy(r->prefix, n->ip, sw_af_bytes(n->family));
	r->nh[0].port = n->port;
	memcpy(r->nh[0].gw, n->ip, sw_af_bytes(n->family));
}

int sw_neigh_add(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e)
{
	struct rte_ether_addr mac;
	struct sw_l3_route hr;
	struct sw_nh_rec *rec;
	char name[80];
	uint32_t id;
	int ret;

	neigh_name(n, name, sizeof(name));
	if ((ret = neigh_check(n, name, e)) != 0)
		return ret;
	memcpy(mac.addr_bytes, n->mac, 6);
	if (!rte_is_valid_assigned_ether_addr(&mac)) {
		if (e)
			sw_fail(e, SW_ST_INVALID,
				"neighbour %s: MAC " RTE_ETHER_ADDR_PRT_FMT
				" is not a unicast address",
				name, RTE_ETHER_ADDR_BYTES(&mac));
		return -EINVAL;
	}
	if (sw_nh_get(n->port, n->family, n->ip, &id) != 0) {
		if (e)
			sw_fail(e, SW_ST_NO_SPACE, "neighbour %s: next-hop table full (%u)", name,
				SW_MAX_NH);
		return -ENOSPC;
	}
	rec = sw_nh_rec(id);
	if (rec->has_neigh && origin != SW_ORIGIN_API && rec->neigh_origin == SW_ORIGIN_API) {
		/* the API's wins; the kernel's waits behind it */
		bool same = rec->has_kmac && memcmp(rec->kmac, n->mac, 6) == 0;

		rec->has_kmac = true;
		rec->kepoch = sw_l3_epoch();
		memcpy(rec->kmac, n->mac, 6);
		return same ? SW_RT_UNCHANGED : SW_RT_BEHIND;
	}
	if (rec->has_neigh && rec->neigh_origin == origin && memcmp(rec->mac, n->mac, 6) == 0) {
		rec->epoch = sw_l3_epoch();
		return SW_RT_UNCHANGED;
	}
	if (rec->has_neigh && origin == SW_ORIGIN_API && rec->neigh_origin != SW_ORIGIN_API) {
		rec->has_kmac = true; /* the kernel's takes over again when the API's goes */
		rec->kepoch = rec->epoch;
		memcpy(rec->kmac, rec->mac, 6);
	}
	rec->neigh_origin = origin;
	rec->epoch = sw_l3_epoch();
	sw_nh_resolve(id, n->mac);

	/* the attached host route: a candidate behind any other route of the prefix */
	host_route(n, &hr);
	if ((ret = sw_route_add(&hr, SW_ORIGIN_NEIGH, 0, e)) < 0)
		return ret;
	sw_publish_mark_dirty();
	return SW_RT_ACTIVE;
}

/* The neighbour goes; its next hop stays while routes use it. */
static void neigh_remove(uint32_t id, const struct sw_l3_neigh *n)
{
	struct sw_l3_route hr;

	host_route(n, &hr);
	sw_route_del(&hr, SW_ORIGIN_NEIGH, NULL, NULL); /* only its own host route */
	sw_nh_rec(id)->has_kmac = false;
	sw_nh_resolve(id, NULL);
	sw_nh_maybe_release(id);
	sw_publish_mark_dirty();
}

/* The API's neighbour goes: a kernel one behind it takes over. */
static void kernel_takes_over(uint32_t id)
{
	struct sw_nh_rec *rec = sw_nh_rec(id);

	rec->has_kmac = false;
	rec->neigh_origin = SW_ORIGIN_KNEIGH;
	rec->epoch = rec->kepoch;
	sw_nh_resolve(id, rec->kmac);
	sw_publish_mark_dirty();
}

int sw_neigh_del(const struct sw_l3_neigh *n, enum sw_origin origin, struct sw_err *e)
{
	struct sw_nh_rec *rec;
	char name[80];
	uint32_t id;
	int ret;

	neigh_name(n, name, sizeof(name));
	if ((ret = neigh_check(n, name, e)) != 0)
		return ret;
	if (sw_nh_find(n->port, n->family, n->ip, &id) != 0 || !sw_nh_rec(id)->has_neigh) {
		if (e)
			sw_fail(e, SW_ST_NOT_FOUND, "neighbour %s does not exist", name);
		return -ENOENT;
	}
	rec = sw_nh_rec(id);
	if (rec->neigh_origin != origin) {
		if (origin == SW_ORIGIN_KNEIGH && rec->has_kmac) {
			rec->has_kmac = false; /* the one behind the API's */
			return 0;
		}
		if (e)
			sw_fail(e, SW_ST_NOT_FOUND,
				"neighbour %s was not set through the API: kernel sync has it from "
				"the kernel (ip neigh del)",
				name);
		return -ENOENT;
	}
	if (origin == SW_ORIGIN_API && rec->has_kmac)
		kernel_takes_over(id);
	else
		neigh_remove(id, n);
	return 0;
}

int sw_neigh_get(const struct sw_l3_neigh *key, uint8_t mac[6], enum sw_origin *origin)
{
	uint32_t id;

	if (sw_nh_find(key->port, key->family, key->ip, &id) != 0 || !sw_nh_rec(id)->has_neigh)
		return -ENOENT;
	memcpy(mac, sw_nh_rec(id)->mac, 6);
	if (origin != NULL)
		*origin = sw_nh_rec(id)->neigh_origin;
	return 0;
}

static void neigh_of(const struct sw_nh_rec *r, struct sw_l3_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->port = r->key.port;
	n->family = r->key.family;
	memcpy(n->ip, r->key.ip, 16);
	memcpy(n->mac, r->mac, 6);
}

bool sw_neigh_next(uint8_t family, uint32_t *cursor, struct sw_l3_neigh *out,
		   enum sw_origin *origin)
{
	int64_t id;

	while ((id = sw_nh_iterate(cursor)) >= 0) {
		const struct sw_nh_rec *r = sw_nh_rec((uint32_t)id);

		if (!r->has_neigh || (family != 0 && r->key.family != family))
			continue;
		neigh_of(r, out);
		if (origin != NULL)
			*origin = r->neigh_origin;
		return true;
	}
	return false;
}

uint32_t sw_neighs_sweep(enum sw_origin origin, void (*removed)(const struct sw_l3_neigh *n))
{
	uint8_t epoch = sw_l3_epoch();
	uint32_t cursor = 0, count = 0;
	int64_t id;

	while ((id = sw_nh_iterate(&cursor)) >= 0) {
		struct sw_nh_rec *r = sw_nh_rec((uint32_t)id);
		struct sw_l3_neigh n;

		if (!r->has_neigh)
			continue;
		if (origin == SW_ORIGIN_KNEIGH && r->has_kmac && r->kepoch != epoch)
			r->has_kmac = false; /* behind an API neighbour: nothing to remove */
		if (r->neigh_origin != origin || r->epoch == epoch)
			continue;
		sw_publish_make_room();
		neigh_of(r, &n);
		if (r->neigh_origin == SW_ORIGIN_API && r->has_kmac)
			kernel_takes_over((uint32_t)id);
		else
			neigh_remove((uint32_t)id, &n);
		if (removed != NULL)
			removed(&n);
		count++;
	}
	return count;
}

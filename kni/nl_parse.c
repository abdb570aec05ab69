/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink messages into the structs of nl.h, and the consumers they go
 * to. Every length is checked before it is read: the message's against
 * its fixed header, each attribute's against what is left of the message
 * (RTA_OK) and its payload against the size read from it, each next hop
 * of RTA_MULTIPATH against what is left of the attribute (RTNH_OK). No
 * DPDK here: the fuzz target (test/fuzz/fuzz_sync.c) runs it as is.
 */
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/util.h"
#include "kni/nl.h"

#define MAX_CONSUMERS 4u
#define ATTR_TYPE(a)  ((a)->rta_type & NLA_TYPE_MASK)

static struct {
	const struct sw_nl_consumer *c[MAX_CONSUMERS];
	unsigned int n;
} consumers;

void sw_nl_register(const struct sw_nl_consumer *c)
{
	if (consumers.n == MAX_CONSUMERS)
		abort();
	consumers.c[consumers.n++] = c;
}

const struct sw_nl_consumer *const *sw_nl_consumers(unsigned int *n)
{
	*n = consumers.n;
	return consumers.c;
}

#define EACH(hook, ...)                                             \
	do {                                                        \
		for (unsigned int i_ = 0; i_ < consumers.n; i_++)   \
			if (consumers.c[i_]->hook != NULL)          \
				consumers.c[i_]->hook(__VA_ARGS__); \
	} while (0)

static uint8_t sw_family(int af)
{
	return af == AF_INET ? SW_AF_INET : af == AF_INET6 ? SW_AF_INET6 : 0;
}

/* Attributes of one message by type (the last of each wins); len may be
 * negative (a message shorter than its header: no attribute). */
static void parse_attrs(const struct rtattr **tb, unsigned int max, const struct rtattr *a, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (ATTR_TYPE(a) <= max)
			tb[ATTR_TYPE(a)] = a;
}

static bool attr_u32(const struct rtattr *a, uint32_t *v)
{
	if (a == NULL || RTA_PAYLOAD(a) < sizeof(*v))
		return false;
	memcpy(v, RTA_DATA(a), sizeof(*v));
	return true;
}

static bool attr_ip(const struct rtattr *a, uint8_t family, uint8_t *ip)
{
	memset(ip, 0, 16);
	if (a == NULL || family == 0 || RTA_PAYLOAD(a) != sw_af_bytes(family))
		return false;
	memcpy(ip, RTA_DATA(a), sw_af_bytes(family));
	return true;
}

/* The attributes after a fixed header of hdr bytes. */
static int attrs_len(const struct nlmsghdr *nh, size_t hdr)
{
	return (int)nh->nlmsg_len - (int)NLMSG_SPACE(hdr);
}

static const struct rtattr *first_attr(const struct nlmsghdr *nh, size_t hdr)
{
	return (const struct rtattr *)((const char *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdr));
}

static void on_link(const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct sw_nl_link l = {
		.ifindex = ifi->ifi_index,
		.flags = ifi->ifi_flags,
		.del = nh->nlmsg_type == RTM_DELLINK,
	};

	EACH(link, &l);
}

static bool on_addr(const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *tb[IFA_MAX + 1];
	struct sw_nl_addr a = {
		.ifindex = (int)ifa->ifa_index,
		.family = sw_family(ifa->ifa_family),
		.len = ifa->ifa_prefixlen,
		.del = nh->nlmsg_type == RTM_DELADDR,
	};

	if (a.family == 0 || a.len > sw_af_bytes(a.family) * 8)
		return false;
	parse_attrs(tb, IFA_MAX, first_attr(nh, sizeof(*ifa)), attrs_len(nh, sizeof(*ifa)));
	if (!attr_ip(tb[IFA_LOCAL], a.family, a.ip) && !attr_ip(tb[IFA_ADDRESS], a.family, a.ip))
		return false;
	EACH(addr, &a);
	return true;
}

static bool on_neigh(const struct nlmsghdr *nh)
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const struct rtattr *tb[NDA_MAX + 1];
	struct sw_nl_neigh n = {
		.ifindex = nd->ndm_ifindex,
		.family = sw_family(nd->ndm_family),
		.state = nd->ndm_state,
		.flags = nd->ndm_flags,
		.del = nh->nlmsg_type == RTM_DELNEIGH,
	};

	if (n.family == 0)
		return false;
	parse_attrs(tb, NDA_MAX, first_attr(nh, sizeof(*nd)), attrs_len(nh, sizeof(*nd)));
	if (!attr_ip(tb[NDA_DST], n.family, n.ip))
		return false;
	if (tb[NDA_LLADDR] != NULL && RTA_PAYLOAD(tb[NDA_LLADDR]) == 6) {
		n.has_mac = true;
		memcpy(n.mac, RTA_DATA(tb[NDA_LLADDR]), 6);
	}
	EACH(neigh, &n);
	return true;
}

static bool on_nexthop(const struct nlmsghdr *nh)
{
	const struct nhmsg *m = NLMSG_DATA(nh);
	const struct rtattr *tb[NHA_MAX + 1];
	struct sw_nl_nexthop o = {
		.family = sw_family(m->nh_family),
		.del = nh->nlmsg_type == RTM_DELNEXTHOP,
	};
	uint32_t oif;

	parse_attrs(tb, NHA_MAX, first_attr(nh, sizeof(*m)), attrs_len(nh, sizeof(*m)));
	if (!attr_u32(tb[NHA_ID], &o.id) || o.id == 0)
		return false;
	o.blackhole = tb[NHA_BLACKHOLE] != NULL;
	o.fdb = tb[NHA_FDB] != NULL;
	if (attr_u32(tb[NHA_OIF], &oif))
		o.ifindex = (int)oif;
	o.has_gw = attr_ip(tb[NHA_GATEWAY], o.family, o.gw);
	if (tb[NHA_GROUP] != NULL) {
		const struct nexthop_grp *g = RTA_DATA(tb[NHA_GROUP]);
		size_t n = RTA_PAYLOAD(tb[NHA_GROUP]) / sizeof(*g);

		o.family = 0;
		o.too_many = n > SW_NL_MAX_NH;
		for (size_t i = 0; i < n && i < SW_NL_MAX_NH; i++)
			memcpy(&o.grp[o.n_grp++], &g[i].id, sizeof(o.grp[0]));
	}
	EACH(nexthop, &o);
	return true;
}

static void parse_nh(uint8_t family, int ifindex, unsigned int flags, const struct rtattr **tb,
		     struct sw_nl_nh *h)
{
	h->ifindex = ifindex;
	h->dead = (flags & RTNH_F_DEAD) != 0;
	h->other_family_gw = tb[RTA_VIA] != NULL;
	h->has_gw = attr_ip(tb[RTA_GATEWAY], family, h->gw);
}

static bool on_route(const struct nlmsghdr *nh)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1], *gtb[RTA_MAX + 1];
	struct sw_nl_route r = {
		.family = sw_family(rt->rtm_family),
		.len = rt->rtm_dst_len,
		.type = rt->rtm_type,
		.protocol = rt->rtm_protocol,
		.tos = rt->rtm_tos,
		.table = rt->rtm_table,
		.flags = rt->rtm_flags,
		.append = (nh->nlmsg_flags & NLM_F_APPEND) != 0 && nh->nlmsg_type == RTM_NEWROUTE,
		.del = nh->nlmsg_type == RTM_DELROUTE,
	};
	uint32_t oif;

	if (r.family == 0 || r.len > sw_af_bytes(r.family) * 8)
		return false;
	parse_attrs(tb, RTA_MAX, first_attr(nh, sizeof(*rt)), attrs_len(nh, sizeof(*rt)));
	attr_u32(tb[RTA_TABLE], &r.table);
	attr_u32(tb[RTA_PRIORITY], &r.metric);
	attr_u32(tb[RTA_NH_ID], &r.nhid);
	attr_ip(tb[RTA_DST], r.family, r.dst);
	sw_mask_prefix(r.dst, r.len, sw_af_bytes(r.family) * 8);
	if (tb[RTA_MULTIPATH] == NULL) {
		if (attr_u32(tb[RTA_OIF], &oif)) {
			parse_nh(r.family, (int)oif, rt->rtm_flags, tb, &r.nh[0]);
			r.n_nh = 1;
		}
	} else {
		const struct rtnexthop *h = RTA_DATA(tb[RTA_MULTIPATH]);
		int len = (int)RTA_PAYLOAD(tb[RTA_MULTIPATH]);

		for (; RTNH_OK(h, len); len -= RTNH_ALIGN(h->rtnh_len), h = RTNH_NEXT(h)) {
			if (r.n_nh == SW_NL_MAX_NH) {
				r.too_many_nh = true;
				break;
			}
			parse_attrs(gtb, RTA_MAX, RTNH_DATA(h), h->rtnh_len - (int)RTNH_LENGTH(0));
			parse_nh(r.family, h->rtnh_ifindex, h->rtnh_flags, gtb, &r.nh[r.n_nh++]);
		}
	}
	EACH(route, &r);
	return true;
}

static bool long_enough(const struct nlmsghdr *nh, size_t hdr)
{
	return nh->nlmsg_len >= NLMSG_LENGTH(hdr);
}

bool sw_nl_dispatch(const void *nlmsg)
{
	const struct nlmsghdr *nh = nlmsg;

	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (!long_enough(nh, sizeof(struct ifinfomsg)))
			return false;
		on_link(nh);
		return true;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return long_enough(nh, sizeof(struct ifaddrmsg)) && on_addr(nh);
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		return long_enough(nh, sizeof(struct ndmsg)) && on_neigh(nh);
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		return long_enough(nh, sizeof(struct nhmsg)) && on_nexthop(nh);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return long_enough(nh, sizeof(struct rtmsg)) && on_route(nh);
	default:
		return false;
	}
}

unsigned int sw_nl_dispatch_buf(const void *buf, size_t len)
{
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;
	unsigned int n = 0;

	for (const struct nlmsghdr *nh = buf; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left))
		n += sw_nl_dispatch(nh);
	return n;
}

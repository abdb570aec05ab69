/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtnetlink reader (see nl.h). Two sockets: `mon`, in the link,
 * address, neighbour and route groups with a large receive buffer, and
 * `dump`, for the RTM_GET* dumps of a resync. Both are read without
 * blocking, within a time budget per poll; a poll that changed tables
 * commits once (one fast-path publish per netlink batch).
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "core/log.h"
#include "core/module.h"
#include "core/publish.h"
#include "core/util.h"
#include "kni/nl.h"

#define NL_RCVBUF     (64 << 20) /* notifications between two polls */
#define NL_BUDGET_US  5000u	 /* netlink work per poll */
#define NL_POLL_NS    (10ull * 1000 * 1000)
#define MAX_CONSUMERS 4u

enum phase { PH_IDLE, PH_ADDR, PH_NEIGH, PH_ROUTE };

static struct {
	const struct sw_nl_consumer *c[MAX_CONSUMERS];
	unsigned int n_c;
	int mon, dump;
	enum phase phase;
	uint32_t dump_seq;
	bool interrupted;   /* the dumps in progress may have missed entries */
	const char *cause;  /* of the resync in progress */
	const char *wanted; /* cause of the next one, NULL: none */
} nl = { .mon = -1, .dump = -1 };

static uint8_t nlbuf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));

void sw_nl_register(const struct sw_nl_consumer *c)
{
	if (nl.n_c == MAX_CONSUMERS)
		abort();
	nl.c[nl.n_c++] = c;
}

#define EACH(hook, ...)                                      \
	do {                                                 \
		for (unsigned int i_ = 0; i_ < nl.n_c; i_++) \
			if (nl.c[i_]->hook != NULL)          \
				nl.c[i_]->hook(__VA_ARGS__); \
	} while (0)

void sw_nl_resync(const char *cause)
{
	if (nl.wanted == NULL)
		nl.wanted = cause;
}

bool sw_nl_resyncing(void)
{
	return nl.phase != PH_IDLE || nl.wanted != NULL;
}

const char *sw_nl_resync_cause(void)
{
	return nl.cause != NULL ? nl.cause : "";
}

int sw_nl_send(const void *req, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (nl.mon < 0)
		return -ENOTCONN;
	if (sendto(nl.mon, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* --- parsing --- */

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
	if (a == NULL || RTA_PAYLOAD(a) != sw_af_bytes(family))
		return false;
	memcpy(ip, RTA_DATA(a), sw_af_bytes(family));
	return true;
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

static void on_addr(const struct nlmsghdr *nh)
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
		return;
	parse_attrs(tb, IFA_MAX, IFA_RTA(ifa), (int)IFA_PAYLOAD(nh));
	if (!attr_ip(tb[IFA_LOCAL], a.family, a.ip) && !attr_ip(tb[IFA_ADDRESS], a.family, a.ip))
		return;
	EACH(addr, &a);
}

static void on_neigh(const struct nlmsghdr *nh)
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*nd));
	const struct rtattr *tb[NDA_MAX + 1];
	struct sw_nl_neigh n = {
		.ifindex = nd->ndm_ifindex,
		.family = sw_family(nd->ndm_family),
		.state = nd->ndm_state,
		.flags = nd->ndm_flags,
		.del = nh->nlmsg_type == RTM_DELNEIGH,
	};

	if (len < 0 || n.family == 0)
		return;
	parse_attrs(tb, NDA_MAX,
		    (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd))), len);
	if (!attr_ip(tb[NDA_DST], n.family, n.ip))
		return;
	if (tb[NDA_LLADDR] != NULL && RTA_PAYLOAD(tb[NDA_LLADDR]) == 6) {
		n.has_mac = true;
		memcpy(n.mac, RTA_DATA(tb[NDA_LLADDR]), 6);
	}
	EACH(neigh, &n);
}

static void parse_nh(uint8_t family, int ifindex, const struct rtattr **tb, struct sw_nl_nh *h)
{
	h->ifindex = ifindex;
	h->other_family_gw = tb[RTA_VIA] != NULL;
	h->has_gw = attr_ip(tb[RTA_GATEWAY], family, h->gw);
}

static void on_route(const struct nlmsghdr *nh)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1], *gtb[RTA_MAX + 1];
	struct sw_nl_route r = {
		.family = sw_family(rt->rtm_family),
		.len = rt->rtm_dst_len,
		.type = rt->rtm_type,
		.protocol = rt->rtm_protocol,
		.table = rt->rtm_table,
		.flags = rt->rtm_flags,
		.del = nh->nlmsg_type == RTM_DELROUTE,
	};
	uint32_t oif;

	if (r.family == 0 || r.len > sw_af_bytes(r.family) * 8)
		return;
	parse_attrs(tb, RTA_MAX, RTM_RTA(rt), (int)RTM_PAYLOAD(nh));
	attr_u32(tb[RTA_TABLE], &r.table);
	attr_u32(tb[RTA_PRIORITY], &r.metric);
	attr_u32(tb[RTA_NH_ID], &r.nhid);
	attr_ip(tb[RTA_DST], r.family, r.dst);
	sw_mask_prefix(r.dst, r.len, sw_af_bytes(r.family) * 8);
	if (tb[RTA_MULTIPATH] == NULL) {
		if (attr_u32(tb[RTA_OIF], &oif)) {
			parse_nh(r.family, (int)oif, tb, &r.nh[0]);
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
			parse_attrs(gtb, RTA_MAX, RTNH_DATA(h), h->rtnh_len - (int)sizeof(*h));
			parse_nh(r.family, h->rtnh_ifindex, gtb, &r.nh[r.n_nh++]);
		}
	}
	EACH(route, &r);
}

static void handle(const struct nlmsghdr *nh)
{
	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			on_link(nh);
		break;
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
	}
}

/* --- resync --- */

static bool wants_dump(void)
{
	for (unsigned int i = 0; i < nl.n_c; i++)
		if (nl.c[i]->wants_dump != NULL && nl.c[i]->wants_dump())
			return true;
	return false;
}

static int dump_request(uint16_t type)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt; /* the largest of ifaddrmsg, ndmsg, rtmsg; all zero: any */
	} req = {
		.nh = { .nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = ++nl.dump_seq },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t body = type == RTM_GETADDR    ? sizeof(struct ifaddrmsg)
		      : type == RTM_GETNEIGH ? sizeof(struct ndmsg)
					     : sizeof(struct rtmsg);

	req.nh.nlmsg_len = NLMSG_LENGTH(body);
	if (sendto(nl.dump, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) <
	    0) {
		SW_LOG(ERR, "rtnetlink: dump request %u failed: %s", type, strerror(errno));
		return -1;
	}
	return 0;
}

static void resync_end(bool complete)
{
	nl.phase = PH_IDLE;
	if (!complete) {
		SW_LOG(WARNING, "rtnetlink: resync (%s) incomplete; nothing swept, starting over",
		       nl.cause);
		sw_nl_resync(nl.cause);
	}
	EACH(resync_end, complete);
}

static void resync_start(const char *cause)
{
	nl.cause = cause;
	nl.interrupted = false;
	SW_LOG(INFO, "rtnetlink: full resync (%s)", cause);
	EACH(resync_begin);
	if (!wants_dump() || nl.dump < 0) {
		resync_end(true);
		return;
	}
	nl.phase = PH_ADDR;
	if (dump_request(RTM_GETADDR) != 0)
		resync_end(false);
}

static void dump_next_phase(void)
{
	static const uint16_t next_type[] = { [PH_ADDR] = RTM_GETNEIGH, [PH_NEIGH] = RTM_GETROUTE };

	if (nl.phase == PH_ROUTE) {
		resync_end(!nl.interrupted);
		return;
	}
	if (dump_request(next_type[nl.phase]) != 0) {
		resync_end(false);
		return;
	}
	nl.phase++;
}

static bool budget_left(uint64_t deadline)
{
	return rte_get_timer_cycles() < deadline;
}

static void dump_read(uint64_t deadline)
{
	ssize_t n;

	while (nl.phase != PH_IDLE && budget_left(deadline)) {
		n = recv(nl.dump, nlbuf, sizeof(nlbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			SW_LOG(WARNING, "rtnetlink: dump: %s", strerror(errno));
			resync_end(false);
			return;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != nl.dump_seq)
				continue;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				nl.interrupted = true;
			if (nh->nlmsg_type == NLMSG_DONE) {
				dump_next_phase();
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);

				SW_LOG(WARNING, "rtnetlink: dump refused: %s",
				       strerror(-err->error));
				resync_end(false);
				return;
			}
			handle(nh);
		}
	}
}

static void mon_read(uint64_t deadline)
{
	ssize_t n;

	while (budget_left(deadline)) {
		n = recv(nl.mon, nlbuf, sizeof(nlbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				sw_nl_resync("rtnetlink overflow: changes were lost");
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				SW_LOG(WARNING, "rtnetlink: %s", strerror(errno));
			return;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len))
			handle(nh);
	}
}

static void nl_poll(uint64_t now_ns)
{
	const uint64_t changes = sw_publish_changes();
	uint64_t deadline;

	RTE_SET_USED(now_ns);
	/* while a commit waits for a classifier, table changes wait in the socket */
	if (nl.mon < 0 || sw_publish_busy())
		return;
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000000 * NL_BUDGET_US;
	if (nl.phase != PH_IDLE)
		dump_read(deadline);
	if (nl.phase == PH_IDLE)
		mon_read(deadline);
	if (nl.phase == PH_IDLE && nl.wanted != NULL) {
		const char *cause = nl.wanted;

		nl.wanted = NULL;
		resync_start(cause);
	}
	sw_publish_commit_background(sw_publish_changes() != changes);
}
SW_PERIODIC_REGISTER("rtnetlink", NL_POLL_NS, nl_poll)

/* --- sockets --- */

static int nl_socket(uint32_t groups, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		SW_LOG(ERR, "rtnetlink socket: %s", strerror(errno));
		return -1;
	}
	/* FORCE passes net.core.rmem_max (we run as root); plain SO_RCVBUF otherwise */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		SW_LOG(ERR, "rtnetlink: cannot bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void nl_fini(void)
{
	if (nl.mon >= 0)
		close(nl.mon);
	if (nl.dump >= 0)
		close(nl.dump);
	nl.mon = nl.dump = -1;
	nl.phase = PH_IDLE;
	nl.wanted = NULL;
}

static int nl_init(void)
{
	const uint32_t groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_IFADDR |
				RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;

	/* listen first: whatever changes during the dumps is then queued */
	nl.mon = nl_socket(groups, NL_RCVBUF);
	nl.dump = nl.mon >= 0 ? nl_socket(0, 4 << 20) : -1;
	if (nl.dump < 0) {
		/* the vEths still work; their settings and carrier are not mirrored */
		SW_LOG(WARNING, "rtnetlink unavailable: no link mirror, no kernel sync");
		nl_fini();
	}
	return 0;
}

static const struct sw_module nl_module = {
	.name = "rtnetlink",
	.prio = SW_PRIO_KNI,
	.init = nl_init,
	.fini = nl_fini,
};
SW_MODULE_REGISTER(nl_module)

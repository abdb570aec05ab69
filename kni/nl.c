/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtnetlink reader (see nl.h). Two sockets: `mon`, in the link,
 * address, neighbour, next-hop and route groups with a large receive
 * buffer, and `dump`, for the RTM_GET* dumps of a resync. Both are read
 * without blocking, within a time budget per poll; a poll that used its
 * whole budget runs again at the next pass of the main loop instead of
 * 10 ms later, and each poll that changed tables commits once (one
 * fast-path publish per batch of messages).
 *
 * A resync: apply what waits in `mon` (dropped unread after a loss: the
 * dumps are newer than it and bring back whatever it said), then dump
 * addresses, neighbours, next-hop objects and routes one after the other
 * on `dump` (a phase flagged NLM_F_DUMP_INTR is dumped again), then let the
 * consumers sweep, a bounded part per call, then read `mon` again.
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
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
#include "kni/netns.h"
#include "kni/nl.h"

#define NL_RCVBUF    (128 << 20) /* notifications between two polls (a full table's burst) */
#define NL_BUDGET_US 5000u	 /* netlink work per poll */
#define NL_POLL_NS   (10ull * 1000 * 1000)
#define NL_BUF	     (1 << 16)

enum phase { PH_IDLE, PH_DRAIN, PH_ADDR, PH_NEIGH, PH_NEXTHOP, PH_ROUTE, PH_SWEEP };

static const uint16_t dump_type[] = {
	[PH_ADDR] = RTM_GETADDR,
	[PH_NEIGH] = RTM_GETNEIGH,
	[PH_NEXTHOP] = RTM_GETNEXTHOP,
	[PH_ROUTE] = RTM_GETROUTE,
};
static const enum sw_nl_dump dump_what[] = {
	[PH_ADDR] = SW_NL_DUMP_ADDR,
	[PH_NEIGH] = SW_NL_DUMP_NEIGH,
	[PH_NEXTHOP] = SW_NL_DUMP_NEXTHOP,
	[PH_ROUTE] = SW_NL_DUMP_ROUTE,
};

static struct {
	int mon, dump;
	enum phase phase;
	uint32_t dump_seq;
	bool interrupted;	 /* the phase's dump in progress was flagged inconsistent */
	unsigned int repeats;	 /* of the phase in progress */
	unsigned int sweep_next; /* the consumer sweeping */
	const char *cause;	 /* of the resync in progress */
	const char *wanted;	 /* cause of the next one, NULL: none */
	bool handled;		 /* messages handled in this poll */
	bool lossy;		 /* notifications were lost: the next resync drops what waits */
	struct sw_nl_stats st;
} nl = { .mon = -1, .dump = -1 };

static uint8_t nlbuf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));

#define EACH(hook, ...)                                                        \
	do {                                                                   \
		unsigned int n_;                                               \
		const struct sw_nl_consumer *const *c_ = sw_nl_consumers(&n_); \
		for (unsigned int i_ = 0; i_ < n_; i_++)                       \
			if (c_[i_]->hook != NULL)                              \
				c_[i_]->hook(__VA_ARGS__);                     \
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

void sw_nl_stats(struct sw_nl_stats *st)
{
	*st = nl.st;
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

static bool budget_left(uint64_t deadline)
{
	return rte_get_timer_cycles() < deadline;
}

/* Reads one datagram; 0 when none waits, -1 after an error (logged), else
 * its length. A truncated one counts as lost. */
static ssize_t nl_recv(int fd, bool *lost)
{
	ssize_t n = recv(fd, nlbuf, sizeof(nlbuf), MSG_DONTWAIT | MSG_TRUNC);

	*lost = false;
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			*lost = true;
			return 0;
		}
		SW_LOG(WARNING, "rtnetlink: %s", strerror(errno));
		return -1;
	}
	if (n > (ssize_t)sizeof(nlbuf)) {
		*lost = true; /* more than the buffer: the rest of it is gone */
		return 0;
	}
	return n;
}

static void lost(const char *what)
{
	nl.st.overflows++;
	nl.lossy = true;
	SW_LOG(WARNING, "rtnetlink: %s: notifications were lost; full resync", what);
	sw_nl_resync("rtnetlink overflow: changes were lost");
}

/* --- resync --- */

static bool wants_dump(void)
{
	unsigned int n;
	const struct sw_nl_consumer *const *c = sw_nl_consumers(&n);

	for (unsigned int i = 0; i < n; i++)
		if (c[i]->wants_dump != NULL && c[i]->wants_dump())
			return true;
	return false;
}

static int dump_request(enum phase ph)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt; /* the largest of ifaddrmsg, ndmsg, nhmsg, rtmsg; all zero: any */
	} req = {
		.nh = { .nlmsg_type = dump_type[ph],
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = ++nl.dump_seq },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t body = ph == PH_ADDR	 ? sizeof(struct ifaddrmsg)
		      : ph == PH_NEIGH	 ? sizeof(struct ndmsg)
		      : ph == PH_NEXTHOP ? sizeof(struct nhmsg)
					 : sizeof(struct rtmsg);

	req.nh.nlmsg_len = NLMSG_LENGTH(body);
	nl.interrupted = false;
	if (sendto(nl.dump, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) <
	    0) {
		SW_LOG(ERR, "rtnetlink: dump request %u failed: %s", dump_type[ph],
		       strerror(errno));
		return -1;
	}
	nl.phase = ph;
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
	nl.repeats = 0;
	SW_LOG(INFO, "rtnetlink: full resync (%s)", cause);
	if (!wants_dump() || nl.dump < 0) {
		EACH(resync_begin);
		resync_end(true);
		return;
	}
	nl.phase = PH_DRAIN;
}

/* What waits in mon is older than the dumps about to start: applied (so an
 * audit counts only what really differed), or dropped unread after a loss
 * (the dumps give it all). The consumers begin their resync only then (the
 * link mirror compares every vEth with its port: what a dropped link
 * notification said is read back). */
static void drain(uint64_t deadline)
{
	bool gone;
	ssize_t n;

	while (budget_left(deadline)) {
		n = nl_recv(nl.mon, &gone);
		if (gone) {
			nl.lossy = true;
			nl.st.overflows++;
			continue;
		}
		if (n > 0) {
			int len = (int)n;

			if (nl.lossy) {
				nl.st.dropped++;
				continue;
			}
			for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
			     nh = NLMSG_NEXT(nh, len)) {
				sw_publish_make_room();
				if (sw_nl_dispatch(nh))
					nl.st.messages++;
			}
			nl.handled = true;
			continue;
		}
		nl.lossy = false;
		EACH(resync_begin);
		if (dump_request(PH_ADDR) != 0)
			resync_end(false);
		return;
	}
}

static void phase_done(void)
{
	enum phase ph = nl.phase;

	if (nl.interrupted) {
		/* entries that never changed may be missing from it: again */
		nl.st.dumps_intr++;
		if (++nl.repeats == 1 || nl.repeats % 64 == 0)
			SW_LOG(INFO,
			       "rtnetlink: dump %u interrupted by changes; dumping again (%u)",
			       dump_type[ph], nl.repeats);
		if (dump_request(ph) != 0)
			resync_end(false);
		return;
	}
	nl.repeats = 0;
	EACH(dump_done, dump_what[ph]);
	if (ph == PH_ROUTE) {
		nl.phase = PH_SWEEP;
		nl.sweep_next = 0;
		return;
	}
	if (dump_request(ph + 1) != 0)
		resync_end(false);
}

static void dump_read(uint64_t deadline)
{
	bool gone;
	ssize_t n;

	while (nl.phase >= PH_ADDR && nl.phase <= PH_ROUTE && budget_left(deadline)) {
		n = nl_recv(nl.dump, &gone);
		if (gone || n < 0) {
			lost("dump");
			resync_end(false);
			return;
		}
		if (n == 0)
			return;
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != nl.dump_seq)
				continue; /* the rest of an abandoned dump */
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				nl.interrupted = true;
			if (nh->nlmsg_type == NLMSG_DONE) {
				phase_done();
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);
				int code = nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) ? -err->error
										       : EINVAL;

				if (nl.phase == PH_NEXTHOP) {
					/* a kernel without next-hop objects: none to follow */
					SW_LOG(INFO, "rtnetlink: no next-hop object dump: %s",
					       strerror(code));
					if (dump_request(PH_ROUTE) != 0)
						resync_end(false);
					break;
				}
				SW_LOG(WARNING, "rtnetlink: dump refused: %s", strerror(code));
				resync_end(false);
				return;
			}
			sw_publish_make_room();
			sw_nl_dispatch(nh);
			nl.handled = true;
		}
	}
}

static void sweep(uint64_t deadline)
{
	unsigned int n;
	const struct sw_nl_consumer *const *c = sw_nl_consumers(&n);

	while (budget_left(deadline)) {
		if (nl.sweep_next == n) {
			resync_end(true);
			return;
		}
		if (c[nl.sweep_next]->resync_sweep == NULL || c[nl.sweep_next]->resync_sweep())
			nl.sweep_next++;
		nl.handled = true;
	}
}

/* Notifications, in order. True when the budget ran out before they did. */
static bool mon_read(uint64_t deadline)
{
	bool gone;
	ssize_t n;

	while (budget_left(deadline)) {
		n = nl_recv(nl.mon, &gone);
		if (gone) {
			lost("notifications");
			return false;
		}
		if (n <= 0)
			return false;
		int len = (int)n;
		for (const struct nlmsghdr *nh = (const void *)nlbuf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			sw_publish_make_room();
			if (sw_nl_dispatch(nh))
				nl.st.messages++;
		}
		nl.handled = true;
	}
	return true;
}

static void nl_poll(uint64_t now_ns)
{
	const uint64_t changes = sw_publish_changes();
	uint64_t deadline;
	bool more = false;

	/* while a commit waits for a classifier, table changes wait in the socket */
	if (nl.mon < 0 || sw_publish_busy())
		return;
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000000 * NL_BUDGET_US;
	nl.handled = false;
	if (nl.phase == PH_DRAIN)
		drain(deadline);
	if (nl.phase >= PH_ADDR && nl.phase <= PH_ROUTE)
		dump_read(deadline);
	if (nl.phase == PH_SWEEP)
		sweep(deadline);
	if (nl.phase == PH_IDLE)
		more = mon_read(deadline);
	if (nl.phase == PH_IDLE && nl.wanted != NULL) {
		const char *cause = nl.wanted;

		nl.wanted = NULL;
		resync_start(cause);
	}
	if (nl.handled)
		EACH(batch_end, now_ns);
	sw_publish_commit_background(sw_publish_changes() != changes);
	if (more || nl.phase != PH_IDLE)
		sw_periodic_again(); /* a backlog or a resync: no 10 ms pause */
}
SW_PERIODIC_REGISTER("rtnetlink", NL_POLL_NS, nl_poll)

/* --- sockets --- */

static int nl_socket(uint32_t groups, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	/* in the vEths' namespace: their links, addresses and routes are there */
	int fd = sw_netns_socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
				 NETLINK_ROUTE);

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
	int nexthops = RTNLGRP_NEXTHOP;

	/* listen first: whatever changes during the dumps is then queued */
	nl.mon = nl_socket(groups, NL_RCVBUF);
	if (nl.mon >= 0 && setsockopt(nl.mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &nexthops,
				      sizeof(nexthops)) != 0)
		SW_LOG(INFO, "rtnetlink: no next-hop object notifications: %s", strerror(errno));
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

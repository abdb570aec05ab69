/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore listens to RTMGRP_LINK on a non-blocking rtnetlink socket,
 * and uses it to set a vEth's carrier from its port's link (IFLA_CARRIER:
 * the tun driver implements it).
 * For a notification about a vEth, each property that now differs from its
 * port (MTU, administrative up/down, MAC, promiscuous, all-multicast) is
 * applied to the port, and every such request becomes an event (see
 * on_link: how echoes of slipwayd's own changes are told apart).
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "ctl/server.h"
#include "netlink.h"
#include "ports.h"
#include "sw.h"
#include "vif.h"

static int nl_fd = -1;

int sw_kni_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		SW_LOG(ERR, "vEth requests: cannot listen to rtnetlink: %s", strerror(errno));
		sw_kni_close();
		return -1;
	}
	return 0;
}

void sw_kni_set_carrier(uint16_t port, bool up)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		uint8_t carrier;
		uint8_t pad[3];
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_LENGTH(1),
			.nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)sw.ports[port].vif_ifindex },
		.rta = { .rta_len = RTA_LENGTH(1), .rta_type = IFLA_CARRIER },
		.carrier = up,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (nl_fd < 0 || sw.ports[port].vif_ifindex == 0)
		return;
	if (sendto(nl_fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		SW_LOG(WARNING, "vEth %s: cannot set carrier %s: %s", sw.ports[port].vif_name,
		       up ? "on" : "off", strerror(errno));
}

void sw_kni_close(void)
{
	if (nl_fd >= 0)
		close(nl_fd);
	nl_fd = -1;
}

static void report(uint16_t port, uint8_t what, bool applied, uint32_t value, const uint8_t *mac,
		   const char *reason)
{
	sw_ctl_event_kernel(port, what, applied, value, mac, reason);
	if (applied)
		SW_LOG(INFO, "port %u: applied %s's request (%u)", port, sw.ports[port].vif_name, what);
	else
		SW_LOG(WARNING, "port %u: refused %s's request (%u): %s", port,
		       sw.ports[port].vif_name, what, reason);
}

static void apply_mtu(uint16_t port, struct sw_port *p, uint32_t mtu)
{
	struct sw_port_set s = { .port = port, .mask = SW_PORT_SET_MTU, .mtu = mtu };
	struct sw_err e;
	uint16_t cur;

	if (rte_eth_dev_get_mtu(p->eth_port, &cur) != 0 || cur == mtu)
		return;
	if (sw_port_set(&s, &e) == 0) {
		report(port, SW_KREQ_MTU, true, mtu, NULL, "");
		return;
	}
	sw_vif_set_mtu(p, cur);   /* the vEth takes the port's back */
	report(port, SW_KREQ_MTU, false, mtu, NULL, e.msg);
}

static void apply_mac(uint16_t port, struct sw_port *p, const uint8_t *mac)
{
	struct sw_port_set s = { .port = port, .mask = SW_PORT_SET_MAC };
	struct rte_ether_addr cur;
	struct sw_err e;

	if (rte_eth_macaddr_get(p->eth_port, &cur) != 0 || memcmp(cur.addr_bytes, mac, 6) == 0)
		return;
	memcpy(s.mac, mac, 6);
	if (sw_port_set(&s, &e) == 0) {
		report(port, SW_KREQ_MAC, true, 0, mac, "");
		return;
	}
	sw_vif_set_mac(p, &cur);
	report(port, SW_KREQ_MAC, false, 0, mac, e.msg);
}

static void apply_updown(uint16_t port, struct sw_port *p, bool up)
{
	struct sw_err e;

	if (up == p->started)
		return;
	if ((up ? sw_port_start(port, &e) : sw_port_stop(port, &e)) == 0) {
		report(port, up ? SW_KREQ_UP : SW_KREQ_DOWN, true, 0, NULL, "");
		return;
	}
	sw_vif_set_up(p, !up);
	report(port, up ? SW_KREQ_UP : SW_KREQ_DOWN, false, 0, NULL, e.msg);
}

/* promiscuous and all-multicast: the same dance with different calls */
static void apply_flag(uint16_t port, struct sw_port *p, uint8_t what, bool on)
{
	bool promisc = what == SW_KREQ_PROMISC;
	int cur = promisc ? rte_eth_promiscuous_get(p->eth_port)
			  : rte_eth_allmulticast_get(p->eth_port);
	int ret;

	if (cur < 0 || (cur == 1) == on)
		return;
	if (promisc)
		ret = on ? rte_eth_promiscuous_enable(p->eth_port) : rte_eth_promiscuous_disable(p->eth_port);
	else
		ret = on ? rte_eth_allmulticast_enable(p->eth_port) : rte_eth_allmulticast_disable(p->eth_port);
	if (ret == 0) {
		report(port, what, true, on, NULL, "");
		return;
	}
	sw_vif_set_flag(p, promisc ? IFF_PROMISC : IFF_ALLMULTI, !on);
	report(port, what, false, on, NULL, rte_strerror(-ret));
}

/*
 * A notification says that something changed on a vEth, not what is true
 * now: it may be the echo of a change slipwayd made itself (the vEth
 * following its port), and newer changes may be queued behind it. So the
 * vEth's current settings are read back and compared with the port's:
 * whatever differs was asked of the vEth by someone else and is applied to
 * the port. Changes made through the API set the port and the vEth
 * together, so their echoes find nothing to do (last writer wins).
 */
static void on_link(const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct sw_vif_state st;
	uint16_t port;

	for (port = 0; port < SW_MAX_PORTS; port++)
		if (sw.ports[port].in_use && sw.ports[port].vif_ifindex == (unsigned int)ifi->ifi_index)
			break;
	if (port == SW_MAX_PORTS)
		return;
	struct sw_port *p = &sw.ports[port];
	if (sw_vif_get_state(p, &st) != 0)
		return;   /* the vEth is going away */
	apply_mtu(port, p, st.mtu);
	apply_mac(port, p, st.mac);
	apply_flag(port, p, SW_KREQ_PROMISC, st.flags & IFF_PROMISC);
	apply_flag(port, p, SW_KREQ_ALLMULTI, st.flags & IFF_ALLMULTI);
	apply_updown(port, p, st.flags & IFF_UP);
}

void sw_kni_poll(void)
{
	uint8_t buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n;

	if (nl_fd < 0)
		return;
	while ((n = recv(nl_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		int len = (int)n;

		for (const struct nlmsghdr *nh = (const void *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == RTM_NEWLINK)
				on_link(nh);
	}
	if (n < 0 && errno == ENOBUFS)
		SW_LOG(WARNING, "vEth requests: rtnetlink overflow, some changes were not seen");
}

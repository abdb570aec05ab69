/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * KNI parity: a vEth and its port are one interface.
 *
 *  - What the kernel is asked to do with a vEth (`ip link set vEthN mtu M |
 *    up | down | address X | promisc on|off | allmulticast on|off`, or
 *    ifconfig) reaches port N; a change the port refuses is undone on the
 *    vEth. Every such request becomes an event.
 *  - Port N's link shows as vEthN's carrier (IFLA_CARRIER: the tun driver
 *    implements it); a stopped port has none.
 *
 * Ownership: the last writer wins. Changes made through the API set the
 * port and the vEth together (kni/vif.c follows the port). A notification
 * says that something changed on a vEth, not what is true now: it may be
 * the echo of such a change, and newer changes may be queued behind it. So
 * the vEth's current settings are read back and compared with the port's,
 * and only what differs is applied: an echo finds nothing to do. After lost
 * notifications (a resync) every vEth is compared the same way. Main lcore
 * only.
 */
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <rte_ethdev.h>

#include "core/event.h"
#include "core/log.h"
#include "kni/nl.h"
#include "kni/vif.h"
#include "port/port.h"

static void report(uint16_t port, uint8_t what, bool applied, uint32_t value, const uint8_t *mac,
		   const char *reason)
{
	struct sw_evt_kernel ev = {
		.port = port, .what = what, .applied = applied, .value = value
	};

	if (mac != NULL)
		memcpy(ev.mac, mac, sizeof(ev.mac));
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	sw_event_push(SW_EVT_KERNEL_REQUEST, &ev);
	if (applied)
		SW_LOG(INFO, "port %u: applied %s's request (%u)", port,
		       sw_port_get(port)->vif_name, what);
	else
		SW_LOG(WARNING, "port %u: refused %s's request (%u): %s", port,
		       sw_port_get(port)->vif_name, what, reason);
}

SW_EVENT_COPY(SW_EVT_KERNEL_REQUEST, sw_evt_kernel)

static void apply_mtu(uint16_t port, const struct sw_port *p, uint32_t mtu)
{
	uint32_t cur = sw_port_mtu(port);
	struct sw_err e;

	if (cur == mtu)
		return;
	if (sw_port_set_mtu(port, mtu, &e) == 0) {
		report(port, SW_KREQ_MTU, true, mtu, NULL, "");
		return;
	}
	sw_vif_set_mtu(p, cur); /* the vEth takes the port's back */
	report(port, SW_KREQ_MTU, false, mtu, NULL, e.msg);
}

static void apply_mac(uint16_t port, const struct sw_port *p, const uint8_t *mac)
{
	struct rte_ether_addr cur, want;
	struct sw_err e;

	sw_port_mac(port, &cur);
	if (memcmp(cur.addr_bytes, mac, 6) == 0)
		return;
	memcpy(want.addr_bytes, mac, 6);
	if (sw_port_set_mac(port, &want, &e) == 0) {
		report(port, SW_KREQ_MAC, true, 0, mac, "");
		return;
	}
	sw_vif_set_mac(p, &cur);
	report(port, SW_KREQ_MAC, false, 0, mac, e.msg);
}

static void apply_updown(uint16_t port, const struct sw_port *p, bool up)
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

/* promiscuous and all-multicast */
static void apply_flag(uint16_t port, const struct sw_port *p, unsigned int flag, bool on)
{
	uint8_t what = flag == SW_PORT_PROMISC ? SW_KREQ_PROMISC : SW_KREQ_ALLMULTI;
	struct sw_err e;

	if (sw_port_flag(port, flag) == on)
		return;
	if (sw_port_set_flag(port, flag, on, &e) == 0) {
		report(port, what, true, on, NULL, "");
		return;
	}
	sw_vif_set_flag(p, flag == SW_PORT_PROMISC ? IFF_PROMISC : IFF_ALLMULTI, !on);
	report(port, what, false, on, NULL, e.msg);
}

/* Apply to the port whatever the vEth has that differs from it. */
static void reconcile(uint16_t port)
{
	const struct sw_port *p = sw_port_get(port);
	struct sw_vif_state st;

	if (p == NULL || p->vif_ifindex == 0 || sw_vif_get_state(p, &st) != 0)
		return; /* no vEth, or it is going away */
	apply_mtu(port, p, st.mtu);
	apply_mac(port, p, st.mac);
	apply_flag(port, p, SW_PORT_PROMISC, st.flags & IFF_PROMISC);
	apply_flag(port, p, SW_PORT_ALLMULTI, st.flags & IFF_ALLMULTI);
	apply_updown(port, p, st.flags & IFF_UP);
}

static void mirror_link(const struct sw_nl_link *l)
{
	int port = sw_vif_port(l->ifindex);

	if (port >= 0 && !l->del)
		reconcile((uint16_t)port);
}

static void mirror_resync(void)
{
	for (uint16_t port = 0; port < SW_MAX_PORTS; port++)
		reconcile(port);
}

static const struct sw_nl_consumer link_mirror = {
	.name = "link mirror",
	.link = mirror_link,
	.resync_begin = mirror_resync,
};
SW_NL_REGISTER(link_mirror)

/* The port's link is the vEth's carrier. */
static void set_carrier(uint16_t port, bool up)
{
	const struct sw_port *p = sw_port_get(port);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		uint8_t carrier;
		uint8_t pad[3];
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_LENGTH(1),
			.nlmsg_type = RTM_NEWLINK,
			.nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_family = AF_UNSPEC },
		.rta = { .rta_len = RTA_LENGTH(1), .rta_type = IFLA_CARRIER },
		.carrier = up,
	};
	int ret;

	if (p == NULL || p->vif_ifindex == 0)
		return;
	req.ifi.ifi_index = (int)p->vif_ifindex;
	ret = sw_nl_send(&req, req.nh.nlmsg_len);
	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot set carrier %s: %s", p->vif_name,
		       up ? "on" : "off", strerror(-ret));
}

static void carrier_admin(uint16_t port, bool started)
{
	if (!started)
		set_carrier(port, false); /* a stopped port has no link */
}

static const struct sw_port_observer carrier = {
	.name = "vEth carrier",
	.admin = carrier_admin,
	.link = set_carrier,
};
SW_PORT_OBSERVE(carrier)

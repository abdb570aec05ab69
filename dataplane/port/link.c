/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port link state. af_packet and af_xdp report a constant link, so for
 * those the link is their kernel interface's carrier, read from sysfs. A
 * stopped port has no link. The main lcore polls every port and announces
 * changes (observers: the vEth's carrier; the bus: SW_EVT_LINK).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "core/log.h"
#include "core/module.h"
#include "port/port.h"

#define LINK_POLL_NS (50ull * 1000 * 1000)

static bool kernel_carrier(const char *kif)
{
	char path[64], c = '0';
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", kif);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1) /* EINVAL while the interface is down */
		c = '0';
	close(fd);
	return c == '1';
}

bool sw_port_link_now(const struct sw_port *p, uint32_t *speed, bool *full_duplex)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->eth_port, &link) != 0)
		link.link_status = RTE_ETH_LINK_DOWN;
	if (p->kif[0] != '\0' && !kernel_carrier(p->kif))
		link.link_status = RTE_ETH_LINK_DOWN;
	if (!p->started)
		link.link_status = RTE_ETH_LINK_DOWN;
	*speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	*full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	return link.link_status == RTE_ETH_LINK_UP;
}

static void link_poll(uint64_t now_ns)
{
	RTE_SET_USED(now_ns);
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = sw_port_get(i);
		uint32_t speed;
		bool full;
		uint8_t up;

		if (p == NULL || !p->started)
			continue;
		up = sw_port_link_now(p, &speed, &full);
		if (up == p->link_up)
			continue;
		p->link_up = up;
		p->link_speed = speed;
		SW_LOG(INFO, "port %u: link %s", i, up ? "up" : "down");
		sw_port_link_changed(i);
	}
}
SW_PERIODIC_REGISTER("port link", LINK_POLL_NS, link_poll)

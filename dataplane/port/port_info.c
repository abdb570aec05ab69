/* SPDX-License-Identifier: BSD-3-Clause */
/* What the outside sees of a port: its description for the API, its
 * device counters for the statistics area, its events. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "core/event.h"
#include "core/state.h"
#include "core/stats.h"
#include "port/port.h"

void sw_port_info(uint16_t port, struct sw_port_info *info)
{
	const struct sw_port *p = sw_port_get(port);
	struct rte_eth_dev_info di;
	struct rte_ether_addr mac;
	bool full = false;

	memset(info, 0, sizeof(*info));
	info->port = port;
	info->eth_port = p->eth_port;
	info->started = p->started;
	info->link_up = sw_port_link_now(p, &info->link_speed, &full);
	info->link_duplex = full;
	info->mtu = sw_port_mtu(port);
	rte_eth_macaddr_get(p->eth_port, &mac);
	memcpy(info->mac, mac.addr_bytes, sizeof(info->mac));
	info->promisc = sw_port_flag(port, SW_PORT_PROMISC);
	info->worker_lcore = p->worker >= 0 ? sw.workers[p->worker].lcore_id : SW_PORT_NONE;
	info->n_rxq = p->n_rxq;
	info->n_txq = p->n_txq;
	if (rte_eth_dev_info_get(p->eth_port, &di) == 0) {
		info->min_mtu = di.min_mtu;
		info->max_mtu = di.max_mtu;
		snprintf(info->driver, sizeof(info->driver), "%s", di.driver_name);
	}
	rte_eth_dev_get_name_by_port(p->eth_port, info->name);
	snprintf(info->vif, sizeof(info->vif), "%s", p->vif_name);
}

/* Device counters for the statistics area. */
static void ports_stats(struct sw_stats *st)
{
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct rte_eth_stats es;
		struct sw_dev_stats *d = &st->dev[i];

		const struct sw_port *p = sw_port_get(i);

		if (p == NULL || rte_eth_stats_get(p->eth_port, &es) != 0) {
			memset(d, 0, sizeof(*d));
			continue;
		}
		d->ipackets = es.ipackets;
		d->opackets = es.opackets;
		d->ibytes = es.ibytes;
		d->obytes = es.obytes;
		d->imissed = es.imissed;
		d->ierrors = es.ierrors;
		d->oerrors = es.oerrors;
		d->rx_nombuf = es.rx_nombuf;
	}
}
SW_STATS_REGISTER(ports_stats)

/* SW_EVT_LINK, SW_EVT_PORT_*: the port's state now. */
static uint32_t port_event(const void *obj, void *buf, uint32_t cap)
{
	const struct sw_port_event *pe = obj;
	const struct sw_port *p = sw_port_get(pe->port);
	struct sw_evt_port *ev = buf;

	if (cap < sizeof(*ev) || p == NULL)
		return 0;
	*ev = (struct sw_evt_port){
		.port = pe->port,
		.link_up = p->link_up == 1, /* 2: not polled yet */
		.started = p->started,
		.link_speed = p->link_speed,
	};
	return sizeof(*ev);
}

__attribute__((constructor)) static void port_events(void)
{
	sw_event_serializer(SW_EVT_LINK, port_event);
	sw_event_serializer(SW_EVT_PORT_ADDED, port_event);
	sw_event_serializer(SW_EVT_PORT_STARTED, port_event);
	sw_event_serializer(SW_EVT_PORT_STOPPED, port_event);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports on the control side: attach by devargs, configure one rx queue and
 * one tx queue per worker, pair with a vEth, start/stop without stopping
 * traffic on other ports, MTU/MAC/promiscuous, link polling, device
 * counters. Main lcore only.
 */
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ctl/server.h"
#include "policer.h"
#include "ports.h"
#include "routes.h"
#include "netlink.h"
#include "vif.h"

#define PORT_RX_DESC 1024u
#define PORT_TX_DESC 1024u

static int port_ref(uint16_t port, struct sw_err *e, struct sw_port **out)
{
	if (port >= SW_MAX_PORTS || !sw.ports[port].in_use)
		return sw_fail(e, SW_ST_NO_PORT, "port %u does not exist", port);
	*out = &sw.ports[port];
	return 0;
}

int sw_port_check(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = NULL;

	return port_ref(port, e, &p);
}

unsigned int sw_ports_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		n += sw.ports[i].in_use;
	return n;
}

/* Worker for a port's rx queue 0: the least loaded one. */
static int16_t least_loaded_worker(void)
{
	unsigned int load[SW_MAX_LCORES] = {0};
	int16_t best = 0;

	/* every rx queue is load; queue 0 also carries the port's vEth injection */
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *p = &sw.ports[i];

		if (!p->in_use || p->worker < 0)
			continue;
		for (uint16_t q = 0; q < p->n_rxq; q++)
			load[(p->worker + q) % sw.n_workers] += q == 0 ? 2 : 1;
	}
	for (unsigned int w = 1; w < sw.n_workers; w++)
		if (load[w] < load[best])
			best = w;
	return best;
}

static int port_configure(uint16_t idx, uint16_t pid, const char *devargs, struct sw_err *e)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf = {0};
	uint16_t nrx = PORT_RX_DESC, ntx = PORT_TX_DESC;
	int ret;

	ret = rte_eth_dev_info_get(pid, &di);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u (%s): cannot read device info: %s", idx,
			       devargs, rte_strerror(-ret));
	if (di.max_tx_queues < sw.n_workers)
		return sw_fail(e, SW_ST_DEVICE,
			       "port %u (%s): needs %u tx queues (one per worker), %s allows %u%s",
			       idx, devargs, sw.n_workers, di.driver_name, di.max_tx_queues,
			       strstr(di.driver_name, "af_packet") ? "; add qpairs=N to the devargs" : "");
	/* one rx queue per worker where the device has them; RSS spreads flows */
	sw.ports[idx].n_rxq = RTE_MIN(sw.n_workers, RTE_MAX(di.max_rx_queues, 1u));
	if (sw.ports[idx].n_rxq > 1 && di.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = di.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	ret = rte_eth_dev_configure(pid, sw.ports[idx].n_rxq, sw.n_workers, &conf);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u (%s): rte_eth_dev_configure failed: %s",
			       idx, devargs, rte_strerror(-ret));
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	for (uint16_t q = 0; q < sw.ports[idx].n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, nrx, rte_eth_dev_socket_id(pid), NULL, sw.mp);
		if (ret != 0)
			return sw_fail(e, SW_ST_DEVICE,
				       "port %u (%s): rte_eth_rx_queue_setup %u failed: %s", idx,
				       devargs, q, rte_strerror(-ret));
	}
	for (uint16_t q = 0; q < sw.n_workers; q++) {
		ret = rte_eth_tx_queue_setup(pid, q, ntx, rte_eth_dev_socket_id(pid), NULL);
		if (ret != 0)
			return sw_fail(e, SW_ST_DEVICE,
				       "port %u (%s): rte_eth_tx_queue_setup %u failed: %s", idx,
				       devargs, q, rte_strerror(-ret));
	}
	return 0;
}

/* Undo a port attach: stop/close the ethdev and detach its device. */
void sw_eth_detach(uint16_t pid, bool started)
{
	struct rte_eth_dev_info di;
	struct rte_device *dev = NULL;

	if (rte_eth_dev_info_get(pid, &di) == 0)
		dev = di.device;
	if (started)
		rte_eth_dev_stop(pid);
	rte_eth_dev_close(pid);
	if (dev != NULL)
		rte_dev_remove(dev);
}

static bool devargs_valid(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n > SW_DEVARGS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (d[i] < 0x21 || d[i] > 0x7e)
			return false;
	/* empty key/value pairs: "x,,y", trailing comma */
	return strstr(d, ",,") == NULL && d[n - 1] != ',' && d[0] != ',';
}

/*
 * rte_dev_probe() only returns an errno; the driver says why in the log.
 * Capture the log while probing, pass it on to stderr, and keep its last
 * line for the error message.
 */
static int probe_capture(const char *devargs, char *why, size_t len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *prev = rte_log_get_stream();
	FILE *mem = open_memstream(&buf, &sz);
	int ret;

	why[0] = '\0';
	if (mem != NULL)
		rte_openlog_stream(mem);
	ret = rte_dev_probe(devargs);
	if (mem == NULL)
		return ret;
	rte_openlog_stream(prev);
	fclose(mem);
	if (buf != NULL && sz > 0) {
		fputs(buf, prev);
		while (sz > 0 && (buf[sz - 1] == '\n' || buf[sz - 1] == ' '))
			buf[--sz] = '\0';
		/* the first line is the driver's own reason; EAL's summary follows */
		char *nl = strchr(buf, '\n');
		if (nl != NULL)
			*nl = '\0';
		snprintf(why, len, "%s", buf);
	}
	free(buf);
	return ret;
}

/*
 * af_packet and af_xdp ports sit on a kernel interface (iface=...). Their
 * drivers report a constant link, so the port's link is that interface's
 * carrier, read from sysfs on the main lcore.
 */
static void kernel_iface(const char *devargs, const char *driver, char *out, size_t len)
{
	const char *k = strstr(devargs, ",iface=");

	out[0] = '\0';
	if (k == NULL || (strcmp(driver, "net_af_packet") != 0 && strcmp(driver, "net_af_xdp") != 0))
		return;
	k += strlen(",iface=");
	snprintf(out, len, "%.*s", (int)strcspn(k, ","), k);
}

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

/* Link as the port sees it: the driver's, or its kernel interface's carrier. */
static void port_link(const struct sw_port *p, struct rte_eth_link *link)
{
	memset(link, 0, sizeof(*link));
	if (rte_eth_link_get_nowait(p->eth_port, link) != 0)
		link->link_status = RTE_ETH_LINK_DOWN;
	if (p->kif[0] != '\0' && !kernel_carrier(p->kif))
		link->link_status = RTE_ETH_LINK_DOWN;
	if (!p->started)
		link->link_status = RTE_ETH_LINK_DOWN;
}

/* First ethdev matching devargs that is not yet ours; -1 when none, or
 * -2 - N when it is already slipway port N. */
static int find_eth_port(const char *devargs, uint16_t *pid)
{
	struct rte_dev_iterator it;
	int taken = -1;
	uint16_t id;

	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it) {
		int owner = -1;

		for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
			if (sw.ports[i].in_use && sw.ports[i].eth_port == id)
				owner = i;
		if (owner < 0) {
			*pid = id;
			rte_eth_iterator_cleanup(&it);
			return 0;
		}
		taken = -2 - owner;
	}
	return taken;
}

/* af_packet opens one socket per queue pair and defaults to one; every
 * worker needs its own tx queue, so ask for as many pairs as workers. */
static const char *with_queue_pairs(const char *devargs, char *buf, size_t len)
{
	if (sw.n_workers < 2 || strncmp(devargs, "net_af_packet", 13) != 0 ||
	    strstr(devargs, "qpairs=") != NULL)
		return devargs;
	if ((size_t)snprintf(buf, len, "%s,qpairs=%u", devargs, sw.n_workers) >= len)
		return devargs;
	return buf;
}

int sw_port_add(const char *user_devargs, struct sw_err *e)
{
	char devargs_buf[SW_DEVARGS_MAX + 32];
	const char *devargs = with_queue_pairs(user_devargs, devargs_buf, sizeof(devargs_buf));
	struct rte_ether_addr mac;
	struct sw_port *p = NULL;
	char why[160];
	uint16_t idx, pid;
	int ret;

	if (!devargs_valid(devargs))
		return sw_fail(e, SW_ST_INVALID,
			       "devargs '%s' is malformed (expected driver-or-PCI-address[,key=value...])",
			       devargs);
	for (idx = 0; idx < SW_MAX_PORTS; idx++)
		if (!sw.ports[idx].in_use)
			break;
	if (idx == SW_MAX_PORTS)
		return sw_fail(e, SW_ST_NO_SPACE, "cannot add %s: all %u ports in use", devargs,
			       SW_MAX_PORTS);

	ret = probe_capture(devargs, why, sizeof(why));
	if (ret == -EFAULT || ret == -ENOENT || ret == -ENODEV)
		return sw_fail(e, SW_ST_INVALID, "port %u: no driver or bus matches '%s'%s%s", idx,
			       devargs, why[0] ? ": " : "", why);
	if (ret != 0 && ret != -EEXIST)
		return sw_fail(e, ret == -EINVAL ? SW_ST_INVALID : SW_ST_DEVICE,
			       "port %u: cannot attach '%s': %s", idx, devargs,
			       why[0] ? why : rte_strerror(-ret));
	ret = find_eth_port(devargs, &pid);
	if (ret <= -2)
		return sw_fail(e, SW_ST_EXISTS, "'%s' is already port %d", devargs, -2 - ret);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u: '%s' attached but has no ethdev", idx,
			       devargs);

	p = &sw.ports[idx];
	memset(p, 0, sizeof(*p));
	p->eth_port = pid;
	p->xc_out = SW_PORT_NONE;
	p->worker = -1;
	p->n_txq = sw.n_workers;
	if (port_configure(idx, pid, devargs, e) != 0)
		goto fail_port;
	{
		struct rte_eth_dev_info di;

		if (rte_eth_dev_info_get(pid, &di) == 0)
			kernel_iface(devargs, di.driver_name, p->kif, sizeof(p->kif));
	}
	rte_eth_macaddr_get(pid, &mac);
	if (sw_vif_create(idx, p, &mac, e) != 0)
		goto fail_port;

	sw_police_port_reset(idx);
	p->in_use = true;
	__atomic_or_fetch(&sw.stats->port_mask, 1u << idx, __ATOMIC_RELEASE);
	sw_ctl_event_port(SW_EVT_PORT_ADDED, idx);
	SW_LOG(INFO, "port %u: attached %s as ethdev %u, vEth %s", idx, devargs, pid,
	       p->vif_name);
	if (sw_port_start(idx, e) != 0)
		return -1; /* the port stays, stopped; the error says why */
	return idx;

fail_port:
	sw_eth_detach(pid, false);
	memset(p, 0, sizeof(*p));
	return -1;
}

int sw_port_start(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = NULL;
	int ret;

	if (port_ref(port, e, &p) != 0)
		return -1;
	if (p->started)
		return 0;
	ret = rte_eth_dev_start(p->eth_port);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u: rte_eth_dev_start failed: %s", port,
			       rte_strerror(-ret));
	p->worker = least_loaded_worker();
	p->started = true;
	p->link_up = 2;   /* unknown: the next link poll reports it and sets the vEth carrier */
	/* the port and its vEth are one interface: the vEth is up while the port runs */
	ret = sw_vif_set_up(p, true);
	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot bring it up: %s", p->vif_name, strerror(-ret));
	sw_fp_publish();
	sw_ctl_event_port(SW_EVT_PORT_STARTED, port);
	return 0;
}

int sw_port_stop(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = NULL;
	struct rte_mbuf *pkts[SW_BURST];
	unsigned int n;
	int ret;

	if (port_ref(port, e, &p) != 0)
		return -1;
	if (!p->started)
		return 0;
	/* unpublish first: after the grace period no worker polls or sends to it */
	p->started = false;
	sw_fp_publish_sync();
	p->worker = -1;
	rte_eth_dev_stop(p->eth_port);
	for (unsigned int w = 0; w < sw.n_workers; w++)
		while ((n = rte_ring_dequeue_burst(p->inject[w], (void **)pkts, SW_BURST, NULL)) > 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			sw_count(&sw.stats->lcores[0].ports[port], SW_C_inject_drops, n);
		}
	p->link_up = 0;
	ret = sw_vif_set_up(p, false);
	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot take it down: %s", p->vif_name, strerror(-ret));
	sw_kni_set_carrier(port, false);   /* a stopped port has no link */
	sw_ctl_event_port(SW_EVT_PORT_STOPPED, port);
	return 0;
}

static int port_set_mtu(uint16_t port, struct sw_port *p, uint32_t mtu, struct sw_err *e)
{
	struct rte_eth_dev_info di;
	uint32_t room = rte_pktmbuf_data_room_size(sw.mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t frame = mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;
	int ret;

	rte_eth_dev_info_get(p->eth_port, &di);
	if (mtu < di.min_mtu || mtu > di.max_mtu)
		return sw_fail(e, SW_ST_RANGE, "port %u: MTU %u out of range %u..%u for %s", port,
			       mtu, di.min_mtu, di.max_mtu, di.driver_name);
	if (frame > room && !(di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		return sw_fail(e, SW_ST_RANGE,
			       "port %u: MTU %u needs %u-byte frames, mbufs hold %u and %s cannot scatter",
			       port, mtu, frame, room, di.driver_name);
	ret = rte_eth_dev_set_mtu(p->eth_port, mtu);
	if (ret != 0)
		return sw_fail(e, ret == -EINVAL ? SW_ST_RANGE : SW_ST_DEVICE,
			       "port %u: cannot set MTU %u: %s", port, mtu, rte_strerror(-ret));
	/* the vEth follows, as with KNI */
	ret = sw_vif_set_mtu(p, mtu);
	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot follow MTU %u: %s", p->vif_name, mtu,
		       strerror(-ret));
	return 0;
}

int sw_port_set(const struct sw_port_set *s, struct sw_err *e)
{
	struct sw_port *p = NULL;
	int ret;

	if (port_ref(s->port, e, &p) != 0)
		return -1;
	if (s->mask & ~(SW_PORT_SET_MTU | SW_PORT_SET_MAC | SW_PORT_SET_PROMISC))
		return sw_fail(e, SW_ST_INVALID, "port %u: unknown settings mask 0x%x", s->port,
			       s->mask);
	if ((s->mask & SW_PORT_SET_PROMISC) && s->promisc > 1)
		return sw_fail(e, SW_ST_INVALID, "port %u: promisc must be 0 or 1, not %u", s->port,
			       s->promisc);
	if (s->mask & SW_PORT_SET_MAC) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, s->mac, sizeof(s->mac));
		if (!rte_is_valid_assigned_ether_addr(&mac))
			return sw_fail(e, SW_ST_INVALID,
				       "port %u: MAC " RTE_ETHER_ADDR_PRT_FMT
				       " is not a unicast address", s->port,
				       RTE_ETHER_ADDR_BYTES(&mac));
	}
	if ((s->mask & SW_PORT_SET_MTU) && port_set_mtu(s->port, p, s->mtu, e) != 0)
		return -1;
	if (s->mask & SW_PORT_SET_MAC) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, s->mac, sizeof(s->mac));
		ret = rte_eth_dev_default_mac_addr_set(p->eth_port, &mac);
		if (ret != 0)
			return sw_fail(e, SW_ST_DEVICE, "port %u: cannot set MAC: %s", s->port,
				       rte_strerror(-ret));
		ret = sw_vif_set_mac(p, &mac);
		if (ret != 0)
			SW_LOG(WARNING, "vEth %s: cannot follow MAC: %s", p->vif_name,
			       strerror(-ret));
	}
	if (s->mask & SW_PORT_SET_MAC)
		sw_fp_mark_dirty();   /* the fast path keeps a copy */
	if (s->mask & SW_PORT_SET_PROMISC) {
		ret = s->promisc ? rte_eth_promiscuous_enable(p->eth_port)
				 : rte_eth_promiscuous_disable(p->eth_port);
		if (ret != 0)
			return sw_fail(e, SW_ST_DEVICE, "port %u: cannot turn promiscuous %s: %s",
				       s->port, s->promisc ? "on" : "off", rte_strerror(-ret));
		ret = sw_vif_set_flag(p, IFF_PROMISC, s->promisc);
		if (ret != 0)
			SW_LOG(WARNING, "vEth %s: cannot follow promiscuous %s: %s", p->vif_name,
			       s->promisc ? "on" : "off", strerror(-ret));
	}
	return 0;
}

void sw_port_info(uint16_t port, struct sw_port_info *info)
{
	const struct sw_port *p = &sw.ports[port];
	struct rte_eth_dev_info di;
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	uint16_t mtu = 0;

	memset(info, 0, sizeof(*info));
	info->port = port;
	info->eth_port = p->eth_port;
	info->started = p->started;
	port_link(p, &link);
	info->link_up = link.link_status == RTE_ETH_LINK_UP;
	info->link_speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	info->link_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	rte_eth_dev_get_mtu(p->eth_port, &mtu);
	info->mtu = mtu;
	rte_eth_macaddr_get(p->eth_port, &mac);
	memcpy(info->mac, mac.addr_bytes, sizeof(info->mac));
	info->promisc = rte_eth_promiscuous_get(p->eth_port) == 1;
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

int sw_xc_add(uint16_t in, uint16_t out, struct sw_err *e)
{
	struct sw_port *pi = NULL, *po = NULL;

	if (port_ref(in, e, &pi) != 0 || port_ref(out, e, &po) != 0)
		return -1;
	if (in == out)
		return sw_fail(e, SW_ST_INVALID, "cross-connect %u -> %u: a port cannot feed itself",
			       in, out);
	if (pi->xc_out == out)
		return 0;
	if (pi->xc_out != SW_PORT_NONE)
		return sw_fail(e, SW_ST_EXISTS, "port %u is already cross-connected to port %u",
			       in, pi->xc_out);
	pi->xc_out = out;
	sw_fp_mark_dirty();
	return 0;
}

int sw_xc_del(uint16_t in, struct sw_err *e)
{
	struct sw_port *pi = NULL;

	if (port_ref(in, e, &pi) != 0)
		return -1;
	if (pi->xc_out == SW_PORT_NONE)
		return sw_fail(e, SW_ST_NOT_FOUND, "port %u has no cross-connect", in);
	pi->xc_out = SW_PORT_NONE;
	sw_fp_mark_dirty();
	return 0;
}

void sw_ports_close_all(void)
{
	struct sw_err e;

	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = &sw.ports[i];

		if (!p->in_use)
			continue;
		if (p->started)
			sw_port_stop(i, &e);
		sw_vif_destroy(i, p);
		sw_eth_detach(p->eth_port, false);
		p->in_use = false;
	}
}

void sw_ports_poll_link(void)
{
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = &sw.ports[i];
		struct rte_eth_link link;
		uint8_t up;

		if (!p->in_use || !p->started)
			continue;
		port_link(p, &link);
		up = link.link_status == RTE_ETH_LINK_UP;
		if (up != p->link_up) {
			p->link_up = up;
			p->link_speed = link.link_speed;
			sw_kni_set_carrier(i, up);
			sw_ctl_event_port(SW_EVT_LINK, i);
			SW_LOG(INFO, "port %u: link %s", i, up ? "up" : "down");
		}
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void sw_ports_refresh_stats(void)
{
	struct sw_stats *st = sw.stats;

	__atomic_add_fetch(&st->dev_seq, 1, __ATOMIC_RELEASE); /* odd: writing */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct rte_eth_stats es;
		struct sw_dev_stats *d = &st->dev[i];

		if (!sw.ports[i].in_use || rte_eth_stats_get(sw.ports[i].eth_port, &es) != 0) {
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
	st->tables.mem_bytes = sw_routes_mem_bytes();
	st->tables.routes4 = sw_routes_count(SW_AF_INET);
	st->tables.routes6 = sw_routes_count(SW_AF_INET6);
	st->tables.neighbours = sw_routes_neighbours();
	st->tables.nh_groups = sw_routes_groups_used();
	st->mbuf_total = sw.mp->size;
	st->mbuf_free = rte_mempool_avail_count(sw.mp);
	st->updated_ns = now_ns();
	__atomic_add_fetch(&st->dev_seq, 1, __ATOMIC_RELEASE); /* even: done */
}

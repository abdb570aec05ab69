/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port life cycle and settings (see port.h). Main lcore only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "core/event.h"
#include "core/fp.h"
#include "core/log.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/stats.h"
#include "port/pool.h"
#include "port/port.h"

#define PORT_RX_DESC  1024u
#define PORT_TX_DESC  1024u
#define MAX_OBSERVERS 8u

static struct {
	struct sw_port port[SW_MAX_PORTS];
	const struct sw_port_observer *obs[MAX_OBSERVERS];
	unsigned int n_obs;
} ports;

#define NOTIFY(hook, ...)                                         \
	do {                                                      \
		for (unsigned int o_ = 0; o_ < ports.n_obs; o_++) \
			if (ports.obs[o_]->hook != NULL)          \
				ports.obs[o_]->hook(__VA_ARGS__); \
	} while (0)

void sw_port_observe(const struct sw_port_observer *o)
{
	if (ports.n_obs == MAX_OBSERVERS)
		abort();
	ports.obs[ports.n_obs++] = o;
}

static void announce(uint16_t type, uint16_t port)
{
	struct sw_port_event ev = { .port = port };

	sw_event_push(type, &ev);
}

struct sw_port *sw_port_get(uint16_t port)
{
	return port < SW_MAX_PORTS && ports.port[port].in_use ? &ports.port[port] : NULL;
}

bool sw_port_exists(uint16_t port)
{
	return sw_port_get(port) != NULL;
}

struct sw_port *sw_port_ref(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = sw_port_get(port);

	if (p == NULL)
		sw_fail(e, SW_ST_NO_PORT, "port %u does not exist", port);
	return p;
}

unsigned int sw_ports_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		n += ports.port[i].in_use;
	return n;
}

unsigned int sw_port_rxq_worker(const struct sw_port *p, uint16_t q)
{
	return ((unsigned int)p->worker + q) % sw.n_workers;
}

/* Worker for a port's rx queue 0: the least loaded one. */
static int16_t least_loaded_worker(void)
{
	unsigned int load[SW_MAX_WORKERS] = { 0 };
	int16_t best = 0;

	/* every rx queue is load; queue 0 also carries the port's vEth injection */
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *p = &ports.port[i];

		if (!p->in_use || p->worker < 0)
			continue;
		for (uint16_t q = 0; q < p->n_rxq; q++)
			load[sw_port_rxq_worker(p, q)] += q == 0 ? 2 : 1;
	}
	for (unsigned int w = 1; w < sw.n_workers; w++)
		if (load[w] < load[best])
			best = w;
	return best;
}

/* The ports' part of the fast-path configuration: what each worker polls. */
static void ports_fill(struct sw_fp_config *cfg)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *p = &ports.port[i];
		struct sw_fp_port *fp = &cfg->port[i];

		if (!p->in_use)
			continue;
		fp->eth_port = p->eth_port;
		fp->active = p->started;
		fp->xc_out = p->xc_out;
		fp->mtu = (uint16_t)sw_port_mtu(i);
		rte_eth_macaddr_get(p->eth_port, &fp->mac);
		if (!p->started || p->worker < 0)
			continue;
		for (uint16_t q = 0; q < p->n_rxq; q++) {
			struct sw_fp_worker *fw = &cfg->worker[sw_port_rxq_worker(p, q)];

			fw->rx[fw->n_rx++] = (struct sw_fp_rxq){ .port = i,
								 .queue = q,
								 .intr_fd = p->rxq_intr_fd[q] };
		}
	}
}

static const struct sw_publish_ops ports_publish = { .name = "ports", .fill = ports_fill };
SW_PUBLISH_REGISTER(ports_publish)

static int port_configure(uint16_t idx, uint16_t pid, const char *devargs, struct sw_err *e)
{
	struct sw_port *p = &ports.port[idx];
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf = { 0 };
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
			       strstr(di.driver_name, "af_packet") ? "; add qpairs=N to the devargs"
								   : "");
	/* one rx queue per worker where the device has them; RSS spreads flows */
	p->n_rxq = RTE_MIN(sw.n_workers, RTE_MAX(di.max_rx_queues, 1u));
	if (p->n_rxq > 1 && di.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = di.flow_type_rss_offloads &
						   (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
						    RTE_ETH_RSS_UDP);
	}
	/* interrupt mode asks every driver for rx interrupts; those without ignore it */
	conf.intr_conf.rxq = sw.poll_mode == SW_POLL_INTERRUPT;
	ret = rte_eth_dev_configure(pid, p->n_rxq, sw.n_workers, &conf);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u (%s): rte_eth_dev_configure failed: %s",
			       idx, devargs, rte_strerror(-ret));
	if (sw_port_pool_create(idx, p, di.driver_name, e) != 0)
		return -1;
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, nrx, rte_eth_dev_socket_id(pid), NULL,
					     p->pool != NULL ? p->pool : sw.mp);
		if (ret != 0)
			return sw_fail(e, SW_ST_DEVICE,
				       "port %u (%s): rte_eth_rx_queue_setup %u failed: %s", idx,
				       devargs, q, rte_strerror(-ret));
	}
	sw_port_pool_lent(p);
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
static void eth_detach(uint16_t pid, bool started)
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
 * Capture the log while probing, pass it on, and keep its first line for
 * the error message.
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

/* af_packet and af_xdp ports sit on a kernel interface (iface=...). */
static void kernel_iface(const char *devargs, const char *driver, char *out, size_t len)
{
	const char *k = strstr(devargs, ",iface=");

	out[0] = '\0';
	if (k == NULL ||
	    (strcmp(driver, "net_af_packet") != 0 && strcmp(driver, "net_af_xdp") != 0))
		return;
	k += strlen(",iface=");
	snprintf(out, len, "%.*s", (int)strcspn(k, ","), k);
}

/* First ethdev matching devargs that is not yet ours; -1 when none, or
 * -2 - N when it is already slipway port N. */
static int find_eth_port(const char *devargs, uint16_t *pid)
{
	struct rte_dev_iterator it;
	int taken = -1;
	uint16_t id;

	RTE_ETH_FOREACH_MATCHING_DEV (id, devargs, &it) {
		int owner = -1;

		for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
			if (ports.port[i].in_use && ports.port[i].eth_port == id)
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
	const size_t n = strlen(devargs);

	if (sw.n_workers < 2 || strncmp(devargs, "net_af_packet", 13) != 0 ||
	    strstr(devargs, "qpairs=") != NULL || n >= len)
		return devargs;
	memcpy(buf, devargs, n);
	if ((size_t)snprintf(buf + n, len - n, ",qpairs=%u", sw.n_workers) >= len - n)
		return devargs;
	return buf;
}

/* Ask each observer to take the port; undo those that did if one refuses. */
static int observers_add(uint16_t idx, struct sw_port *p, struct sw_err *e)
{
	for (unsigned int o = 0; o < ports.n_obs; o++) {
		if (ports.obs[o]->add == NULL || ports.obs[o]->add(idx, p, e) == 0)
			continue;
		while (o-- > 0)
			if (ports.obs[o]->remove != NULL)
				ports.obs[o]->remove(idx, p);
		return -1;
	}
	return 0;
}

int sw_port_add(const char *user_devargs, struct sw_err *e)
{
	char devargs_buf[SW_DEVARGS_MAX + 32];
	const char *devargs = with_queue_pairs(user_devargs, devargs_buf, sizeof(devargs_buf));
	struct rte_eth_dev_info di;
	struct sw_port *p;
	char why[160];
	uint16_t idx, pid;
	int ret;

	if (!devargs_valid(devargs))
		return sw_fail(
			e, SW_ST_INVALID,
			"devargs '%s' is malformed (expected driver-or-PCI-address[,key=value...])",
			devargs);
	for (idx = 0; idx < SW_MAX_PORTS; idx++)
		if (!ports.port[idx].in_use)
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

	p = &ports.port[idx];
	memset(p, 0, sizeof(*p));
	p->eth_port = pid;
	p->xc_out = SW_PORT_NONE;
	p->worker = -1;
	p->n_txq = sw.n_workers;
	snprintf(p->devargs, sizeof(p->devargs), "%s", user_devargs);
	if (port_configure(idx, pid, devargs, e) != 0)
		goto fail;
	if (rte_eth_dev_info_get(pid, &di) == 0)
		kernel_iface(devargs, di.driver_name, p->kif, sizeof(p->kif));
	if (observers_add(idx, p, e) != 0)
		goto fail;
	p->in_use = true;
	__atomic_or_fetch(&sw.stats->port_mask, 1u << idx, __ATOMIC_RELEASE);
	announce(SW_EVT_PORT_ADDED, idx);
	SW_LOG(INFO, "port %u: attached %s as ethdev %u, vEth %s", idx, devargs, pid, p->vif_name);
	if (sw_port_start(idx, e) != 0)
		return -1; /* the port stays, stopped; the error says why */
	return idx;
fail:
	eth_detach(pid, false);
	sw_port_pool_discard(p);
	memset(p, 0, sizeof(*p));
	return -1;
}

int sw_port_start(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = sw_port_ref(port, e);
	int ret;

	if (p == NULL)
		return -1;
	if (p->started)
		return 0;
	ret = rte_eth_dev_start(p->eth_port);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u: rte_eth_dev_start failed: %s", port,
			       rte_strerror(-ret));
	sw_port_intr_find(port, p);
	p->worker = least_loaded_worker();
	p->started = true;
	p->link_up = 2; /* unknown: the next link poll reports it */
	sw_publish_mark_dirty();
	sw_publish_commit();
	NOTIFY(admin, port, true);
	announce(SW_EVT_PORT_STARTED, port);
	return 0;
}

int sw_port_stop(uint16_t port, struct sw_err *e)
{
	struct sw_port *p = sw_port_ref(port, e);

	if (p == NULL)
		return -1;
	if (!p->started)
		return 0;
	/* unpublish first: after the grace period no worker polls or sends to it */
	p->started = false;
	sw_publish_sync();
	p->worker = -1;
	sw_port_pool_reap(p);
	sw_port_intr_forget(p);
	rte_eth_dev_stop(p->eth_port);
	p->link_up = 0;
	NOTIFY(admin, port, false);
	announce(SW_EVT_PORT_STOPPED, port);
	return 0;
}

int sw_port_set_mtu(uint16_t port, uint32_t mtu, struct sw_err *e)
{
	struct sw_port *p = sw_port_ref(port, e);
	struct rte_eth_dev_info di;
	uint32_t room, frame;
	int ret;

	if (p == NULL)
		return -1;
	room = rte_pktmbuf_data_room_size(sw.mp) - RTE_PKTMBUF_HEADROOM;
	frame = mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;
	rte_eth_dev_info_get(p->eth_port, &di);
	if (mtu < di.min_mtu || mtu > di.max_mtu)
		return sw_fail(e, SW_ST_RANGE, "port %u: MTU %u out of range %u..%u for %s", port,
			       mtu, di.min_mtu, di.max_mtu, di.driver_name);
	if (frame > room && !(di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		return sw_fail(
			e, SW_ST_RANGE,
			"port %u: MTU %u needs %u-byte frames, mbufs hold %u and %s cannot scatter",
			port, mtu, frame, room, di.driver_name);
	ret = rte_eth_dev_set_mtu(p->eth_port, mtu);
	if (ret != 0)
		return sw_fail(e, ret == -EINVAL ? SW_ST_RANGE : SW_ST_DEVICE,
			       "port %u: cannot set MTU %u: %s", port, mtu, rte_strerror(-ret));
	sw_publish_mark_dirty(); /* the fast path checks routed packets against it */
	NOTIFY(mtu, port, mtu);
	return 0;
}

int sw_port_set_mac(uint16_t port, const struct rte_ether_addr *mac, struct sw_err *e)
{
	struct sw_port *p = sw_port_ref(port, e);
	int ret;

	if (p == NULL)
		return -1;
	if (!rte_is_valid_assigned_ether_addr(mac))
		return sw_fail(e, SW_ST_INVALID,
			       "port %u: MAC " RTE_ETHER_ADDR_PRT_FMT " is not a unicast address",
			       port, RTE_ETHER_ADDR_BYTES(mac));
	ret = rte_eth_dev_default_mac_addr_set(p->eth_port, (struct rte_ether_addr *)mac);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u: cannot set MAC: %s", port,
			       rte_strerror(-ret));
	sw_publish_mark_dirty(); /* the fast path keeps a copy */
	NOTIFY(mac, port, mac);
	return 0;
}

bool sw_port_flag(uint16_t port, unsigned int flag)
{
	const struct sw_port *p = sw_port_get(port);

	if (p == NULL)
		return false;
	return (flag == SW_PORT_PROMISC ? rte_eth_promiscuous_get(p->eth_port)
					: rte_eth_allmulticast_get(p->eth_port)) == 1;
}

int sw_port_set_flag(uint16_t port, unsigned int flag, bool on, struct sw_err *e)
{
	struct sw_port *p = sw_port_ref(port, e);
	bool promisc = flag == SW_PORT_PROMISC;
	int ret;

	if (p == NULL)
		return -1;
	if (sw_port_flag(port, flag) == on)
		return 0;
	if (promisc)
		ret = on ? rte_eth_promiscuous_enable(p->eth_port)
			 : rte_eth_promiscuous_disable(p->eth_port);
	else
		ret = on ? rte_eth_allmulticast_enable(p->eth_port)
			 : rte_eth_allmulticast_disable(p->eth_port);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "port %u: cannot turn %s %s: %s", port,
			       promisc ? "promiscuous" : "all-multicast", on ? "on" : "off",
			       rte_strerror(-ret));
	NOTIFY(flag, port, flag, on);
	return 0;
}

uint32_t sw_port_mtu(uint16_t port)
{
	const struct sw_port *p = sw_port_get(port);
	uint16_t mtu = 0;

	if (p != NULL)
		rte_eth_dev_get_mtu(p->eth_port, &mtu);
	return mtu;
}

void sw_port_mac(uint16_t port, struct rte_ether_addr *mac)
{
	const struct sw_port *p = sw_port_get(port);

	memset(mac, 0, sizeof(*mac));
	if (p != NULL)
		rte_eth_macaddr_get(p->eth_port, mac);
}

void sw_port_link_changed(uint16_t port)
{
	NOTIFY(link, port, ports.port[port].link_up == 1);
	announce(SW_EVT_LINK, port);
}

void sw_ports_close_all(void)
{
	struct sw_err e;

	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = &ports.port[i];

		if (!p->in_use)
			continue;
		if (p->started)
			sw_port_stop(i, &e);
		for (unsigned int o = ports.n_obs; o-- > 0;)
			if (ports.obs[o]->remove != NULL)
				ports.obs[o]->remove(i, p);
		eth_detach(p->eth_port, false);
		sw_port_pool_keep(p, i);
		p->in_use = false;
	}
}

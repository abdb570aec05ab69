/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vif.h"
#include "err.h"
#include "ports.h"
#include "sw.h"

#define VIF_DESC 512u

static void vif_vdev_name(char *buf, size_t len, const struct sw_port *p)
{
	snprintf(buf, len, "net_tap_%s", p->vif_name);
}

static void ring_drain_free(struct rte_ring *r)
{
	void *objs[SW_BURST];
	unsigned int n;

	if (r == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(r, objs, SW_BURST, NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	rte_ring_free(r);
}

static int vif_setup_queues(uint16_t pid, const char *ifname, struct sw_err *e)
{
	struct rte_eth_conf conf = {0};
	uint16_t nrx = VIF_DESC, ntx = VIF_DESC;
	int ret;

	ret = rte_eth_dev_configure(pid, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(pid, 0, nrx, rte_eth_dev_socket_id(pid), NULL, sw.mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(pid, 0, ntx, rte_eth_dev_socket_id(pid), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(pid);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "vEth %s: queue setup or start failed: %s",
			       ifname, rte_strerror(-ret));
	return 0;
}

int sw_vif_create(uint16_t index, struct sw_port *p, const struct rte_ether_addr *mac,
		  struct sw_err *e)
{
	char vdev[RTE_DEV_NAME_MAX_LEN], args[192], rname[RTE_RING_NAMESIZE];
	uint16_t pid;
	int ret;

	if ((size_t)snprintf(p->vif_name, sizeof(p->vif_name), "%s%u", sw.vif_prefix, index)
	    >= sizeof(p->vif_name))
		return sw_fail(e, SW_ST_INVALID, "vEth name '%s%u' is longer than %u bytes",
			       sw.vif_prefix, index, SW_IFNAME_LEN - 1);
	if (if_nametoindex(p->vif_name) != 0)
		return sw_fail(e, SW_ST_EXISTS,
			       "interface %s already exists (another slipwayd? use --vif-prefix)",
			       p->vif_name);

	vif_vdev_name(vdev, sizeof(vdev), p);
	snprintf(args, sizeof(args), "%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, vdev,
		 p->vif_name, RTE_ETHER_ADDR_BYTES(mac));
	ret = rte_dev_probe(args);
	if (ret != 0)
		return sw_fail(e, SW_ST_DEVICE, "vEth %s: cannot create TAP device: %s",
			       p->vif_name, rte_strerror(-ret));
	if (rte_eth_dev_get_port_by_name(vdev, &pid) != 0) {
		return sw_fail(e, SW_ST_DEVICE, "vEth %s: TAP device has no ethdev", p->vif_name);
	}
	p->vif_eth_port = pid;
	if (vif_setup_queues(pid, p->vif_name, e) != 0)
		goto fail;
	p->vif_ifindex = if_nametoindex(p->vif_name);

	snprintf(rname, sizeof(rname), "sw_punt_%u", index);
	p->punt = rte_ring_create(rname, SW_RING_SLOTS, rte_socket_id(), RING_F_SC_DEQ);
	snprintf(rname, sizeof(rname), "sw_inject_%u", index);
	p->inject = rte_ring_create(rname, SW_RING_SLOTS, rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (p->punt == NULL || p->inject == NULL) {
		sw_fail(e, SW_ST_NO_SPACE, "vEth %s: cannot create rings: %s", p->vif_name,
			rte_strerror(rte_errno));
		goto fail;
	}
	return 0;
fail:
	sw_vif_destroy(index, p);
	return -1;
}

void sw_vif_destroy(uint16_t index, struct sw_port *p)
{
	RTE_SET_USED(index);
	ring_drain_free(p->punt);
	ring_drain_free(p->inject);
	p->punt = p->inject = NULL;
	if (rte_eth_dev_is_valid_port(p->vif_eth_port))
		sw_eth_detach(p->vif_eth_port, true);
	p->vif_eth_port = RTE_MAX_ETHPORTS;
}

unsigned int sw_vif_service(void)
{
	struct sw_port_counters *main_pc = sw.stats->lcores[0].ports;
	struct rte_mbuf *pkts[SW_BURST];
	unsigned int moved = 0;

	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = &sw.ports[i];
		struct sw_port_counters *pc = &main_pc[i];
		unsigned int n, k;

		if (!p->in_use)
			continue;
		/* fast path -> kernel */
		n = rte_ring_sc_dequeue_burst(p->punt, (void **)pkts, SW_BURST, NULL);
		if (n) {
			k = rte_eth_tx_burst(p->vif_eth_port, 0, pkts, n);
			if (k < n) {
				rte_pktmbuf_free_bulk(pkts + k, n - k);
				sw_count(pc, SW_C_vif_tx_drops, n - k);
			}
			sw_count(pc, SW_C_vif_tx_packets, k);
			moved += n;
		}
		/* kernel -> port, through the owner worker */
		n = rte_eth_rx_burst(p->vif_eth_port, 0, pkts, SW_BURST);
		if (n) {
			k = p->started ? rte_ring_sp_enqueue_burst(p->inject, (void **)pkts, n, NULL) : 0;
			if (k < n) {
				rte_pktmbuf_free_bulk(pkts + k, n - k);
				sw_count(pc, SW_C_inject_drops, n - k);
			}
			sw_count(pc, SW_C_vif_rx_packets, n);
			moved += n;
		}
	}
	return moved;
}

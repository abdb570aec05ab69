/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEth service on the main lcore. Each port's TAP has one queue per
 * worker; queue k is paired with worker k's punt and inject rings of the
 * port:
 *
 *   worker k --punt ring k--> main lcore --GRO, writev--> TAP queue k --> kernel
 *   kernel --> TAP queue k --readv, GSO/checksums--> main lcore --inject ring--> worker
 *
 * The kernel picks a TAP queue per flow, so a flow keeps one path. A frame
 * read from queue k goes to worker k when worker k polls the port (every
 * worker does when the port has an rx queue per worker), otherwise to one
 * that does.
 *
 * Frames from the kernel are read straight into a standing chain of mbufs
 * long enough for a 64 KB super-frame; only the mbufs a frame used are
 * replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/bell.h"
#include "core/fp.h"
#include "core/log.h"
#include "core/publish.h"
#include "core/state.h"
#include "core/stats.h"
#include "kni/netns.h"
#include "kni/offload.h"
#include "kni/tap.h"
#include "kni/vif.h"
#include "port/port.h"

#define VIF_RING_SLOTS 2048u /* punt and inject rings, per port and worker */

#define VIF_TX_BURST  SW_OFFLOAD_TX_MAX /* punted frames per ring and pass: room for GRO to merge */
#define VIF_RX_FRAMES 64u		/* frames read per TAP queue and pass */
#define VIF_RX_MAX    (65535u + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN) /* a super-frame */
#define VIF_RX_SEGS   64u /* most mbufs in a standing chain */

/* A TAP queue's receive buffers: buf[0..n) are ready, the rest empty. */
struct vif_rxq {
	struct rte_mbuf *buf[VIF_RX_SEGS];
	unsigned int n;
};

struct vif {
	int fd[SW_MAX_WORKERS];
	unsigned int n_fd;
	uint64_t tx_offloads; /* the port's, usable for frames from the kernel */
	struct vif_rxq rxq[SW_MAX_WORKERS];
	/* [worker k] punt: worker k -> main lcore; inject: main lcore -> worker k */
	struct rte_ring *punt[SW_MAX_WORKERS];
	struct rte_ring *inject[SW_MAX_WORKERS];
};

static struct vif vifs[SW_MAX_PORTS];
static unsigned int rx_segs; /* mbufs a standing chain needs */
static uint16_t seg_room;    /* data bytes per mbuf */
static unsigned int n_vifs;

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

static int vif_rings(uint16_t index, struct vif *v, const char *name, struct sw_err *e)
{
	char rname[RTE_RING_NAMESIZE];

	for (unsigned int w = 0; w < sw.n_workers; w++) {
		snprintf(rname, sizeof(rname), "sw_punt_%u_%u", index, w);
		v->punt[w] = rte_ring_create(rname, VIF_RING_SLOTS, rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "sw_inject_%u_%u", index, w);
		v->inject[w] = rte_ring_create(rname, VIF_RING_SLOTS, rte_socket_id(),
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (v->punt[w] == NULL || v->inject[w] == NULL)
			return sw_fail(e, SW_ST_NO_SPACE,
				       "vEth %s: cannot create rings for worker %u: %s", name, w,
				       rte_strerror(rte_errno));
	}
	return 0;
}

static void vif_destroy(uint16_t index, struct sw_port *p);

/* A port is added: its vEth (port observer). */
static int vif_create(uint16_t index, struct sw_port *p, struct sw_err *e)
{
	struct vif *v = &vifs[index];
	struct rte_ether_addr mac;
	unsigned int offloads = TUN_F_CSUM | TUN_F_TSO4;
	const char *step = "";
	uint16_t mtu = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	for (unsigned int i = 0; i < SW_MAX_WORKERS; i++)
		v->fd[i] = -1;
	if ((size_t)snprintf(p->vif_name, sizeof(p->vif_name), "%s%u", sw.vif_prefix, index) >=
	    sizeof(p->vif_name))
		return sw_fail(e, SW_ST_INVALID, "vEth name '%s%u' is longer than %u bytes",
			       sw.vif_prefix, index, SW_IFNAME_LEN - 1);
	if (sw_tap_ifindex(p->vif_name) != 0)
		return sw_fail(
			e, SW_ST_EXISTS,
			"interface %s already exists%s%s (another slipwayd? use --vif-prefix "
			"or --vif-netns)",
			p->vif_name, sw_netns_name()[0] ? " in network namespace " : "",
			sw_netns_name());
	if (seg_room == 0) {
		seg_room = rte_pktmbuf_data_room_size(sw.mp) - RTE_PKTMBUF_HEADROOM;
		rx_segs = (VIF_RX_MAX + seg_room - 1) / seg_room;
		if (rx_segs > VIF_RX_SEGS) {
			seg_room = 0;
			return sw_fail(e, SW_ST_INVALID,
				       "vEth %s: mbufs of %u bytes are too small for 64 KB frames",
				       p->vif_name, rte_pktmbuf_data_room_size(sw.mp));
		}
	}
	if (sw_offload_init() != 0)
		return sw_fail(e, SW_ST_NO_SPACE, "vEth %s: cannot set up GSO buffers",
			       p->vif_name);
	n_vifs++; /* from here on, vif_destroy undoes it */

	v->tx_offloads = sw_offload_port_caps(p->eth_port);
	if (v->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		offloads |= TUN_F_TSO6; /* the port segments it: rte_gso could not */
	ret = sw_tap_open(p->vif_name, sw.n_workers, offloads, v->fd, &step);
	if (ret != 0) {
		sw_fail(e, SW_ST_DEVICE, "vEth %s: cannot create TAP device (%u queues): %s: %s",
			p->vif_name, sw.n_workers, step, strerror(-ret));
		goto fail;
	}
	v->n_fd = sw.n_workers;
	p->vif_ifindex = sw_tap_ifindex(p->vif_name);

	/* the port's MAC, MTU and flags, and up, as KNI created them */
	rte_eth_dev_get_mtu(p->eth_port, &mtu);
	rte_eth_macaddr_get(p->eth_port, &mac);
	if ((ret = sw_vif_set_mac(p, &mac)) != 0 ||
	    (mtu != 0 && (ret = sw_vif_set_mtu(p, mtu)) != 0) ||
	    (ret = sw_vif_set_flag(p, IFF_PROMISC, rte_eth_promiscuous_get(p->eth_port) == 1)) !=
		    0 ||
	    (ret = sw_vif_set_flag(p, IFF_ALLMULTI, rte_eth_allmulticast_get(p->eth_port) == 1)) !=
		    0 ||
	    (ret = sw_vif_set_up(p, true)) != 0) {
		sw_fail(e, SW_ST_DEVICE, "vEth %s: cannot set MAC, MTU %u, flags or up: %s",
			p->vif_name, mtu, strerror(-ret));
		goto fail;
	}
	if (vif_rings(index, v, p->vif_name, e) != 0)
		goto fail;
	return 0;
fail:
	vif_destroy(index, p);
	return -1;
}

static void vif_destroy(uint16_t index, struct sw_port *p)
{
	struct vif *v = &vifs[index];

	for (unsigned int w = 0; w < SW_MAX_WORKERS; w++) {
		ring_drain_free(v->punt[w]);
		ring_drain_free(v->inject[w]);
		v->punt[w] = v->inject[w] = NULL;
	}
	for (unsigned int q = 0; q < SW_MAX_WORKERS; q++) {
		struct vif_rxq *rq = &v->rxq[q];

		if (rq->n > 0)
			rte_pktmbuf_free_bulk(rq->buf, rq->n);
		rq->n = 0;
	}
	sw_tap_close(v->fd, SW_MAX_WORKERS);
	v->n_fd = 0;
	p->vif_ifindex = 0;
	if (n_vifs > 0 && --n_vifs == 0)
		sw_offload_fini();
}

/* The port stopped: what waits for it on its inject rings is dropped. */
static void vif_admin(uint16_t index, bool started)
{
	struct sw_port *p = sw_port_get(index);
	struct vif *v = &vifs[index];
	struct rte_mbuf *pkts[SW_BURST];
	unsigned int n;
	int ret;

	/* the port and its vEth are one interface: the vEth is up while the port runs */
	ret = sw_vif_set_up(p, started);
	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot bring it %s: %s", p->vif_name,
		       started ? "up" : "down", strerror(-ret));
	if (started)
		return;
	for (unsigned int w = 0; w < sw.n_workers; w++)
		while ((n = rte_ring_dequeue_burst(v->inject[w], (void **)pkts, SW_BURST, NULL)) >
		       0) {
			rte_pktmbuf_free_bulk(pkts, n);
			sw_count(sw_main_counters(index), SW_C_inject_drops, n);
		}
}

static void vif_mtu(uint16_t index, uint32_t mtu)
{
	const struct sw_port *p = sw_port_get(index);
	int ret = sw_vif_set_mtu(p, mtu);

	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot follow MTU %u: %s", p->vif_name, mtu,
		       strerror(-ret));
}

static void vif_mac(uint16_t index, const struct rte_ether_addr *mac)
{
	const struct sw_port *p = sw_port_get(index);
	int ret = sw_vif_set_mac(p, mac);

	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot follow MAC: %s", p->vif_name, strerror(-ret));
}

static void vif_flag(uint16_t index, unsigned int flag, bool on)
{
	const struct sw_port *p = sw_port_get(index);
	int ret = sw_vif_set_flag(p, flag == SW_PORT_PROMISC ? IFF_PROMISC : IFF_ALLMULTI, on);

	if (ret != 0)
		SW_LOG(WARNING, "vEth %s: cannot follow %s %s: %s", p->vif_name,
		       flag == SW_PORT_PROMISC ? "promiscuous" : "all-multicast", on ? "on" : "off",
		       strerror(-ret));
}

static const struct sw_port_observer vif_ports = {
	.name = "vEth",
	.add = vif_create,
	.remove = vif_destroy,
	.admin = vif_admin,
	.mtu = vif_mtu,
	.mac = vif_mac,
	.flag = vif_flag,
};
SW_PORT_OBSERVE(vif_ports)

/* The rings are the ports' part of the fast-path configuration too. */
static void vif_fill(struct sw_fp_config *cfg)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		if (!sw_port_exists(i))
			continue;
		memcpy(cfg->port[i].punt, vifs[i].punt, sizeof(cfg->port[i].punt));
		memcpy(cfg->port[i].inject, vifs[i].inject, sizeof(cfg->port[i].inject));
	}
}

static const struct sw_publish_ops vif_publish = { .name = "vEth rings", .fill = vif_fill };
SW_PUBLISH_REGISTER(vif_publish)

int sw_vif_port(int ifindex)
{
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *p = sw_port_get(i);

		if (p != NULL && p->vif_ifindex != 0 && p->vif_ifindex == (unsigned int)ifindex)
			return i;
	}
	return -1;
}

/* fast path -> kernel: worker k's punted frames go out on TAP queue k */
static unsigned int vif_to_kernel(struct vif *v, struct sw_port_counters *pc)
{
	struct rte_mbuf *pkts[VIF_TX_BURST];
	unsigned int moved = 0;

	for (unsigned int k = 0; k < v->n_fd; k++) {
		unsigned int n = rte_ring_sc_dequeue_burst(v->punt[k], (void **)pkts, VIF_TX_BURST,
							   NULL);
		if (n == 0)
			continue;
		sw_offload_to_kernel(v->fd[k], pkts, n, pc);
		moved += n;
	}
	return moved;
}

/* The worker whose inject ring takes what TAP queue k read: k itself when
 * it polls one of the port's rx queues, else the one polling queue k mod
 * the port's queues. */
static unsigned int inject_worker(const struct sw_port *p, unsigned int k)
{
	for (uint16_t q = 0; q < p->n_rxq; q++)
		if (sw_port_rxq_worker(p, q) == k)
			return k;
	return sw_port_rxq_worker(p, (uint16_t)(k % p->n_rxq));
}

/* One frame from a TAP queue into a chain of mbufs: the header into h, the
 * frame into rq's standing buffers. Returns the chain, NULL when there is
 * nothing (more) to read. */
static struct rte_mbuf *read_frame(int fd, struct vif_rxq *rq, struct virtio_net_hdr *h,
				   bool *again)
{
	struct iovec iov[1 + VIF_RX_SEGS];
	struct rte_mbuf *m;
	unsigned int used;
	ssize_t len;

	*again = false;
	if (rq->n < rx_segs) {
		if (rte_pktmbuf_alloc_bulk(sw.mp, rq->buf + rq->n, rx_segs - rq->n) != 0)
			return NULL; /* the pool is short: leave the frames in the kernel */
		rq->n = rx_segs;
	}
	iov[0] = (struct iovec){ .iov_base = h, .iov_len = sizeof(*h) };
	for (unsigned int i = 0; i < rx_segs; i++)
		iov[1 + i] = (struct iovec){ .iov_base = rte_pktmbuf_mtod(rq->buf[i], void *),
					     .iov_len = seg_room };
	len = sw_tap_readv(fd, iov, 1 + rx_segs);
	if (len < (ssize_t)(sizeof(*h) + RTE_ETHER_HDR_LEN)) {
		*again = len >= 0 || errno == EINTR; /* a runt: skip it; EAGAIN: done */
		return NULL;
	}
	len -= sizeof(*h);
	if ((size_t)len > (size_t)rx_segs * seg_room) {
		*again = true; /* cannot happen with 64 KB GSO: skip it */
		return NULL;
	}
	used = (len + seg_room - 1) / seg_room;
	m = rq->buf[0];
	for (unsigned int i = 0; i < used; i++) {
		struct rte_mbuf *s = rq->buf[i];

		s->data_len = RTE_MIN((uint32_t)seg_room, (uint32_t)len - i * seg_room);
		s->next = i + 1 < used ? rq->buf[i + 1] : NULL;
	}
	m->nb_segs = used;
	m->pkt_len = len;
	rq->n -= used;
	memmove(rq->buf, rq->buf + used, rq->n * sizeof(rq->buf[0]));
	*again = true;
	return m;
}

/* kernel -> port: frames read from TAP queue k, made sendable, on an inject ring */
static unsigned int vif_from_kernel(struct sw_port *p, struct vif *v, struct sw_port_counters *pc)
{
	struct rte_mbuf *out[SW_OFFLOAD_MAX_SEGS];
	unsigned int moved = 0;

	for (unsigned int k = 0; k < v->n_fd; k++) {
		const unsigned int w = inject_worker(p, k);
		bool queued = false;

		for (unsigned int f = 0; f < VIF_RX_FRAMES; f++) {
			struct virtio_net_hdr h;
			struct rte_mbuf *m;
			unsigned int n, enq;
			bool again;

			m = read_frame(v->fd[k], &v->rxq[k], &h, &again);
			if (m == NULL) {
				if (again)
					continue;
				break;
			}
			moved++;
			sw_count(pc, SW_C_vif_rx_packets, 1);
			if (!p->started) {
				rte_pktmbuf_free(m);
				sw_count(pc, SW_C_inject_drops, 1);
				continue;
			}
			n = sw_offload_from_kernel(m, &h, v->tx_offloads, out, pc);
			if (n == 0) {
				sw_count(pc, SW_C_inject_drops, 1);
				continue;
			}
			enq = rte_ring_sp_enqueue_burst(v->inject[w], (void **)out, n, NULL);
			if (enq > 0 && !queued) {
				/* a sleeping worker starts sending at once (a burst of
				 * large frames can outgrow the ring before it ends); it
				 * then polls for its tail, so once per pass is enough */
				queued = true;
				sw_bell_worker_ring(w);
			}
			if (enq < n) {
				rte_pktmbuf_free_bulk(out + enq, n - enq);
				sw_count(pc, SW_C_inject_drops, n - enq);
			}
		}
	}
	return moved;
}

void sw_vif_notify(bool on)
{
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct vif *v = &vifs[i];

		if (sw_port_get(i) == NULL)
			continue;
		for (unsigned int k = 0; k < v->n_fd; k++) {
			int fl = fcntl(v->fd[k], F_GETFL);

			if (fl >= 0)
				fcntl(v->fd[k], F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC);
		}
	}
}

unsigned int sw_vif_service(void)
{
	unsigned int moved = 0;

	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_port *p = sw_port_get(i);

		if (p == NULL)
			continue;
		moved += vif_to_kernel(&vifs[i], sw_main_counters(i));
		moved += vif_from_kernel(p, &vifs[i], sw_main_counters(i));
	}
	return moved;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offloads on the exception path, on the main lcore (see offload.h).
 *
 * Fast path -> kernel (GRO). 22.11's rte_gro coalesces TCP over IPv4 (and
 * VXLAN, UDP/IPv4 fragments) only: TCP over IPv6, IPv4 with options, and
 * segments carrying PSH/FIN/SYN/RST/URG/ECE/CWR reach the kernel one by one.
 * rte_gro neither verifies nor recomputes checksums, so only segments whose
 * IPv4 and TCP checksums are good (verified here, or vouched for by the
 * port's RX_*_CKSUM_GOOD flags) are offered to it; a merged frame is written
 * as CHECKSUM_PARTIAL (NEEDS_CSUM with the pseudo-header sum in the TCP
 * checksum field, GSO TCPV4 with gso_size the largest segment payload), the
 * shape of a skb the kernel built itself, which it delivers without checking
 * and re-segments correctly when it forwards it. Everything else goes with
 * an all-zero header, so the kernel verifies (and drops) it itself.
 *
 * rte_gro_reassemble_burst returns merged frames first and the packets it
 * did not take after them; to keep a flow's order, a burst is fed to it in
 * runs of consecutive candidates, each run written before the frame that
 * ended it.
 *
 * Kernel -> port (GSO). The TAP offers TSO4 (and TSO6 only when the port has
 * TSO: rte_gso in 22.11 segments TCP over IPv4 only) and CSUM, so the kernel
 * hands over super-frames up to 64 KB and frames with partial checksums.
 * Super-frames get the port's TSO when it was configured with it, otherwise
 * rte_gso_segment, after which each segment's IPv4 and TCP checksums are
 * computed here (rte_gso leaves them stale). A partial checksum is completed
 * at csum_start/csum_offset, or left to the port's checksum offload.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_gro.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "core/log.h"
#include "core/state.h"
#include "core/stats.h"
#include "datapath/parse.h"
#include "kni/offload.h"
#include "kni/tap.h"

/* rte_gro_reassemble_burst's table holds this many packets */
#define GRO_RUN RTE_GRO_MAX_BURST_ITEM_NUM
/* TCP payload a run may carry: even all of it in one flow fits one IPv4
 * packet, so no merge fails for size (see sw_offload_to_kernel) */
#define GRO_RUN_BYTES (UINT16_MAX - 60u - 60u)
#define GSO_INDIRECT  16383u /* payload references of segments in flight */

static struct rte_mempool *gso_indirect;

static const struct rte_gro_param gro_param = {
	.gro_types = RTE_GRO_TCP_IPV4,
	.max_flow_num = GRO_RUN,
	.max_item_per_flow = GRO_RUN,
};

int sw_offload_init(void)
{
	if (gso_indirect != NULL)
		return 0;
	gso_indirect = rte_pktmbuf_pool_create("sw_gso_indirect", GSO_INDIRECT, 64, 0, 0,
					       rte_socket_id());
	if (gso_indirect == NULL) {
		SW_LOG(ERR, "vEth offloads: cannot create mempool sw_gso_indirect (%u mbufs): %s",
		       GSO_INDIRECT, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void sw_offload_fini(void)
{
	if (gso_indirect == NULL)
		return;
	if (rte_mempool_avail_count(gso_indirect) != gso_indirect->size)
		SW_LOG(ERR, "vEth offloads: %u GSO segment references never came back",
		       gso_indirect->size - rte_mempool_avail_count(gso_indirect));
	rte_mempool_free(gso_indirect);
	gso_indirect = NULL;
}

uint64_t sw_offload_port_caps(uint16_t eth_port)
{
	struct rte_eth_conf conf;

	/* an offload the port was not configured with must not be requested */
	if (rte_eth_dev_conf_get(eth_port, &conf) != 0)
		return 0;
	return conf.txmode.offloads;
}

/* ---- fast path -> kernel ---------------------------------------------- */

static bool cksum_flag_good(uint64_t flags, uint64_t mask, uint64_t good)
{
	return (flags & mask) == good;
}

/*
 * Whether rte_gro may take m: a single-segment TCP/IPv4 frame (no IP
 * options, not a fragment) with payload, ACK the only flag, and good
 * checksums. Returns its TCP payload length, 0 when it is no candidate.
 * Sets packet_type and l2/l3/l4_len, and trims Ethernet padding (rte_gro
 * counts everything after the headers as payload).
 */
static inline bool maybe_tcp4(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sw_l2 l2;

	if (m->data_len < RTE_ETHER_HDR_LEN || sw_parse_l2(d, m->data_len, &l2) != 0 ||
	    m->data_len < l2.off + sizeof(struct rte_ipv4_hdr))
		return false;
	return l2.et == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       ((const struct rte_ipv4_hdr *)(d + l2.off))->next_proto_id == IPPROTO_TCP;
}

static uint32_t gro_candidate(struct rte_mbuf *m)
{
	struct rte_net_hdr_lens hl;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *tcp;
	uint32_t pt, ip_len;

	/* most punted frames are not TCP/IPv4: say so before the full parse */
	if (m->nb_segs != 1 || !maybe_tcp4(m))
		return 0;
	pt = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK);
	if ((pt & RTE_PTYPE_L3_MASK) != RTE_PTYPE_L3_IPV4 ||
	    (pt & RTE_PTYPE_L4_MASK) != RTE_PTYPE_L4_TCP || hl.l4_len < sizeof(*tcp) ||
	    (uint32_t)hl.l2_len + hl.l3_len + hl.l4_len > m->data_len)
		return 0;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, hl.l2_len);
	tcp = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, hl.l2_len + hl.l3_len);
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ip_len <= (uint32_t)hl.l3_len + hl.l4_len || hl.l2_len + ip_len > m->pkt_len ||
	    tcp->tcp_flags != RTE_TCP_ACK_FLAG)
		return 0;
	rte_pktmbuf_trim(m, m->pkt_len - (hl.l2_len + ip_len));
	if (!cksum_flag_good(m->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_MASK,
			     RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
	    rte_raw_cksum(ip, hl.l3_len) != 0xffff)
		return 0;
	if (!cksum_flag_good(m->ol_flags, RTE_MBUF_F_RX_L4_CKSUM_MASK,
			     RTE_MBUF_F_RX_L4_CKSUM_GOOD) &&
	    rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, hl.l2_len + hl.l3_len) != 0)
		return 0;
	m->packet_type = pt;
	m->l2_len = hl.l2_len;
	m->l3_len = hl.l3_len;
	m->l4_len = hl.l4_len;
	return ip_len - hl.l3_len - hl.l4_len;
}

/* A merged frame (rte_gro chained whole segments, headers stripped from all
 * but the first): fix the IPv4 checksum rte_gro left stale, and describe it
 * to the kernel as one CHECKSUM_PARTIAL GSO skb. */
static void merged_hdr(struct rte_mbuf *m, struct virtio_net_hdr *h)
{
	const uint16_t l4_off = m->l2_len + m->l3_len, hdr_len = l4_off + m->l4_len;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint16_t mss = m->data_len - hdr_len;

	for (const struct rte_mbuf *s = m->next; s != NULL; s = s->next)
		mss = RTE_MAX(mss, s->data_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_phdr_cksum(ip,
					 0); /* completed over the payload by whoever needs it */
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr_len = rte_cpu_to_le_16(hdr_len);
	h->gso_size = rte_cpu_to_le_16(mss);
	h->csum_start = rte_cpu_to_le_16(l4_off);
	h->csum_offset = rte_cpu_to_le_16(offsetof(struct rte_tcp_hdr, cksum));
}

/* Header + each segment, straight from the mbufs. A one-segment frame
 * takes the header in its headroom and goes in one plain write. */
static int write_frame(int fd, struct rte_mbuf *m, const struct virtio_net_hdr *h)
{
	if (m->nb_segs == 1 && rte_pktmbuf_headroom(m) >= sizeof(*h)) {
		void *p = rte_pktmbuf_prepend(m, sizeof(*h));

		memcpy(p, h, sizeof(*h));
		return sw_tap_write(fd, p, m->data_len) < 0 ? -errno : 0;
	}

	struct iovec iov[1 + GRO_RUN];
	unsigned int n = 0;

	iov[n++] = (struct iovec){ .iov_base = (void *)(uintptr_t)h, .iov_len = sizeof(*h) };
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (n == RTE_DIM(iov))
			return -EMSGSIZE;
		iov[n++] = (struct iovec){ .iov_base = rte_pktmbuf_mtod(s, void *),
					   .iov_len = s->data_len };
	}
	return sw_tap_writev(fd, iov, n) < 0 ? -errno : 0;
}

/* Frames written in one call: counted and freed together at the end. */
struct to_kernel {
	int fd;
	uint16_t n_done;
	uint64_t written, failed, merged;
	struct rte_mbuf *done[SW_OFFLOAD_TX_MAX];
};

static void send_frame(struct to_kernel *tk, struct rte_mbuf *m, bool from_gro)
{
	struct virtio_net_hdr h = { 0 };

	/* rte_gro only saw single-segment frames: more segments means merged */
	if (from_gro && m->nb_segs > 1) {
		merged_hdr(m, &h);
		tk->merged += m->nb_segs;
	}
	if (write_frame(tk->fd, m, &h) == 0)
		tk->written++;
	else
		tk->failed++;
	tk->done[tk->n_done++] = m;
}

static void flush_run(struct to_kernel *tk, struct rte_mbuf **run, uint16_t n)
{
	uint16_t k = n > 1 ? rte_gro_reassemble_burst(run, n, &gro_param) : n;

	for (uint16_t i = 0; i < k; i++)
		send_frame(tk, run[i], true);
}

/*
 * A run never holds more segments than rte_gro's table, nor more payload
 * than one merged frame can carry: when a merge fails for size, 22.11's
 * rte_gro files the segment before the item it could not join, which would
 * put it ahead of data it follows.
 */
void sw_offload_to_kernel(int fd, struct rte_mbuf **pkts, unsigned int n,
			  struct sw_port_counters *pc)
{
	struct to_kernel tk = { .fd = fd };
	struct rte_mbuf *run[GRO_RUN];
	uint32_t run_bytes = 0;
	uint16_t n_run = 0;

	RTE_ASSERT(n <= SW_OFFLOAD_TX_MAX);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t payload = gro_candidate(pkts[i]);

		if (n_run > 0 &&
		    (payload == 0 || n_run == GRO_RUN || run_bytes + payload > GRO_RUN_BYTES)) {
			flush_run(&tk, run, n_run);
			n_run = 0;
			run_bytes = 0;
		}
		if (payload == 0) {
			send_frame(&tk, pkts[i], false);
			continue;
		}
		run[n_run++] = pkts[i];
		run_bytes += payload;
	}
	if (n_run > 0)
		flush_run(&tk, run, n_run);
	rte_pktmbuf_free_bulk(tk.done, tk.n_done);
	if (tk.written)
		sw_count(pc, SW_C_vif_tx_packets, tk.written);
	if (tk.failed)
		sw_count(pc, SW_C_vif_tx_drops, tk.failed);
	if (tk.merged)
		sw_count(pc, SW_C_vif_gro_merged, tk.merged);
}

/* ---- kernel -> port --------------------------------------------------- */

#define TX_CSUM4 (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
#define TX_TSO	 (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

/* IPv4 and TCP checksums of one (segmented) TCP/IPv4 frame, headers in its
 * first mbuf; by the port when it offloads both. */
static void tcp4_finish(struct rte_mbuf *s, uint64_t txo)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(s, struct rte_ipv4_hdr *, s->l2_len);
	struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(s, struct rte_tcp_hdr *,
							  s->l2_len + s->l3_len);

	s->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	ip->hdr_checksum = 0;
	if ((txo & TX_CSUM4) == TX_CSUM4) {
		s->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_CKSUM;
		tcp->cksum = rte_ipv4_phdr_cksum(ip, s->ol_flags);
		return;
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum_mbuf(s, ip, s->l2_len + s->l3_len);
}

/* A TSO super-frame: the port's TSO, or rte_gso and checksums here. */
static unsigned int segment(struct rte_mbuf *m, uint8_t gso_type, uint16_t mss, uint64_t txo,
			    struct rte_mbuf **out, struct sw_port_counters *pc)
{
	const bool v4 = RTE_ETH_IS_IPV4_HDR(m->packet_type);
	const bool v6 = RTE_ETH_IS_IPV6_HDR(m->packet_type);
	const uint16_t l2 = m->l2_len, l3 = m->l3_len, l4 = m->l4_len;
	int k;

	if ((m->packet_type & RTE_PTYPE_L4_MASK) != RTE_PTYPE_L4_TCP || mss == 0 ||
	    !((gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && v4) ||
	      (gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && v6)))
		goto drop;
	/* what the kernel never sends, and what segmenting would trust: headers
	 * beyond the first mbuf, segments beyond 64 KB, an IP length that is not
	 * the frame's */
	if ((uint32_t)l2 + l3 + l4 > m->data_len || (uint32_t)l2 + l3 + l4 + mss > UINT16_MAX)
		goto drop;
	if (v4 &&
	    rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2)->total_length) !=
		    m->pkt_len - l2)
		goto drop;
	if (v6 &&
	    rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l2)->payload_len) !=
		    m->pkt_len - l2 - l3)
		goto drop;
	if ((txo & TX_TSO) == TX_TSO && (v6 || (txo & TX_CSUM4) == TX_CSUM4)) {
		struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
								  m->l2_len + m->l3_len);

		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = mss;
		if (v4) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
									  m->l2_len);
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
			ip->hdr_checksum = 0;
			tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			m->ol_flags |= RTE_MBUF_F_TX_IPV6;
			tcp->cksum = rte_ipv6_phdr_cksum(
				rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, m->l2_len),
				m->ol_flags);
		}
		out[0] = m;
		return 1;
	}
	if (!v4)
		goto drop; /* not offered to the kernel (no TSO6 without the port's TSO) */

	struct rte_gso_ctx ctx = {
		.direct_pool = sw.mp,
		.indirect_pool = gso_indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = l2 + l3 + l4 + mss,
		.flag = 0, /* incrementing IPv4 ids, as the kernel's own segmentation */
	};
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4;
	k = rte_gso_segment(m, &ctx, out, SW_OFFLOAD_MAX_SEGS);
	if (k < 0)
		goto drop;
	if (k == 0) { /* no longer than one segment */
		out[0] = m;
		k = 1;
	} else {
		rte_pktmbuf_free(m); /* the segments hold references to its payload */
		sw_count(pc, SW_C_vif_gso_segments, k);
	}
	for (int i = 0; i < k; i++) {
		out[i]->l2_len = l2;
		out[i]->l3_len = l3;
		out[i]->l4_len = l4;
		tcp4_finish(out[i], txo);
	}
	return k;
drop:
	rte_pktmbuf_free(m);
	return 0;
}

/* A partial checksum: the kernel summed the pseudo-header into the field at
 * csum_start + csum_offset; the rest is the sum from csum_start on. */
static int complete_csum(struct rte_mbuf *m, uint16_t start, uint16_t off, uint64_t txo)
{
	const uint32_t l4 = (uint32_t)m->l2_len + m->l3_len;
	const uint32_t l4_type = m->packet_type & RTE_PTYPE_L4_MASK;
	const uint64_t ip_flag = RTE_ETH_IS_IPV4_HDR(m->packet_type)   ? RTE_MBUF_F_TX_IPV4
				 : RTE_ETH_IS_IPV6_HDR(m->packet_type) ? RTE_MBUF_F_TX_IPV6
								       : 0;
	uint16_t sum;

	if ((uint32_t)start + off + sizeof(sum) > m->data_len)
		return -EINVAL;
	if (ip_flag != 0 && start == l4) {
		if (l4_type == RTE_PTYPE_L4_TCP && off == offsetof(struct rte_tcp_hdr, cksum) &&
		    (txo & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) {
			m->ol_flags |= ip_flag | RTE_MBUF_F_TX_TCP_CKSUM;
			return 0; /* the field already holds the pseudo-header sum the port wants */
		}
		if (l4_type == RTE_PTYPE_L4_UDP &&
		    off == offsetof(struct rte_udp_hdr, dgram_cksum) &&
		    (txo & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
			m->ol_flags |= ip_flag | RTE_MBUF_F_TX_UDP_CKSUM;
			return 0;
		}
	}
	if (rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &sum) != 0)
		return -EINVAL;
	sum = ~sum;
	if (sum == 0)
		sum = 0xffff; /* UDP: 0 would mean "no checksum"; the same value for TCP */
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, start + off), &sum, sizeof(sum));
	return 0;
}

unsigned int sw_offload_from_kernel(struct rte_mbuf *m, const struct virtio_net_hdr *h,
				    uint64_t txo, struct rte_mbuf **out,
				    struct sw_port_counters *pc)
{
	const uint8_t gso_type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	struct rte_net_hdr_lens hl;

	if (gso_type == VIRTIO_NET_HDR_GSO_NONE && !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		out[0] = m;
		return 1;
	}
	m->packet_type = rte_net_get_ptype(
		m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK);
	m->l2_len = hl.l2_len;
	m->l3_len = hl.l3_len;
	m->l4_len = hl.l4_len;
	if (gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return segment(m, gso_type, rte_le_to_cpu_16(h->gso_size), txo, out, pc);
	if (complete_csum(m, rte_le_to_cpu_16(h->csum_start), rte_le_to_cpu_16(h->csum_offset),
			  txo) != 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	out[0] = m;
	return 1;
}

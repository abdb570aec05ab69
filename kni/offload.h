/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offloads on the exception path (main lcore only).
 *
 * Towards the kernel: punted TCP/IPv4 segments are coalesced with rte_gro
 * and written as one frame with a virtio-net GSO header, the way a NIC with
 * LRO/GRO_HW hands them to Linux. From the kernel: TSO super-frames are
 * segmented (rte_gso, or the port's TSO) and partial checksums completed
 * (in software, or by the port's checksum offloads).
 */
#ifndef SW_KNI_OFFLOAD_H
#define SW_KNI_OFFLOAD_H

#include <stdint.h>

#include <linux/virtio_net.h>

struct rte_mbuf;
struct sw_port_counters;

/* Most segments one kernel frame may become; a bigger one is dropped. */
#define SW_OFFLOAD_MAX_SEGS 256u

int sw_offload_init(void); /* the indirect mbuf pool rte_gso needs */
void sw_offload_fini(void);

/* TX offloads (RTE_ETH_TX_OFFLOAD_*) this path may use on a port: those the
 * port was configured with. TSO6 may be offered to the kernel only when the
 * port segments TCP/IPv6 itself: 22.11's rte_gso does TCP over IPv4 only. */
uint64_t sw_offload_port_caps(uint16_t eth_port);

/* Most frames one sw_offload_to_kernel() call takes. */
#define SW_OFFLOAD_TX_MAX 256u

/* Writes n (<= SW_OFFLOAD_TX_MAX) punted frames to the TAP queue fd,
 * coalescing what it can, and frees them all. Counts vif_tx_packets/drops
 * and vif_gro_merged in pc. */
void sw_offload_to_kernel(int fd, struct rte_mbuf **pkts, unsigned int n,
			  struct sw_port_counters *pc);

/* Turns frame m, read from the TAP with header h, into frames the port can
 * send: out[0..ret-1]. Returns 0 when m cannot be sent (freed). Counts
 * vif_gso_segments in pc. tx_offloads: sw_offload_port_caps() of the port. */
unsigned int sw_offload_from_kernel(struct rte_mbuf *m, const struct virtio_net_hdr *h,
				    uint64_t tx_offloads, struct rte_mbuf **out,
				    struct sw_port_counters *pc);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEth: one TAP interface per port, the KNI-style exception path.
 * slipwayd opens the TAP itself (kni/tap.c) with a virtio-net header and one
 * queue per worker; the main lcore moves frames between queue k and worker
 * k's two rings of the port: punt (fast path -> vEth) and inject (vEth ->
 * fast path). Towards the kernel, TCP/IPv4 segments are coalesced with
 * rte_gro; from the kernel, TSO super-frames are segmented with rte_gso and
 * partial checksums completed (kni/offload.c).
 */
#ifndef SW_KNI_VIF_H
#define SW_KNI_VIF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct sw_port;

/*
 * A port's vEth is created with it, with the port's MAC and MTU and one
 * queue per worker, and follows the port (up/down, MTU, MAC, promiscuous,
 * all-multicast): it observes the port (port/port.h). The punt and inject
 * rings of every port and worker belong here.
 */

/* Main lcore: move packets between the rings and the TAP devices.
 * Returns how many packets it moved. */
unsigned int sw_vif_service(void);

/* Main lcore: with on, a frame the kernel sends on any vEth raises SIGIO
 * (which rings the main lcore's bell, core/bell.h); off while it polls. */
void sw_vif_notify(bool on);

/* The port whose vEth has that ifindex, or -1. */
int sw_vif_port(int ifindex);

/* The vEth's link settings, through ioctls on the interface (main lcore).
 * Each returns 0 or a negative errno. flag: IFF_PROMISC or IFF_ALLMULTI. */
int sw_vif_set_mtu(const struct sw_port *p, uint32_t mtu);
int sw_vif_set_mac(const struct sw_port *p, const struct rte_ether_addr *mac);
int sw_vif_set_up(const struct sw_port *p, bool up);
int sw_vif_set_flag(const struct sw_port *p, unsigned int flag, bool on);

/* The vEth's link settings as the kernel has them now. */
struct sw_vif_state {
	uint16_t flags; /* IFF_* */
	uint32_t mtu;
	uint8_t mac[6];
};
int sw_vif_get_state(const struct sw_port *p, struct sw_vif_state *st);

#endif /* SW_KNI_VIF_H */

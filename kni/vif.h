/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEth: one TAP interface per port, the KNI-style exception path. It is
 * a net_tap ethdev owned by the main lcore (one rx and one tx queue), paired
 * with its port through two rings: punt (fast path -> vEth) and inject
 * (vEth -> fast path).
 */
#ifndef SW_VIF_H
#define SW_VIF_H

#include <stdint.h>

#include <rte_ether.h>

struct sw_port;
struct sw_err;

/* Creates <prefix><index> with the port's MAC and its rings; starts it. */
int sw_vif_create(uint16_t index, struct sw_port *p, const struct rte_ether_addr *mac,
		  struct sw_err *e);
void sw_vif_destroy(uint16_t index, struct sw_port *p);

/* Main lcore: move packets between the rings and the TAP devices.
 * Returns how many packets it moved. */
unsigned int sw_vif_service(void);

#endif

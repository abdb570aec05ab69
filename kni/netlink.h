/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * KNI parity: what the kernel is asked to do with a vEth reaches its port.
 * `ip link set vEthN mtu M | up | down | address X | promisc on|off |
 * allmulticast on|off` (or ifconfig) is applied to port N; a change the port
 * refuses is undone on the vEth. Main lcore only.
 */
#ifndef SW_KNI_NETLINK_H
#define SW_KNI_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

int sw_kni_open(void);    /* listen to link notifications */
void sw_kni_poll(void);   /* apply what arrived; never blocks */
void sw_kni_close(void);
/* The port's link shows as the vEth's carrier (NO-CARRIER when down). */
void sw_kni_set_carrier(uint16_t port, bool up);

#endif

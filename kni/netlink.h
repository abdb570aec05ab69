/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * KNI parity: what the kernel is asked to do with a vEth reaches its port.
 * `ip link set vEthN mtu M | up | down | address X | promisc on|off |
 * allmulticast on|off` (or ifconfig) is applied to port N; a change the port
 * refuses is undone on the vEth. Main lcore only.
 */
#ifndef SW_KNI_NETLINK_H
#define SW_KNI_NETLINK_H

int sw_kni_open(void);    /* listen to link notifications */
void sw_kni_poll(void);   /* apply what arrived; never blocks */
void sw_kni_close(void);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's own mbuf pool, for drivers that lend mbufs to the device.
 *
 * AF_XDP (its zero-copy build, which Debian's DPDK is) registers the rx
 * pool as the socket's UMEM and, at queue set-up, lends 2,048 mbufs per
 * queue to the kernel's fill ring; it refills the ring one for one as it
 * receives, and its close deletes the UMEM without taking them back. Such
 * a port gets a pool of its own, so that the shared pool does not shrink by
 * 2,048 per port and the mbufs lent are counted exactly at set-up (nothing
 * else draws from a new pool) and accounted for at shutdown. Main lcore.
 */
#ifndef SW_PORT_POOL_H
#define SW_PORT_POOL_H

#include "core/err.h"
#include "port/port.h"

/* Before the rx queues are set up: p->pool when the driver needs one
 * (NULL: the shared pool). -1 with e set when it cannot be allocated. */
int sw_port_pool_create(uint16_t idx, struct sw_port *p, const char *driver, struct sw_err *e);
/* After the rx queues are set up: what the driver took is its loan. */
void sw_port_pool_lent(struct sw_port *p);
/* The port never ran (its add failed): its pool goes. */
void sw_port_pool_discard(struct sw_port *p);
/* The port stops (no worker sends on it any more): take back what the
 * device has sent (AF_XDP does that only inside its tx burst). */
void sw_port_pool_reap(const struct sw_port *p);
/* The port is closed: its pool waits for the end (mbufs of it may still sit
 * in rings) in sw_port_pools_release(). */
void sw_port_pool_keep(const struct sw_port *p, uint16_t idx);
/* Once every port is closed and every ring drained: each mbuf of each port's
 * own pool is home but those its driver kept (logged); frees those pools and
 * returns how many mbufs were leaked. */
unsigned int sw_port_pools_release(void);

#endif

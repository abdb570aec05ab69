/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports on the control side (main lcore only): attach by devargs with one
 * rx queue per worker (RSS) and one tx queue per worker, start and stop
 * without stopping traffic on other ports, MTU, MAC, promiscuous and
 * all-multicast, link state.
 *
 * Observers (the vEth, the link mirror, the policer) subscribe to a port's
 * life: add (and may veto it), remove, started/stopped, MTU, MAC,
 * promiscuous, link. Changes are announced on the event bus as well.
 */
#ifndef SW_PORT_PORT_H
#define SW_PORT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "core/err.h"
#include "core/state.h"
#include "slipway_ctl.h"

struct rte_mempool;

struct sw_port {
	bool in_use;
	bool started;
	uint16_t eth_port;
	int16_t worker; /* worker polling rx queue 0, -1 when stopped (sw_port_rxq_worker) */
	uint16_t n_rxq; /* one per worker, as many as the device allows */
	uint16_t n_txq;
	uint16_t xc_out; /* cross-connect output port, SW_PORT_NONE */
	uint8_t link_up; /* 0 down, 1 up, 2 not polled yet */
	uint32_t link_speed;
	char kif[SW_IFNAME_LEN];	  /* kernel interface behind an af_packet/af_xdp port */
	char devargs[SW_DEVARGS_MAX + 1]; /* as it was added */
	/* the vEth, set by its observer (kni/vif.c) */
	char vif_name[SW_IFNAME_LEN];
	unsigned int vif_ifindex;
	/* the port's own mbuf pool when its driver lends mbufs to the device
	 * (AF_XDP: its fill ring); NULL: the shared pool */
	struct rte_mempool *pool;
	unsigned int lent; /* mbufs the driver took from it at queue set-up */
	/* --poll-mode interrupt: each rx queue's interrupt descriptor while
	 * started (port/intr.c), -1: none */
	int rxq_intr_fd[SW_MAX_WORKERS];
};

/* A port in use, or NULL. */
struct sw_port *sw_port_get(uint16_t port);
bool sw_port_exists(uint16_t port);
/* The port in use, or NULL with e set to "port N does not exist" (NO_PORT). */
struct sw_port *sw_port_ref(uint16_t port, struct sw_err *e);
unsigned int sw_ports_count(void);
/* The worker polling rx queue q of a started port. */
unsigned int sw_port_rxq_worker(const struct sw_port *p, uint16_t q);

int sw_port_add(const char *devargs, struct sw_err *e); /* returns the port index */
int sw_port_start(uint16_t port, struct sw_err *e);
int sw_port_stop(uint16_t port, struct sw_err *e);
int sw_port_set_mtu(uint16_t port, uint32_t mtu, struct sw_err *e);
int sw_port_set_mac(uint16_t port, const struct rte_ether_addr *mac, struct sw_err *e);
/* flag: SW_PORT_PROMISC or SW_PORT_ALLMULTI */
#define SW_PORT_PROMISC	 1u
#define SW_PORT_ALLMULTI 2u
int sw_port_set_flag(uint16_t port, unsigned int flag, bool on, struct sw_err *e);
bool sw_port_flag(uint16_t port, unsigned int flag);
uint32_t sw_port_mtu(uint16_t port);
void sw_port_mac(uint16_t port, struct rte_ether_addr *mac);
void sw_port_info(uint16_t port, struct sw_port_info *info);
void sw_ports_close_all(void);

/* Cross-connects (port/xconnect.c). */
int sw_xc_add(uint16_t in, uint16_t out, struct sw_err *e);
int sw_xc_del(uint16_t in, struct sw_err *e);

/* Link (port/link.c): the port's link as it is now, and the periodic poll
 * that announces changes. */
bool sw_port_link_now(const struct sw_port *p, uint32_t *speed, bool *full_duplex);

struct sw_port_observer {
	const char *name;
	/* a port is being added: 0, or -1 with e set to refuse it */
	int (*add)(uint16_t port, struct sw_port *p, struct sw_err *e);
	void (*remove)(uint16_t port, struct sw_port *p);
	void (*admin)(uint16_t port, bool started);
	void (*mtu)(uint16_t port, uint32_t mtu);
	void (*mac)(uint16_t port, const struct rte_ether_addr *mac);
	void (*flag)(uint16_t port, unsigned int flag, bool on);
	void (*link)(uint16_t port, bool up);
};

void sw_port_observe(const struct sw_port_observer *o);
#define SW_PORT_OBSERVE(o)                                                 \
	__attribute__((constructor)) static void sw_port_observe_##o(void) \
	{                                                                  \
		sw_port_observe(&o);                                       \
	}

/* For port/link.c: tell the observers and the bus about a link change. */
void sw_port_link_changed(uint16_t port);

/* --poll-mode interrupt (port/intr.c): look up a started port's usable rx
 * interrupt descriptors (all -1 in other modes) / drop them before a stop. */
void sw_port_intr_find(uint16_t port, struct sw_port *p);
void sw_port_intr_forget(struct sw_port *p);

/* Event objects on the bus (SW_EVT_LINK, SW_EVT_PORT_ADDED/STARTED/STOPPED). */
struct sw_port_event {
	uint16_t port;
};

#endif

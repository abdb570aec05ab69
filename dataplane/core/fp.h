/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast-path configuration: everything a worker reads, in one object
 * that the main lcore builds and publishes (core/publish.h) and never
 * changes afterwards. Each module fills its part through its publish
 * hooks; the comment on every field names the module that fills it.
 */
#ifndef SW_CORE_FP_H
#define SW_CORE_FP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_meter.h>

#include "core/state.h"
#include "slipway_ctl.h"

struct rte_ring;
struct rte_fib;
struct rte_lpm6;
struct rte_acl_ctx;
struct sw_nh_group;
struct sw_tap_set;

/* Per port (port/, and kni/ for the rings). */
struct sw_fp_port {
	struct rte_ether_addr mac; /* L2 destination of routed frames; their new source */
	uint16_t eth_port;	   /* ethdev of the port */
	uint16_t xc_out;	   /* cross-connect output slipway port, SW_PORT_NONE */
	uint8_t active;		   /* started: may be polled and transmitted to */
	uint16_t mtu;		   /* largest IP packet it sends (routed larger ones punt) */
	/* [worker] the vEth's rings (kni/vif.c): punt: worker k -> main lcore ->
	 * vEth; inject: vEth -> main lcore -> worker k, drained when worker k
	 * polls one of the port's rx queues. Single producer, single consumer. */
	struct rte_ring *punt[SW_MAX_WORKERS];
	struct rte_ring *inject[SW_MAX_WORKERS];
};

/* A punt policer (policer/): srTCM with no excess bucket metering packets
 * (each counts as one byte), so a plain token bucket. */
struct sw_fp_police {
	struct rte_meter_srtcm_profile prof;
	bool on; /* off: no limit */
};

/* One rx queue a worker polls (port/). */
struct sw_fp_rxq {
	uint16_t port;
	uint16_t queue;
	/* --poll-mode interrupt: a descriptor that polls readable while the
	 * queue holds packets (its rx interrupt), -1: none */
	int intr_fd;
};

struct sw_fp_worker {
	uint16_t n_rx;
	struct sw_fp_rxq rx[SW_MAX_PORTS]; /* at most one queue of each port per worker */
};

struct sw_fp_config {
	struct sw_fp_port port[SW_MAX_PORTS];	   /* port/, kni/ */
	struct sw_fp_worker worker[SW_MAX_LCORES]; /* port/ */
	struct rte_fib *fib4;			   /* l3/: this configuration's IPv4 FIB copy */
	struct rte_lpm6 *lpm6;			   /* l3/: its IPv6 FIB copy */
	uint32_t default6;		  /* l3/: the IPv6 default route's group, SW_FIB_MISS */
	const struct sw_nh_group *groups; /* l3/ */
	const uint64_t *nh;		  /* l3/ */
	struct rte_acl_ctx *acl[2];	  /* rules/: [0] IPv4 and non-IP, [1] IPv6; NULL: none */
	struct sw_fp_police police[SW_MAX_PORTS]
				  [SW_PUNT_CLASSES]; /* policer/: one worker's share */
	/* capture/: the captures and traces on (datapath/tap.h), NULL: none; each
	 * worker writes its own part of them */
	struct sw_tap_set *tap;
};

/* Written by the main lcore (release), read by workers (acquire). */
extern struct sw_fp_config *sw_fp_current;

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI: ports, cross-connects, port and kernel-request events, the punt policer.
 *
 * Requests and responses of the PORT_*, XC_* and POLICER_* operations,
 * the SW_EVT_LINK/PORT_*, KERNEL_REQUEST and POLICER events.
 *
 * Part of the one definition in slipway_ctl.h, which includes this file
 * (include slipway_ctl.h); checked against the TypeScript side by
 * test/c/abi_dump.c like the rest.
 */
#ifndef SLIPWAY_CTL_PORTS_H
#define SLIPWAY_CTL_PORTS_H

#include <stdint.h>

#include "slipway_ctl.h" /* the constants, struct sw_port_ref, SW_AF_* */

/* sw_port_set.mask */
#define SW_PORT_SET_MTU	    0x0001u
#define SW_PORT_SET_MAC	    0x0002u
#define SW_PORT_SET_PROMISC 0x0004u

struct sw_port_set {
	uint16_t port;	  /*  0 */
	uint16_t mask;	  /*  2 SW_PORT_SET_* */
	uint32_t mtu;	  /*  4 */
	uint8_t mac[6];	  /*  8 */
	uint8_t promisc;  /* 14 0 or 1 */
	uint8_t reserved; /* 15 */
};

struct sw_port_info {
	uint16_t port;		  /*   0 slipway port index */
	uint16_t eth_port;	  /*   2 DPDK ethdev port id */
	uint16_t reserved2;	  /*   4 */
	uint8_t started;	  /*   6 */
	uint8_t link_up;	  /*   7 */
	uint32_t link_speed;	  /*   8 Mbps */
	uint32_t mtu;		  /*  12 */
	uint8_t mac[6];		  /*  16 */
	uint8_t promisc;	  /*  22 */
	uint8_t link_duplex;	  /*  23 1 = full */
	uint16_t worker_lcore;	  /*  24 lcore polling its rx queue, SW_PORT_NONE if stopped */
	uint16_t n_rxq;		  /*  26 */
	uint16_t n_txq;		  /*  28 */
	uint16_t reserved0;	  /*  30 */
	uint32_t min_mtu;	  /*  32 */
	uint32_t max_mtu;	  /*  36 */
	uint8_t reserved1[8];	  /*  40 */
	char name[SW_NAME_LEN];	  /*  48 ethdev name */
	char driver[SW_NAME_LEN]; /*  80 driver name */
	char vif[SW_IFNAME_LEN];  /* 112 vEth interface name */
};

struct sw_xconnect {
	uint16_t in_port;  /* 0 */
	uint16_t out_port; /* 2 */
	uint32_t reserved; /* 4 */
};

struct sw_evt_port {
	uint16_t port;	     /* 0 */
	uint8_t link_up;     /* 2 */
	uint8_t started;     /* 3 */
	uint32_t link_speed; /* 4 Mbps */
};

/* sw_evt_kernel.what: what the kernel asked of the port through its vEth */
#define SW_KREQ_MTU	 1u /* value: MTU */
#define SW_KREQ_UP	 2u
#define SW_KREQ_DOWN	 3u
#define SW_KREQ_MAC	 4u /* mac */
#define SW_KREQ_PROMISC	 5u /* value: 0 or 1 */
#define SW_KREQ_ALLMULTI 6u /* value: 0 or 1 */

struct sw_evt_kernel {
	uint16_t port;	   /*  0 */
	uint8_t what;	   /*  2 SW_KREQ_* */
	uint8_t applied;   /*  3 1: applied to the port; 0: refused, the vEth reverted */
	uint32_t value;	   /*  4 */
	uint8_t mac[6];	   /*  8 */
	uint16_t reserved; /* 14 */
	char reason[48];   /* 16 why it was refused (NUL-terminated) */
};

/*
 * Punt policer. Every frame the fast path hands to a vEth (except mirror
 * copies) passes a token bucket of its ingress port and punt class first,
 * metered in packets: rate_pps tokens a second, at most burst of them
 * saved. Frames over the rate are dropped and counted (police_* L3
 * counters). rate_pps 0 turns the class's policer off.
 *
 * Each worker polling a port meters its own share (rate and burst divided
 * by the port's rx queues, at least 1): one flow, which RSS keeps on one
 * worker, gets that share.
 */
#define SW_PUNT_ARP  0u /* ARP and IPv6 neighbour discovery */
#define SW_PUNT_ICMP 1u /* ICMP and ICMPv6 other than ND */
#define SW_PUNT_HOST \
	2u /* other traffic for the host: its addresses, link-local,
				* broadcast and multicast (routing protocols, DHCP) */
#define SW_PUNT_OTHER \
	3u /* the rest: no route or neighbour yet, TTL, IPv4 options,
				* non-IP, VLAN-tagged, another station's MAC, rule punts */
#define SW_PUNT_CLASSES	     4u
#define SW_PUNT_CLASS_ALL    0xffu	/* sw_policer_set.punt_class: every class */
#define SW_POLICER_MAX_RATE  100000000u /* packets/s */
#define SW_POLICER_MAX_BURST 1000000u	/* packets */

struct sw_policer_set {
	uint16_t port;	    /*  0 SW_PORT_NONE: every port, and the default for ports added later */
	uint8_t punt_class; /*  2 SW_PUNT_*, or SW_PUNT_CLASS_ALL */
	uint8_t reserved0;  /*  3 */
	uint32_t rate_pps;  /*  4 0: no limit */
	uint32_t burst;	    /*  8 packets; >= 1 when rate_pps is set */
	uint32_t reserved1; /* 12 */
};

struct sw_policer_rate {
	uint32_t rate_pps; /* 0 */
	uint32_t burst;	   /* 4 */
};

struct sw_policer_info {
	uint16_t port;				     /*  0 SW_PORT_NONE: the defaults */
	uint16_t reserved0;			     /*  2 */
	uint32_t reserved1;			     /*  4 */
	struct sw_policer_rate cls[SW_PUNT_CLASSES]; /* 8 indexed by SW_PUNT_* */
};

/* Sent when a class starts or stops dropping, or its drop rate doubles or
 * halves; checked at every stats refresh (500 ms). */
struct sw_evt_policer {
	uint16_t port;	    /*  0 */
	uint8_t punt_class; /*  2 SW_PUNT_* */
	uint8_t dropping;   /*  3 1 while the class drops */
	uint32_t drop_pps;  /*  4 over the last interval */
	uint64_t drops;	    /*  8 total so far */
};

#endif /* SLIPWAY_CTL_PORTS_H */

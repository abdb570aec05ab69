/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI, part 2: the statistics area (see slipway_ctl.h,
 * which includes this file; header.stats_off says where the area is). Read
 * by any process that maps the control file; written by slipwayd only.
 */
#ifndef SLIPWAY_STATS_H
#define SLIPWAY_STATS_H

#include <stdint.h>

/*
 * Statistics area. Counters are written by one lcore each, with plain
 * (relaxed atomic) 64-bit stores; readers sum over lcores. Device counters
 * (struct sw_dev_stats) are refreshed by the main lcore under the seqlock
 * sw_stats.dev_seq (odd while writing).
 *
 * X(name): counters kept per lcore per port, in this order.
 *   rx_*        received from the port by the fast path
 *   tx_*        sent to the port by the fast path (forwarded and injected)
 *   tx_drops    the port's tx queue refused them
 *   xc_packets  forwarded by a cross-connect (counted on the ingress port)
 *   punt_*      handed towards the port's vEth (fast path -> exception ring)
 *   punt_drops  exception ring full
 *   vif_tx_*    frames written to the vEth by the main lcore (after GRO)
 *   vif_tx_drops the vEth refused them
 *   vif_rx_*    frames read from the vEth by the main lcore (kernel -> port;
 *               a TSO super-frame counts once)
 *   inject_*    sent to the port from the vEth by the fast path
 *   inject_drops injection ring full, port stopped, or a frame from the
 *               kernel that could not be segmented or checksummed
 *   no_route    dropped because the output port is not running
 *   vif_gro_merged   punted TCP segments written to the vEth inside a
 *               coalesced frame (rte_gro; a frame of n segments adds n)
 *   vif_gso_segments segments cut from the kernel's TSO super-frames (rte_gso)
 */
/* clang-format off */
#define SW_PORT_COUNTER_LIST(X) \
	X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes) X(tx_drops) \
	X(xc_packets) X(punt_packets) X(punt_drops) \
	X(vif_tx_packets) X(vif_tx_drops) X(vif_rx_packets) \
	X(inject_packets) X(inject_drops) X(no_route) \
	X(vif_gro_merged) X(vif_gso_segments)
/* clang-format on */
#define SW_PORT_COUNTER_SLOTS 16u

struct sw_port_counters {
	uint64_t c[SW_PORT_COUNTER_SLOTS];
};

enum sw_port_counter {
#define SW_COUNTER_ENUM(name) SW_C_##name,
	SW_PORT_COUNTER_LIST(SW_COUNTER_ENUM)
#undef SW_COUNTER_ENUM
		SW_C__COUNT
};

/* sw_lcore_stats.role */
#define SW_ROLE_UNUSED 0u
#define SW_ROLE_MAIN   1u
#define SW_ROLE_WORKER 2u

struct sw_lcore_stats {
	uint32_t lcore_id;   /*  0 */
	uint32_t role;	     /*  4 SW_ROLE_* */
	uint64_t busy_polls; /*  8 loop iterations that moved packets */
	uint64_t idle_polls; /* 16 loop iterations that found nothing */
	uint64_t busy_ns;    /* 24 time in iterations that moved packets */
	uint64_t idle_ns;    /* 32 time polling and finding nothing */
	uint64_t sleep_ns;   /* 40 time asleep (idle back-off; main lcore: idle sleep) */
	uint64_t sleeps;     /* 48 idle sleeps (workers) */
	uint64_t intr_wakes; /* 56 sleeps an rx interrupt ended (--poll-mode interrupt) */
	struct sw_port_counters ports[SW_MAX_PORTS]; /* 64 */
};

/* Device counters from rte_eth_stats_get(). */
struct sw_dev_stats {
	uint64_t ipackets;  /*  0 */
	uint64_t opackets;  /*  8 */
	uint64_t ibytes;    /* 16 */
	uint64_t obytes;    /* 24 */
	uint64_t imissed;   /* 32 */
	uint64_t ierrors;   /* 40 */
	uint64_t oerrors;   /* 48 */
	uint64_t rx_nombuf; /* 56 */
};

/*
 * X(name): L3 fast-path counters per lcore per port (ingress port), in this
 * order. routed_packets were forwarded by a route; punt_* went to the
 * ingress vEth for that reason; drop_* were dropped.
 *   punt_arp ARP; punt_nd IPv6 neighbour discovery; punt_local for the
 *   host's own addresses (local routes, link-local); punt_mcast broadcast
 *   or multicast; punt_ttl TTL/hop limit would expire; punt_options IPv4
 *   options; punt_no_route no route; punt_no_neigh next hop unresolved;
 *   punt_non_ip neither IPv4, IPv6 nor ARP; punt_other VLAN-tagged IP or a
 *   frame for another station; drop_malformed runt, truncated, bad
 *   version/IHL/length; drop_route blackhole route; drop_port_down output
 *   port not running; rule_drops, rule_punts by a rule's action;
 *   police_* dropped by the punt policer, per punt class (SW_PUNT_*);
 *   drop_bad_cksum an IPv4 header checksum that does not verify (RFC 1812
 *   5.2.2); drop_martian_src a source no router forwards (IPv4 0/8, 127/8,
 *   224/4 and above; IPv6 multicast, loopback, unspecified); drop_martian_dst
 *   a destination no router forwards (IPv4 0/8, 127/8, 240/4; IPv6
 *   unspecified, loopback); drop_src_mac a multicast or broadcast Ethernet
 *   source; drop_link_local a link-local source (169.254/16, fe80::/10) that
 *   would leave its link; drop_ext_hdr an IPv6 extension-header chain too
 *   long or truncated; punt_hop_by_hop IPv6 hop-by-hop options (the kernel
 *   processes them, as RFC 8200 routers do); punt_mtu larger than the output
 *   port's MTU (the kernel answers ICMP fragmentation needed / packet too
 *   big, or fragments). The punt_* reasons are counted before the policer.
 */
/* clang-format off */
#define SW_L3_COUNTER_LIST(X) \
	X(routed_packets) X(punt_arp) X(punt_nd) X(punt_local) X(punt_mcast) \
	X(punt_ttl) X(punt_options) X(punt_no_route) X(punt_no_neigh) \
	X(punt_non_ip) X(punt_other) X(drop_malformed) X(drop_route) X(drop_port_down) \
	X(rule_drops) X(rule_punts) \
	X(police_arp) X(police_icmp) X(police_host) X(police_other) \
	X(drop_bad_cksum) X(drop_martian_src) X(drop_martian_dst) X(drop_src_mac) \
	X(drop_link_local) X(drop_ext_hdr) X(punt_hop_by_hop) X(punt_mtu)
/* clang-format on */
#define SW_L3_COUNTER_SLOTS 32u

struct sw_l3_counters {
	uint64_t c[SW_L3_COUNTER_SLOTS];
};

enum sw_l3_counter {
#define SW_L3_COUNTER_ENUM(name) SW_L3_##name,
	SW_L3_COUNTER_LIST(SW_L3_COUNTER_ENUM)
#undef SW_L3_COUNTER_ENUM
		SW_L3__COUNT
};
_Static_assert(SW_L3__COUNT <= SW_L3_COUNTER_SLOTS, "L3 counters fit their slots");

/* Route table summary, written by the main lcore with the device counters. */
struct sw_table_stats {
	uint64_t mem_bytes;   /*  0 memory reserved for routes, next hops, FIBs */
	uint32_t routes4;     /*  8 */
	uint32_t routes6;     /* 12 */
	uint32_t neighbours;  /* 16 */
	uint32_t nh_groups;   /* 20 */
	uint64_t reserved[5]; /* 24 */
};

struct sw_stats {
	uint32_t dev_seq;		       /*  0 seqlock over dev[] and the mempool fields */
	uint32_t n_lcores;		       /*  4 slots in use */
	uint64_t updated_ns;		       /*  8 CLOCK_MONOTONIC of the last device refresh */
	uint64_t mbuf_total;		       /* 16 mempool size */
	uint64_t mbuf_free;		       /* 24 mempool available count (incl. lcore caches) */
	uint32_t port_mask;		       /* 32 bit N set: slipway port N exists */
	uint32_t reserved0;		       /* 36 */
	uint64_t reserved[3];		       /* 40 */
	struct sw_dev_stats dev[SW_MAX_PORTS]; /*   64 */
	struct sw_lcore_stats lcores[SW_MAX_LCORES];	       /* 1088 */
	struct sw_table_stats tables;			       /* 34880, under dev_seq */
	struct sw_l3_counters l3[SW_MAX_LCORES][SW_MAX_PORTS]; /* 34944 [lcore slot][port] */
};

#define SW_STATS_SIZE sizeof(struct sw_stats)

#endif /* SLIPWAY_STATS_H */

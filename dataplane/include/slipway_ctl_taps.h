/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI: captures, traces and explain.
 *
 * Requests and responses of TAP_START, TAP_STOP, TAP_LIST, TRACE_READ and
 * EXPLAIN, the capture file (struct sw_tap_hdr) and its records, the
 * SW_EVT_TAP_END event.
 *
 * Part of the one definition in slipway_ctl.h, which includes this file
 * (include slipway_ctl.h); checked against the TypeScript side by
 * test/c/abi_dump.c like the rest.
 */
#ifndef SLIPWAY_CTL_TAPS_H
#define SLIPWAY_CTL_TAPS_H

#include <stdint.h>

#include "slipway_ctl.h" /* the constants, struct sw_port_ref, SW_AF_* */

/*
 * Capture, trace and explain: seeing the fast path.
 *
 * A tap is a capture or a trace that a client starts (TAP_START) and
 * stops (TAP_STOP); at most SW_TAP_MAX at once. Its filter is a tcpdump
 * expression, compiled by slipwayd with libpcap and run per packet as DPDK
 * BPF (JIT-compiled where DPDK has a JIT), only while a tap is on. A tap
 * ends when its client stops it, when that client is gone (its slot freed,
 * by sw_tap_start.pid), when its client stops beating for SW_TAP_TIMEOUT_MS
 * (capture: sw_tap_hdr.client_heartbeat_ns; trace: TRACE_READ), or when
 * slipwayd stops; then an SW_EVT_TAP_END event says why.
 *
 * Points, where the fast path hands a packet on (bit i of points is point i):
 *   rx      received from the port, before anything changed it
 *   tx      given to the port's tx queue: forwarded (rewritten), mirrored,
 *           cross-connected or injected by the kernel
 *   punt    given to the ingress port's vEth (past the punt policer)
 *   inject  sent by the kernel on the vEth, on its way out of the port
 *   drop    freed by the fast path; reason says why
 */
#define SW_TAP_MAX	   4u	  /* taps at once */
#define SW_TAP_FILTER_MAX  2048u  /* filter bytes */
#define SW_TAP_SNAPLEN_MAX 65535u /* bytes kept per packet */
#define SW_TAP_TIMEOUT_MS  5000u  /* a tap whose client stops beating this long ends */
#define SW_TRACE_MAX	   1024u  /* records a trace keeps per worker */

/* sw_tap_start.kind */
#define SW_TAP_CAPTURE 1u /* packets into a capture file's rings (struct sw_tap_hdr) */
#define SW_TAP_TRACE   2u /* the path of the next packets, read with TRACE_READ */

/* capture points: bit i of sw_tap_start.points */
#define SW_TAP_POINT_RX	    0u
#define SW_TAP_POINT_TX	    1u
#define SW_TAP_POINT_PUNT   2u
#define SW_TAP_POINT_INJECT 3u
#define SW_TAP_POINT_DROP   4u
#define SW_TAP_POINTS	    5u

/*
 * Why the fast path dropped a packet (sw_tap_pkt.reason at the drop point,
 * sw_trace.reason): below SW_TAP_DROP_TX_FULL, the index of the L3 counter
 * it counted (SW_L3_*: drop_*, rule_drops, police_* for the punt policer);
 * then these.
 */
#define SW_TAP_DROP_TX_FULL   64u /* the port's tx queue refused it (tx_drops) */
#define SW_TAP_DROP_PUNT_FULL 65u /* the vEth's punt ring was full (punt_drops) */
#define SW_TAP_DROP_XC_DOWN   66u /* its cross-connect's output port is not running */
#define SW_TAP_DROP_UNKNOWN   67u

struct sw_tap_start {
	uint8_t kind;	    /*  0 SW_TAP_CAPTURE, SW_TAP_TRACE */
	uint8_t points;	    /*  1 capture: bit mask of SW_TAP_POINT_*; trace: 0 (it starts at rx) */
	uint16_t port;	    /*  2 one port, or SW_PORT_NONE: every port */
	uint32_t snaplen;   /*  4 capture: bytes kept per packet, 1..SW_TAP_SNAPLEN_MAX */
	uint32_t count;	    /*  8 records each worker writes at most, 0: no limit (capture);
			      *    trace: 1..SW_TRACE_MAX */
	uint32_t ring_size; /* 12 capture: each worker ring's data area, a power of two,
			      *    64 KiB..64 MiB; 0: 4 MiB */
	uint32_t pid;	    /* 16 the client's pid: the tap ends when that client is gone */
	uint16_t filter_len; /* 20 filter bytes that follow (no NUL), 0: every packet */
	uint16_t reserved;   /* 22 */
};			     /* followed by the filter, a tcpdump expression */

struct sw_tap_ref {
	uint32_t id;	   /* 0 */
	uint32_t reserved; /* 4 */
};

/* sw_tap_info.state */
#define SW_TAP_RUNNING 1u
#define SW_TAP_ENDING  2u /* stopped; workers may still write until the grace period ends */
#define SW_TAP_ENDED   3u /* no worker writes any more */

/* sw_tap_info.end_reason, sw_evt_tap.reason */
#define SW_TAP_END_STOPPED  1u /* TAP_STOP */
#define SW_TAP_END_CLIENT   2u /* its client is gone */
#define SW_TAP_END_TIMEOUT  3u /* its client stopped beating */
#define SW_TAP_END_SHUTDOWN 4u /* slipwayd stops */

struct sw_tap_info {
	uint32_t id;	    /*   0 */
	uint8_t kind;	    /*   4 SW_TAP_* */
	uint8_t points;	    /*   5 */
	uint16_t port;	    /*   6 */
	uint32_t snaplen;   /*   8 */
	uint32_t count;	    /*  12 */
	uint32_t pid;	    /*  16 */
	uint8_t state;	    /*  20 SW_TAP_RUNNING, _ENDING, _ENDED */
	uint8_t end_reason; /*  21 SW_TAP_END_*, 0 while running */
	uint8_t jit;	    /*  22 1: the filter runs JIT-compiled */
	uint8_t n_rings;    /*  23 capture: rings in the file (one per worker) */
	uint32_t ring_size; /*  24 capture: data area of each ring */
	uint32_t bpf_ins;   /*  28 eBPF instructions of the filter, 0: none */
	uint64_t matched;   /*  32 packets the filter took, summed over workers */
	uint64_t written;   /*  40 records written */
	uint64_t lost;	    /*  48 records lost: a ring was full (capture), the trace was full */
	char file[SW_NAME_LEN * 2]; /* 56 capture: the file's name in the control file's
				     *    directory (NUL-terminated), "" for a trace */
	char filter[128];	    /* 120 the filter's first bytes (NUL-terminated) */
};				    /* 248 */

/*
 * A capture file: <ctl_dir>/<file>, created by slipwayd like the control
 * file (O_EXCL|O_NOFOLLOW, mode 0600, owner root) and removed when the
 * capture ends; the client maps it (it keeps its mapping after that). The
 * header, then per worker a struct sw_tap_counts (cache-line aligned),
 * then per worker a ring (struct sw_ring, data area of ring_size bytes):
 * worker i is the only producer of ring i, the client its consumer. The
 * producer never waits and never wakes anyone: a record that does not fit
 * is lost and counted (a slow reader costs records, never fast-path time);
 * the client polls. Messages are as on the control rings (struct
 * sw_msg_hdr, PAD), of type SW_EVT_CAPTURE_PKT with seq the ring's record
 * number (lost records included, so a gap is visible), payload a struct
 * sw_tap_pkt and the captured bytes. After the grace period of the stop,
 * slipwayd stores state = SW_TAP_ENDED: every ring holds all it will.
 */
#define SW_TAP_MAGIC	0x50544c53u /* "SLTP" in memory order */
#define SW_TAP_HDR_SIZE 4096u
#define SW_TAP_RING_MIN (64u * 1024u)
#define SW_TAP_RING_MAX (64u * 1024u * 1024u)
#define SW_TAP_RING_DEF (4u * 1024u * 1024u)

struct sw_tap_hdr {
	uint32_t magic;		       /*   0 SW_TAP_MAGIC, written last at creation */
	uint32_t abi_version;	       /*   4 SW_CTL_ABI_VERSION */
	uint32_t header_size;	       /*   8 SW_TAP_HDR_SIZE */
	uint32_t id;		       /*  12 the tap */
	uint64_t file_size;	       /*  16 */
	uint32_t counts_off;	       /*  24 struct sw_tap_counts[n_rings] */
	uint32_t ring_off;	       /*  28 ring 0 */
	uint32_t ring_stride;	       /*  32 bytes from one ring to the next */
	uint32_t ring_size;	       /*  36 data area of each ring, a power of two */
	uint32_t n_rings;	       /*  40 one per worker */
	uint32_t snaplen;	       /*  44 */
	uint64_t tsc_hz;	       /*  48 records are stamped with the TSC */
	uint64_t tsc0;		       /*  56 the TSC when ... */
	uint64_t realtime_ns0;	       /*  64 ... CLOCK_REALTIME read this (ns) */
	uint64_t client_heartbeat_ns;  /*  72 CLOCK_MONOTONIC; the client writes it at least
				       *     every second, or the capture ends */
	uint32_t state;		       /*  80 SW_TAP_RUNNING, _ENDING, _ENDED (slipwayd writes) */
	uint32_t end_reason;	       /*  84 SW_TAP_END_* */
	uint8_t points;		       /*  88 */
	uint8_t reserved0;	       /*  89 */
	uint16_t port;		       /*  90 */
	uint32_t reserved1;	       /*  92 */
	uint16_t lcore[SW_MAX_LCORES]; /*  96 lcore of ring i's worker */
	uint8_t reserved[SW_TAP_HDR_SIZE - 128]; /* 128 */
};

/* Per worker, per port and point (slipwayd writes, relaxed stores). */
struct sw_tap_counts {
	uint64_t seen[SW_MAX_PORTS][SW_TAP_POINTS];    /*    0 packets at the point */
	uint64_t matched[SW_MAX_PORTS][SW_TAP_POINTS]; /*  640 ... that the filter took */
	uint64_t lost[SW_MAX_PORTS][SW_TAP_POINTS];    /* 1280 ... whose record did not fit */
};						       /* 1920, a multiple of 64 */

struct sw_tap_pkt {
	uint64_t tsc;	   /*  0 when the fast path handed it on */
	uint16_t port;	   /*  8 */
	uint8_t point;	   /* 10 SW_TAP_POINT_* */
	uint8_t reason;	   /* 11 drop: SW_TAP_DROP_* / SW_L3_*; punt: its SW_PUNT_* class */
	uint16_t queue;	   /* 12 rx: the rx queue; other points: the worker's tx queue */
	uint16_t lcore;	   /* 14 */
	uint32_t orig_len; /* 16 the packet's length */
	uint32_t cap_len;  /* 20 bytes that follow: min(orig_len, snaplen) */
};			   /* 24, then the packet's first cap_len bytes */

/* Sent when a tap ends for any reason but TAP_STOP. */
struct sw_evt_tap {
	uint32_t id;	   /*  0 */
	uint8_t kind;	   /*  4 SW_TAP_* */
	uint8_t reason;	   /*  5 SW_TAP_END_* */
	uint16_t port;	   /*  6 */
	uint32_t pid;	   /*  8 */
	uint32_t reserved; /* 12 */
	uint64_t written;  /* 16 */
	uint64_t lost;	   /* 24 */
};

/* sw_trace.action: what the fast path did with the packet */
#define SW_TRACE_FORWARD 1u /* out of out_port */
#define SW_TRACE_PUNT	 2u /* to the ingress port's vEth */
#define SW_TRACE_DROP	 3u /* freed; reason says why */

/* sw_trace.step: what decided it */
#define SW_TRACE_BY_XCONNECT 1u /* the ingress port's cross-connect */
#define SW_TRACE_BY_RULE     2u /* a rule's forward, drop or punt */
#define SW_TRACE_BY_CHECKS   3u /* the L2/L3 checks, before any route */
#define SW_TRACE_BY_ROUTE    4u /* the route (and its next hop) */

/* sw_trace.police */
#define SW_TRACE_POLICE_NONE 0u /* not punted, or not known (explain) */
#define SW_TRACE_POLICE_PASS 1u /* took a token: handed to the vEth */
#define SW_TRACE_POLICE_DROP 2u /* over its class's rate: dropped */

/* sw_trace.flags */
#define SW_TRACE_F_RULE	    0x01u /* a rule matched (rule_*) */
#define SW_TRACE_F_ROUTE    0x02u /* the routes were consulted (route_*, prefix, nh) */
#define SW_TRACE_F_FOUND    0x04u /* ... and one matched */
#define SW_TRACE_F_EXPLAIN  0x08u /* computed by EXPLAIN, not seen in the fast path */
#define SW_TRACE_F_OBSERVED 0x10u /* action is what the fast path did (tx, punt, drop) */
#define SW_TRACE_F_STALE    0x20u /* the route table changed since: prefix is today's */

/*
 * The path of one packet through the fast path (a TRACE_READ record), or
 * what it would be (EXPLAIN). The headers are those of the frame as
 * received; addresses 16 bytes in network order (IPv4: the first 4).
 */
struct sw_trace {
	uint64_t tsc_rx;	/*   0 TSC when its burst was received (0: explain) */
	uint64_t tsc_out;	/*   8 when it was handed to tx, the vEth, or freed */
	uint64_t tsc_hz;	/*  16 */
	uint64_t seq;		/*  24 record number in its worker's trace */
	uint16_t in_port;	/*  32 */
	uint16_t queue;		/*  34 rx queue (SW_PORT_NONE: explain) */
	uint16_t lcore;		/*  36 worker lcore (SW_PORT_NONE: explain) */
	uint8_t action;		/*  38 SW_TRACE_FORWARD, _PUNT, _DROP */
	uint8_t step;		/*  39 SW_TRACE_BY_* */
	uint16_t out_port;	/*  40 forward: the output port; SW_PORT_NONE otherwise */
	uint8_t reason;		/*  42 punt: its SW_L3_* counter; drop: SW_TAP_DROP_* / SW_L3_* */
	uint8_t punt_class;	/*  43 punt: SW_PUNT_* (the policer's class) */
	uint8_t police;		/*  44 SW_TRACE_POLICE_* */
	uint8_t flags;		/*  45 SW_TRACE_F_* */
	uint16_t mirror_port;	/* 46 a mirror rule's copy went there (0xff: the vEth), else
			       *    SW_PORT_NONE */
	uint32_t pkt_len;	/*  48 */
	uint16_t vlan;		/*  52 outer VLAN id, 0xffff: untagged */
	uint16_t ethertype;	/*  54 innermost, host order */
	uint8_t src_mac[6];	/*  56 */
	uint8_t dst_mac[6];	/*  62 */
	uint8_t family;		/*  68 0 (not IP), SW_AF_INET, SW_AF_INET6 */
	uint8_t proto;		/*  69 after IPv6 extension headers */
	uint8_t ttl;		/*  70 TTL / hop limit as received */
	uint8_t tags;		/*  71 VLAN tags */
	uint16_t sport;		/*  72 host order (TCP, UDP, SCTP) */
	uint16_t dport;		/*  74 */
	uint32_t flow_hash;	/*  76 the ECMP flow hash (routes of several next hops) */
	uint8_t src[16];	/*  80 */
	uint8_t dst[16];	/*  96 */
	uint32_t rule_id;	/* 112 F_RULE: the matching rule */
	uint32_t rule_priority; /* 116 */
	uint8_t rule_action;	/* 120 SW_RULE_* */
	uint8_t route_type;	/* 121 F_FOUND: SW_ROUTE_* */
	uint8_t prefix_len;	/* 122 */
	uint8_t n_nh;		/* 123 the route's next hops */
	uint8_t member;		/* 124 the flow's next hop among them */
	uint8_t resolved;	/* 125 its neighbour is known */
	uint16_t nh_port;	/* 126 its port */
	uint8_t prefix[16];	/* 128 */
	uint8_t gw[16];		/* 144 its gateway, all zero: directly connected */
	uint8_t nh_mac[6];	/* 160 its neighbour's MAC */
	uint16_t reserved0;	/* 166 */
	uint32_t group;		/* 168 next-hop group id */
	uint32_t reserved1;	/* 172 */
};				/* 176 */

struct sw_trace_batch {
	uint32_t count;	    /*  0 records that follow */
	uint8_t state;	    /*  4 SW_TAP_RUNNING, _ENDING, _ENDED */
	uint8_t reserved0;  /*  5 */
	uint16_t reserved1; /*  6 */
	uint64_t matched;   /*  8 packets the filter took */
	uint64_t lost;	    /* 16 matched packets not traced: every worker's trace was full */
};

/* sw_explain.flags */
#define SW_EXPLAIN_SRC_MAC 0x01u /* src_mac is set (else 02:00:00:00:00:01) */
#define SW_EXPLAIN_DST_MAC 0x02u /* dst_mac is set (else the port's MAC) */

/*
 * EXPLAIN: a frame made of these fields goes through the fast path's own
 * classification (rules, checks, routes, next hop) as if received on
 * in_port, with no effect: nothing is counted, sent or punted. ICMP and
 * ICMPv6 make an echo request, TCP a SYN, UDP a datagram, others 8 bytes.
 */
struct sw_explain {
	uint16_t in_port;   /*  0 */
	uint16_t vlan;	    /*  2 a tag with this VLAN id, 0xffff: none */
	uint8_t family;	    /*  4 SW_AF_INET, SW_AF_INET6 */
	uint8_t proto;	    /*  5 */
	uint16_t sport;	    /*  6 host order (TCP, UDP) */
	uint16_t dport;	    /*  8 */
	uint8_t ttl;	    /* 10 TTL / hop limit, 0: 64 */
	uint8_t flags;	    /* 11 SW_EXPLAIN_* */
	uint8_t src_mac[6]; /* 12 */
	uint8_t dst_mac[6]; /* 18 */
	uint16_t reserved0; /* 24 */
	uint16_t length;    /* 26 IP packet length, 0: the smallest for proto */
	uint32_t reserved1; /* 28 */
	uint8_t src[16];    /* 32 */
	uint8_t dst[16];    /* 48 */
};

#endif /* SLIPWAY_CTL_TAPS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI.
 *
 * This header is the one definition of the shared-memory layout between
 * slipwayd and its clients (the TypeScript library, slipctl, the agent, any
 * number of them at once). The TypeScript side (ts-api/src/wire/abi/) is
 * checked against it at test time by test/c/abi_dump.c.
 *
 * File: <ctl_dir>/<instance>.ctl (ctl_dir: /run/slipway by default, owned by
 * root, mode 0700), mode 0600, a regular file created O_EXCL|O_NOFOLLOW by
 * slipwayd. Both sides check its owner, mode and type before use.
 *
 *   offset 0                   header (struct sw_ctl_header)
 *   header.slot_off + i * slot_size   client slot i (struct sw_slot), with
 *                              its own request ring (client -> dataplane)
 *                              and response ring (dataplane -> client)
 *   header.evt_off             event log (struct sw_evt_record[evt_records]),
 *                              read by every client with its own cursor
 *   header.stats_off           statistics area (slipway_stats.h), read-only
 *                              for everyone but slipwayd; no slot needed
 *
 * Everything is little-endian, naturally aligned, with fixed-width fields.
 * Readers take every offset and size from the header, check them against
 * the file's size, and never assume: memory shared with another process is
 * untrusted input on both sides.
 *
 * Rings are single-producer/single-consumer byte rings of power-of-two size
 * with free-running 32-bit producer/consumer byte indices on separate cache
 * lines (AF_XDP/netmap discipline), one pair per client as AF_XDP has one
 * pair per socket:
 *   producer: write message at data[prod & mask], then store-release prod
 *   consumer: load-acquire prod, read, then store-release cons
 * A message is a struct sw_msg_hdr followed by its payload; it occupies
 * SW_MSG_ALIGN(len) bytes and never wraps: when it does not fit before the
 * end of the data area, the producer writes a SW_OP_PAD message covering the
 * rest of the area and starts again at offset 0. When fewer than
 * SW_MSG_HDR_SIZE bytes remain before the end (only 8 can), there is no room
 * for a PAD header: the producer skips them and the consumer does the same.
 *
 * After publishing, the producer increments ring.wake and, when
 * ring.sleepers is non-zero, does a futex wake on &ring.wake (a shared,
 * non-private futex). A consumer that wants to sleep sets sleepers, checks
 * the ring once more, then futex-waits on wake.
 */
#ifndef SLIPWAY_CTL_H
#define SLIPWAY_CTL_H

#include <stdint.h>

#define SW_CTL_MAGIC	   0x59574c53u /* "SLWY" in memory order */
#define SW_CTL_ABI_VERSION 3u
#define SW_CTL_HEADER_SIZE 4096u
#define SW_CACHE_LINE	   64u

#define SW_MAX_PORTS   16u /* slipway ports; each uses two ethdevs (port + vEth) */
#define SW_MAX_LCORES  16u /* stats slots: slot 0 is the main lcore, then workers */
#define SW_PORT_NONE   0xffffu
#define SW_NAME_LEN    32u
#define SW_IFNAME_LEN  16u
#define SW_NETNS_LEN   64u /* --vif-netns: a name or a path, NUL included */
#define SW_DEVARGS_MAX 512u
#define SW_ERRMSG_MAX  256u

#define SW_REQ_RING_SIZE   (256u * 1024u)  /* per client slot */
#define SW_RESP_RING_SIZE  (1024u * 1024u) /* per client slot */
#define SW_MAX_CLIENTS	   16u		   /* client slots */
#define SW_SLOT_HDR_SIZE   256u
#define SW_SLOT_TIMEOUT_MS 10000u /* a client heartbeat older than this frees its slot */
#define SW_EVT_RECORDS	   1024u  /* events the log keeps, power of two */
#define SW_EVT_RECORD_SIZE 128u
#define SW_EVT_RING_SIZE   (64u * 1024u)

/* Lifecycle of the dataplane, in header.state. */
#define SW_STATE_STARTING 1u
#define SW_STATE_READY	  2u
#define SW_STATE_STOPPING 3u

struct sw_ctl_header {
	uint32_t magic;		  /*   0 SW_CTL_MAGIC, written last at creation */
	uint32_t abi_version;	  /*   4 SW_CTL_ABI_VERSION */
	uint32_t header_size;	  /*   8 SW_CTL_HEADER_SIZE */
	uint32_t state;		  /*  12 SW_STATE_* (dataplane writes) */
	uint64_t file_size;	  /*  16 */
	uint32_t slot_off;	  /*  24 offset of client slot 0 */
	uint32_t slot_size;	  /*  28 bytes from one slot to the next */
	uint32_t n_slots;	  /*  32 client slots */
	uint32_t req_size;	  /*  36 data area of each request ring, power of two */
	uint32_t resp_size;	  /*  40 data area of each response ring, power of two */
	uint32_t evt_off;	  /*  44 offset of the event log */
	uint32_t evt_records;	  /*  48 records in it, power of two */
	uint32_t evt_record_size; /*  52 bytes per record */
	uint32_t stats_off;	  /*  56 offset of struct sw_stats */
	uint32_t stats_size;	  /*  60 */
	uint32_t dp_pid;	  /*  64 pid of slipwayd */
	uint32_t n_workers;	  /*  68 worker lcores */
	uint64_t dp_heartbeat_ns; /*  72 CLOCK_MONOTONIC, dataplane writes at least every 10 ms */
	uint64_t start_time_ns;	  /*  80 CLOCK_REALTIME of start */
	uint64_t
		dp_start_ticks; /*  88 slipwayd's start, clock ticks after boot (proc(5) stat 22) */
	uint64_t evt_next;	/*  96 sequence number of the next event = events so far */
	uint32_t evt_wake;	/* 104 futex word: incremented after every event */
	uint32_t evt_sleepers;	/* 108 readers waiting on evt_wake; non-zero: wake them */
	uint32_t idle_us;	/* 112 main lcore's idle sleep bound */
	uint32_t dp_pidns;	/* 116 slipwayd's pid namespace (inode, low 32 bits) */
	char instance[SW_NAME_LEN];	/* 120 NUL-terminated instance name */
	char vif_prefix[SW_IFNAME_LEN]; /* 152 */
	char vif_netns[SW_NETNS_LEN];	/* 168 the vEths' network namespace, "": slipwayd's own */
	uint8_t reserved[SW_CTL_HEADER_SIZE - 232];
};

/* sw_slot.state */
#define SW_SLOT_FREE	 0u
#define SW_SLOT_CLAIMING 1u /* a client is writing its identity: not served yet */
#define SW_SLOT_ACTIVE	 2u /* served */
#define SW_SLOT_RELEASED 3u /* the client is done: the dataplane resets the rings, then frees it */

/*
 * A client slot: this header, then the client's request ring and response
 * ring (struct sw_ring each, at req_off and resp_off from the slot's start,
 * data areas of header.req_size and header.resp_size bytes).
 *
 * A client claims a slot by a compare-and-swap of state FREE -> CLAIMING,
 * writes its identity and a heartbeat, takes the rings as they are (both
 * empty: the dataplane resets them when it frees a slot), then stores
 * ACTIVE (release). It releases the slot by storing RELEASED; the dataplane
 * resets the rings and stores FREE. The dataplane serves every ACTIVE slot,
 * leaves a CLAIMING slot alone for SW_SLOT_TIMEOUT_MS (its identity may
 * still be the previous client's) and frees it after that; the client's
 * final CLAIMING -> ACTIVE is a compare-and-swap, so a claim freed meanwhile
 * is known lost. It frees an ACTIVE slot whose client is gone: one in
 * its own pid namespace whose pid no longer exists or has another start
 * time, or any whose heartbeat is older than SW_SLOT_TIMEOUT_MS (a client
 * in another pid namespace keeps its slot while it beats). Then it resets
 * the rings and sends SW_EVT_CLIENT_GONE.
 */
struct sw_slot {
	uint32_t state;	       /*  0 SW_SLOT_* (CAS by clients; the dataplane frees) */
	uint32_t gen;	       /*  4 incremented at every claim */
	uint32_t pid;	       /*  8 the client's pid as it sees itself */
	uint32_t pidns;	       /* 12 the client's pid namespace (inode, low 32 bits) */
	uint64_t start_ticks;  /* 16 the client's start (proc(5) stat field 22) */
	uint64_t heartbeat_ns; /* 24 CLOCK_MONOTONIC, the client writes at least every second */
	uint32_t req_off;      /* 32 its request ring, from the slot's start (dataplane writes) */
	uint32_t resp_off;     /* 36 its response ring, from the slot's start */
	uint64_t served;       /* 40 requests the dataplane answered for this claim */
	char name
		[SW_NAME_LEN]; /* 48 what the client calls itself ("slipctl", "agent"), NUL-terminated */
	uint8_t reserved[SW_SLOT_HDR_SIZE - 80];
};

/*
 * The event log: the event with sequence number seq is record
 * seq % evt_records. The dataplane writes a record (seq set to
 * SW_EVT_WRITING first, the real seq last, release), then stores
 * header.evt_next = seq + 1 (release), increments evt_wake and wakes
 * sleepers. A reader keeps its own cursor (the next seq it wants): records
 * from cursor to evt_next are there unless evt_next - cursor exceeds
 * evt_records (then that many minus evt_records were overwritten: missed).
 * A record whose seq, read before and after copying it, is not the cursor
 * was overwritten while being read: missed too.
 */
_Static_assert(sizeof(struct sw_ctl_header) == SW_CTL_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct sw_slot) == SW_SLOT_HDR_SIZE, "slot header size");

#define SW_EVT_WRITING	   UINT64_MAX
#define SW_EVT_PAYLOAD_MAX (SW_EVT_RECORD_SIZE - 16u)

struct sw_evt_record {
	uint64_t seq;	   /*  0 this record's event number; SW_EVT_WRITING while written */
	uint16_t type;	   /*  8 SW_EVT_* */
	uint16_t len;	   /* 10 payload bytes */
	uint32_t reserved; /* 12 */
	uint8_t payload[SW_EVT_PAYLOAD_MAX]; /* 16 */
};
_Static_assert(sizeof(struct sw_evt_record) == SW_EVT_RECORD_SIZE, "event record size");

/* Ring header; the data area follows it at offset SW_RING_DATA_OFF. */
struct sw_ring {
	uint32_t prod; /*   0 producer byte index (free-running) */
	uint8_t pad0[SW_CACHE_LINE - 4];
	uint32_t cons; /*  64 consumer byte index (free-running) */
	uint8_t pad1[SW_CACHE_LINE - 4];
	uint32_t wake;	   /* 128 futex word: producer increments after publishing */
	uint32_t sleepers; /* 132 consumer sets non-zero before sleeping on wake */
	uint8_t pad2[SW_CACHE_LINE - 8];
	uint32_t size;	   /* 192 data area size (power of two) */
	uint32_t reserved; /* 196 */
	uint8_t pad3[SW_CACHE_LINE - 8];
};
#define SW_RING_DATA_OFF 256u

/* Every message on every ring starts with this header. */
struct sw_msg_hdr {
	uint32_t len;	 /* header + payload, bytes (not padded) */
	uint16_t type;	 /* SW_OP_* on request/response rings, SW_EVT_* on the event ring */
	uint16_t flags;	 /* SW_MSG_F_* */
	uint32_t seq;	 /* request: chosen by controller; response: copied; event: event number */
	uint32_t status; /* response: SW_ST_*; request and event: 0 */
};
#define SW_MSG_HDR_SIZE 16u
/*
 * Request flags. SW_MSG_F_MORE: more requests of the same batch follow at
 * once (as MSG_MORE does for a socket); the dataplane may hold the batch's
 * commit, and so its answers, until a request without the flag, at most
 * 250 ms at a time: a rule set is compiled once per batch. Other bits are
 * ignored.
 */
#define SW_MSG_F_MORE	  0x0001u
#define SW_MSG_ALIGN(len) (((len) + 7u) & ~7u)

/* Operations. Request payload -> response payload (on SW_ST_OK). */
#define SW_OP_PAD	0x0000u /* filler up to the end of the data area */
#define SW_OP_HELLO	0x0001u /* none -> struct sw_hello */
#define SW_OP_PORT_LIST 0x0010u /* none -> struct sw_list_hdr + struct sw_port_info[count] */
#define SW_OP_PORT_ADD \
	0x0011u /* devargs bytes (1..SW_DEVARGS_MAX, no NUL) -> struct sw_port_info */
#define SW_OP_PORT_START 0x0012u /* struct sw_port_ref -> struct sw_port_info */
#define SW_OP_PORT_STOP	 0x0013u /* struct sw_port_ref -> struct sw_port_info */
#define SW_OP_PORT_SET	 0x0014u /* struct sw_port_set -> struct sw_port_info */
#define SW_OP_PORT_GET	 0x0015u /* struct sw_port_ref -> struct sw_port_info */
#define SW_OP_PORT_DEVARGS \
	0x0016u /* struct sw_port_ref -> devargs bytes (no NUL): how the port was added */
#define SW_OP_XC_ADD	    0x0020u /* struct sw_xconnect -> none */
#define SW_OP_XC_DEL	    0x0021u /* struct sw_port_ref (in port) -> none */
#define SW_OP_XC_LIST	    0x0022u /* none -> struct sw_list_hdr + struct sw_xconnect[count] */
#define SW_OP_STATS_REFRESH 0x0030u /* none -> none; refreshes device counters in the stats area */
#define SW_OP_NEIGH_ADD	    0x0040u /* struct sw_neigh -> none (adds or replaces) */
#define SW_OP_NEIGH_DEL	    0x0041u /* struct sw_neigh (mac ignored) -> none */
#define SW_OP_NEIGH_LIST \
	0x0042u /* struct sw_list_req -> struct sw_list_hdr + struct sw_neigh[count] */
#define SW_OP_ROUTE_ADD 0x0050u /* struct sw_route -> none (adds or replaces) */
#define SW_OP_ROUTE_DEL 0x0051u /* struct sw_route (prefix, len, family) -> none */
#define SW_OP_ROUTE_LIST \
	0x0052u /* struct sw_list_req -> struct sw_list_hdr + struct sw_route[count] */
#define SW_OP_ROUTE_GET \
	0x0053u		       /* struct sw_route_lookup -> struct sw_route_match: the
				     * fast path's longest-prefix match and ECMP member */
#define SW_OP_RULE_ADD 0x0060u /* struct sw_rule -> none (adds or replaces rule id) */
#define SW_OP_RULE_DEL 0x0061u /* struct sw_rule_ref -> none */
#define SW_OP_RULE_LIST \
	0x0062u /* struct sw_list_req -> struct sw_list_hdr + struct sw_rule_entry[count] */
#define SW_OP_POLICER_SET 0x0070u /* struct sw_policer_set -> struct sw_policer_info */
#define SW_OP_POLICER_GET \
	0x0071u /* struct sw_port_ref (SW_PORT_NONE: the defaults) -> struct sw_policer_info */
#define SW_OP_SYNC_SET 0x0080u /* struct sw_sync_cfg -> struct sw_sync_cfg: kernel sync on/off */
#define SW_OP_SYNC_GET 0x0081u /* none -> struct sw_sync_cfg */
#define SW_OP_TAP_START \
	0x0090u		       /* struct sw_tap_start + filter bytes -> struct sw_tap_info: a
				     * capture or a trace begins */
#define SW_OP_TAP_STOP 0x0091u /* struct sw_tap_ref -> struct sw_tap_info */
#define SW_OP_TAP_LIST 0x0092u /* none -> struct sw_list_hdr + struct sw_tap_info[count] */
#define SW_OP_TRACE_READ \
	0x0093u /* struct sw_tap_ref -> struct sw_trace_batch + struct sw_trace[count] */
#define SW_OP_EXPLAIN \
	0x0094u /* struct sw_explain -> struct sw_trace: the verdict the fast path
				     * would reach for a packet made from it */
#define SW_OP_RING_ERROR \
	0xffffu /* response only: the request ring held something unreadable
				     * (seq is the offending message's when its header could be
				     * read, else 0); pending requests were discarded */

/*
 * Response status codes. On any status but SW_ST_OK the payload is a UTF-8
 * message (no NUL, at most SW_ERRMSG_MAX bytes) naming what was wrong.
 * X(name, value, description): one list generates the C enum, the C
 * strings, and the golden vector that checks the TypeScript list.
 */
/* clang-format off */
#define SW_STATUS_LIST(X) \
	X(OK,          0, "success") \
	X(MALFORMED,   1, "malformed request") \
	X(UNKNOWN_OP,  2, "unknown operation") \
	X(NO_PORT,     3, "no such port") \
	X(INVALID,     4, "invalid argument") \
	X(RANGE,       5, "value out of range") \
	X(EXISTS,      6, "already exists") \
	X(NOT_FOUND,   7, "not found") \
	X(NO_SPACE,    8, "no space left") \
	X(BUSY,        9, "busy") \
	X(DEVICE,     10, "device refused the operation") \
	X(STATE,      11, "wrong state")
/* clang-format on */

enum sw_status {
#define SW_STATUS_ENUM(name, value, desc) SW_ST_##name = value,
	SW_STATUS_LIST(SW_STATUS_ENUM)
#undef SW_STATUS_ENUM
};

/* Events (type field on the event ring). */
#define SW_EVT_LINK	      0x0001u /* struct sw_evt_port */
#define SW_EVT_PORT_ADDED     0x0002u /* struct sw_evt_port */
#define SW_EVT_PORT_STARTED   0x0003u /* struct sw_evt_port */
#define SW_EVT_PORT_STOPPED   0x0004u /* struct sw_evt_port */
#define SW_EVT_CLIENT_GONE    0x0005u /* struct sw_evt_client: a dead client's slot was freed */
#define SW_EVT_KERNEL_REQUEST 0x0006u /* struct sw_evt_kernel: `ip link set vEthN ...` */
#define SW_EVT_POLICER	      0x0007u /* struct sw_evt_policer: a punt class's drop rate changed */
#define SW_EVT_SYNC	      0x0008u /* struct sw_evt_sync: kernel sync installed, removed or refused */
#define SW_EVT_TAP_END	      0x0010u /* struct sw_evt_tap: a capture or trace ended */
#define SW_EVT_CAPTURE_PKT \
	0x0011u /* not on the event log: a record on a capture file's ring
				     * (struct sw_tap_pkt and the packet's bytes) */

struct sw_hello {
	uint32_t abi_version; /*  0 */
	uint32_t dp_pid;      /*  4 */
	uint32_t n_workers;   /*  8 */
	uint32_t max_ports;   /* 12 */
	uint32_t n_ports;     /* 16 */
	uint32_t reserved;    /* 20 */
};

struct sw_port_ref {
	uint16_t port;	    /* 0 */
	uint16_t reserved0; /* 2 */
	uint32_t reserved1; /* 4 */
};

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

struct sw_list_hdr {
	uint32_t count; /* 0 entries that follow */
	uint32_t next;	/* 4 cursor of the next page, 0 when this is the last */
};

/* Paged listing: up to max entries starting at cursor (0 = first); the
 * response's sw_list_hdr.next is the cursor of the next page. */
struct sw_list_req {
	uint32_t cursor;  /* 0 */
	uint16_t max;	  /* 4 */
	uint8_t family;	  /* 6 SW_AF_* (routes), 0 = both */
	uint8_t reserved; /* 7 */
};

#define SW_AF_INET  4u
#define SW_AF_INET6 6u

/* Addresses are 16 bytes in network order; IPv4 uses the first 4. */
struct sw_neigh {
	uint16_t port;	    /*  0 */
	uint8_t family;	    /*  2 SW_AF_* */
	uint8_t origin;	    /*  3 SW_ORIGIN_* in listings; 0 in requests */
	uint8_t mac[6];	    /*  4 */
	uint16_t reserved1; /* 10 */
	uint32_t reserved2; /* 12 */
	uint8_t ip[16];	    /* 16 */
};

#define SW_ECMP_MAX 8u

/* sw_route.origin, sw_neigh.origin: who installed an entry (listings only) */
#define SW_ORIGIN_API	 1u /* a client */
#define SW_ORIGIN_NEIGH	 2u /* a neighbour: its attached host route */
#define SW_ORIGIN_KADDR	 3u /* kernel sync: an address on a vEth (local and connected routes) */
#define SW_ORIGIN_KROUTE 4u /* kernel sync: a kernel route */
#define SW_ORIGIN_KNEIGH 5u /* kernel sync: a neighbour the kernel resolved */

/* sw_route.type */
#define SW_ROUTE_FORWARD 1u /* to the next hops */
#define SW_ROUTE_LOCAL	 2u /* an address of the host: punt to the ingress vEth */
#define SW_ROUTE_DROP	 3u /* blackhole */

struct sw_nexthop {
	uint16_t port;	    /*  0 output port */
	uint16_t reserved0; /*  2 */
	uint32_t reserved1; /*  4 */
	uint8_t gw[16];	    /*  8 gateway; all zero = directly connected (the
				*    destination itself is the neighbour) */
};

struct sw_route {
	uint8_t family;			   /*   0 SW_AF_* */
	uint8_t prefix_len;		   /*   1 0..32 or 0..128 */
	uint8_t type;			   /*   2 SW_ROUTE_* */
	uint8_t n_nh;			   /*   3 1..SW_ECMP_MAX for FORWARD, else 0 */
	uint8_t origin;			   /*   4 SW_ORIGIN_* in listings; 0 in requests */
	uint8_t reserved0;		   /*   5 */
	uint16_t reserved1;		   /*   6 */
	uint8_t prefix[16];		   /*   8 host bits must be zero */
	struct sw_nexthop nh[SW_ECMP_MAX]; /* 24 */
};

/*
 * ROUTE_GET: the route the fast path would use for a packet to dst (and,
 * for the ECMP member, from src with protocol proto and L4 ports; the same
 * flow hash as the fast path's).
 */
struct sw_route_lookup {
	uint8_t family;	   /*  0 SW_AF_* */
	uint8_t proto;	   /*  1 IP protocol of the flow, 0: none */
	uint16_t sport;	   /*  2 host order; used with TCP and UDP */
	uint16_t dport;	   /*  4 */
	uint16_t reserved; /*  6 */
	uint8_t dst[16];   /*  8 */
	uint8_t src[16];   /* 24 */
};

struct sw_route_match {
	uint8_t found;	       /*   0 1: a route matched; 0: none (the fast path punts) */
	uint8_t member;	       /*   1 index in route.nh of the flow's next hop (FORWARD) */
	uint8_t resolved;      /*   2 1: that next hop's neighbour is known (mac is set) */
	uint8_t reserved0;     /*   3 */
	uint16_t out_port;     /*   4 the port the flow leaves by, SW_PORT_NONE when none */
	uint8_t mac[6];	       /*   6 the neighbour's MAC when resolved */
	uint32_t reserved1;    /*  12 */
	struct sw_route route; /*  16 the matching route (prefix, type, next hops) */
};

/* sw_rule.action */
#define SW_RULE_FORWARD 1u /* send out of out_port as is */
#define SW_RULE_ROUTE	2u /* continue to the routes */
#define SW_RULE_DROP	3u
#define SW_RULE_PUNT	4u /* to the ingress port's vEth */
#define SW_RULE_MIRROR	5u /* a copy to out_port (SW_PORT_NONE: the ingress vEth), then route */
#define SW_RULE_COUNT	6u /* count only, then route */

/*
 * A match-action rule. The highest priority matching rule applies (which
 * of two equal-priority matches applies is unspecified). Unset matches are wildcards: in_port and out_port use
 * SW_PORT_NONE, vlan 0xffff, ethertype/proto 0, MACs all zero, prefixes
 * length 0, port ranges 0..65535. family 0 matches any frame (then no IP
 * fields may be set), 4 or 6 only that IP version.
 */
struct sw_rule {
	uint32_t id;	    /*  0 chosen by the controller, unique */
	uint32_t priority;  /*  4 1..2^29 */
	uint8_t family;	    /*  8 0, SW_AF_INET, SW_AF_INET6 */
	uint8_t proto;	    /*  9 IP protocol, 0 = any */
	uint8_t action;	    /* 10 SW_RULE_* */
	uint8_t reserved0;  /* 11 */
	uint16_t in_port;   /* 12 */
	uint16_t vlan;	    /* 14 outer VLAN id, 0xffff = any */
	uint16_t ethertype; /* 16 innermost, host order, 0 = any */
	uint16_t out_port;  /* 18 FORWARD, MIRROR */
	uint8_t src_mac[6]; /* 20 */
	uint8_t dst_mac[6]; /* 26 */
	uint8_t src_len;    /* 32 prefix lengths */
	uint8_t dst_len;    /* 33 */
	uint16_t sport_lo;  /* 34 L4 port ranges, inclusive */
	uint16_t sport_hi;  /* 36 */
	uint16_t dport_lo;  /* 38 */
	uint16_t dport_hi;  /* 40 */
	uint16_t reserved1; /* 42 */
	uint32_t reserved2; /* 44 */
	uint8_t src[16];    /* 48 */
	uint8_t dst[16];    /* 64 */
};

struct sw_rule_ref {
	uint32_t id;	   /* 0 */
	uint32_t reserved; /* 4 */
};

struct sw_rule_entry {
	struct sw_rule rule; /*  0 */
	uint64_t packets;    /* 80 matched, summed over lcores */
	uint64_t bytes;	     /* 88 */
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

/*
 * Kernel sync (linux-cp style). While enabled, slipwayd follows rtnetlink:
 *  - an address on vEthN installs a local route for it (/32, /128) and the
 *    connected prefix through port N (punts until a neighbour is known);
 *  - a neighbour the kernel resolved on vEthN (REACHABLE, STALE, DELAY,
 *    PROBE, PERMANENT, NOARP with a unicast lladdr) becomes a neighbour on
 *    port N; FAILED, INCOMPLETE or deleted removes it;
 *  - a main-table unicast route whose next hops all leave through vEths
 *    becomes a route through those ports (RTA_MULTIPATH: ECMP);
 *    blackhole, unreachable and prohibit routes become drop routes.
 * Enabling it (or --kernel-sync) dumps addresses, neighbours and routes and
 * removes what sync had installed that is gone. Sync removes only what it
 * installed; an entry set through the API is never replaced by sync (the
 * API wins: the kernel's entry is refused, with an event), and one the API
 * replaced after sync installed it is left alone. Disabling removes what
 * sync installed.
 */
struct sw_sync_cfg {
	uint8_t enabled;     /*  0 request: 0 or 1 */
	uint8_t resyncing;   /*  1 response: a full resync is in progress */
	uint16_t reserved0;  /*  2 */
	uint32_t routes;     /*  4 response: routes sync installed (addresses' included) */
	uint32_t neighbours; /*  8 response: neighbours sync installed */
	uint32_t addresses;  /* 12 response: vEth addresses followed */
	uint32_t refused;    /* 16 response: kernel entries refused since enabled */
	uint32_t resyncs;    /* 20 response: full resyncs since enabled */
};

/* sw_evt_sync.what */
#define SW_SYNC_WHAT_NEIGH  1u /* ip, mac, port */
#define SW_SYNC_WHAT_ROUTE  2u /* ip/prefix_len, route_type, n_nh, port and gw of the first */
#define SW_SYNC_WHAT_ADDR   3u /* ip/prefix_len on port's vEth (its local and connected routes) */
#define SW_SYNC_WHAT_RESYNC 4u /* a full resync finished: added, removed, refused, checked */
#define SW_SYNC_WHAT_AUDIT  5u /* a periodic audit finished: what it repaired, checked */
#define SW_SYNC_WHAT_BURST  6u /* more changes in 100 ms than are reported one by one: counts */
/* sw_evt_sync.action */
#define SW_SYNC_ACT_ADDED   1u
#define SW_SYNC_ACT_REMOVED 2u
#define SW_SYNC_ACT_REFUSED 3u /* reason says why */
#define SW_SYNC_ACT_DONE    4u /* resync; reason says what caused it */

struct sw_evt_sync {
	uint8_t what;	    /*  0 SW_SYNC_WHAT_* */
	uint8_t action;	    /*  1 SW_SYNC_ACT_* */
	uint8_t family;	    /*  2 SW_AF_*, 0 for a resync */
	uint8_t prefix_len; /*  3 */
	uint16_t port;	    /*  4 SW_PORT_NONE when none */
	uint8_t route_type; /*  6 SW_ROUTE_* (routes) */
	uint8_t n_nh;	    /*  7 next hops (routes) */
	uint8_t mac[6];	    /*  8 (neighbours) */
	uint16_t reserved0; /* 14 */
	uint8_t ip[16];	    /* 16 address, neighbour or route prefix */
	uint8_t gw[16];	    /* 32 first next hop's gateway (routes) */
	uint32_t added;	    /* 48 resync, burst: entries installed; audit: missing or
			     * different in the fast path (FIB entries rewritten included) */
	uint32_t removed;   /* 52 resync, audit: stale entries removed; burst: removed */
	uint32_t refused;   /* 56 resync, audit, burst: entries refused */
	uint32_t checked;   /* 60 resync, audit: kernel entries compared */
	char reason[48];    /* 64 why refused / what caused a resync (NUL-terminated) */
};

struct sw_evt_client {
	uint32_t pid;	   /* 0 the client's pid (as it saw itself) */
	uint16_t slot;	   /* 4 */
	uint16_t reserved; /* 6 */
};

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

#include "slipway_stats.h" /* the statistics area */

#endif /* SLIPWAY_CTL_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slipway control file ABI.
 *
 * This header is the one definition of the shared-memory layout between
 * slipwayd and its clients (the TypeScript library, slipctl, the agent, any
 * number of them at once). The TypeScript side (ts-api/src/wire/abi/) is
 * checked against it at test time by test/c/abi_dump.c.
 *
 * This header holds the control file itself (header, client slots, rings,
 * message header, event log), the operation, status and event numbers and
 * the structs every area shares; it includes the rest, by area, from the
 * headers beside it: slipway_ctl_ports.h (ports, cross-connects, punt
 * policer), slipway_ctl_l3.h (neighbours, routes, kernel sync),
 * slipway_ctl_rules.h (rules), slipway_ctl_taps.h (captures, traces,
 * explain) and slipway_stats.h (the statistics area). Include this one.
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

struct sw_evt_client {
	uint32_t pid;	   /* 0 the client's pid (as it saw itself) */
	uint16_t slot;	   /* 4 */
	uint16_t reserved; /* 6 */
};

/* The rest of the ABI, by area. */
#include "slipway_ctl_ports.h" /* ports, cross-connects, punt policer */
#include "slipway_ctl_l3.h"    /* neighbours, routes, kernel sync */
#include "slipway_ctl_rules.h" /* match-action rules */
#include "slipway_ctl_taps.h"  /* captures, traces, explain */
#include "slipway_stats.h"     /* the statistics area */

#endif /* SLIPWAY_CTL_H */

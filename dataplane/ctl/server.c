/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control file server: creates the shared-memory file, answers requests
 * from the request ring on the response ring, emits events, keeps the
 * heartbeat and reclaims the lease of a controller that died.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "decode.h"
#include "lcp.h"
#include "policer.h"
#include "ports.h"
#include "routes.h"
#include "rules.h"
#include "ring.h"
#include "server.h"
#include "sw.h"

#define REQS_PER_SERVE 1024u   /* requests per pass: one commit, one wake */
#define SERVE_BUDGET_US 2000u  /* and at most this long: a batch of slow updates
				* (rule sets rebuild a classifier) must not starve
				* the heartbeat, the vEths or the lease check */

struct sw_ctl_file {
	char path[256];
	int fd;
	size_t size;
	struct sw_ctl_header *hdr;
	struct sw_ring_view req, resp, evt;
	uint32_t evt_seq;
};

static struct sw_ctl_file ctl_file = { .fd = -1 };
static uint8_t req_copy[SW_REQ_RING_SIZE / 2];
static uint8_t resp_buf[SW_RESP_MAX];

static uint32_t align_page(uint32_t v)
{
	return (v + 4095u) & ~4095u;
}

const char *sw_ctl_path(void)
{
	return ctl_file.path;
}

static bool pid_alive(uint32_t pid)
{
	return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

/* A file left by a previous instance: refuse if its owner lives, else remove. */
static int ctl_check_stale(const char *path)
{
	struct sw_ctl_header h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	ssize_t n = read(fd, &h, sizeof(h));
	close(fd);
	if (n == (ssize_t)sizeof(h) && h.magic == SW_CTL_MAGIC && pid_alive(h.dp_pid) &&
	    h.dp_pid != (uint32_t)getpid()) {
		SW_LOG(ERR, "instance %s is already running (pid %u, %s)", sw.instance, h.dp_pid,
		       path);
		return -1;
	}
	SW_LOG(WARNING, "removing stale control file %s", path);
	return unlink(path);
}

int sw_ctl_open(void)
{
	struct sw_ctl_file *c = &ctl_file;
	uint32_t req_off = SW_CTL_HEADER_SIZE;
	uint32_t resp_off = req_off + align_page(SW_RING_DATA_OFF + SW_REQ_RING_SIZE);
	uint32_t evt_off = resp_off + align_page(SW_RING_DATA_OFF + SW_RESP_RING_SIZE);
	uint32_t stats_off = evt_off + align_page(SW_RING_DATA_OFF + SW_EVT_RING_SIZE);
	struct timespec ts;

	c->size = stats_off + align_page(SW_STATS_SIZE);
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s/slipway.%s.ctl", sw.ctl_dir,
			     sw.instance) >= sizeof(c->path)) {
		SW_LOG(ERR, "control file path for instance %s in %s is too long", sw.instance,
		       sw.ctl_dir);
		return -1;
	}
	if (ctl_check_stale(c->path) != 0)
		return -1;
	c->fd = open(c->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		SW_LOG(ERR, "control file %s: cannot create: %s", c->path, strerror(errno));
		return -1;
	}
	if (ftruncate(c->fd, c->size) != 0) {
		SW_LOG(ERR, "control file %s: cannot size to %zu bytes: %s", c->path, c->size,
		       strerror(errno));
		goto fail;
	}
	c->hdr = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->hdr == MAP_FAILED) {
		SW_LOG(ERR, "control file %s: mmap failed: %s", c->path, strerror(errno));
		c->hdr = NULL;
		goto fail;
	}
	struct sw_ctl_header *h = c->hdr;
	uint8_t *base = (uint8_t *)h;

	h->abi_version = SW_CTL_ABI_VERSION;
	h->header_size = SW_CTL_HEADER_SIZE;
	h->state = SW_STATE_STARTING;
	h->file_size = c->size;
	h->req_off = req_off;
	h->req_size = SW_REQ_RING_SIZE;
	h->resp_off = resp_off;
	h->resp_size = SW_RESP_RING_SIZE;
	h->evt_off = evt_off;
	h->evt_size = SW_EVT_RING_SIZE;
	h->stats_off = stats_off;
	h->stats_size = SW_STATS_SIZE;
	h->dp_pid = getpid();
	h->n_workers = sw.n_workers;
	h->idle_us = sw.idle_us;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->start_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	snprintf(h->instance, sizeof(h->instance), "%s", sw.instance);
	snprintf(h->vif_prefix, sizeof(h->vif_prefix), "%s", sw.vif_prefix);
	sw_ring_init((struct sw_ring *)(base + req_off), SW_REQ_RING_SIZE);
	sw_ring_init((struct sw_ring *)(base + resp_off), SW_RESP_RING_SIZE);
	sw_ring_init((struct sw_ring *)(base + evt_off), SW_EVT_RING_SIZE);
	sw_ring_view(&c->req, base + req_off);
	sw_ring_view(&c->resp, base + resp_off);
	sw_ring_view(&c->evt, base + evt_off);
	sw.stats = (struct sw_stats *)(base + stats_off);
	sw.ctl = c;
	__atomic_store_n(&h->magic, SW_CTL_MAGIC, __ATOMIC_RELEASE);
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	unlink(c->path);
	return -1;
}

void sw_ctl_set_state(uint32_t state)
{
	__atomic_store_n(&ctl_file.hdr->state, state, __ATOMIC_RELEASE);
}

void sw_ctl_heartbeat(uint64_t now_ns)
{
	__atomic_store_n(&ctl_file.hdr->dp_heartbeat_ns, now_ns, __ATOMIC_RELEASE);
}

void sw_ctl_event_port(uint16_t type, uint16_t port)
{
	struct sw_evt_port ev = {
		.port = port,
		.link_up = sw.ports[port].link_up == 1,   /* 2: not polled yet */
		.started = sw.ports[port].started,
		.link_speed = sw.ports[port].link_speed,
	};

	if (ctl_file.hdr == NULL)
		return;
	if (sw_ring_produce(&ctl_file.evt, type, 0, ++ctl_file.evt_seq, 0, &ev, sizeof(ev)) != 0)
		__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
}

void sw_ctl_event(uint16_t type, const void *ev, uint32_t len)
{
	if (ctl_file.hdr == NULL)
		return;
	if (sw_ring_produce(&ctl_file.evt, type, 0, ++ctl_file.evt_seq, 0, ev, len) != 0)
		__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
}

void sw_ctl_event_kernel(uint16_t port, uint8_t what, bool applied, uint32_t value,
			 const uint8_t *mac, const char *reason)
{
	struct sw_evt_kernel ev = { .port = port, .what = what, .applied = applied, .value = value };

	if (ctl_file.hdr == NULL)
		return;
	if (mac != NULL)
		memcpy(ev.mac, mac, sizeof(ev.mac));
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	if (sw_ring_produce(&ctl_file.evt, SW_EVT_KERNEL_REQUEST, 0, ++ctl_file.evt_seq, 0, &ev,
			    sizeof(ev)) != 0)
		__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
}

void sw_ctl_event_sync(const struct sw_evt_sync *ev)
{
	if (ctl_file.hdr == NULL)
		return;
	if (sw_ring_produce(&ctl_file.evt, SW_EVT_SYNC, 0, ++ctl_file.evt_seq, 0, ev,
			    sizeof(*ev)) != 0)
		__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
}

void sw_ctl_check_lease(void)
{
	uint32_t holder = __atomic_load_n(&ctl_file.hdr->lease_pid, __ATOMIC_ACQUIRE);

	if (holder == 0 || pid_alive(holder))
		return;
	if (__atomic_compare_exchange_n(&ctl_file.hdr->lease_pid, &holder, 0, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		struct sw_evt_lease ev = { .old_pid = holder };

		SW_LOG(NOTICE, "controller pid %u died; lease reclaimed", holder);
		if (sw_ring_produce(&ctl_file.evt, SW_EVT_LEASE_RECLAIMED, 0, ++ctl_file.evt_seq,
				    0, &ev, sizeof(ev)) != 0)
			__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
	}
}

/* --- handlers: the real operations behind the decoder --- */

static void op_hello(struct sw_hello *out)
{
	memset(out, 0, sizeof(*out));
	out->abi_version = SW_CTL_ABI_VERSION;
	out->dp_pid = getpid();
	out->n_workers = sw.n_workers;
	out->max_ports = SW_MAX_PORTS;
	out->n_ports = sw_ports_count();
}

static int op_port_list(uint8_t *buf, uint32_t cap, uint32_t *len, struct sw_err *e)
{
	struct sw_list_hdr *lh = (void *)buf;
	struct sw_port_info *pi = (void *)(lh + 1);

	RTE_SET_USED(e);
	RTE_BUILD_BUG_ON(sizeof(*lh) + SW_MAX_PORTS * sizeof(*pi) > SW_RESP_MAX);
	RTE_SET_USED(cap);
	memset(lh, 0, sizeof(*lh));
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++)
		if (sw.ports[i].in_use)
			sw_port_info(i, &pi[lh->count++]);
	*len = sizeof(*lh) + lh->count * sizeof(*pi);
	return 0;
}

static int op_port_add(const char *devargs, struct sw_port_info *out, struct sw_err *e)
{
	int idx = sw_port_add(devargs, e);

	if (idx < 0)
		return -1;
	sw_port_info(idx, out);
	return 0;
}

#define PORT_OP(name, fn) \
static int name(uint16_t port, struct sw_port_info *out, struct sw_err *e) \
{ \
	if (fn(port, e) != 0) \
		return -1; \
	sw_port_info(port, out); \
	return 0; \
}
PORT_OP(op_port_start, sw_port_start)
PORT_OP(op_port_stop, sw_port_stop)
PORT_OP(op_port_get, sw_port_check)

static int op_port_set(const struct sw_port_set *s, struct sw_port_info *out, struct sw_err *e)
{
	if (sw_port_set(s, e) != 0)
		return -1;
	sw_port_info(s->port, out);
	return 0;
}

static int op_xc_list(uint8_t *buf, uint32_t cap, uint32_t *len, struct sw_err *e)
{
	struct sw_list_hdr *lh = (void *)buf;
	struct sw_xconnect *x = (void *)(lh + 1);

	RTE_SET_USED(e);
	RTE_SET_USED(cap);
	memset(lh, 0, sizeof(*lh));
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		if (!sw.ports[i].in_use || sw.ports[i].xc_out == SW_PORT_NONE)
			continue;
		x[lh->count] = (struct sw_xconnect){ .in_port = i, .out_port = sw.ports[i].xc_out };
		lh->count++;
	}
	*len = sizeof(*lh) + lh->count * sizeof(*x);
	return 0;
}

static int op_stats_sync(struct sw_err *e)
{
	RTE_SET_USED(e);
	sw_ports_refresh_stats();
	return 0;
}

static const struct sw_ctl_ops ops = {
	.hello = op_hello,
	.port_list = op_port_list,
	.port_add = op_port_add,
	.port_start = op_port_start,
	.port_stop = op_port_stop,
	.port_set = op_port_set,
	.port_get = op_port_get,
	.xc_add = sw_xc_add,
	.xc_del = sw_xc_del,
	.xc_list = op_xc_list,
	.stats_sync = op_stats_sync,
	.route_add = sw_route_add,
	.route_del = sw_route_del,
	.route_list = sw_route_list,
	.neigh_add = sw_neigh_add,
	.neigh_del = sw_neigh_del,
	.neigh_list = sw_neigh_list,
	.rule_add = sw_rule_add,
	.rule_del = sw_rule_del,
	.rule_list = sw_rule_list,
	.sync_set = sw_lcp_sync_set,
	.sync_get = sw_lcp_sync_get,
	.policer_set = sw_police_set,
	.policer_get = sw_police_get,
};

const struct sw_ctl_ops *sw_ctl_handlers(void)
{
	return &ops;
}

/* Staged: released by sw_ctl_serve() after the batch's commit. */
static void respond(uint16_t type, uint32_t seq, uint32_t status, const void *p, uint32_t plen)
{
	/* room was checked before the request was taken */
	if (sw_ring_stage(&ctl_file.resp, type, 0, seq, status, p, plen) != 0)
		SW_LOG(ERR, "response ring full: response to seq %u lost", seq);
}

/* Group commit: table changes of the batch become visible to the fast path
 * (one grace period), then all its responses are published with one wake. */
static unsigned int serve_done(unsigned int served)
{
	sw_fp_commit();
	sw_ring_flush(&ctl_file.resp);
	return served;
}

unsigned int sw_ctl_serve(void)
{
	const uint64_t deadline = rte_get_timer_cycles() +
				  rte_get_timer_hz() / 1000000 * SERVE_BUDGET_US;
	unsigned int served = 0;

	while (served < REQS_PER_SERVE) {
		if (served > 0 && rte_get_timer_cycles() > deadline)
			break;
		const struct sw_msg_hdr *m;
		const char *why = NULL;
		uint32_t seq;
		struct sw_err e;

		/* back-pressure: take a request only when its answer surely fits */
		if (sw_ring_room(&ctl_file.resp) < SW_RESP_MAX)
			break;
		switch (sw_ring_peek(&ctl_file.req, &m, &seq, &why)) {
		case SW_PEEK_EMPTY:
			return serve_done(served);
		case SW_PEEK_CORRUPT: {
			uint32_t n = snprintf(e.msg, sizeof(e.msg), "request ring: %s; pending "
					      "requests discarded", why);
			SW_LOG(WARNING, "%s", e.msg);
			sw_ring_discard(&ctl_file.req);
			respond(SW_OP_RING_ERROR, seq, SW_ST_MALFORMED, e.msg, n);
			served++;
			continue;
		}
		case SW_PEEK_MSG:
			break;
		}
		/* copy out: the controller must not be able to change it under us */
		uint32_t len = m->len;
		if (len > sizeof(req_copy)) {
			uint32_t n = snprintf(e.msg, sizeof(e.msg), "request of %u bytes is larger "
					      "than %zu", len, sizeof(req_copy));
			uint16_t type = m->type;
			sw_ring_consume(&ctl_file.req, m);
			respond(type, seq, SW_ST_MALFORMED, e.msg, n);
			served++;
			continue;
		}
		memcpy(req_copy, m, len);
		sw_ring_consume(&ctl_file.req, m);

		const struct sw_msg_hdr *rq = (const void *)req_copy;
		uint32_t rlen = 0;
		uint32_t st = sw_ctl_dispatch(&ops, rq->type, req_copy + SW_MSG_HDR_SIZE,
					      len - SW_MSG_HDR_SIZE, resp_buf, &rlen, &e);
		if (st == SW_ST_OK)
			respond(rq->type, rq->seq, st, resp_buf, rlen);
		else
			respond(rq->type, rq->seq, st, e.msg, strnlen(e.msg, sizeof(e.msg)));
		served++;
	}
	return serve_done(served);
}

void sw_ctl_sleep(uint64_t timeout_ns)
{
	sw_ring_sleep(&ctl_file.req, timeout_ns);
}

void sw_ctl_wake(void)
{
	if (ctl_file.hdr == NULL)
		return;
	__atomic_add_fetch(&ctl_file.req.r->wake, 1, __ATOMIC_RELEASE);
	sw_futex_wake(&ctl_file.req.r->wake);
}

void sw_ctl_close(void)
{
	struct sw_ctl_file *c = &ctl_file;

	if (c->fd < 0)
		return;
	unlink(c->path);
	if (c->hdr != NULL)
		munmap(c->hdr, c->size);
	close(c->fd);
	c->hdr = NULL;
	c->fd = -1;
	sw.stats = NULL;
}

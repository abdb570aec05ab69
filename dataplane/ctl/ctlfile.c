/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control file: creates the shared-memory file with its header, rings
 * and statistics area, keeps the heartbeat, and reclaims the lease of a
 * controller that died.
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

#include <rte_common.h>

#include "core/event.h"
#include "core/log.h"
#include "core/module.h"
#include "core/state.h"
#include "ctl/ctl.h"

#define LEASE_CHECK_NS (250ull * 1000 * 1000)

struct sw_ctl_file {
	char path[256];
	int fd;
	size_t size;
	struct sw_ctl_header *hdr;
	struct sw_ring_view req, resp, evt;
};

static struct sw_ctl_file ctl_file = { .fd = -1 };

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
	ctl_file.hdr->n_workers = sw.n_workers;
	__atomic_store_n(&ctl_file.hdr->state, state, __ATOMIC_RELEASE);
}

void sw_ctl_heartbeat(uint64_t now_ns)
{
	__atomic_store_n(&ctl_file.hdr->dp_heartbeat_ns, now_ns, __ATOMIC_RELEASE);
}

struct sw_ring_view *sw_ctl_req(void)
{
	return &ctl_file.req;
}

struct sw_ring_view *sw_ctl_resp(void)
{
	return &ctl_file.resp;
}

struct sw_ring_view *sw_ctl_evt(void)
{
	return &ctl_file.evt;
}

void sw_ctl_event_dropped(void)
{
	__atomic_add_fetch(&ctl_file.hdr->evt_dropped, 1, __ATOMIC_RELAXED);
}

/* A lease whose holder died is free again. */
static void check_lease(uint64_t now_ns)
{
	uint32_t holder;

	RTE_SET_USED(now_ns);
	if (ctl_file.hdr == NULL)
		return;
	holder = __atomic_load_n(&ctl_file.hdr->lease_pid, __ATOMIC_ACQUIRE);
	if (holder == 0 || pid_alive(holder))
		return;
	if (__atomic_compare_exchange_n(&ctl_file.hdr->lease_pid, &holder, 0, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		struct sw_evt_lease ev = { .old_pid = holder };

		SW_LOG(NOTICE, "controller pid %u died; lease reclaimed", holder);
		sw_event_push(SW_EVT_LEASE_RECLAIMED, &ev);
	}
}
SW_PERIODIC_REGISTER("lease", LEASE_CHECK_NS, check_lease)

SW_EVENT_COPY(SW_EVT_LEASE_RECLAIMED, sw_evt_lease)

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

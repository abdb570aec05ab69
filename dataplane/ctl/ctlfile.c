/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control file (layout in include/slipway_ctl.h): created in a
 * directory only its owner may enter, checked before use, with its header,
 * client slots, event log and statistics area; the heartbeat; and the
 * freeing of slots whose client is gone.
 *
 * The file is memory another process writes: slipwayd reads only what a
 * client may write (its slot's identity and request ring, the event
 * sleepers) and checks it before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "core/util.h"
#include "ctl/ctl.h"

#define SLOT_CHECK_NS (250ull * 1000 * 1000)

static struct {
	char dir[200];
	char path[256];
	int fd;
	size_t size;
	struct sw_ctl_header *hdr;
	uint8_t *base;
	struct sw_evt_record *evt;
} ctl_file = { .fd = -1 };

static uint32_t align_page(uint32_t v)
{
	return (v + 4095u) & ~4095u;
}

const char *sw_ctl_path(void)
{
	return ctl_file.path;
}

/* A process's start time in clock ticks after boot (proc(5) stat field
 * 22), 0 when it cannot be read (the process is gone). */
uint64_t sw_proc_start_ticks(uint32_t pid)
{
	char path[64], buf[1024];
	unsigned long long ticks = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields follow the last ')' */
	const char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* after ") " come fields 3 (state) .. 22 (starttime) */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &ticks) != 1)
		return 0;
	return ticks;
}

static uint32_t own_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* The directory exists (created 0700 when missing), is a directory owned
 * by us, and no one else may enter it. */
static int check_dir(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		SW_LOG(ERR, "control directory %s: cannot create it: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		SW_LOG(ERR, "control directory %s: %s", dir,
		       errno == ELOOP || errno == ENOTDIR ? "not a directory (a symbolic link?)"
							  : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (st.st_uid != geteuid()) {
		SW_LOG(ERR, "control directory %s: owned by uid %u, not by uid %u (slipwayd)", dir,
		       st.st_uid, geteuid());
		return -1;
	}
	if (st.st_mode & 077) {
		SW_LOG(ERR, "control directory %s: mode %04o lets others in; it must be 0700", dir,
		       st.st_mode & 07777);
		return -1;
	}
	return 0;
}

/* A file an instance of ours left: refuse while that instance runs, remove
 * it when it is gone; refuse anything that is not such a file. */
static int check_stale(const char *path)
{
	struct sw_ctl_header h;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		SW_LOG(ERR, "control file %s exists and cannot be opened: %s", path,
		       errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		SW_LOG(ERR,
		       "control file %s exists and is not ours (type %o, owner uid %u): "
		       "remove it",
		       path, st.st_mode & S_IFMT, st.st_uid);
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, &h, sizeof(h));
	close(fd);
	if (n == (ssize_t)sizeof(h) && h.magic == SW_CTL_MAGIC &&
	    h.abi_version == SW_CTL_ABI_VERSION && h.dp_pid != (uint32_t)getpid() &&
	    h.dp_start_ticks != 0 && sw_proc_start_ticks(h.dp_pid) == h.dp_start_ticks) {
		SW_LOG(ERR, "instance %s is already running (pid %u, %s)", sw.instance, h.dp_pid,
		       path);
		return -1;
	}
	SW_LOG(WARNING, "removing stale control file %s", path);
	return unlink(path);
}

static struct sw_slot *slot_at(unsigned int i)
{
	return (struct sw_slot *)(ctl_file.base + ctl_file.hdr->slot_off +
				  (size_t)i * ctl_file.hdr->slot_size);
}

static void slot_reset(unsigned int i)
{
	struct sw_slot *s = slot_at(i);

	sw_ring_init((struct sw_ring *)((uint8_t *)s + s->req_off), SW_REQ_RING_SIZE);
	sw_ring_init((struct sw_ring *)((uint8_t *)s + s->resp_off), SW_RESP_RING_SIZE);
	s->served = 0;
}

int sw_ctl_open(void)
{
	const uint32_t req_off = SW_SLOT_HDR_SIZE;
	const uint32_t resp_off = req_off + SW_RING_DATA_OFF + SW_REQ_RING_SIZE;
	const uint32_t slot_size = align_page(resp_off + SW_RING_DATA_OFF + SW_RESP_RING_SIZE);
	const uint32_t slot_off = SW_CTL_HEADER_SIZE;
	const uint32_t evt_off = slot_off + SW_MAX_CLIENTS * slot_size;
	const uint32_t stats_off = evt_off + align_page(SW_EVT_RECORDS * SW_EVT_RECORD_SIZE);
	struct stat st;
	struct timespec ts;

	ctl_file.size = stats_off + align_page(SW_STATS_SIZE);
	snprintf(ctl_file.dir, sizeof(ctl_file.dir), "%s", sw.ctl_dir);
	if ((size_t)snprintf(ctl_file.path, sizeof(ctl_file.path), "%s/%s.ctl", sw.ctl_dir,
			     sw.instance) >= sizeof(ctl_file.path)) {
		SW_LOG(ERR, "control file path for instance %s in %s is too long", sw.instance,
		       sw.ctl_dir);
		return -1;
	}
	if (check_dir(sw.ctl_dir) != 0 || check_stale(ctl_file.path) != 0)
		return -1;
	ctl_file.fd = open(ctl_file.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ctl_file.fd < 0) {
		SW_LOG(ERR, "control file %s: cannot create: %s", ctl_file.path, strerror(errno));
		return -1;
	}
	if (fchmod(ctl_file.fd, 0600) != 0 || fstat(ctl_file.fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		SW_LOG(ERR, "control file %s: not the file just created", ctl_file.path);
		goto fail;
	}
	if (ftruncate(ctl_file.fd, ctl_file.size) != 0) {
		SW_LOG(ERR, "control file %s: cannot size to %zu bytes: %s", ctl_file.path,
		       ctl_file.size, strerror(errno));
		goto fail;
	}
	ctl_file.base = mmap(NULL, ctl_file.size, PROT_READ | PROT_WRITE, MAP_SHARED, ctl_file.fd,
			     0);
	if (ctl_file.base == MAP_FAILED) {
		SW_LOG(ERR, "control file %s: mmap failed: %s", ctl_file.path, strerror(errno));
		ctl_file.base = NULL;
		goto fail;
	}
	struct sw_ctl_header *h = ctl_file.hdr = (struct sw_ctl_header *)ctl_file.base;

	h->abi_version = SW_CTL_ABI_VERSION;
	h->header_size = SW_CTL_HEADER_SIZE;
	h->state = SW_STATE_STARTING;
	h->file_size = ctl_file.size;
	h->slot_off = slot_off;
	h->slot_size = slot_size;
	h->n_slots = SW_MAX_CLIENTS;
	h->req_size = SW_REQ_RING_SIZE;
	h->resp_size = SW_RESP_RING_SIZE;
	h->evt_off = evt_off;
	h->evt_records = SW_EVT_RECORDS;
	h->evt_record_size = SW_EVT_RECORD_SIZE;
	h->stats_off = stats_off;
	h->stats_size = SW_STATS_SIZE;
	h->dp_pid = getpid();
	h->dp_start_ticks = sw_proc_start_ticks(getpid());
	h->dp_pidns = own_pidns();
	h->idle_us = sw.idle_us;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->start_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	snprintf(h->instance, sizeof(h->instance), "%s", sw.instance);
	snprintf(h->vif_prefix, sizeof(h->vif_prefix), "%s", sw.vif_prefix);
	snprintf(h->vif_netns, sizeof(h->vif_netns), "%s", sw.vif_netns ? sw.vif_netns : "");
	for (unsigned int i = 0; i < SW_MAX_CLIENTS; i++) {
		struct sw_slot *s = slot_at(i);

		s->req_off = req_off;
		s->resp_off = resp_off;
		slot_reset(i);
	}
	ctl_file.evt = (struct sw_evt_record *)(ctl_file.base + evt_off);
	sw.stats = (struct sw_stats *)(ctl_file.base + stats_off);
	__atomic_store_n(&h->magic, SW_CTL_MAGIC, __ATOMIC_RELEASE);
	return 0;
fail:
	close(ctl_file.fd);
	ctl_file.fd = -1;
	unlink(ctl_file.path);
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

bool sw_ctl_slot(unsigned int i, struct sw_ctl_slot *out)
{
	struct sw_slot *s;

	if (ctl_file.hdr == NULL || i >= SW_MAX_CLIENTS)
		return false;
	s = slot_at(i);
	out->state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	out->gen = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
	out->req = (uint8_t *)s + s->req_off;
	out->resp = (uint8_t *)s + s->resp_off;
	return true;
}

void sw_ctl_slot_served(unsigned int i, uint32_t n)
{
	struct sw_slot *s = slot_at(i);

	__atomic_store_n(&s->served, s->served + n, __ATOMIC_RELAXED);
}

/* The dataplane's copy of a claim, taken once it is ACTIVE: a client may
 * rewrite its identity at any time, what counts is what it claimed with. */
static struct {
	uint32_t gen;
	uint32_t pid, pidns;
	uint64_t start_ticks;
	bool known;
	uint64_t claiming_since; /* when this loop first saw the slot CLAIMING, 0 if not */
} claims[SW_MAX_CLIENTS];

static void (*on_slot_free)(unsigned int i);

void sw_ctl_slot_on_free(void (*fn)(unsigned int i))
{
	on_slot_free = fn;
}

static void slot_free(unsigned int i, const char *why)
{
	struct sw_slot *s = slot_at(i);
	struct sw_evt_client ev = { .pid = claims[i].pid, .slot = (uint16_t)i };

	if (on_slot_free != NULL)
		on_slot_free(i);
	slot_reset(i);
	claims[i].known = false;
	__atomic_store_n(&s->state, SW_SLOT_FREE, __ATOMIC_RELEASE);
	if (why != NULL) {
		SW_LOG(NOTICE, "client pid %u (slot %u) is gone: %s; slot freed", ev.pid, i, why);
		sw_event_push(SW_EVT_CLIENT_GONE, &ev);
	}
}

/* "<what> N ms", N the slot timeout (RTE_STR would print its 'u'). */
static const char *timeout_why(const char *what)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s %u ms", what, SW_SLOT_TIMEOUT_MS);
	return buf;
}

/* Why the client of slot i is gone, or NULL while it lives. */
static const char *client_gone(unsigned int i, uint64_t now_ns)
{
	struct sw_slot *s = slot_at(i);
	uint64_t hb = __atomic_load_n(&s->heartbeat_ns, __ATOMIC_ACQUIRE);

	if (!claims[i].known || claims[i].gen != __atomic_load_n(&s->gen, __ATOMIC_RELAXED)) {
		claims[i] = (typeof(claims[i])){
			.gen = s->gen,
			.pid = s->pid,
			.pidns = s->pidns,
			.start_ticks = s->start_ticks,
			.known = true,
		};
	}
	if (claims[i].pidns == ctl_file.hdr->dp_pidns && claims[i].pidns != 0) {
		uint64_t ticks = sw_proc_start_ticks(claims[i].pid);

		if (ticks == 0)
			return "its process exited";
		if (ticks != claims[i].start_ticks)
			return "its pid belongs to another process now";
	}
	if (now_ns > hb && now_ns - hb > SW_SLOT_TIMEOUT_MS * 1000000ull)
		return timeout_why("no heartbeat for");
	return NULL;
}

/* Slots released by their clients are reset; those of dead clients freed. */
static void check_slots(uint64_t now_ns)
{
	for (unsigned int i = 0; ctl_file.hdr != NULL && i < SW_MAX_CLIENTS; i++) {
		uint32_t state = __atomic_load_n(&slot_at(i)->state, __ATOMIC_ACQUIRE);
		const char *why;

		if (state == SW_SLOT_FREE) {
			claims[i].claiming_since = 0;
			continue;
		}
		if (state == SW_SLOT_RELEASED) {
			slot_free(i, NULL);
			continue;
		}
		/* While CLAIMING, pid and heartbeat may still be the previous
		 * client's: judge nothing but how long the claim takes. */
		if (state == SW_SLOT_CLAIMING) {
			if (claims[i].claiming_since == 0)
				claims[i].claiming_since = now_ns;
			else if (now_ns - claims[i].claiming_since >
				 SW_SLOT_TIMEOUT_MS * 1000000ull)
				slot_free(i, timeout_why("its claim did not finish in"));
			continue;
		}
		claims[i].claiming_since = 0;
		if ((why = client_gone(i, now_ns)) != NULL)
			slot_free(i, why);
	}
}
SW_PERIODIC_REGISTER("client slots", SLOT_CHECK_NS, check_slots)

SW_EVENT_COPY(SW_EVT_CLIENT_GONE, sw_evt_client)

/* The event log: a record, then the count, then the wake-up. */
void sw_ctl_event(uint16_t type, const void *payload, uint32_t len)
{
	struct sw_ctl_header *h = ctl_file.hdr;
	uint64_t seq;
	struct sw_evt_record *r;

	if (h == NULL || len > SW_EVT_PAYLOAD_MAX)
		return;
	seq = h->evt_next;
	r = &ctl_file.evt[seq & (SW_EVT_RECORDS - 1)];
	__atomic_store_n(&r->seq, SW_EVT_WRITING, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->type = type;
	r->len = (uint16_t)len;
	memcpy(r->payload, payload, len);
	__atomic_store_n(&r->seq, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&h->evt_next, seq + 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&h->evt_wake, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&h->evt_sleepers, __ATOMIC_ACQUIRE) != 0)
		sw_futex_wake(&h->evt_wake);
}

void sw_ctl_close(void)
{
	if (ctl_file.fd < 0)
		return;
	unlink(ctl_file.path);
	if (ctl_file.base != NULL)
		munmap(ctl_file.base, ctl_file.size);
	close(ctl_file.fd);
	ctl_file.base = NULL;
	ctl_file.hdr = NULL;
	ctl_file.fd = -1;
	sw.stats = NULL;
}

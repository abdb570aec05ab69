/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture files: <ctl_dir>/<instance>.tap<id>, created as the control file
 * is (a directory only slipwayd may enter, O_EXCL|O_NOFOLLOW, mode 0600),
 * every page written once here so the workers never fault on them, and
 * removed when the capture ends (the client keeps its mapping).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "capture/capture.h"
#include "core/log.h"
#include "core/state.h"

static uint32_t align_page(uint32_t v)
{
	return (v + 4095u) & ~4095u;
}

int sw_tap_file_create(struct sw_tap_file *f, uint32_t id, uint32_t n_rings, uint32_t ring_size,
		       struct sw_err *e)
{
	const uint32_t counts_off = SW_TAP_HDR_SIZE;
	const uint32_t ring_off = counts_off +
				  align_page(n_rings * (uint32_t)sizeof(struct sw_tap_counts));
	const uint32_t stride = align_page(SW_RING_DATA_OFF + ring_size);
	struct timespec ts;
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->size = (size_t)ring_off + (size_t)n_rings * stride;
	snprintf(f->name, sizeof(f->name), "%s.tap%u", sw.instance, id);
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", sw.ctl_dir, f->name) >=
	    sizeof(f->path))
		return sw_fail(e, SW_ST_INVALID, "capture file path in %s is too long", sw.ctl_dir);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return sw_fail(e, SW_ST_DEVICE, "capture file %s: cannot create it: %s", f->path,
			       strerror(errno));
	if (fchmod(f->fd, 0600) != 0 || fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ftruncate(f->fd, (off_t)f->size) != 0) {
		sw_fail(e, SW_ST_NO_SPACE, "capture file %s: cannot make it %zu bytes: %s", f->path,
			f->size, strerror(errno));
		goto fail;
	}
	f->base = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (f->base == MAP_FAILED) {
		f->base = NULL;
		sw_fail(e, SW_ST_NO_SPACE, "capture file %s: cannot map %zu bytes: %s", f->path,
			f->size, strerror(errno));
		goto fail;
	}
	memset(f->base, 0, f->size); /* every page in memory before a worker writes it */

	struct sw_tap_hdr *h = f->hdr = (struct sw_tap_hdr *)f->base;

	h->abi_version = SW_CTL_ABI_VERSION;
	h->header_size = SW_TAP_HDR_SIZE;
	h->id = id;
	h->file_size = f->size;
	h->counts_off = counts_off;
	h->ring_off = ring_off;
	h->ring_stride = stride;
	h->ring_size = ring_size;
	h->n_rings = n_rings;
	h->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	h->tsc0 = rte_rdtsc();
	h->realtime_ns0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->client_heartbeat_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	h->state = SW_TAP_RUNNING;
	for (uint32_t i = 0; i < n_rings; i++) {
		h->lcore[i] = (uint16_t)sw.workers[i].lcore_id;
		sw_tap_file_ring(f, i)->size = ring_size;
	}
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	unlink(f->path);
	return -1;
}

struct sw_ring *sw_tap_file_ring(const struct sw_tap_file *f, uint32_t i)
{
	return (struct sw_ring *)(f->base + f->hdr->ring_off + (size_t)i * f->hdr->ring_stride);
}

struct sw_tap_counts *sw_tap_file_counts(const struct sw_tap_file *f, uint32_t i)
{
	return (struct sw_tap_counts *)(f->base + f->hdr->counts_off) + i;
}

void sw_tap_file_ready(struct sw_tap_file *f)
{
	__atomic_store_n(&f->hdr->magic, SW_TAP_MAGIC, __ATOMIC_RELEASE);
}

void sw_tap_file_close(struct sw_tap_file *f)
{
	if (f->base != NULL) {
		__atomic_store_n(&f->hdr->state, SW_TAP_ENDED, __ATOMIC_RELEASE);
		munmap(f->base, f->size);
	}
	if (f->fd >= 0) {
		close(f->fd);
		unlink(f->path);
	}
	f->base = NULL;
	f->hdr = NULL;
	f->fd = -1;
}

/* "<instance>.tap<digits>" */
static bool ours(const char *name)
{
	size_t n = strlen(sw.instance);

	if (strncmp(name, sw.instance, n) != 0 || strncmp(name + n, ".tap", 4) != 0 ||
	    name[n + 4] == '\0')
		return false;
	for (const char *p = name + n + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

void sw_tap_files_sweep(void)
{
	DIR *d = opendir(sw.ctl_dir);
	struct dirent *de;
	char path[320];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!ours(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sw.ctl_dir, de->d_name);
		SW_LOG(WARNING, "removing stale capture file %s", path);
		unlink(path);
	}
	closedir(d);
}

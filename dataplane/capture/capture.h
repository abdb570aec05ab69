/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Captures, traces and explain on the control side (main lcore): the taps
 * clients start and stop (tap.c), the capture files (file.c), and the names
 * a trace record gets before it leaves (explain.c). The fast path's side is
 * datapath/tap.h.
 */
#ifndef SW_CAPTURE_CAPTURE_H
#define SW_CAPTURE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "datapath/tap.h"

/* A trace record as a client gets it: the rule's id, the route's prefix
 * and the next hop's gateway looked up from what the worker noted. */
void sw_trace_names(const struct sw_trace_raw *r, struct sw_trace *out);

/* A capture file (file.c). */
struct sw_tap_file {
	char name[SW_NAME_LEN * 2]; /* in the control directory */
	char path[320];
	int fd;
	uint8_t *base;
	size_t size;
	struct sw_tap_hdr *hdr;
};

/* Creates and maps <ctl_dir>/<instance>.tap<id> for n_rings rings of
 * ring_size bytes, its header filled but for magic (see sw_tap_file_ready). */
int sw_tap_file_create(struct sw_tap_file *f, uint32_t id, uint32_t n_rings, uint32_t ring_size,
		       struct sw_err *e);
struct sw_ring *sw_tap_file_ring(const struct sw_tap_file *f, uint32_t i);
struct sw_tap_counts *sw_tap_file_counts(const struct sw_tap_file *f, uint32_t i);
/* The header is complete: magic last. */
void sw_tap_file_ready(struct sw_tap_file *f);
/* No worker writes any more: state ENDED, unmapped, removed. */
void sw_tap_file_close(struct sw_tap_file *f);
/* Files a previous slipwayd of this instance left behind. */
void sw_tap_files_sweep(void);

#endif

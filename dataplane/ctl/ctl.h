/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control file on the dataplane side (main lcore only): created at
 * start, served by the main loop, removed at exit.
 */
#ifndef SW_CTL_CTL_H
#define SW_CTL_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/ring.h"

int sw_ctl_open(void); /* create the file; sets sw.stats */
void sw_ctl_set_state(uint32_t state);
void sw_ctl_heartbeat(uint64_t now_ns);
void sw_ctl_close(void); /* unmap and remove the file */
const char *sw_ctl_path(void);

/* A client slot as the serve loop sees it (ctl/ctlfile.c). */
struct sw_ctl_slot {
	uint32_t state; /* SW_SLOT_* */
	uint32_t gen;	/* its claim */
	void *req;	/* its request ring (struct sw_ring) */
	void *resp;	/* its response ring */
};
bool sw_ctl_slot(unsigned int i, struct sw_ctl_slot *out);
void sw_ctl_slot_served(unsigned int i, uint32_t n);
/* fn(i) runs when slot i is freed (its client gone or released it), before
 * its rings are reset: the serve loop drops what was pending for it. */
void sw_ctl_slot_on_free(void (*fn)(unsigned int i));
/* Writes one event into the event log (every client reads it). */
void sw_ctl_event(uint16_t type, const void *payload, uint32_t len);
/* A process's start time in clock ticks after boot, 0 when it is gone. */
uint64_t sw_proc_start_ticks(uint32_t pid);

/* ctl/serve.c: answer pending requests; returns how many. */
int sw_ctl_serve_init(void);
void sw_ctl_serve_fini(void);
unsigned int sw_ctl_serve(void);
/* futex-wait for a request (and, with bell != NULL, for *bell to leave bell_val) */
void sw_ctl_sleep(uint64_t timeout_ns, const uint32_t *bell, uint32_t bell_val);
void sw_ctl_wake(void); /* async-signal-safe: end sw_ctl_sleep now */

#endif

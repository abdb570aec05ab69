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

/* The rings of the control file (ctl/serve.c, ctl/events.c). */
struct sw_ring_view *sw_ctl_req(void);
struct sw_ring_view *sw_ctl_resp(void);
struct sw_ring_view *sw_ctl_evt(void);
/* An event could not be written (the event ring is full). */
void sw_ctl_event_dropped(void);

/* ctl/serve.c: answer pending requests; returns how many. */
int sw_ctl_serve_init(void);
void sw_ctl_serve_fini(void);
unsigned int sw_ctl_serve(void);
void sw_ctl_sleep(uint64_t timeout_ns); /* futex-wait for a request */
void sw_ctl_wake(void);			/* async-signal-safe: end sw_ctl_sleep now */

#endif

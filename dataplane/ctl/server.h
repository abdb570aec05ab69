/* SPDX-License-Identifier: BSD-3-Clause */
/* The control file on the dataplane side. Main lcore only. */
#ifndef SW_CTL_SERVER_H
#define SW_CTL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

int sw_ctl_open(void);                 /* create the file; sets sw.ctl and sw.stats */
void sw_ctl_set_state(uint32_t state);
unsigned int sw_ctl_serve(void);       /* answer pending requests; returns how many */
void sw_ctl_heartbeat(uint64_t now_ns);
void sw_ctl_check_lease(void);         /* reclaim a lease whose holder died */
void sw_ctl_sleep(uint64_t timeout_ns);/* futex-wait for a request */
void sw_ctl_wake(void);                /* async-signal-safe: end sw_ctl_sleep now */
void sw_ctl_event_port(uint16_t type, uint16_t port);
void sw_ctl_event(uint16_t type, const void *ev, uint32_t len); /* any SW_EVT_* payload */
void sw_ctl_event_kernel(uint16_t port, uint8_t what, bool applied, uint32_t value,
			 const uint8_t *mac, const char *reason);
struct sw_evt_sync;
void sw_ctl_event_sync(const struct sw_evt_sync *ev);   /* kernel sync (kni/lcp.c) */
void sw_ctl_close(void);               /* unmap and remove the file */
const char *sw_ctl_path(void);

struct sw_ctl_ops;
const struct sw_ctl_ops *sw_ctl_handlers(void); /* the real handlers, for other transports */

#endif

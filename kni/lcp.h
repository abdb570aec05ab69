/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel sync (linux-cp style): the host stack's view of the vEths in the
 * fast path. Addresses on vEthN become local routes plus the connected
 * prefix through port N, neighbours the kernel resolves on vEthN become
 * neighbours on port N, and main-table routes through vEths become routes.
 * See struct sw_sync_cfg in slipway_ctl.h for the rules. Main lcore only.
 */
#ifndef SW_KNI_LCP_H
#define SW_KNI_LCP_H

#include <stdbool.h>

#include "err.h"

/* At start-up, after the ports exist: turn sync on when asked (--kernel-sync). */
int sw_lcp_init(bool enabled);
/* Apply what rtnetlink reported (and advance a resync); never blocks. */
void sw_lcp_poll(void);
/* Stop following the kernel (what sync installed stays: the process ends). */
void sw_lcp_close(void);

/* SW_OP_SYNC_SET / SW_OP_SYNC_GET handlers. */
int sw_lcp_sync_set(const struct sw_sync_cfg *cfg, struct sw_sync_cfg *out, struct sw_err *e);
int sw_lcp_sync_get(struct sw_sync_cfg *out, struct sw_err *e);

#endif

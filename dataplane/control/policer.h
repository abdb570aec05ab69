/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The punt policer's configuration (main lcore): rates and bursts per port
 * and punt class, the defaults for ports added later, the token-bucket
 * profiles published to the workers, and the drop-rate events.
 */
#ifndef SW_POLICER_H
#define SW_POLICER_H

#include <stdint.h>

#include "slipway_ctl.h"

struct sw_err;
struct sw_fp_config;

void sw_police_init(void);
/* A port slot was (re)used: it takes the current defaults. */
void sw_police_port_reset(uint16_t port);
/* fp_build(): the profiles of every port in use, split over its rx queues. */
void sw_police_fill(struct sw_fp_config *cfg);
int sw_police_set(const struct sw_policer_set *s, struct sw_policer_info *out, struct sw_err *e);
int sw_police_get(uint16_t port, struct sw_policer_info *out, struct sw_err *e);
/* Stats refresh: compare drops per port and class with the last check and
 * send SW_EVT_POLICER where the drop rate changed state or by 2x. */
void sw_police_watch(uint64_t now_ns);

#endif

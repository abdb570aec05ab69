/* SPDX-License-Identifier: BSD-3-Clause */
/* Port lifecycle and settings, run on the main lcore only. */
#ifndef SW_PORTS_H
#define SW_PORTS_H

#include "err.h"
#include "sw.h"

int sw_port_add(const char *devargs, struct sw_err *e);       /* returns slipway port index */
int sw_port_start(uint16_t port, struct sw_err *e);
int sw_port_stop(uint16_t port, struct sw_err *e);
int sw_port_set(const struct sw_port_set *s, struct sw_err *e);
int sw_port_check(uint16_t port, struct sw_err *e);          /* exists? */
void sw_port_info(uint16_t port, struct sw_port_info *info);
int sw_xc_add(uint16_t in, uint16_t out, struct sw_err *e);
int sw_xc_del(uint16_t in, struct sw_err *e);
void sw_ports_close_all(void);
void sw_ports_poll_link(void);          /* link changes -> events */
void sw_ports_refresh_stats(void);      /* device counters -> stats area */
unsigned int sw_ports_count(void);
void sw_eth_detach(uint16_t eth_port, bool started);  /* stop, close, remove the device */

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore's loop (the fast path); arg is its struct sw_worker. */
#ifndef SW_DATAPATH_WORKER_H
#define SW_DATAPATH_WORKER_H

int sw_worker_main(void *arg);

#endif

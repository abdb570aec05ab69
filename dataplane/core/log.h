/* SPDX-License-Identifier: BSD-3-Clause */
/* slipwayd's log type: everything goes through rte_log. Never in the fast path. */
#ifndef SW_CORE_LOG_H
#define SW_CORE_LOG_H

#include <rte_log.h>

extern int sw_logtype;
#define SW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sw_logtype, "slipwayd: " fmt "\n", ##__VA_ARGS__)

#endif

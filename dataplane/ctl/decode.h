/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request decoding: finds the operation's handler in the registry
 * (core/api.h), checks the payload size it registered and runs it. Pure (no
 * DPDK, no I/O), so the fuzz target and the unit tests drive it with the
 * handlers they register.
 */
#ifndef SW_CTL_DECODE_H
#define SW_CTL_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/api.h"

/* Returns the response status; fills resp/resp_len on success, e->msg on
 * failure. payload must be 8-byte aligned; resp holds SW_RESP_MAX bytes.
 * *deferred is set when the handler's answer waits for the next publish
 * (the status is then SW_ST_OK for now). */
uint32_t sw_api_dispatch(uint16_t type, const uint8_t *payload, uint32_t plen, uint8_t *resp,
			 uint32_t *resp_len, struct sw_err *e, bool *deferred);

#endif

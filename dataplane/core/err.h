/* SPDX-License-Identifier: BSD-3-Clause */
/* A failed control operation: a status code and a message naming the object. */
#ifndef SW_CORE_ERR_H
#define SW_CORE_ERR_H

#include <stdarg.h>
#include <stdio.h>

#include "slipway_ctl.h"

struct sw_err {
	uint32_t status;
	char msg[SW_ERRMSG_MAX];
};

__attribute__((format(printf, 3, 4))) static inline int sw_fail(struct sw_err *e, uint32_t status,
								const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* "OK", "NO_PORT", ... from the ABI's status list. */
const char *sw_status_name(uint32_t status);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "core/api.h"

/* Ops are 16-bit: a flat table, filled before main() runs. */
static const struct sw_api_handler *handlers[1u << 16];

void sw_api_register(const struct sw_api_handler *h)
{
	if (handlers[h->op] != NULL) {
		fprintf(stderr, "slipwayd: op 0x%04x (%s) registered twice\n", h->op, h->name);
		abort();
	}
	handlers[h->op] = h;
}

const struct sw_api_handler *sw_api_lookup(uint16_t op)
{
	return handlers[op];
}

const char *sw_api_op_name(uint16_t op)
{
	return handlers[op] != NULL ? handlers[op]->name : NULL;
}

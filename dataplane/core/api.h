/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request handler registry. A module registers its operations at load
 * time (SW_API_REGISTER), as grout's modules call api_handler(): the op
 * code, its name, the payload sizes it accepts and the function that runs
 * it. The control transports look operations up here; nothing central
 * lists them. No DPDK: the C tests and the fuzz target register their own
 * handlers the same way.
 */
#ifndef SW_CORE_API_H
#define SW_CORE_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define SW_RESP_MAX 8192u /* largest response payload */

/* A handler's return: 0 done (resp filled), -1 failed (e filled), or
 * SW_API_DEFERRED: accepted, but whether it takes effect is known only
 * once the change is published (the transport then asks h->deferred). */
#define SW_API_DEFERRED 1

/* req: the payload, 8-byte aligned, len bytes (within the registered
 * bounds); resp: SW_RESP_MAX bytes for the answer, *resp_len its size. */
typedef int (*sw_api_fn)(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
			 struct sw_err *e);

struct sw_api_handler {
	uint16_t op;
	const char *name;
	uint32_t req_min, req_max; /* payload bytes accepted */
	sw_api_fn fn;
	/* for handlers that defer: the outcome of the last publish for them */
	int (*deferred)(struct sw_err *e);
	/* changes nothing the fast path uses: answered without a commit */
	bool read_only;
};

#define SW_API_NONE	  0, 0 /* no payload */
#define SW_API_SIZE(type) sizeof(type), sizeof(type)
#define SW_API_READ	  NULL, true /* the last fields of a read-only handler */

/* Registers one handler; a second one for the same op is a bug (abort). */
void sw_api_register(const struct sw_api_handler *h);
const struct sw_api_handler *sw_api_lookup(uint16_t op);
/* "PORT_ADD", or NULL for an op nobody registered. */
const char *sw_api_op_name(uint16_t op);

/* Registers every handler of a static array when the program loads. */
#define SW_API_REGISTER(table)                                                         \
	__attribute__((constructor)) static void sw_api_register_##table(void)         \
	{                                                                              \
		for (unsigned int i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			sw_api_register(&table[i_]);                                   \
	}

#endif

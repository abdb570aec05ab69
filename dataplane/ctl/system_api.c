/* SPDX-License-Identifier: BSD-3-Clause */
/* HELLO and STATS_REFRESH: the dataplane as a whole. */
#include <string.h>
#include <unistd.h>

#include "core/api.h"
#include "core/state.h"
#include "core/stats.h"
#include "port/port.h"

static int hello(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	struct sw_hello *h = resp;

	memset(h, 0, sizeof(*h));
	h->abi_version = SW_CTL_ABI_VERSION;
	h->dp_pid = getpid();
	h->n_workers = sw.n_workers;
	h->max_ports = SW_MAX_PORTS;
	h->n_ports = sw_ports_count();
	*resp_len = sizeof(*h);
	return 0;
}

static int stats_refresh(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
			 struct sw_err *e)
{
	sw_stats_refresh();
	return 0;
}

static const struct sw_api_handler system_handlers[] = {
	{ SW_OP_HELLO, "HELLO", SW_API_NONE, hello, SW_API_READ },
	{ SW_OP_STATS_REFRESH, "STATS_REFRESH", SW_API_NONE, stats_refresh, SW_API_READ },
};
SW_API_REGISTER(system_handlers)

/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "ctl/decode.h"

uint32_t sw_api_dispatch(uint16_t type, const uint8_t *payload, uint32_t plen, uint8_t *resp,
			 uint32_t *resp_len, struct sw_err *e, bool *deferred)
{
	const struct sw_api_handler *h = sw_api_lookup(type);
	int ret;

	*resp_len = 0;
	*deferred = false;
	e->status = SW_ST_OK;
	e->msg[0] = '\0';
	if (h == NULL) {
		sw_fail(e, SW_ST_UNKNOWN_OP, "unknown operation 0x%04x", type);
		return e->status;
	}
	if (plen < h->req_min || plen > h->req_max) {
		if (h->req_min == h->req_max)
			sw_fail(e, SW_ST_MALFORMED, "%s request payload is %u bytes, expected %u",
				h->name, plen, h->req_min);
		else
			sw_fail(e, SW_ST_MALFORMED,
				"%s request payload is %u bytes, expected %u..%u", h->name, plen,
				h->req_min, h->req_max);
		return e->status;
	}
	ret = h->fn(payload, plen, resp, resp_len, e);
	if (ret == SW_API_DEFERRED) {
		*deferred = true;
		*resp_len = 0;
		return SW_ST_OK;
	}
	if (ret == 0)
		return SW_ST_OK;
	if (e->status == SW_ST_OK)
		sw_fail(e, SW_ST_DEVICE, "%s failed", h->name);
	return e->status;
}

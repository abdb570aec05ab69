/* SPDX-License-Identifier: BSD-3-Clause */
/* Paged listings (ROUTE_LIST, NEIGH_LIST, RULE_LIST): one response holds a
 * sw_list_hdr and as many entries as fit, or as the request asked for. */
#ifndef SW_LIST_H
#define SW_LIST_H

#include <string.h>

#include "slipway_ctl.h"

/* Clears the header at buf; returns how many entries of `entry` bytes to emit. */
static inline uint32_t sw_list_begin(const struct sw_list_req *q, uint8_t *buf, uint32_t cap,
				     size_t entry)
{
	uint32_t max = (cap - sizeof(struct sw_list_hdr)) / entry;

	memset(buf, 0, sizeof(struct sw_list_hdr));
	return q->max != 0 && q->max < max ? q->max : max;
}

/* Sets the next cursor (0: done) and the response length. */
static inline void sw_list_end(uint8_t *buf, uint32_t next, size_t entry, uint32_t *len)
{
	struct sw_list_hdr *lh = (struct sw_list_hdr *)buf;

	lh->next = next;
	*len = sizeof(*lh) + lh->count * entry;
}

#endif

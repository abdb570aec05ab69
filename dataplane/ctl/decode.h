/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request decoding: checks each request's shape against its operation and
 * calls the matching handler. Pure (no DPDK, no I/O) so that the fuzz target
 * and the unit tests drive it with their own handlers.
 */
#ifndef SW_CTL_DECODE_H
#define SW_CTL_DECODE_H

#include <stdint.h>

#include "slipway_ctl.h"
#include "err.h"

#define SW_RESP_MAX 8192u   /* largest response payload */

struct sw_ctl_ops {
	void (*hello)(struct sw_hello *out);
	/* list handlers fill buf (cap bytes) and set *len */
	int (*port_list)(uint8_t *buf, uint32_t cap, uint32_t *len, struct sw_err *e);
	int (*port_add)(const char *devargs, struct sw_port_info *out, struct sw_err *e);
	int (*port_start)(uint16_t port, struct sw_port_info *out, struct sw_err *e);
	int (*port_stop)(uint16_t port, struct sw_port_info *out, struct sw_err *e);
	int (*port_set)(const struct sw_port_set *s, struct sw_port_info *out, struct sw_err *e);
	int (*port_get)(uint16_t port, struct sw_port_info *out, struct sw_err *e);
	int (*xc_add)(uint16_t in, uint16_t out, struct sw_err *e);
	int (*xc_del)(uint16_t in, struct sw_err *e);
	int (*xc_list)(uint8_t *buf, uint32_t cap, uint32_t *len, struct sw_err *e);
	int (*stats_sync)(struct sw_err *e);
	int (*route_add)(const struct sw_route *r, struct sw_err *e);
	int (*route_del)(const struct sw_route *r, struct sw_err *e);
	int (*route_list)(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
			  struct sw_err *e);
	int (*neigh_add)(const struct sw_neigh *n, struct sw_err *e);
	int (*neigh_del)(const struct sw_neigh *n, struct sw_err *e);
	int (*neigh_list)(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
			  struct sw_err *e);
	int (*rule_add)(const struct sw_rule *r, struct sw_err *e);
	int (*rule_del)(const struct sw_rule_ref *ref, struct sw_err *e);
	int (*rule_list)(const struct sw_list_req *q, uint8_t *buf, uint32_t cap, uint32_t *len,
			 struct sw_err *e);
	int (*policer_set)(const struct sw_policer_set *s, struct sw_policer_info *out,
			   struct sw_err *e);
	int (*policer_get)(uint16_t port, struct sw_policer_info *out, struct sw_err *e);
	/* kernel sync: cfg->enabled is 0 or 1 (checked here); out is the state after */
	int (*sync_set)(const struct sw_sync_cfg *cfg, struct sw_sync_cfg *out, struct sw_err *e);
	int (*sync_get)(struct sw_sync_cfg *out, struct sw_err *e);
};

/* Returns the response status; fills resp/resp_len on success, e->msg on
 * failure. resp must hold SW_RESP_MAX bytes. */
uint32_t sw_ctl_dispatch(const struct sw_ctl_ops *ops, uint16_t type, const uint8_t *payload,
			 uint32_t plen, uint8_t *resp, uint32_t *resp_len, struct sw_err *e);

const char *sw_op_name(uint16_t type);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "decode.h"

const char *sw_status_name(uint32_t status)
{
	switch (status) {
#define SW_STATUS_CASE(name, value, desc) case value: return #name;
	SW_STATUS_LIST(SW_STATUS_CASE)
#undef SW_STATUS_CASE
	}
	return "UNKNOWN";
}

const char *sw_op_name(uint16_t type)
{
	switch (type) {
	case SW_OP_HELLO: return "HELLO";
	case SW_OP_PORT_LIST: return "PORT_LIST";
	case SW_OP_PORT_ADD: return "PORT_ADD";
	case SW_OP_PORT_START: return "PORT_START";
	case SW_OP_PORT_STOP: return "PORT_STOP";
	case SW_OP_PORT_SET: return "PORT_SET";
	case SW_OP_PORT_GET: return "PORT_GET";
	case SW_OP_XC_ADD: return "XC_ADD";
	case SW_OP_XC_DEL: return "XC_DEL";
	case SW_OP_XC_LIST: return "XC_LIST";
	case SW_OP_STATS_REFRESH: return "STATS_REFRESH";
	case SW_OP_NEIGH_ADD: return "NEIGH_ADD";
	case SW_OP_NEIGH_DEL: return "NEIGH_DEL";
	case SW_OP_NEIGH_LIST: return "NEIGH_LIST";
	case SW_OP_ROUTE_ADD: return "ROUTE_ADD";
	case SW_OP_ROUTE_DEL: return "ROUTE_DEL";
	case SW_OP_ROUTE_LIST: return "ROUTE_LIST";
	case SW_OP_RULE_ADD: return "RULE_ADD";
	case SW_OP_RULE_DEL: return "RULE_DEL";
	case SW_OP_RULE_LIST: return "RULE_LIST";
	case SW_OP_POLICER_SET: return "POLICER_SET";
	case SW_OP_POLICER_GET: return "POLICER_GET";
	case SW_OP_SYNC_SET: return "SYNC_SET";
	case SW_OP_SYNC_GET: return "SYNC_GET";
	}
	return NULL;
}

static int want_size(uint16_t type, uint32_t plen, uint32_t size, struct sw_err *e)
{
	if (plen == size)
		return 0;
	return sw_fail(e, SW_ST_MALFORMED, "%s request payload is %u bytes, expected %u",
		       sw_op_name(type), plen, size);
}

static int port_op(int (*fn)(uint16_t, struct sw_port_info *, struct sw_err *),
		   uint16_t type, const uint8_t *payload, uint32_t plen, uint8_t *resp,
		   uint32_t *resp_len, struct sw_err *e)
{
	struct sw_port_ref ref;

	if (want_size(type, plen, sizeof(ref), e) != 0)
		return -1;
	memcpy(&ref, payload, sizeof(ref));
	if (fn(ref.port, (struct sw_port_info *)resp, e) != 0)
		return -1;
	*resp_len = sizeof(struct sw_port_info);
	return 0;
}

uint32_t sw_ctl_dispatch(const struct sw_ctl_ops *ops, uint16_t type, const uint8_t *payload,
			 uint32_t plen, uint8_t *resp, uint32_t *resp_len, struct sw_err *e)
{
	int ret = 0;

	*resp_len = 0;
	e->status = SW_ST_OK;
	e->msg[0] = '\0';
	switch (type) {
	case SW_OP_HELLO:
		if ((ret = want_size(type, plen, 0, e)) == 0) {
			ops->hello((struct sw_hello *)resp);
			*resp_len = sizeof(struct sw_hello);
		}
		break;
	case SW_OP_PORT_LIST:
		if ((ret = want_size(type, plen, 0, e)) == 0)
			ret = ops->port_list(resp, SW_RESP_MAX, resp_len, e);
		break;
	case SW_OP_PORT_ADD: {
		char devargs[SW_DEVARGS_MAX + 1];

		if (plen == 0 || plen > SW_DEVARGS_MAX) {
			ret = sw_fail(e, SW_ST_MALFORMED,
				      "PORT_ADD devargs are %u bytes, expected 1..%u", plen,
				      SW_DEVARGS_MAX);
			break;
		}
		if (memchr(payload, '\0', plen) != NULL) {
			ret = sw_fail(e, SW_ST_MALFORMED, "PORT_ADD devargs contain a NUL byte");
			break;
		}
		memcpy(devargs, payload, plen);
		devargs[plen] = '\0';
		if ((ret = ops->port_add(devargs, (struct sw_port_info *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_port_info);
		break;
	}
	case SW_OP_PORT_START:
		ret = port_op(ops->port_start, type, payload, plen, resp, resp_len, e);
		break;
	case SW_OP_PORT_STOP:
		ret = port_op(ops->port_stop, type, payload, plen, resp, resp_len, e);
		break;
	case SW_OP_PORT_GET:
		ret = port_op(ops->port_get, type, payload, plen, resp, resp_len, e);
		break;
	case SW_OP_PORT_SET: {
		struct sw_port_set s;

		if ((ret = want_size(type, plen, sizeof(s), e)) != 0)
			break;
		memcpy(&s, payload, sizeof(s));
		if ((ret = ops->port_set(&s, (struct sw_port_info *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_port_info);
		break;
	}
	case SW_OP_XC_ADD: {
		struct sw_xconnect x;

		if ((ret = want_size(type, plen, sizeof(x), e)) != 0)
			break;
		memcpy(&x, payload, sizeof(x));
		ret = ops->xc_add(x.in_port, x.out_port, e);
		break;
	}
	case SW_OP_XC_DEL: {
		struct sw_port_ref ref;

		if ((ret = want_size(type, plen, sizeof(ref), e)) != 0)
			break;
		memcpy(&ref, payload, sizeof(ref));
		ret = ops->xc_del(ref.port, e);
		break;
	}
	case SW_OP_XC_LIST:
		if ((ret = want_size(type, plen, 0, e)) == 0)
			ret = ops->xc_list(resp, SW_RESP_MAX, resp_len, e);
		break;
	case SW_OP_STATS_REFRESH:
		if ((ret = want_size(type, plen, 0, e)) == 0)
			ret = ops->stats_sync(e);
		break;
	case SW_OP_ROUTE_ADD:
	case SW_OP_ROUTE_DEL: {
		struct sw_route r;

		if ((ret = want_size(type, plen, sizeof(r), e)) != 0)
			break;
		memcpy(&r, payload, sizeof(r));
		ret = (type == SW_OP_ROUTE_ADD ? ops->route_add : ops->route_del)(&r, e);
		break;
	}
	case SW_OP_NEIGH_ADD:
	case SW_OP_NEIGH_DEL: {
		struct sw_neigh n;

		if ((ret = want_size(type, plen, sizeof(n), e)) != 0)
			break;
		memcpy(&n, payload, sizeof(n));
		ret = (type == SW_OP_NEIGH_ADD ? ops->neigh_add : ops->neigh_del)(&n, e);
		break;
	}
	case SW_OP_RULE_ADD: {
		struct sw_rule r;

		if ((ret = want_size(type, plen, sizeof(r), e)) != 0)
			break;
		memcpy(&r, payload, sizeof(r));
		ret = ops->rule_add(&r, e);
		break;
	}
	case SW_OP_RULE_DEL: {
		struct sw_rule_ref ref;

		if ((ret = want_size(type, plen, sizeof(ref), e)) != 0)
			break;
		memcpy(&ref, payload, sizeof(ref));
		ret = ops->rule_del(&ref, e);
		break;
	}
	case SW_OP_RULE_LIST:
	case SW_OP_ROUTE_LIST:
	case SW_OP_NEIGH_LIST: {
		struct sw_list_req q;

		if ((ret = want_size(type, plen, sizeof(q), e)) != 0)
			break;
		memcpy(&q, payload, sizeof(q));
		ret = (type == SW_OP_ROUTE_LIST ? ops->route_list :
		       type == SW_OP_NEIGH_LIST ? ops->neigh_list : ops->rule_list)(
			&q, resp, SW_RESP_MAX, resp_len, e);
		break;
	}
	case SW_OP_SYNC_SET: {
		struct sw_sync_cfg c;

		if ((ret = want_size(type, plen, sizeof(c), e)) != 0)
			break;
		memcpy(&c, payload, sizeof(c));
		if (c.enabled > 1) {
			ret = sw_fail(e, SW_ST_RANGE, "kernel sync: enabled must be 0 or 1, not %u",
				      c.enabled);
			break;
		}
		if ((ret = ops->sync_set(&c, (struct sw_sync_cfg *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_sync_cfg);
		break;
	}
	case SW_OP_SYNC_GET:
		if ((ret = want_size(type, plen, 0, e)) == 0 &&
		    (ret = ops->sync_get((struct sw_sync_cfg *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_sync_cfg);
		break;
	case SW_OP_POLICER_SET: {
		struct sw_policer_set s;

		if ((ret = want_size(type, plen, sizeof(s), e)) != 0)
			break;
		memcpy(&s, payload, sizeof(s));
		if ((ret = ops->policer_set(&s, (struct sw_policer_info *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_policer_info);
		break;
	}
	case SW_OP_POLICER_GET: {
		struct sw_port_ref ref;

		if ((ret = want_size(type, plen, sizeof(ref), e)) != 0)
			break;
		memcpy(&ref, payload, sizeof(ref));
		if ((ret = ops->policer_get(ref.port, (struct sw_policer_info *)resp, e)) == 0)
			*resp_len = sizeof(struct sw_policer_info);
		break;
	}
	default:
		ret = sw_fail(e, SW_ST_UNKNOWN_OP, "unknown operation 0x%04x", type);
	}
	if (ret != 0 && e->status == SW_ST_OK)
		sw_fail(e, SW_ST_DEVICE, "%s failed", sw_op_name(type));
	return ret == 0 ? SW_ST_OK : e->status;
}

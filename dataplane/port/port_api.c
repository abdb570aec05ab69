/* SPDX-License-Identifier: BSD-3-Clause */
/* Control operations on ports and cross-connects. */
#include <string.h>

#include "core/api.h"
#include "port/port.h"

static int port_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	struct sw_list_hdr *lh = resp;
	struct sw_port_info *pi = (void *)(lh + 1);

	_Static_assert(sizeof(*lh) + SW_MAX_PORTS * sizeof(*pi) <= SW_RESP_MAX, "port list fits");
	memset(lh, 0, sizeof(*lh));
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++)
		if (sw_port_exists(i))
			sw_port_info(i, &pi[lh->count++]);
	*resp_len = sizeof(*lh) + lh->count * sizeof(*pi);
	return 0;
}

static int answer_info(int idx, void *resp, uint32_t *resp_len)
{
	if (idx < 0)
		return -1;
	sw_port_info((uint16_t)idx, resp);
	*resp_len = sizeof(struct sw_port_info);
	return 0;
}

static int port_add(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	char devargs[SW_DEVARGS_MAX + 1];

	if (memchr(req, '\0', len) != NULL)
		return sw_fail(e, SW_ST_MALFORMED, "PORT_ADD devargs contain a NUL byte");
	memcpy(devargs, req, len);
	devargs[len] = '\0';
	return answer_info(sw_port_add(devargs, e), resp, resp_len);
}

static int port_start(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		      struct sw_err *e)
{
	const struct sw_port_ref *r = req;

	return answer_info(sw_port_start(r->port, e) == 0 ? r->port : -1, resp, resp_len);
}

static int port_stop(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
		     struct sw_err *e)
{
	const struct sw_port_ref *r = req;

	return answer_info(sw_port_stop(r->port, e) == 0 ? r->port : -1, resp, resp_len);
}

static int port_get(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_port_ref *r = req;

	return answer_info(sw_port_ref(r->port, e) != NULL ? r->port : -1, resp, resp_len);
}

static int port_devargs(const void *req, uint32_t len, void *resp, uint32_t *resp_len,
			struct sw_err *e)
{
	const struct sw_port_ref *r = req;
	const struct sw_port *p = sw_port_ref(r->port, e);

	if (p == NULL)
		return -1;
	*resp_len = strlen(p->devargs);
	memcpy(resp, p->devargs, *resp_len);
	return 0;
}

static int port_set(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_port_set *s = req;
	struct rte_ether_addr mac;

	if (sw_port_ref(s->port, e) == NULL)
		return -1;
	if (s->mask & ~(SW_PORT_SET_MTU | SW_PORT_SET_MAC | SW_PORT_SET_PROMISC))
		return sw_fail(e, SW_ST_INVALID, "port %u: unknown settings mask 0x%x", s->port,
			       s->mask);
	if ((s->mask & SW_PORT_SET_PROMISC) && s->promisc > 1)
		return sw_fail(e, SW_ST_INVALID, "port %u: promisc must be 0 or 1, not %u", s->port,
			       s->promisc);
	memcpy(mac.addr_bytes, s->mac, sizeof(s->mac));
	if ((s->mask & SW_PORT_SET_MAC) && !rte_is_valid_assigned_ether_addr(&mac))
		return sw_fail(e, SW_ST_INVALID,
			       "port %u: MAC " RTE_ETHER_ADDR_PRT_FMT " is not a unicast address",
			       s->port, RTE_ETHER_ADDR_BYTES(&mac));
	if ((s->mask & SW_PORT_SET_MTU) && sw_port_set_mtu(s->port, s->mtu, e) != 0)
		return -1;
	if ((s->mask & SW_PORT_SET_MAC) && sw_port_set_mac(s->port, &mac, e) != 0)
		return -1;
	if ((s->mask & SW_PORT_SET_PROMISC) &&
	    sw_port_set_flag(s->port, SW_PORT_PROMISC, s->promisc, e) != 0)
		return -1;
	return answer_info(s->port, resp, resp_len);
}

static int xc_add(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_xconnect *x = req;

	return sw_xc_add(x->in_port, x->out_port, e);
}

static int xc_del(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	const struct sw_port_ref *r = req;

	return sw_xc_del(r->port, e);
}

static int xc_list(const void *req, uint32_t len, void *resp, uint32_t *resp_len, struct sw_err *e)
{
	struct sw_list_hdr *lh = resp;
	struct sw_xconnect *x = (void *)(lh + 1);

	memset(lh, 0, sizeof(*lh));
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		const struct sw_port *p = sw_port_get(i);

		if (p == NULL || p->xc_out == SW_PORT_NONE)
			continue;
		x[lh->count++] = (struct sw_xconnect){ .in_port = i, .out_port = p->xc_out };
	}
	*resp_len = sizeof(*lh) + lh->count * sizeof(*x);
	return 0;
}

static const struct sw_api_handler port_handlers[] = {
	{ SW_OP_PORT_LIST, "PORT_LIST", SW_API_NONE, port_list, SW_API_READ },
	{ SW_OP_PORT_ADD, "PORT_ADD", 1, SW_DEVARGS_MAX, port_add, NULL },
	{ SW_OP_PORT_START, "PORT_START", SW_API_SIZE(struct sw_port_ref), port_start, NULL },
	{ SW_OP_PORT_STOP, "PORT_STOP", SW_API_SIZE(struct sw_port_ref), port_stop, NULL },
	{ SW_OP_PORT_SET, "PORT_SET", SW_API_SIZE(struct sw_port_set), port_set, NULL },
	{ SW_OP_PORT_GET, "PORT_GET", SW_API_SIZE(struct sw_port_ref), port_get, SW_API_READ },
	{ SW_OP_PORT_DEVARGS, "PORT_DEVARGS", SW_API_SIZE(struct sw_port_ref), port_devargs,
	  SW_API_READ },
	{ SW_OP_XC_ADD, "XC_ADD", SW_API_SIZE(struct sw_xconnect), xc_add, NULL },
	{ SW_OP_XC_DEL, "XC_DEL", SW_API_SIZE(struct sw_port_ref), xc_del, NULL },
	{ SW_OP_XC_LIST, "XC_LIST", SW_API_NONE, xc_list, SW_API_READ },
};
SW_API_REGISTER(port_handlers)

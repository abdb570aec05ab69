/* SPDX-License-Identifier: BSD-3-Clause */
/* Cross-connects: everything a port receives leaves through another one. */
#include "core/publish.h"
#include "port/port.h"

int sw_xc_add(uint16_t in, uint16_t out, struct sw_err *e)
{
	struct sw_port *pi = sw_port_ref(in, e);

	if (pi == NULL || sw_port_ref(out, e) == NULL)
		return -1;
	if (in == out)
		return sw_fail(e, SW_ST_INVALID,
			       "cross-connect %u -> %u: a port cannot feed itself", in, out);
	if (pi->xc_out == out)
		return 0;
	if (pi->xc_out != SW_PORT_NONE)
		return sw_fail(e, SW_ST_EXISTS, "port %u is already cross-connected to port %u", in,
			       pi->xc_out);
	pi->xc_out = out;
	sw_publish_mark_dirty();
	return 0;
}

int sw_xc_del(uint16_t in, struct sw_err *e)
{
	struct sw_port *pi = sw_port_ref(in, e);

	if (pi == NULL)
		return -1;
	if (pi->xc_out == SW_PORT_NONE)
		return sw_fail(e, SW_ST_NOT_FOUND, "port %u has no cross-connect", in);
	pi->xc_out = SW_PORT_NONE;
	sw_publish_mark_dirty();
	return 0;
}

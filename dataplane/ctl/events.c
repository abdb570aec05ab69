/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control file's event log: every event on the bus, serialized into
 * its ABI payload and written as the next record; every client reads the
 * log with its own cursor (ctl/ctlfile.c writes the record).
 */
#include "core/event.h"
#include "core/module.h"
#include "ctl/ctl.h"

static void to_log(uint16_t type, const void *obj, void *arg)
{
	uint8_t buf[SW_EVT_PAYLOAD_MAX];
	uint32_t len = sw_event_serialize(type, obj, buf, sizeof(buf));

	(void)arg;
	if (len != 0)
		sw_ctl_event(type, buf, len);
}

static int ctl_init(void)
{
	sw_event_subscribe(SW_EVENT_ALL, to_log, NULL);
	return sw_ctl_serve_init();
}

static const struct sw_module ctl_module = {
	.name = "control file",
	.prio = SW_PRIO_CTL,
	.init = ctl_init,
	.fini = sw_ctl_serve_fini,
};
SW_MODULE_REGISTER(ctl_module)

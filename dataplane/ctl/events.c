/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control file's event ring: every event on the bus, serialized into
 * its ABI payload, numbered, written for the controller. A full ring drops
 * the event and counts it in the header.
 */
#include "core/event.h"
#include "core/module.h"
#include "ctl/ctl.h"

static uint32_t evt_seq;

static void to_ring(uint16_t type, const void *obj, void *arg)
{
	uint8_t buf[256];
	uint32_t len = sw_event_serialize(type, obj, buf, sizeof(buf));

	(void)arg;
	if (len == 0)
		return;
	if (sw_ring_produce(sw_ctl_evt(), type, 0, ++evt_seq, 0, buf, len) != 0)
		sw_ctl_event_dropped();
}

static int ctl_init(void)
{
	sw_event_subscribe(SW_EVENT_ALL, to_ring, NULL);
	return sw_ctl_serve_init();
}

static const struct sw_module ctl_module = {
	.name = "control file",
	.prio = SW_PRIO_CTL,
	.init = ctl_init,
	.fini = sw_ctl_serve_fini,
};
SW_MODULE_REGISTER(ctl_module)

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "core/event.h"

#define MAX_SUBS  16u
#define MAX_TYPES 64u

static struct {
	struct {
		uint16_t type;
		sw_event_cb cb;
		void *arg;
	} subs[MAX_SUBS];
	unsigned int n_subs;
	sw_event_ser ser[MAX_TYPES];
} bus;

void sw_event_subscribe(uint16_t type, sw_event_cb cb, void *arg)
{
	if (bus.n_subs == MAX_SUBS)
		abort();
	bus.subs[bus.n_subs].type = type;
	bus.subs[bus.n_subs].cb = cb;
	bus.subs[bus.n_subs].arg = arg;
	bus.n_subs++;
}

void sw_event_push(uint16_t type, const void *obj)
{
	for (unsigned int i = 0; i < bus.n_subs; i++)
		if (bus.subs[i].type == SW_EVENT_ALL || bus.subs[i].type == type)
			bus.subs[i].cb(type, obj, bus.subs[i].arg);
}

void sw_event_serializer(uint16_t type, sw_event_ser fn)
{
	if (type >= MAX_TYPES || bus.ser[type] != NULL)
		abort();
	bus.ser[type] = fn;
}

uint32_t sw_event_serialize(uint16_t type, const void *obj, void *buf, uint32_t cap)
{
	if (type >= MAX_TYPES || bus.ser[type] == NULL)
		return 0;
	return bus.ser[type](obj, buf, cap);
}

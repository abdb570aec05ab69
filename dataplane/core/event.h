/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event bus (as grout's event_push / event_subscribe): control code
 * announces what happened with an object of its own; subscribers (the
 * control-file transport, other modules) are called in order of
 * subscription. A serializer per event type turns the object into the
 * ABI payload of SW_EVT_<type> for the transports; modules never write to
 * a transport themselves. Main lcore only.
 */
#ifndef SW_CORE_EVENT_H
#define SW_CORE_EVENT_H

#include <stdint.h>
#include <string.h>

/* obj: what the producer passed to sw_event_push, valid during the call. */
typedef void (*sw_event_cb)(uint16_t type, const void *obj, void *arg);
/* Writes type's ABI payload for obj into buf (cap bytes); returns its size. */
typedef uint32_t (*sw_event_ser)(const void *obj, void *buf, uint32_t cap);

/* type SW_EVENT_ALL: every type. */
#define SW_EVENT_ALL 0u
void sw_event_subscribe(uint16_t type, sw_event_cb cb, void *arg);
void sw_event_push(uint16_t type, const void *obj);

void sw_event_serializer(uint16_t type, sw_event_ser fn);
/* Size written, or 0 when type has no serializer (or buf is too small). */
uint32_t sw_event_serialize(uint16_t type, const void *obj, void *buf, uint32_t cap);

#define SW_EVENT_SERIALIZER(type, fn)                                    \
	__attribute__((constructor)) static void sw_event_ser_##fn(void) \
	{                                                                \
		sw_event_serializer(type, fn);                           \
	}

/* For events whose object already is their ABI payload, struct T. */
#define SW_EVENT_COPY(type, T)                                                      \
	static uint32_t sw_event_copy_##T(const void *obj, void *buf, uint32_t cap) \
	{                                                                           \
		if (cap < sizeof(struct T))                                         \
			return 0;                                                   \
		memcpy(buf, obj, sizeof(struct T));                                 \
		return sizeof(struct T);                                            \
	}                                                                           \
	SW_EVENT_SERIALIZER(type, sw_event_copy_##T)

#endif

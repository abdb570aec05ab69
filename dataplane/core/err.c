/* SPDX-License-Identifier: BSD-3-Clause */
#include "core/err.h"

const char *sw_status_name(uint32_t status)
{
	switch (status) {
#define SW_STATUS_CASE(name, value, desc) \
	case value:                       \
		return #name;
		SW_STATUS_LIST(SW_STATUS_CASE)
#undef SW_STATUS_CASE
	}
	return "UNKNOWN";
}

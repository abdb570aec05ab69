/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>

#include "core/util.h"

const char *sw_fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len)
{
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, buf, len) ? buf : "?";
}

void sw_mask_prefix(uint8_t *ip, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		ip[b / 8] &= ~(0x80 >> (b % 8));
}

int sw_host_bits_set(const uint8_t *ip, unsigned int len, unsigned int bits)
{
	for (unsigned int b = len; b < bits; b++)
		if (ip[b / 8] & (0x80 >> (b % 8)))
			return 1;
	return 0;
}

struct rte_hash *sw_hash_create(const char *name, uint32_t entries, uint32_t key_len)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	return rte_hash_create(&p);
}

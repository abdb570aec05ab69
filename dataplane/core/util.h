/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers of the control side. */
#ifndef SW_CORE_UTIL_H
#define SW_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rte_hash;

static inline uint64_t sw_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Bytes of an address of family SW_AF_INET or SW_AF_INET6. */
static inline unsigned int sw_af_bytes(uint8_t family)
{
	return family == 4 ? 4u : 16u;
}

/* ip (16 bytes, network order) as text in buf; "?" when it cannot be. */
const char *sw_fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len);
/* Clears the bits of ip beyond len (bits: 32 or 128). */
void sw_mask_prefix(uint8_t *ip, unsigned int len, unsigned int bits);
/* True when ip has bits set beyond len. */
int sw_host_bits_set(const uint8_t *ip, unsigned int len, unsigned int bits);
/* A jhash-keyed rte_hash on this socket. */
struct rte_hash *sw_hash_create(const char *name, uint32_t entries, uint32_t key_len);

/*
 * What EAL leaves behind once rte_eal_cleanup() returned: the runtime
 * directory <base>/dpdk/<prefix> (the telemetry socket; with shared
 * configuration also config, fbarray and multi-process socket files, a
 * secondary's included) and hugepage files <prefix>map_<n> in the hugetlbfs
 * mounts (an attached secondary keeps its mapping until it exits). Removes
 * both; *files and *pages say how many entries went. -1 with errno when the
 * directory itself could not be removed.
 */
int sw_eal_files_remove(const char *runtime_dir, unsigned int *files, unsigned int *pages);

#endif

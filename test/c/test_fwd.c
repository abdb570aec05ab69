/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit test: the fast path's incremental TTL/checksum update agrees with a
 * full recomputation (DPDK's rte_ipv4_cksum) for every TTL and many headers. */
#include <stdio.h>
#include <string.h>

#include "datapath/classify.h"

struct sw_state sw;
struct sw_fp_config *sw_fp_current;
int sw_logtype;

int main(void)
{
	long checked = 0, bad = 0;

	for (unsigned int ttl = 2; ttl < 256; ttl++) {
		for (uint32_t x = 0; x < 65536; x += 13) {
			struct rte_ipv4_hdr ip = {
				.version_ihl = 0x45,
				.total_length = rte_cpu_to_be_16(20 + (x & 0x3ff)),
				.packet_id = rte_cpu_to_be_16(x),
				.time_to_live = ttl,
				.next_proto_id = (uint8_t)(x * 7),
				.src_addr = rte_cpu_to_be_32(0x0a000000u | x),
				.dst_addr = rte_cpu_to_be_32(0xc0a80000u ^ (x << 3)),
			};
			ip.hdr_checksum = rte_ipv4_cksum(&ip);
			sw_ipv4_ttl_dec(&ip);
			uint16_t got = ip.hdr_checksum;
			ip.hdr_checksum = 0;
			uint16_t want = rte_ipv4_cksum(&ip);
			/* 0x0000 and 0xffff both verify (one's-complement zero) */
			if (got != want && !((got | want) == 0xffff && (got & want) == 0))
				bad++;
			if (ip.time_to_live != ttl - 1)
				bad++;
			checked++;
		}
	}
	printf("%ld headers checked, %ld wrong\n", checked, bad);
	return bad != 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the vEth offload path from the kernel
 * (kni/offload.c, sw_offload_from_kernel): what a TAP read gives, a
 * virtio-net header (GSO type, header length, segment size, checksum start
 * and offset, flags: all arbitrary) and a frame of up to 64 KB in a chain of
 * mbufs as the vEth service reads it, with or without the port's checksum
 * and TSO offloads. EAL runs with --no-huge; the mbufs come from a real
 * mempool.
 *
 * Checked: no crash or sanitizer error; at most SW_OFFLOAD_MAX_SEGS frames
 * out; every mbuf back in its pool once the frames are freed (none leaked,
 * none freed twice); a TCP/IPv4 super-frame segmented here gives segments
 * no longer than its headers plus the segment size, each with a valid IPv4
 * header checksum and a total length that matches it.
 */
#include <assert.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "core/state.h"
#include "kni/offload.h"

struct sw_state sw;
int sw_logtype;

#define SEG_ROOM 2048u

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_offload", "--no-huge",   "--no-pci", "-m",
			"512",		"--log-level", "0",	   "--no-telemetry",
			"--no-shconf",	"-l",	       "0" };

	(void)argc;
	(void)argv;
	if (rte_eal_init(RTE_DIM(eal), eal) < 0)
		abort();
	sw.mp = rte_pktmbuf_pool_create("fuzz_mp", 4095, 0, 0, SEG_ROOM + RTE_PKTMBUF_HEADROOM,
					SOCKET_ID_ANY);
	if (sw.mp == NULL || sw_offload_init() != 0)
		abort();
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sw_port_counters pc;
	struct rte_mbuf *out[SW_OFFLOAD_MAX_SEGS], *segs[40];
	struct virtio_net_hdr h;
	unsigned int n_seg, before, n;
	uint64_t txo = 0;

	if (size < sizeof(h) + 1 + RTE_ETHER_HDR_LEN || size > sizeof(h) + 1 + 65535 + 18)
		return 0;
	memcpy(&h, data, sizeof(h));
	/* one byte says which offloads the port would do */
	if (data[sizeof(h)] & 1)
		txo |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		       RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (data[sizeof(h)] & 2)
		txo |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	data += sizeof(h) + 1;
	size -= sizeof(h) + 1;

	before = rte_mempool_avail_count(sw.mp);
	/* the frame in a chain of full mbufs, as the vEth service reads it */
	n_seg = (unsigned int)((size + SEG_ROOM - 1) / SEG_ROOM);
	assert(rte_pktmbuf_alloc_bulk(sw.mp, segs, n_seg) == 0);
	for (unsigned int i = 0; i < n_seg; i++) {
		uint32_t len = RTE_MIN((uint32_t)SEG_ROOM, (uint32_t)size - i * SEG_ROOM);

		memcpy(rte_pktmbuf_mtod(segs[i], void *), data + (size_t)i * SEG_ROOM, len);
		segs[i]->data_len = (uint16_t)len;
		segs[i]->next = i + 1 < n_seg ? segs[i + 1] : NULL;
	}
	segs[0]->nb_segs = (uint16_t)n_seg;
	segs[0]->pkt_len = (uint32_t)size;

	n = sw_offload_from_kernel(segs[0], &h, txo, out, &pc);
	assert(n <= SW_OFFLOAD_MAX_SEGS);
	bool segmented = n > 1 || (n == 1 && out[0] != segs[0]);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *s = out[i];

		assert(s != NULL && s->pkt_len >= s->data_len);
		if (segmented && !(txo & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
			const uint8_t *ip = rte_pktmbuf_mtod_offset(s, const uint8_t *, s->l2_len);
			uint32_t sum = 0;

			assert(s->pkt_len <= (uint32_t)s->l2_len + s->l3_len + s->l4_len +
						     rte_le_to_cpu_16(h.gso_size));
			assert(s->l2_len + 20u <= s->data_len);
			assert(rd16(ip + 2) == s->pkt_len - s->l2_len);
			if (!(txo & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
				for (unsigned int k = 0; k < (ip[0] & 0xfu) * 4u; k += 2)
					sum += rd16(ip + k);
				while (sum >> 16)
					sum = (sum & 0xffff) + (sum >> 16);
				assert(sum == 0xffff);
			}
		}
		rte_pktmbuf_free(s);
	}
	assert(rte_mempool_avail_count(sw.mp) == before);
	return 0;
}

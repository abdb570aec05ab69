/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tcpdump filter as the fast path runs it: compiled by libpcap
 * (pcap_compile, Ethernet link type), converted to eBPF (rte_bpf_convert)
 * and loaded by DPDK (rte_bpf_load), JIT-compiled where DPDK has a JIT for
 * the machine. Main lcore only (libpcap's compiler is not thread-safe).
 */
#ifndef SW_CAPTURE_FILTER_H
#define SW_CAPTURE_FILTER_H

#include <stdint.h>

#include "core/err.h"

struct rte_bpf;

struct sw_filter {
	struct rte_bpf *bpf;	 /* NULL: no filter, every packet matches */
	uint64_t (*jit)(void *); /* NULL when DPDK made no native code */
	uint32_t n_ins;		 /* eBPF instructions */
};

/* expr: len bytes (not NUL-terminated); an empty one matches everything.
 * Fails with INVALID and libpcap's or DPDK's words. */
int sw_filter_compile(const char *expr, uint32_t len, uint32_t snaplen, struct sw_filter *f,
		      struct sw_err *e);
void sw_filter_free(struct sw_filter *f);

#endif

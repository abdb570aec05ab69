/* SPDX-License-Identifier: BSD-3-Clause */
/* See filter.h. As dpdk-dumpcap does it, with the errors kept for the client. */
#include <stdbool.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "capture/filter.h"

/*
 * Two bugs of DPDK 22.11 are worked around here (test/c/test_filter.c
 * checks every filter against libpcap's own interpreter, JIT and not).
 *
 * rte_bpf_convert() maps a classic indirect load, A = P[X + k], to an eBPF
 * load from r7 (X) only for half-words: for bytes and words it takes the
 * register from the opcode's source bit, which those opcodes do not set,
 * and loads from r0 (A). tcpdump uses byte loads for every TCP or ICMP
 * field past a variable IP header ("tcp[13]", "icmp[icmptype]"). In a
 * converted program every indirect load is relative to X.
 */
static void fix_ind(struct ebpf_insn *ins, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (BPF_CLASS(ins[i].code) == BPF_LD && BPF_MODE(ins[i].code) == BPF_IND)
			ins[i].src_reg = EBPF_REG_7;
}

/*
 * DPDK 22.11's x86-64 JIT encodes "test $imm, %reg" (eBPF JSET with an
 * immediate) with a one-byte immediate when the value fits in one, but
 * that opcode (F7 /0) only takes four: the code that follows is garbage
 * and the first packet that reaches it crashes the process. tcpdump's flag
 * tests ("tcp[tcpflags] & tcp-syn != 0") compile to exactly that, so such
 * a filter runs in DPDK's interpreter instead.
 */
static bool jit_safe(const struct ebpf_insn *ins, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ins[i].code == (BPF_JMP | BPF_JSET | BPF_K) && ins[i].imm == (int8_t)ins[i].imm)
			return false;
	return true;
}

int sw_filter_compile(const char *expr, uint32_t len, uint32_t snaplen, struct sw_filter *f,
		      struct sw_err *e)
{
	char text[SW_TAP_FILTER_MAX + 1];
	struct bpf_program prog;
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	pcap_t *pc;

	memset(f, 0, sizeof(*f));
	if (len == 0)
		return 0;
	if (len > SW_TAP_FILTER_MAX)
		return sw_fail(e, SW_ST_RANGE, "filter of %u bytes: at most %u", len,
			       SW_TAP_FILTER_MAX);
	memcpy(text, expr, len);
	text[len] = '\0';
	if (strlen(text) != len)
		return sw_fail(e, SW_ST_INVALID, "filter holds a NUL byte");
	pc = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (pc == NULL)
		return sw_fail(e, SW_ST_INVALID, "filter '%.64s': libpcap cannot open a compiler",
			       text);
	if (pcap_compile(pc, &prog, text, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		sw_fail(e, SW_ST_INVALID, "filter '%.64s': %s", text, pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	pcap_close(pc);
	prm = rte_bpf_convert(&prog);
	pcap_freecode(&prog);
	if (prm == NULL)
		return sw_fail(e, SW_ST_INVALID, "filter '%.64s': cannot convert it to eBPF: %s",
			       text, rte_strerror(rte_errno));
	f->n_ins = prm->nb_ins;
	fix_ind((struct ebpf_insn *)(uintptr_t)prm->ins, prm->nb_ins);
	const bool jit_ok = jit_safe(prm->ins, prm->nb_ins);
	f->bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (f->bpf == NULL)
		return sw_fail(e, SW_ST_INVALID, "filter '%.64s': DPDK refused its eBPF: %s", text,
			       rte_strerror(rte_errno));
	if (jit_ok && rte_bpf_get_jit(f->bpf, &jit) == 0)
		f->jit = jit.func;
	return 0;
}

void sw_filter_free(struct sw_filter *f)
{
	if (f->bpf != NULL)
		rte_bpf_destroy(f->bpf);
	memset(f, 0, sizeof(*f));
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test: a capture filter as the fast path runs it (capture/filter.c:
 * pcap_compile -> rte_bpf_convert -> rte_bpf_load, JIT-compiled and
 * interpreted) takes exactly the frames libpcap's own cBPF interpreter
 * takes (bpf_filter), for tcpdump expressions over Ethernet, VLAN, ARP,
 * IPv4, IPv6, TCP, UDP and ICMP frames, truncated frames and a frame split
 * over two mbuf segments. Bad expressions fail with libpcap's words. EAL
 * runs without hugepages (rte_bpf_convert allocates with rte_malloc).
 */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "capture/filter.h"

int sw_logtype;
static int failed;

struct frame {
	const char *name;
	uint8_t d[128];
	uint32_t len;
};

static uint32_t eth(uint8_t *d, uint16_t et, int vlan)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 0xaa }, src[6] = { 2, 0, 0, 0, 0, 1 };
	uint32_t off = 12;

	memcpy(d, dst, 6);
	memcpy(d + 6, src, 6);
	if (vlan >= 0) {
		*(uint16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		*(uint16_t *)(d + 14) = rte_cpu_to_be_16((uint16_t)vlan);
		off += 4;
	}
	*(uint16_t *)(d + off) = rte_cpu_to_be_16(et);
	return off + 2;
}

static uint32_t ipv4(uint8_t *d, uint32_t off, uint8_t proto, uint32_t src, uint32_t dst,
		     uint16_t sport, uint16_t dport, uint8_t ttl)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + off);
	uint8_t *l4 = d + off + 20;

	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + 20);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*(uint16_t *)l4 = rte_cpu_to_be_16(sport);
	*(uint16_t *)(l4 + 2) = rte_cpu_to_be_16(dport);
	if (proto == IPPROTO_TCP)
		l4[13] = 0x02; /* SYN */
	if (proto == IPPROTO_ICMP)
		l4[0] = 8;
	return off + 40;
}

static uint32_t ipv6(uint8_t *d, uint32_t off, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + off);
	uint8_t *l4 = d + off + 40;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(20);
	ip->proto = proto;
	ip->hop_limits = 64;
	ip->src_addr[0] = 0xfd;
	ip->src_addr[1] = 0x01;
	ip->src_addr[15] = 2;
	ip->dst_addr[0] = 0xfd;
	ip->dst_addr[1] = 0x02;
	ip->dst_addr[15] = 2;
	*(uint16_t *)l4 = rte_cpu_to_be_16(sport);
	*(uint16_t *)(l4 + 2) = rte_cpu_to_be_16(dport);
	if (proto == IPPROTO_ICMPV6)
		l4[0] = 128;
	return off + 60;
}

static int frames(struct frame *f)
{
	int n = 0;

	memset(f, 0, 16 * sizeof(*f));
	f[n].name = "IPv4 TCP 10.1.0.2:40000 > 10.2.0.2:80";
	f[n].len = ipv4(f[n].d, eth(f[n].d, 0x0800, -1), 6, 0x0a010002, 0x0a020002, 40000, 80, 64);
	n++;
	f[n].name = "IPv4 UDP 10.1.0.2:5353 > 10.9.0.1:53";
	f[n].len = ipv4(f[n].d, eth(f[n].d, 0x0800, -1), 17, 0x0a010002, 0x0a090001, 5353, 53, 1);
	n++;
	f[n].name = "IPv4 ICMP echo 10.1.0.2 > 10.2.0.2";
	f[n].len = ipv4(f[n].d, eth(f[n].d, 0x0800, -1), 1, 0x0a010002, 0x0a020002, 0, 0, 64);
	n++;
	f[n].name = "VLAN 100 IPv4 TCP to port 22";
	f[n].len = ipv4(f[n].d, eth(f[n].d, 0x0800, 100), 6, 0x0a010002, 0x0a020002, 1234, 22, 64);
	n++;
	f[n].name = "IPv6 TCP to port 22";
	f[n].len = ipv6(f[n].d, eth(f[n].d, 0x86dd, -1), 6, 1234, 22);
	n++;
	f[n].name = "IPv6 ICMPv6 echo";
	f[n].len = ipv6(f[n].d, eth(f[n].d, 0x86dd, -1), 58, 0, 0);
	n++;
	f[n].name = "ARP";
	f[n].len = eth(f[n].d, 0x0806, -1) + 28;
	n++;
	f[n].name = "IPv4 TCP cut after the IP header";
	f[n].len = ipv4(f[n].d, eth(f[n].d, 0x0800, -1), 6, 0x0a010002, 0x0a020002, 1, 80, 64) - 20;
	n++;
	f[n].name = "runt (10 bytes)";
	f[n].len = 10;
	n++;
	return n;
}

static const char *const FILTERS[] = {
	"tcp port 80",
	"udp",
	"icmp",
	"icmp6",
	"ip6 and tcp dst port 22",
	"arp",
	"host 10.2.0.2",
	"net 10.9.0.0/16",
	"src host 10.1.0.2 and not icmp",
	"ether src 02:00:00:00:00:01",
	"ether dst 02:00:00:00:00:ab",
	"vlan 100",
	"vlan and tcp port 22",
	"ip[8] < 2",
	"not ip",
	"port 80 or port 53",
	"greater 70",
	"len <= 60",
	"ip and udp[2:2] = 53",
	"ip6 or arp",
	"tcp[tcpflags] = tcp-syn",
	"icmp[icmptype] = icmp-echo",
	"udp[8:4] = 0",
	"tcp[0:4] = 0x9c400050",
	"ip[0] & 0xf > 5",
};

static const char *const FLAG_TESTS[] = {
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[13] & 2 != 0",
	"ip[6] & 0x40 != 0",
};

/* One frame in one mbuf, or split after `split` bytes into two. */
static int run(const struct sw_filter *f, bool jit, const struct frame *fr, uint32_t split)
{
	struct rte_mbuf m[2];
	uint8_t a[128], b[128];

	memset(m, 0, sizeof(m));
	memcpy(a, fr->d, fr->len);
	m[0].buf_addr = a;
	m[0].buf_len = sizeof(a);
	m[0].pkt_len = fr->len;
	m[0].data_len = (uint16_t)fr->len;
	m[0].nb_segs = 1;
	if (split > 0 && split < fr->len) {
		memcpy(b, fr->d + split, fr->len - split);
		m[0].data_len = (uint16_t)split;
		m[0].next = &m[1];
		m[0].nb_segs = 2;
		m[1].buf_addr = b;
		m[1].buf_len = sizeof(b);
		m[1].data_len = (uint16_t)(fr->len - split);
		m[1].pkt_len = fr->len - split;
		m[1].nb_segs = 1;
	}
	if (f->bpf == NULL)
		return 1;
	return (jit ? f->jit(&m[0]) : rte_bpf_exec(f->bpf, &m[0])) != 0;
}

/* jit: x86-64 has DPDK's JIT, but a flag test ("& 2 != 0", a JSET with a
 * one-byte immediate) must run interpreted (capture/filter.c says why) */
static void check_filter(const char *expr, bool jit, const struct frame *fr, int n_frames)
{
	struct sw_filter f;
	struct sw_err e;
	struct bpf_program prog;
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);

	if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		printf("FAIL %s: libpcap: %s\n", expr, pcap_geterr(pc));
		failed++;
		pcap_close(pc);
		return;
	}
	if (sw_filter_compile(expr, strlen(expr), 65535, &f, &e) != 0) {
		printf("FAIL %s: %s\n", expr, e.msg);
		failed++;
		pcap_freecode(&prog);
		pcap_close(pc);
		return;
	}
	if ((f.jit != NULL) != jit) {
		printf("FAIL %s: %s (expected %s)\n", expr, f.jit ? "JIT" : "interpreted",
		       jit ? "JIT" : "interpreted");
		failed++;
	}
	int takes = 0;
	for (int i = 0; i < n_frames; i++) {
		struct pcap_pkthdr h = { .caplen = fr[i].len, .len = fr[i].len };
		int want = pcap_offline_filter(&prog, &h, fr[i].d) != 0;

		takes += want;
		for (int jit = 0; jit <= (f.jit != NULL); jit++) {
			for (uint32_t split = 0; split <= 30; split += 30) {
				int got = run(&f, jit, &fr[i], split);

				if (got != want) {
					printf("FAIL %s on %s (%s%s): dpdk %d, libpcap %d\n", expr,
					       fr[i].name, jit ? "JIT" : "interpreted",
					       split ? ", two segments" : "", got, want);
					failed++;
				}
			}
		}
	}
	printf("ok   %-32s %2u eBPF insns, %s, takes %d of %d frames\n", expr, f.n_ins,
	       f.jit ? "JIT" : "interpreted", takes, n_frames);
	sw_filter_free(&f);
	pcap_freecode(&prog);
	pcap_close(pc);
}

static void check_bad(const char *expr, const char *want)
{
	struct sw_filter f;
	struct sw_err e;

	if (sw_filter_compile(expr, strlen(expr), 65535, &f, &e) == 0) {
		printf("FAIL '%s' compiled\n", expr);
		failed++;
		sw_filter_free(&f);
		return;
	}
	if (e.status != SW_ST_INVALID || strstr(e.msg, want) == NULL) {
		printf("FAIL '%s': status %u, message '%s' (expected to hold '%s')\n", expr,
		       e.status, e.msg, want);
		failed++;
		return;
	}
	printf("ok   bad filter: %s\n", e.msg);
}

int main(void)
{
	char *eal[] = { "test_filter",
			"--no-huge",
			"--no-pci",
			"-m",
			"64",
			"--no-shconf",
			"--log-level=lib.eal:error",
			"--file-prefix=test_filter" };
	struct frame fr[16];
	int n = frames(fr);

	setvbuf(stdout, NULL, _IONBF, 0);
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	for (unsigned int i = 0; i < RTE_DIM(FILTERS); i++)
		check_filter(FILTERS[i], true, fr, n);
	for (unsigned int i = 0; i < RTE_DIM(FLAG_TESTS); i++)
		check_filter(FLAG_TESTS[i], false, fr, n);
	check_bad("tcp prot 80", "syntax error");
	check_bad("host 10.1.0.300", "10.1.0.300");

	struct sw_filter none;
	struct sw_err e;
	if (sw_filter_compile("", 0, 100, &none, &e) != 0 || none.bpf != NULL) {
		printf("FAIL: an empty filter must be no filter\n");
		failed++;
	}
	rte_eal_cleanup();
	printf("%s\n", failed ? "FAILED" : "all filters agree with libpcap");
	return failed != 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rx interrupts for --poll-mode interrupt (main lcore). A worker whose rx
 * queues all have a usable interrupt descriptor sleeps in ppoll on them
 * (and on its bell, core/bell.h) when idle, until a packet arrives: no
 * wake-ups at all while nothing happens, and no back-off delay for the
 * first packet.
 *
 * Usable means a descriptor that polls readable while the queue holds
 * packets and needs nothing else: net_tap's, which is the queue's TAP
 * file itself. net_tap also reads a queue only after its real-time rx
 * signal ran its handler; in this mode those signals go to the workers
 * (sw_bell_rt_signals), so the handler runs in the worker as it wakes
 * rather than in whichever thread the kernel picks (the main lcore, asleep
 * on another CPU: a p99 of milliseconds instead of 0.4 ms). Drivers whose interrupt is an eventfd (vhost, virtio-user,
 * hardware through VFIO) need it re-armed (rte_eth_dev_rx_intr_enable) and
 * drained around each sleep; their queues are not waited on but polled
 * with back-off, as in sleep mode, and the start says so. net_af_xdp,
 * net_af_packet, net_memif, net_pcap, net_ring and net_null have no rx
 * interrupts in DPDK 22.11.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "core/log.h"
#include "core/state.h"
#include "port/port.h"

/* An interrupt descriptor that is the queue itself, not an interrupt counter. */
static bool level_fd(int fd)
{
	char link[PATH_MAX], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strstr(target, "eventfd") == NULL;
}

void sw_port_intr_find(uint16_t port, struct sw_port *p)
{
	struct rte_eth_dev_info di;
	unsigned int found = 0;
	uint32_t level;

	for (unsigned int q = 0; q < SW_MAX_WORKERS; q++)
		p->rxq_intr_fd[q] = -1;
	if (sw.poll_mode != SW_POLL_INTERRUPT)
		return;
	/* ethdev logs an error for each queue of a driver without interrupts */
	level = rte_log_get_level(rte_eth_dev_logtype);
	rte_log_set_level(rte_eth_dev_logtype, RTE_LOG_EMERG);
	for (uint16_t q = 0; q < p->n_rxq && q < SW_MAX_WORKERS; q++) {
		int fd = rte_eth_dev_rx_intr_ctl_q_get_fd(p->eth_port, q);

		if (fd >= 0 && level_fd(fd)) {
			p->rxq_intr_fd[q] = fd;
			found++;
		}
	}
	rte_log_set_level(rte_eth_dev_logtype, level);
	if (rte_eth_dev_info_get(p->eth_port, &di) != 0)
		di.driver_name = "?";
	if (found == p->n_rxq)
		SW_LOG(INFO, "port %u (%s): rx interrupts on %u queue(s)", port, di.driver_name,
		       found);
	else
		SW_LOG(NOTICE,
		       "port %u (%s): no usable rx interrupt on %u of %u queue(s): their "
		       "worker backs off when idle as with --poll-mode sleep",
		       port, di.driver_name, p->n_rxq - found, p->n_rxq);
}

void sw_port_intr_forget(struct sw_port *p)
{
	for (unsigned int q = 0; q < SW_MAX_WORKERS; q++)
		p->rxq_intr_fd[q] = -1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * With --dpdk-tools: the pdump server that dpdk-dumpcap and dpdk-pdump (DPDK
 * secondary processes on slipwayd's shared configuration) ask to capture.
 *
 * How a capture reaches the fast path: rte_pdump_init() registers a
 * multi-process action. A capturing process's request is handled on EAL's
 * multi-process thread, which adds an rx callback (first in line) and a tx
 * callback to every queue of the port. Inside the workers'
 * rte_eth_rx_burst() and rte_eth_tx_burst() those callbacks copy each packet
 * (rte_pcapng_copy, through the capture's BPF filter when it has one) into
 * an mbuf of the capturing process's pool and onto its ring; the burst
 * itself is passed on untouched. The capture's end removes the callbacks.
 *
 *  - Capture off costs nothing we add: a queue without callbacks is one
 *    pointer test per burst inside ethdev (RTE_ETHDEV_RXTX_CALLBACKS, built
 *    into Debian's DPDK with or without pdump). Whether callbacks ran is
 *    visible: their counters (sw_pdump_counters, /slipway/ports) stop.
 *  - slipway's mbufs are never held by a capture: copies come from the
 *    capturing process's pool, so the mempool check at exit holds with a
 *    capture attached. A capture that cannot keep up loses copies (its
 *    ringfull and nombuf counters), never slows or stops forwarding.
 *  - What a capture of port N sees: what the workers received from it and
 *    sent to it (forwarded and injected from the vEth). Punts are in rx;
 *    what goes to the vEth is not a port's traffic.
 *  - DPDK's limits: a capturing process killed with SIGKILL leaves its
 *    callbacks copying into a ring nobody drains (counted as ringfull) until
 *    slipwayd stops, and a new capture of that port is refused; a removed
 *    callback's few bytes are never freed (rte_eth_remove_rx_callback).
 */
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pdump.h>

#include "core/log.h"
#include "core/module.h"
#include "core/state.h"
#include "tools/tools.h"

static bool pdump_on; /* written by the main lcore at init and fini */

bool sw_pdump_counters(uint16_t eth_port, struct sw_pdump_counters *out)
{
	struct rte_pdump_stats st;

	if (!__atomic_load_n(&pdump_on, __ATOMIC_ACQUIRE) || rte_pdump_stats(eth_port, &st) != 0)
		return false;
	*out = (struct sw_pdump_counters){
		.accepted = st.accepted,
		.filtered = st.filtered,
		.nombuf = st.nombuf,
		.ringfull = st.ringfull,
	};
	return true;
}

static int pdump_init(void)
{
	if (!sw.dpdk_tools)
		return 0;
	if (rte_pdump_init() != 0) {
		SW_LOG(ERR, "--dpdk-tools: rte_pdump_init failed: %s", rte_strerror(rte_errno));
		return -1;
	}
	__atomic_store_n(&pdump_on, true, __ATOMIC_RELEASE);
	SW_LOG(NOTICE,
	       "--dpdk-tools: shared configuration and pdump server: dpdk-dumpcap, dpdk-pdump "
	       "and dpdk-proc-info attach with --file-prefix=slipway-%s",
	       sw.instance);
	return 0;
}

/* After the workers stopped and the ports closed (no callback runs any
 * more) and with no telemetry command inside (the telemetry module, one
 * priority up, closes first). */
static void pdump_fini(void)
{
	if (!pdump_on)
		return;
	__atomic_store_n(&pdump_on, false, __ATOMIC_RELEASE);
	rte_pdump_uninit();
}

static const struct sw_module pdump_module = {
	.name = "pdump",
	.prio = SW_PRIO_TOOLS - 1,
	.init = pdump_init,
	.fini = pdump_fini,
};
SW_MODULE_REGISTER(pdump_module)

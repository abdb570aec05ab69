/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports' own mbuf pools (see pool.h).
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "core/log.h"
#include "core/state.h"
#include "port/pool.h"

/* An AF_XDP port's own pool: its fill ring (2,048 per queue), its rx ring,
 * bursts in flight and the copies it makes to send mbufs of other pools. */
#define PORT_POOL_MBUFS 8191u

static unsigned int in_use(const struct rte_mempool *mp)
{
	return mp->size - rte_mempool_avail_count(mp);
}

static bool lends_mbufs(const char *driver)
{
	return strcmp(driver, "net_af_xdp") == 0;
}

int sw_port_pool_create(uint16_t idx, struct sw_port *p, const char *driver, struct sw_err *e)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	p->pool = NULL;
	p->lent = 0;
	if (!lends_mbufs(driver))
		return 0;
	snprintf(name, sizeof(name), "sw_port%u_%u", idx, p->eth_port);
	p->pool = rte_pktmbuf_pool_create(name, PORT_POOL_MBUFS, 256, 0,
					  rte_pktmbuf_data_room_size(sw.mp), rte_socket_id());
	if (p->pool == NULL)
		return sw_fail(e, SW_ST_NO_SPACE,
			       "port %u: cannot allocate its pool of %u mbufs: %s", idx,
			       PORT_POOL_MBUFS, rte_strerror(rte_errno));
	return 0;
}

void sw_port_pool_lent(struct sw_port *p)
{
	if (p->pool != NULL)
		p->lent = in_use(p->pool);
}

void sw_port_pool_discard(struct sw_port *p)
{
	rte_mempool_free(p->pool); /* only the driver's loan is out, and the device is closed */
	p->pool = NULL;
}

void sw_port_pool_reap(const struct sw_port *p)
{
	if (p->pool == NULL)
		return;
	for (unsigned int round = 0; round < 50 && in_use(p->pool) > p->lent; round++) {
		for (uint16_t q = 0; q < p->n_txq; q++)
			rte_eth_tx_burst(p->eth_port, q, NULL, 0);
		rte_delay_us_sleep(200);
	}
}

/* The ports' pools outlive the ports (mbufs of them may sit in rings until
 * the end): released last, with the leak check. */
static struct {
	struct rte_mempool *pool;
	unsigned int lent;
	uint16_t port;
} kept[SW_MAX_PORTS];
static unsigned int n_kept;

void sw_port_pool_keep(const struct sw_port *p, uint16_t idx)
{
	if (p->pool != NULL && n_kept < SW_MAX_PORTS)
		kept[n_kept++] = (typeof(kept[0])){ .pool = p->pool, .lent = p->lent, .port = idx };
}

unsigned int sw_port_pools_release(void)
{
	unsigned int leaked = 0;

	for (unsigned int i = 0; i < n_kept; i++) {
		struct rte_mempool *mp = kept[i].pool;
		unsigned int out = in_use(mp), lent = kept[i].lent;

		if (out > lent) {
			SW_LOG(ERR,
			       "shutdown: port %u pool %s: %u mbufs out, %u of them kept by the "
			       "driver: leaked %u mbufs",
			       kept[i].port, mp->name, out, lent, out - lent);
			leaked += out - lent;
		} else {
			SW_LOG(NOTICE,
			       "shutdown: port %u pool %s: %u/%u mbufs free, %u kept by the "
			       "driver since queue set-up (AF_XDP fill ring)",
			       kept[i].port, mp->name, mp->size - out, mp->size, out);
		}
		rte_mempool_free(mp);
	}
	n_kept = 0;
	return leaked;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's own tools against slipwayd (this folder):
 *  - telemetry: slipway's commands on DPDK's telemetry socket
 *    (dpdk-telemetry.py -f slipway-NAME), in every mode;
 *  - pdump: with --dpdk-tools, the server dpdk-dumpcap and dpdk-pdump ask to
 *    copy a port's traffic (their rx/tx callbacks, see pdump.c).
 *
 * Nothing here runs on the fast path. The other modules are read through
 * their registered read-only operations (core/api.h) and the statistics
 * area, never through their tables.
 *
 * Where a telemetry command runs: DPDK calls it on a thread of its own (one
 * per connected client), never on an lcore. Such a thread reads the
 * statistics area in place (single-writer counters, and the device and
 * table counters under their seqlock): tel_stats.c. What belongs to the
 * main lcore (ports, rules, the policer, the vEths) is read on the main
 * lcore: the command posts its work to a mailbox the main loop looks at
 * once per pass and waits for the answer (sw_tel_on_main, tel_control.c).
 * The main lcore looks with one load while the mailbox is empty; the
 * workers never see any of it.
 */
#ifndef SW_TOOLS_TOOLS_H
#define SW_TOOLS_TOOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "slipway_ctl.h"

/* A telemetry command: "/slipway/..." and its help line. */
struct sw_tel_cmd {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
};
void sw_tel_register(const struct sw_tel_cmd *c);

/* Registers every command of a static array when the program loads. */
#define SW_TEL_REGISTER(table)                                                         \
	__attribute__((constructor)) static void sw_tel_register_##table(void)         \
	{                                                                              \
		for (unsigned int i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			sw_tel_register(&table[i_]);                                   \
	}

/*
 * The gate: a command reads the statistics area only between a successful
 * sw_tel_enter() and sw_tel_leave(). It opens once the module is up; at
 * shutdown it closes and the main lcore waits for the commands inside
 * before the area is unmapped. false: shutting down (answer nothing).
 */
bool sw_tel_enter(void);
void sw_tel_leave(void);

/* Runs fn(params, d) on the main lcore and returns what it returned; -1
 * when shutting down, when SW_TEL_JOBS commands already wait, or when the
 * main lcore took no notice within 2 s. Enters the gate itself. */
typedef int (*sw_tel_main_fn)(const char *params, struct rte_tel_data *d);
int sw_tel_on_main(sw_tel_main_fn fn, const char *params, struct rte_tel_data *d);

/* The answer becomes {"error": "..."}; returns 0 (an answer, not a failure). */
int sw_tel_error(struct rte_tel_data *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The port a command names in its parameter ("/slipway/l3,0"): 0 with
 * *port set, or -1 with the error in d (missing, not a number, no such
 * port). */
int sw_tel_port_param(const char *params, struct rte_tel_data *d, uint16_t *port);

/* Counters of the statistics area, summed over the lcores in use. */
void sw_tel_port_counters(uint16_t port, uint64_t out[SW_C__COUNT]);
void sw_tel_l3_counters(uint16_t port, uint64_t out[SW_L3__COUNT]);
extern const char *const sw_tel_port_counter_names[SW_C__COUNT];
extern const char *const sw_tel_l3_counter_names[SW_L3__COUNT];

/* pdump.c: the pdump counters of an ethdev (all queues, rx and tx): what
 * the capture callbacks accepted, filtered out, could not copy (nombuf) and
 * found the capture ring full for. false when --dpdk-tools is off. */
struct sw_pdump_counters {
	uint64_t accepted, filtered, nombuf, ringfull;
};
bool sw_pdump_counters(uint16_t eth_port, struct sw_pdump_counters *out);

#endif

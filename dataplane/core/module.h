/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Module life cycle and periodic work. A module registers an init/fini pair
 * with a priority (init in increasing order once EAL, the mempool and the
 * workers exist; fini in decreasing order at shutdown) and any periodic
 * work it needs on the main lcore (link polling, statistics refresh,
 * netlink), so main.c knows no module by name.
 */
#ifndef SW_CORE_MODULE_H
#define SW_CORE_MODULE_H

#include <stdbool.h>
#include <stdint.h>

/* Priorities: core tables before ports, ports before what follows them. */
#define SW_PRIO_TABLES 100
#define SW_PRIO_PORTS  200
#define SW_PRIO_KNI    300
#define SW_PRIO_CTL    400
#define SW_PRIO_TOOLS  500 /* DPDK's tools (telemetry, pdump): last up, first down */

struct sw_module {
	const char *name;
	int prio;
	int (*init)(void); /* 0, or -1 having logged why */
	void (*fini)(void);
};

void sw_module_register(const struct sw_module *m);
int sw_modules_init(void); /* stops at the first failure; fini undoes what ran */
void sw_modules_fini(void);

#define SW_MODULE_REGISTER(m)                                                 \
	__attribute__((constructor)) static void sw_module_register_##m(void) \
	{                                                                     \
		sw_module_register(&m);                                       \
	}

/* Periodic work on the main lcore, at most every period_ns. */
typedef void (*sw_periodic_fn)(uint64_t now_ns);
void sw_periodic_register(const char *name, uint64_t period_ns, sw_periodic_fn fn);
/* Runs what is due; true when one of them asked to run again at once. */
bool sw_periodic_run(uint64_t now_ns);
/* From a periodic function: it has more work now (a backlog); it runs
 * again at the next pass of the main loop, which does not sleep before. */
void sw_periodic_again(void);

#define SW_PERIODIC_REGISTER(name, period_ns, fn)                                \
	__attribute__((constructor)) static void sw_periodic_register_##fn(void) \
	{                                                                        \
		sw_periodic_register(name, period_ns, fn);                       \
	}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/module.h"

#define MAX_MODULES  32u
#define MAX_PERIODIC 16u

static struct {
	const struct sw_module *mods[MAX_MODULES];
	unsigned int n, n_init;
	struct {
		const char *name;
		uint64_t period, next;
		sw_periodic_fn fn;
	} periodic[MAX_PERIODIC];
	unsigned int n_periodic;
} modules;

void sw_module_register(const struct sw_module *m)
{
	unsigned int i;

	if (modules.n == MAX_MODULES)
		abort();
	/* insertion sort by priority, registration order within one */
	for (i = modules.n; i > 0 && modules.mods[i - 1]->prio > m->prio; i--)
		modules.mods[i] = modules.mods[i - 1];
	modules.mods[i] = m;
	modules.n++;
}

int sw_modules_init(void)
{
	for (; modules.n_init < modules.n; modules.n_init++) {
		const struct sw_module *m = modules.mods[modules.n_init];

		if (m->init != NULL && m->init() != 0) {
			SW_LOG(ERR, "module %s failed to start", m->name);
			return -1;
		}
	}
	return 0;
}

void sw_modules_fini(void)
{
	while (modules.n_init > 0) {
		const struct sw_module *m = modules.mods[--modules.n_init];

		if (m->fini != NULL)
			m->fini();
	}
}

void sw_periodic_register(const char *name, uint64_t period_ns, sw_periodic_fn fn)
{
	if (modules.n_periodic == MAX_PERIODIC)
		abort();
	modules.periodic[modules.n_periodic].name = name;
	modules.periodic[modules.n_periodic].period = period_ns;
	modules.periodic[modules.n_periodic].next = 0;
	modules.periodic[modules.n_periodic].fn = fn;
	modules.n_periodic++;
}

static bool again;

void sw_periodic_again(void)
{
	again = true;
}

bool sw_periodic_run(uint64_t now_ns)
{
	bool any = false;

	for (unsigned int i = 0; i < modules.n_periodic; i++) {
		if (now_ns < modules.periodic[i].next)
			continue;
		modules.periodic[i].next = now_ns + modules.periodic[i].period;
		again = false;
		modules.periodic[i].fn(now_ns);
		if (again) {
			modules.periodic[i].next = now_ns;
			any = true;
		}
	}
	return any;
}

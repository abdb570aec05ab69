/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry's plumbing (see tools.h): command registration, the gate that
 * keeps commands off the statistics area once it goes away, and the
 * mailbox that runs a command's work on the main lcore.
 *
 * The mailbox is a fixed array of jobs, each a small state machine:
 *   FREE -> CLAIMED (a command took it) -> PENDING (posted)
 *   PENDING -> TAKEN (main lcore) -> DONE -> FREE (the command, after reading)
 *   PENDING -> REFUSED (the command gave up waiting, or shutdown) -> FREE
 * A job's pointers (params, d: the command thread's own) are followed only
 * by the main lcore while TAKEN, and a command never leaves a TAKEN job: it
 * waits for DONE, which comes within one pass of the main loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>

#include "core/bell.h"
#include "core/log.h"
#include "core/module.h"
#include "core/state.h"
#include "core/util.h"
#include "tools/tools.h"

#define SW_TEL_JOBS   16u /* DPDK serves at most 10 telemetry clients at a time */
#define WAIT_NS	      (2000ull * 1000 * 1000)
#define POLL_NS	      (50ull * 1000)
#define SHUTDOWN_WAIT (5000ull * 1000 * 1000)

enum job_state { JOB_FREE, JOB_CLAIMED, JOB_PENDING, JOB_TAKEN, JOB_DONE, JOB_REFUSED };

struct job {
	uint32_t state; /* enum job_state, see above */
	int ret;	/* fn's, set before DONE */
	sw_tel_main_fn fn;
	const char *params;
	struct rte_tel_data *d;
};

static struct {
	uint32_t open;	 /* 1 while commands may read the statistics area */
	uint32_t inside; /* commands inside the gate */
	uint32_t posted; /* jobs not FREE: the main lcore looks only when non-zero */
	struct job jobs[SW_TEL_JOBS];
} tel;

const char *const sw_tel_port_counter_names[SW_C__COUNT] = {
#define NAME(n) #n,
	SW_PORT_COUNTER_LIST(NAME)
#undef NAME
};

const char *const sw_tel_l3_counter_names[SW_L3__COUNT] = {
#define NAME(n) #n,
	SW_L3_COUNTER_LIST(NAME)
#undef NAME
};

void sw_tel_register(const struct sw_tel_cmd *c)
{
	int ret = rte_telemetry_register_cmd(c->cmd, c->fn, c->help);

	if (ret != 0) {
		fprintf(stderr, "slipwayd: telemetry command %s: cannot register: %s\n", c->cmd,
			strerror(-ret));
		abort();
	}
}

bool sw_tel_enter(void)
{
	__atomic_add_fetch(&tel.inside, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&tel.open, __ATOMIC_SEQ_CST))
		return true;
	__atomic_sub_fetch(&tel.inside, 1, __ATOMIC_RELEASE);
	return false;
}

void sw_tel_leave(void)
{
	__atomic_sub_fetch(&tel.inside, 1, __ATOMIC_RELEASE);
}

static void nap(uint64_t ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };

	nanosleep(&ts, NULL);
}

static struct job *claim(void)
{
	for (unsigned int i = 0; i < SW_TEL_JOBS; i++) {
		uint32_t free_state = JOB_FREE;

		if (__atomic_compare_exchange_n(&tel.jobs[i].state, &free_state, JOB_CLAIMED, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return &tel.jobs[i];
	}
	return NULL;
}

int sw_tel_on_main(sw_tel_main_fn fn, const char *params, struct rte_tel_data *d)
{
	uint64_t deadline;
	struct job *j;
	uint32_t st;
	int ret;

	if (!sw_tel_enter())
		return -1;
	j = claim();
	if (j == NULL) {
		sw_tel_leave();
		return -1;
	}
	__atomic_add_fetch(&tel.posted, 1, __ATOMIC_RELAXED);
	j->fn = fn;
	j->params = params;
	j->d = d;
	__atomic_store_n(&j->state, JOB_PENDING, __ATOMIC_RELEASE);
	sw_bell_ring(); /* the main lcore may sleep in deep idle */
	deadline = sw_mono_ns() + WAIT_NS;
	for (;;) {
		st = __atomic_load_n(&j->state, __ATOMIC_ACQUIRE);
		if (st == JOB_DONE || st == JOB_REFUSED)
			break;
		if (st == JOB_PENDING && sw_mono_ns() > deadline) {
			uint32_t pending = JOB_PENDING;

			/* not taken yet: withdraw it; taken meanwhile: it finishes */
			if (__atomic_compare_exchange_n(&j->state, &pending, JOB_REFUSED, false,
							__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
				st = JOB_REFUSED;
				break;
			}
			continue;
		}
		nap(POLL_NS);
	}
	ret = st == JOB_DONE ? j->ret : -1;
	__atomic_store_n(&j->state, JOB_FREE, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&tel.posted, 1, __ATOMIC_RELAXED);
	sw_tel_leave();
	return ret;
}

/* The main lcore, once per pass of its loop: run what was posted. */
static void serve(uint64_t now_ns)
{
	RTE_SET_USED(now_ns);
	if (__atomic_load_n(&tel.posted, __ATOMIC_RELAXED) == 0)
		return;
	for (unsigned int i = 0; i < SW_TEL_JOBS; i++) {
		struct job *j = &tel.jobs[i];
		uint32_t pending = JOB_PENDING;

		if (!__atomic_compare_exchange_n(&j->state, &pending, JOB_TAKEN, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		j->ret = j->fn(j->params, j->d);
		__atomic_store_n(&j->state, JOB_DONE, __ATOMIC_RELEASE);
	}
}
SW_PERIODIC_REGISTER("telemetry", 0, serve)

int sw_tel_error(struct rte_tel_data *d, const char *fmt, ...)
{
	char msg[RTE_TEL_MAX_STRING_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

int sw_tel_port_param(const char *params, struct rte_tel_data *d, uint16_t *port)
{
	uint32_t mask = __atomic_load_n(&sw.stats->port_mask, __ATOMIC_ACQUIRE);
	unsigned long v;
	char *end;

	if (params == NULL || *params == '\0') {
		sw_tel_error(d, "give a port: %s", "COMMAND,PORT (e.g. /slipway/l3,0)");
		return -1;
	}
	errno = 0;
	v = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || end == params || params[0] == '-' || params[0] == '+') {
		sw_tel_error(d, "port '%.32s': not a port number", params);
		return -1;
	}
	if (v >= SW_MAX_PORTS || !(mask & (1u << v))) {
		sw_tel_error(d, "port %lu does not exist", v);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static unsigned int lcores_in_use(void)
{
	return RTE_MIN(__atomic_load_n(&sw.stats->n_lcores, __ATOMIC_ACQUIRE), SW_MAX_LCORES);
}

void sw_tel_port_counters(uint16_t port, uint64_t out[SW_C__COUNT])
{
	unsigned int n = lcores_in_use();

	memset(out, 0, SW_C__COUNT * sizeof(out[0]));
	for (unsigned int l = 0; l < n; l++) {
		const struct sw_port_counters *pc = &sw.stats->lcores[l].ports[port];

		for (unsigned int c = 0; c < SW_C__COUNT; c++)
			out[c] += __atomic_load_n(&pc->c[c], __ATOMIC_RELAXED);
	}
}

void sw_tel_l3_counters(uint16_t port, uint64_t out[SW_L3__COUNT])
{
	unsigned int n = lcores_in_use();

	memset(out, 0, SW_L3__COUNT * sizeof(out[0]));
	for (unsigned int l = 0; l < n; l++) {
		const struct sw_l3_counters *lc = &sw.stats->l3[l][port];

		for (unsigned int c = 0; c < SW_L3__COUNT; c++)
			out[c] += __atomic_load_n(&lc->c[c], __ATOMIC_RELAXED);
	}
}

static int telemetry_init(void)
{
	__atomic_store_n(&tel.open, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Before the statistics area goes: no command may be inside. Jobs still
 * posted are refused (the main loop has ended and will not take them). */
static void telemetry_fini(void)
{
	uint64_t deadline = sw_mono_ns() + SHUTDOWN_WAIT;

	__atomic_store_n(&tel.open, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&tel.inside, __ATOMIC_SEQ_CST) != 0) {
		for (unsigned int i = 0; i < SW_TEL_JOBS; i++) {
			uint32_t pending = JOB_PENDING;

			__atomic_compare_exchange_n(&tel.jobs[i].state, &pending, JOB_REFUSED,
						    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		}
		if (sw_mono_ns() > deadline) {
			SW_LOG(WARNING, "telemetry: %u command(s) still running at shutdown",
			       __atomic_load_n(&tel.inside, __ATOMIC_RELAXED));
			break;
		}
		nap(1000 * 1000);
	}
}

static const struct sw_module telemetry_module = {
	.name = "telemetry",
	.prio = SW_PRIO_TOOLS,
	.init = telemetry_init,
	.fini = telemetry_fini,
};
SW_MODULE_REGISTER(telemetry_module)

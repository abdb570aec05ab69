/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing the fast-path configuration: a mechanism, not a call chain.
 *
 * Modules register hooks. A table change only marks the configuration
 * dirty; the control transport commits once per batch of requests (group
 * commit), and the commit runs, in order:
 *   prepare - finish what the module's part needs (a classifier is built on
 *             the control thread: it may report "in progress"),
 *   fill    - write the module's part of the new configuration (generation
 *             sw_publish_next_gen()),
 * then swaps the pointer workers read and takes an RCU QSBR token. Once
 * every worker has been quiescent since, reclaim(gen) lets modules reuse
 * what older configurations referenced. Nothing here ever blocks a worker.
 *
 * A module whose pending changes cannot grow further before a publish (a
 * change log that is full) says so with full(); whoever is about to change
 * tables calls sw_publish_make_room() first, which publishes early. No
 * table publishes from inside its own change.
 */
#ifndef SW_CORE_PUBLISH_H
#define SW_CORE_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct sw_fp_config;

/* sw_publish_ops.prepare results */
#define SW_PREPARE_READY 0
#define SW_PREPARE_BUSY	 1 /* work in progress off the main lcore: ask again */

struct sw_publish_ops {
	const char *name;
	/* generation gen is about to be built; SW_PREPARE_* or -1 with e set:
	 * the module could not put its pending changes in force and has undone
	 * them (the publish goes on without them) */
	int (*prepare)(uint64_t gen, struct sw_err *e);
	void (*fill)(struct sw_fp_config *cfg);
	void (*reclaim)(uint64_t gen);
	bool (*full)(void);
};

void sw_publish_register(const struct sw_publish_ops *ops);
#define SW_PUBLISH_REGISTER(ops)                                                 \
	__attribute__((constructor)) static void sw_publish_register_##ops(void) \
	{                                                                        \
		sw_publish_register(&ops);                                       \
	}

int sw_publish_init(void); /* the RCU variable and the first configuration */
void sw_publish_fini(void);

/* A change waits for the next commit. */
void sw_publish_mark_dirty(void);
bool sw_publish_dirty(void);
/* Changes marked so far (a caller compares two readings: did it change anything?). */
uint64_t sw_publish_changes(void);
/* The generation the next publish will have (what a released id waits for). */
uint64_t sw_publish_next_gen(void);

/* Publish if anything changed. Returns 0 when published (or nothing to
 * do), SW_PREPARE_BUSY when a module's preparation runs on: call
 * sw_publish_poll() until it is not busy. */
int sw_publish_commit(void);
bool sw_publish_busy(void);
/* The control transport holds a batch's commit (more of it is coming): the
 * changes it made so far wait for it. Background committers (kernel sync)
 * call sw_publish_commit_background(), which publishes only what they
 * changed themselves, or anything when no batch is held. */
void sw_publish_hold(bool on);
int sw_publish_commit_background(bool changed);
/* Main loop: advance a commit in progress, reclaim what is past its grace
 * period. Never blocks. */
void sw_publish_poll(void);
/* Publish now and wait until no worker can see the previous configuration
 * (stopping a port). Blocks the main lcore for a grace period (and for a
 * preparation in progress). */
int sw_publish_sync(void);
/* Before changing tables: publish (and wait) when a module cannot take
 * more changes. Returns true when it published. */
bool sw_publish_make_room(void);
/* Blocks until every publish up to gen is past its grace period (a module
 * about to write a table copy that configuration gen still reads). */
void sw_publish_wait(uint64_t gen);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's doorbell. In deep idle (nothing at all to do for a
 * while) the main lcore sleeps longer than --idle-us, and whatever would
 * otherwise wait for its next pass rings the bell instead: a worker that
 * left frames in a punt ring, a telemetry request, a frame from the kernel
 * on a vEth (SIGIO while armed). Ringing costs a futex wake only while the
 * main lcore is armed, i.e. asleep in deep idle; otherwise a load.
 */
#ifndef SW_CORE_BELL_H
#define SW_CORE_BELL_H

#include <stdbool.h>
#include <stdint.h>

/* The futex word (private) the main lcore sleeps on while armed (bumped by each ring). */
extern uint32_t sw_bell_word;
/* True while the main lcore is armed: in deep idle, asleep or looking for work. */
extern bool sw_bell_armed;

/* Main lcore: arm the bell. It then loads sw_bell_word before each look
 * for work and sleeps on that value: a ring after the load ends the sleep. */
void sw_bell_arm(void);
/* Main lcore: disarm once awake. */
void sw_bell_disarm(void);

/* Wake the main lcore if it is armed: call after making the work visible
 * (a full fence, then a load; a futex wake only while armed).
 * Async-signal-safe. */
void sw_bell_ring(void);

/* Installs the SIGIO handler that rings the bell (fds armed with O_ASYNC). */
int sw_bell_sigio_init(void);

/*
 * The workers' bells. A worker with nothing to do sleeps either on a futex
 * word of its own with a timeout (idle back-off: as cheap as nanosleep)
 * or, with --poll-mode interrupt, in ppoll on its rx queues' interrupt
 * descriptors and its own eventfd. Whoever gives a sleeping worker work
 * that its rx queues would not signal rings it: the main lcore after
 * putting frames from a vEth into its inject ring, each new fast-path
 * configuration (new queues to poll, a capture armed), the stop. Ringing
 * costs a futex wake or an eventfd write only while the worker is asleep,
 * once per sleep.
 */
int sw_bell_workers_init(unsigned int n_workers);
void sw_bell_workers_fini(void);
/* Worker w's eventfd, for its ppoll. */
int sw_bell_worker_fd(unsigned int w);
/* Worker w, before it sleeps, on the futex (poll false) or in ppoll (true):
 * from here a ring wakes it. It then looks for work once more (seq_cst: a
 * ringer that made its work visible first is seen by that look, or sees
 * the worker asleep). */
void sw_bell_worker_sleep(unsigned int w, bool poll);
/* Worker w: sleep on the futex at most ns, unless rung since
 * sw_bell_worker_sleep(w, false). */
void sw_bell_worker_wait(unsigned int w, uint64_t ns);
/* Worker w, awake; rung: its eventfd polled readable (then drained). */
void sw_bell_worker_awake(unsigned int w, bool rung);
/*
 * --poll-mode interrupt: the real-time signals (net_tap raises one for
 * every frame that reaches a TAP queue, and reads a queue only once it saw
 * one) go to the workers, the threads that wait for those frames: every
 * thread blocks them (call before rte_eal_init, whose threads inherit the
 * mask) but the workers, which unblock them (call from each worker).
 */
void sw_bell_rt_signals(bool take);

/* Wake worker w if it sleeps / every sleeping worker. */
void sw_bell_worker_ring(unsigned int w);
void sw_bell_workers_ring(void);

#endif

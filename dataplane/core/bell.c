/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "core/bell.h"
#include "core/state.h"

uint32_t sw_bell_word;
bool sw_bell_armed;

void sw_bell_arm(void)
{
	/* seq_cst on both sides: a ringer that made its work visible before it
	 * tests sw_bell_armed either sees it set (and bumps the word) or its
	 * work is seen by the main lcore's next look, which follows this store */
	__atomic_store_n(&sw_bell_armed, true, __ATOMIC_SEQ_CST);
}

void sw_bell_disarm(void)
{
	__atomic_store_n(&sw_bell_armed, false, __ATOMIC_RELAXED);
}

void sw_bell_ring(void)
{
	int saved = errno;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&sw_bell_armed, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&sw_bell_word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &sw_bell_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}

static void on_sigio(int sig)
{
	(void)sig;
	sw_bell_ring();
}

int sw_bell_sigio_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigio;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGIO, &sa, NULL);
}

static struct worker_bell {
	int fd;		 /* eventfd, non-blocking */
	uint32_t asleep; /* the futex word: ASLEEP_* */
} __rte_cache_aligned wbell[SW_MAX_LCORES];
static unsigned int n_wbells;

enum { AWAKE, ASLEEP_FUTEX, ASLEEP_POLL };

int sw_bell_workers_init(unsigned int n_workers)
{
	for (n_wbells = 0; n_wbells < n_workers && n_wbells < SW_MAX_LCORES; n_wbells++) {
		wbell[n_wbells].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		wbell[n_wbells].asleep = 0;
		if (wbell[n_wbells].fd < 0) {
			sw_bell_workers_fini();
			return -1;
		}
	}
	return 0;
}

void sw_bell_workers_fini(void)
{
	while (n_wbells > 0) {
		n_wbells--;
		if (wbell[n_wbells].fd >= 0)
			close(wbell[n_wbells].fd);
		wbell[n_wbells].fd = -1;
	}
}

int sw_bell_worker_fd(unsigned int w)
{
	return w < n_wbells ? wbell[w].fd : -1;
}

void sw_bell_worker_sleep(unsigned int w, bool poll)
{
	__atomic_store_n(&wbell[w].asleep, poll ? ASLEEP_POLL : ASLEEP_FUTEX, __ATOMIC_SEQ_CST);
}

void sw_bell_worker_wait(unsigned int w, uint64_t ns)
{
	const struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000),
				     .tv_nsec = (long)(ns % 1000000000) };

	/* returns at once (EAGAIN) when a ring cleared the word first */
	syscall(SYS_futex, &wbell[w].asleep, FUTEX_WAIT_PRIVATE, ASLEEP_FUTEX, &ts, NULL, 0);
}

void sw_bell_worker_awake(unsigned int w, bool rung)
{
	uint64_t v;

	__atomic_store_n(&wbell[w].asleep, AWAKE, __ATOMIC_RELAXED);
	if (rung && read(wbell[w].fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: drained already */
}

void sw_bell_worker_ring(unsigned int w)
{
	const uint64_t v = 1;
	uint32_t how;

	if (w >= n_wbells)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	how = __atomic_load_n(&wbell[w].asleep, __ATOMIC_SEQ_CST);
	/* the first ringer of this sleep wakes it; the others see it awake */
	if (how == AWAKE || !__atomic_compare_exchange_n(&wbell[w].asleep, &how, AWAKE, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return;
	if (how == ASLEEP_FUTEX)
		syscall(SYS_futex, &wbell[w].asleep, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	else if (write(wbell[w].fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: the counter is full, so it is readable */
}

void sw_bell_rt_signals(bool take)
{
	sigset_t set;

	sigemptyset(&set);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(&set, s);
	pthread_sigmask(take ? SIG_UNBLOCK : SIG_BLOCK, &set, NULL);
}

void sw_bell_workers_ring(void)
{
	for (unsigned int w = 0; w < n_wbells; w++)
		sw_bell_worker_ring(w);
}

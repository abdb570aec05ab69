/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/bell.h"

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

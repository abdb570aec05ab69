/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEths' network namespace (see netns.h). Two descriptors: the chosen
 * namespace and the one the main lcore started in (its home). Entering is
 * setns(2) on the calling thread only; the other lcores and EAL's threads
 * never leave home, and no thread is created while the main lcore is away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "kni/netns.h"

#define NETNS_RUN_DIR "/run/netns"

static struct {
	int target; /* -1: the vEths live at home */
	int home;
	char name[256];
} ns = { .target = -1, .home = -1 };

static void ns_close(void)
{
	if (ns.target >= 0)
		close(ns.target);
	if (ns.home >= 0)
		close(ns.home);
	ns.target = ns.home = -1;
	ns.name[0] = '\0';
}

int sw_netns_use(const char *name, char *err, size_t errlen)
{
	char path[sizeof(ns.name) + sizeof(NETNS_RUN_DIR)];
	const char *what;

	ns_close();
	if (strchr(name, '/') != NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	ns.target = open(path, O_RDONLY | O_CLOEXEC);
	if (ns.target < 0) {
		bool hint = errno == ENOENT && strchr(name, '/') == NULL;

		snprintf(err, errlen, "--vif-netns %s: cannot open %s: %s%s%s%s", name, path,
			 strerror(errno), hint ? " (create it with `ip netns add " : "",
			 hint ? name : "", hint ? "`)" : "");
		ns_close();
		return -1;
	}
	ns.home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns.home < 0) {
		what = "cannot open /proc/thread-self/ns/net";
		goto fail;
	}
	/* a trial: it is a network namespace and we may enter it (and come back) */
	if (setns(ns.target, CLONE_NEWNET) != 0) {
		what = errno == EINVAL ? "not a network namespace" : "cannot enter it";
		goto fail;
	}
	if (setns(ns.home, CLONE_NEWNET) != 0) {
		what = "cannot return to slipwayd's own namespace";
		goto fail;
	}
	snprintf(ns.name, sizeof(ns.name), "%s", name);
	return 0;
fail:
	snprintf(err, errlen, "--vif-netns %s: %s: %s: %s", name, path, what, strerror(errno));
	ns_close();
	return -1;
}

const char *sw_netns_name(void)
{
	return ns.name;
}

static int enter(void)
{
	return ns.target < 0 || setns(ns.target, CLONE_NEWNET) == 0 ? 0 : -1;
}

/* Back home. Failing here would leave the main lcore creating the ports'
 * sockets in the wrong namespace: nothing sane can follow. */
static void leave(void)
{
	int e = errno;

	if (ns.target >= 0 && setns(ns.home, CLONE_NEWNET) != 0) {
		SW_LOG(CRIT, "cannot return from network namespace %s: %s", ns.name,
		       strerror(errno));
		abort();
	}
	errno = e;
}

int sw_netns_socket(int domain, int type, int protocol)
{
	int fd;

	if (enter() != 0)
		return -1;
	fd = socket(domain, type, protocol);
	leave();
	return fd;
}

int sw_netns_open(const char *path, int flags)
{
	int fd;

	if (enter() != 0)
		return -1;
	fd = open(path, flags);
	leave();
	return fd;
}
